//! The org's sign-in session: `prompt`, `max_age`, and the `auth_time`, `amr` and `acr` an ID
//! token reports (what a client's step-up relies on).

use crate::helpers::{Org, SIGN_IN_RETURN, spawn_org};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

/// RFC 7636's example pair.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn browser() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

async fn authorize(org: &Org, http: &reqwest::Client, extra: &[(&str, &str)]) -> reqwest::Response {
    let mut query = vec![
        ("client_id", org.org.client_id.as_str()),
        ("redirect_uri", SIGN_IN_RETURN),
        ("response_type", "code"),
        ("scope", "openid"),
        ("state", "s"),
        ("nonce", "n"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    query.extend_from_slice(extra);
    http.get(format!("{}/oauth2/v1/authorize", org.base)).query(&query).send().await.expect("authorize")
}

fn location(res: &reqwest::Response) -> url::Url {
    let to = res.headers().get(header::LOCATION).expect("a redirect").to_str().expect("text");
    url::Url::parse(to).expect("url")
}

fn param(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}

/// Signs in on the form an `/authorize` answered with; the code the org sends back.
async fn sign_in_on(org: &Org, http: &reqwest::Client, page: reqwest::Response) -> String {
    assert_eq!(page.status(), StatusCode::OK, "the sign-in form");
    let txn = portico_testkit::form_txn(&page.text().await.expect("page")).expect("a form");
    let res = http
        .post(format!("{}/login/signin", org.base))
        .form(&[
            ("txn", txn.as_str()),
            ("username", portico_devorg::seed::ADMIN_LOGIN),
            ("password", portico_devorg::seed::DEMO_PASSWORD),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    param(&location(&res), "code").expect("a code")
}

/// The claims of the ID token the code is exchanged for.
async fn id_claims(org: &Org, code: &str) -> Value {
    let res = reqwest::Client::new()
        .post(format!("{}/oauth2/v1/token", org.base))
        .basic_auth(&org.org.client_id, Some(org.org.client_secret.as_str()))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", SIGN_IN_RETURN),
            ("code_verifier", VERIFIER),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.expect("json");
    let payload = body["id_token"].as_str().expect("id token").split('.').nth(1).expect("payload").to_string();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("claims")
}

#[tokio::test]
async fn the_session_is_reused_until_prompt_or_max_age_asks_for_the_password() {
    let org = spawn_org().await;
    let http = browser();
    let code = sign_in_on(&org, &http, authorize(&org, &http, &[]).await).await;
    let first = id_claims(&org, &code).await;
    let signed_in = first["auth_time"].as_i64().expect("auth_time");
    assert_eq!(first["amr"], json!(["pwd"]));
    assert_eq!(first["acr"], "urn:okta:loa:1fa:pwd");

    // Five minutes on, the session signs them in without the form, as that first sign-in.
    org.clock.advance(chrono::Duration::minutes(5)).expect("clock");
    let again = authorize(&org, &http, &[]).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER, "no form");
    let claims = id_claims(&org, &param(&location(&again), "code").expect("code")).await;
    assert_eq!(claims["auth_time"].as_i64(), Some(signed_in), "auth_time is the password's time, not now");
    assert!(claims["iat"].as_i64().expect("iat") >= signed_in + 300);

    // A client asking for a sign-in at most a minute old, or for the password itself, gets the form.
    assert_eq!(authorize(&org, &http, &[("max_age", "60")]).await.status(), StatusCode::OK);
    assert_eq!(authorize(&org, &http, &[("max_age", "600")]).await.status(), StatusCode::SEE_OTHER);
    let stepped = authorize(&org, &http, &[("prompt", "login")]).await;
    // This sign-in used a second factor (the org has none of its own: test control says so).
    let res = org
        .control
        .post(format!("{}/__devorg/control/oidc", org.base))
        .json(&json!({ "amr": ["pwd", "otp", "mfa"] }))
        .send()
        .await
        .expect("control");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let fresh = id_claims(&org, &sign_in_on(&org, &http, stepped).await).await;
    // The clock moved 300 s; the test itself takes a moment of real time, which may cross a second.
    let auth_time = fresh["auth_time"].as_i64().expect("auth_time");
    assert!((signed_in + 300..=signed_in + 305).contains(&auth_time), "a new sign-in time: {auth_time} vs {signed_in}");
    assert_eq!(fresh["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(fresh["acr"], "urn:okta:loa:2fa:any");

    // `prompt=none` never shows the form: without a session it answers login_required.
    let none = authorize(&org, &browser(), &[("prompt", "none")]).await;
    assert_eq!(param(&location(&none), "error").as_deref(), Some("login_required"));
    assert_eq!(authorize(&org, &http, &[("prompt", "none")]).await.status(), StatusCode::SEE_OTHER);
    assert!(param(&location(&authorize(&org, &http, &[("max_age", "x")]).await), "error").is_some());

    // Signing out at the org ends its session.
    let out = http.get(format!("{}/oauth2/v1/logout", org.base)).send().await.expect("logout");
    assert_eq!(out.status(), StatusCode::OK);
    assert_eq!(authorize(&org, &http, &[]).await.status(), StatusCode::OK, "the form again");
}

#[tokio::test]
async fn a_deactivated_persons_session_signs_nobody_in() {
    let org = spawn_org().await;
    let http = browser();
    let person = org.user_in("ACTIVE").await;
    let login = person["profile"]["login"].as_str().expect("login").to_string();
    let id = person["id"].as_str().expect("id").to_string();
    let page = authorize(&org, &http, &[]).await;
    let txn = portico_testkit::form_txn(&page.text().await.expect("page")).expect("form");
    let res = http
        .post(format!("{}/login/signin", org.base))
        .form(&[("txn", txn.as_str()), ("username", login.as_str()), ("password", "Tr0ub4dor&3x")])
        .send()
        .await
        .expect("sign in");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(authorize(&org, &http, &[]).await.status(), StatusCode::SEE_OTHER, "the session signs them in");
    org.post(&format!("/api/v1/users/{id}/lifecycle/suspend"), json!({})).await;
    assert_eq!(authorize(&org, &http, &[]).await.status(), StatusCode::OK, "suspended: the form, not a code");
}
