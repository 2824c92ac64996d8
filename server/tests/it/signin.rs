use crate::helpers::*;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::{StatusCode, header};
use sha2::{Digest, Sha256};

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("portico_session="))
        .map(str::to_string)
}

#[tokio::test]
async fn admin_signs_in_and_sees_who_they_are() {
    let app = spawn_app().await;
    let authorize = app.start_login(Some("/")).await;
    let query: std::collections::HashMap<_, _> =
        url::Url::parse(&authorize).expect("url").query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert!(query["scope"].split(' ').any(|s| s == "groups"));
    assert!(query.contains_key("nonce") && query.contains_key("state"));

    let res = app.submit_credentials(&authorize, ADMIN, PASSWORD).await;
    let callback = location(&res);
    let res = app.client.get(callback).send().await.expect("callback");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    let cookie = session_cookie(&res).expect("session cookie set at sign-in");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http portal: no Secure flag");

    let me: serde_json::Value = app.call("me").await.json().await.expect("json");
    assert_eq!(me["name"], "Ada Admin");
    assert_eq!(me["login"], ADMIN);
    assert_eq!(me["roles"][0]["key"], "admin");
    assert!(me["user_id"].as_str().expect("id").starts_with("00u"));
    assert!(me.get("id_token").is_none() && !me.to_string().contains("eyJ"), "no token reaches the browser");

    // The home page is server-rendered with the person's name.
    let page = app.client.get(format!("{}/", app.base)).send().await.expect("home");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("Welcome, ") && html.contains("Ada Admin"), "{html}");
}

#[tokio::test]
async fn roles_come_from_groups() {
    let app = spawn_app().await;
    app.sign_in_as("hal.helpdesk@portico.example", None).await;
    let me: serde_json::Value = app.call("me").await.json().await.expect("json");
    assert_eq!(me["roles"], serde_json::json!([{ "key": "helpdesk", "label": "Help desk" }]));
    assert!(me["groups"].as_array().expect("groups").iter().any(|g| g == "Everyone"));
}

#[tokio::test]
async fn session_id_is_cycled_at_sign_in() {
    let app = spawn_app().await;
    let res = app.client.get(format!("{}/auth/login", app.base)).send().await.expect("login");
    let before = session_cookie(&res).expect("pre-login session");
    let authorize = location(&res);
    let res = app.submit_credentials(&authorize, ADMIN, PASSWORD).await;
    let res = app.client.get(location(&res)).send().await.expect("callback");
    let after = session_cookie(&res).expect("new session");
    assert_ne!(before.split(';').next(), after.split(';').next());
}

#[tokio::test]
async fn wrong_password_is_refused_with_a_clear_message() {
    let app = spawn_app().await;
    let authorize = app.start_login(None).await;
    let res = app.submit_credentials(&authorize, ADMIN, "not-the-password").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let html = res.text().await.expect("html");
    assert!(html.contains("username or password is wrong"), "{html}");
    assert!(html.contains(&format!("value=\"{ADMIN}\"")), "login is kept for the retry");
    // Unknown people get the same answer (no account enumeration).
    let res = app.submit_credentials(&authorize, "nobody@portico.example", PASSWORD).await;
    assert!(res.text().await.expect("html").contains("username or password is wrong"));
}

#[tokio::test]
async fn locked_and_suspended_people_cannot_sign_in() {
    let app = spawn_app().await;
    let authorize = app.start_login(None).await;
    let res = app.submit_credentials(&authorize, "eli.engineer@portico.example", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.expect("html").contains("locked"));
    let res = app.submit_credentials(&authorize, "erin.engineer@portico.example", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tampered_state_is_refused() {
    let app = spawn_app().await;
    let authorize = app.start_login(None).await;
    let res = app.submit_credentials(&authorize, ADMIN, PASSWORD).await;
    let callback = location(&res);
    let mut url = url::Url::parse(&callback).expect("url");
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| if k == "state" { (k.into_owned(), format!("{v}x")) } else { (k.into_owned(), v.into_owned()) })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    let res = app.client.get(url.as_str()).send().await.expect("callback");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.expect("html").contains("state mismatch"));
    assert_eq!(app.call("me").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn replayed_callback_and_code_are_refused() {
    let app = spawn_app().await;
    let authorize = app.start_login(None).await;
    let res = app.submit_credentials(&authorize, ADMIN, PASSWORD).await;
    let callback = location(&res);
    let first = app.client.get(&callback).send().await.expect("callback");
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let again = app.client.get(&callback).send().await.expect("replay");
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.text().await.expect("html").contains("already used"));
}

#[tokio::test]
async fn id_token_signed_by_another_key_is_refused() {
    let app = spawn_app().await;
    app.set_id_token_fault("rogue_key").await;
    let res = app.sign_in_as(ADMIN, None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.expect("html").contains("could not be trusted"));
    assert_eq!(app.call("me").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn expired_id_token_is_refused() {
    let app = spawn_app().await;
    app.set_id_token_fault("expired").await;
    let res = app.sign_in_as(ADMIN, None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.expect("html").contains("could not be trusted"));
    assert_eq!(app.call("me").await.status(), StatusCode::UNAUTHORIZED);
    // Back to normal, the same person gets in.
    app.set_id_token_fault("none").await;
    assert_eq!(app.sign_in_as(ADMIN, None).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn next_never_leaves_the_portal() {
    let app = spawn_app().await;
    // Every way a browser could read as another host: schemes, `//`, backslashes, and control
    // characters it strips (`/<TAB>/evil.example` is `//evil.example` to Chromium).
    for evil in [
        "https://evil.example",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n\n/evil.example",
        "/x\\..\\\\evil",
    ] {
        let res = app.sign_in_as(ADMIN, Some(evil)).await;
        assert_eq!(location(&res), "/", "{evil}");
    }
    let res = app.sign_in_as(ADMIN, Some("/people?q=ed")).await;
    assert_eq!(location(&res), "/people?q=ed");
}

#[tokio::test]
async fn signing_out_ends_both_sessions_and_lands_signed_out() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    // A cross-site form cannot sign people out.
    let res = app
        .client
        .post(format!("{}/auth/logout", app.base))
        .header(header::ORIGIN, "https://evil.example")
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.call("me").await.status(), StatusCode::OK);

    let res = app
        .client
        .post(format!("{}/auth/logout", app.base))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .expect("logout");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let end_session = location(&res);
    assert!(end_session.starts_with(&format!("{}/oauth2/v1/logout?id_token_hint=", app.org)), "{end_session}");
    let res = app.client.get(end_session).send().await.expect("provider logout");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("{}/signed-out", app.base));
    let page = app.client.get(location(&res)).send().await.expect("signed-out page");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.expect("html").contains("You are signed out"));
    assert_eq!(app.call("me").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_and_signing_keys_survive_a_restart() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let keys_before: serde_json::Value =
        reqwest::get(format!("{}/oauth2/v1/keys", app.org)).await.expect("jwks").json().await.expect("json");
    let data_dir = app.data_dir.clone();
    let client = app.client.clone();
    let _keep = app.stop_keeping_data().await;

    let again = spawn_app_in(data_dir, client).await;
    let keys_after: serde_json::Value =
        reqwest::get(format!("{}/oauth2/v1/keys", again.org)).await.expect("jwks").json().await.expect("json");
    assert_eq!(keys_before["keys"][0]["kid"], keys_after["keys"][0]["kid"]);
    // Cookies are per host, not per port: the restarted portal finds the stored session.
    let me = again.call("me").await;
    assert_eq!(me.status(), StatusCode::OK);
    again.portal.stop().await;
}

/// The provider side of PKCE and code use, driven directly as a client would.
#[tokio::test]
async fn provider_requires_pkce_and_single_use_codes() {
    let app = spawn_app().await;
    let org = app.portal.devorg.as_ref().expect("org");
    let (client_id, secret) = (org.client_id.clone(), org.client_secret.clone());
    let redirect = format!("{}/auth/callback", app.base);
    let verifier = "x".repeat(43) + "correct-verifier";
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let authorize = |challenge: Option<&str>, method: &str| {
        let mut url = url::Url::parse(&format!("{}/oauth2/v1/authorize", app.org)).expect("url");
        url.query_pairs_mut()
            .append_pair("client_id", &client_id)
            .append_pair("redirect_uri", &redirect)
            .append_pair("response_type", "code")
            .append_pair("scope", "openid profile")
            .append_pair("state", "s1")
            .append_pair("nonce", "n1")
            .append_pair("code_challenge_method", method);
        if let Some(c) = challenge {
            url.query_pairs_mut().append_pair("code_challenge", c);
        }
        url.to_string()
    };

    // No challenge, or the plain method: refused back to the client.
    for url in [authorize(None, "S256"), authorize(Some(&challenge), "plain")] {
        let res = app.client.get(url).send().await.expect("authorize");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(location(&res).contains("error=invalid_request"), "{}", location(&res));
    }

    let code_for = |url: String| {
        let app = &app;
        async move {
            let res = app.submit_credentials(&url, ADMIN, PASSWORD).await;
            let loc = url::Url::parse(&location(&res)).expect("callback");
            loc.query_pairs().find(|(k, _)| k == "code").expect("code").1.into_owned()
        }
    };
    let exchange = |code: String, verifier: Option<String>| {
        let (client_id, secret, redirect, org) = (client_id.clone(), secret.clone(), redirect.clone(), app.org.clone());
        async move {
            let mut form =
                vec![("grant_type", "authorization_code".to_string()), ("code", code), ("redirect_uri", redirect)];
            if let Some(v) = verifier {
                form.push(("code_verifier", v));
            }
            reqwest::Client::new()
                .post(format!("{org}/oauth2/v1/token"))
                .basic_auth(client_id, Some(secret))
                .form(&form)
                .send()
                .await
                .expect("token")
        }
    };

    let code = code_for(authorize(Some(&challenge), "S256")).await;
    let res = exchange(code, None).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<serde_json::Value>().await.expect("json")["error"], "invalid_grant");

    let code = code_for(authorize(Some(&challenge), "S256")).await;
    let res = exchange(code, Some("y".repeat(43))).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);

    let code = code_for(authorize(Some(&challenge), "S256")).await;
    let res = exchange(code.clone(), Some(verifier.clone())).await;
    assert_eq!(res.status(), StatusCode::OK);
    let tokens: serde_json::Value = res.json().await.expect("json");
    assert!(tokens["id_token"].as_str().expect("id token").split('.').count() == 3);

    // Userinfo answers for the access token.
    let info: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/oauth2/v1/userinfo", app.org))
        .bearer_auth(tokens["access_token"].as_str().expect("at"))
        .send()
        .await
        .expect("userinfo")
        .json()
        .await
        .expect("json");
    assert_eq!(info["preferred_username"], ADMIN);

    let res = exchange(code, Some(verifier)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "a code works once");

    // A wrong client secret is refused.
    let res = reqwest::Client::new()
        .post(format!("{}/oauth2/v1/token", app.org))
        .basic_auth(&client_id, Some("wrong"))
        .form(&[("grant_type", "authorization_code"), ("code", "x")])
        .send()
        .await
        .expect("token");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_embedded_orgs_sign_in_page_cannot_be_framed_or_sniffed() {
    let app = spawn_app().await;
    let authorize = app.start_login(None).await;
    let page = app.client.get(&authorize).send().await.expect("sign-in page");
    assert_eq!(page.status(), StatusCode::OK);
    let h = page.headers();
    assert!(h[header::CONTENT_SECURITY_POLICY].to_str().expect("csp").contains("frame-ancestors 'none'"));
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    let bad =
        app.client.get(format!("{}/oauth2/v1/authorize?client_id=nobody", app.org)).send().await.expect("error page");
    assert_eq!(bad.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
}
