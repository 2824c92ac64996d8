//! OAuth 2.0 for the Management API: client credentials with `private_key_jwt`, scopes.
use crate::helpers::*;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use rsa::{
    RsaPrivateKey,
    pkcs1v15::SigningKey,
    signature::{SignatureEncoding, Signer},
    traits::PublicKeyParts,
};
use serde_json::{Value, json};
use sha2::Sha256;

struct App {
    client_id: String,
    key: RsaPrivateKey,
}

fn jwk(key: &RsaPrivateKey) -> Value {
    json!({ "kty": "RSA", "kid": "k1", "n": B64.encode(key.n().to_bytes_be()), "e": B64.encode(key.e().to_bytes_be()) })
}

fn assertion(key: &RsaPrivateKey, client_id: &str, aud: &str, exp_in: i64, jti: &str) -> String {
    let now = chrono::Utc::now().timestamp();
    let header = B64.encode(json!({ "alg": "RS256", "kid": "k1" }).to_string());
    let claims = B64.encode(
        json!({ "iss": client_id, "sub": client_id, "aud": aud, "iat": now, "exp": now + exp_in, "jti": jti })
            .to_string(),
    );
    let input = format!("{header}.{claims}");
    let sig = SigningKey::<Sha256>::new(key.clone()).sign(input.as_bytes());
    format!("{input}.{}", B64.encode(sig.to_bytes()))
}

async fn register(org: &Org, scopes: &[&str]) -> App {
    let key = tokio::task::spawn_blocking(|| RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("key"))
        .await
        .expect("join");
    let res: Value = org
        .control
        .post(format!("{}/__devorg/control/service_apps", org.base))
        // Bearer tokens: the DPoP side is tested with the portal's own proofs
        // (server/tests/it/external_org.rs).
        .json(&json!({ "name": "Portico", "jwks": { "keys": [jwk(&key)] }, "scopes": scopes, "require_dpop": false }))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json");
    App { client_id: res["client_id"].as_str().expect("id").to_string(), key }
}

async fn token_request(org: &Org, form: &[(&str, &str)]) -> Reply {
    Reply::from(org.http.post(format!("{}/oauth2/v1/token", org.base)).form(form).send().await.expect("token")).await
}

async fn get_token(org: &Org, app: &App, scope: &str, jti: &str) -> Reply {
    let jwt = assertion(&app.key, &app.client_id, &format!("{}/oauth2/v1/token", org.base), 300, jti);
    token_request(
        org,
        &[
            ("grant_type", "client_credentials"),
            ("scope", scope),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", &jwt),
        ],
    )
    .await
}

async fn bearer(org: &Org, token: &str, method: reqwest::Method, path: &str) -> Reply {
    Reply::from(
        org.http
            .request(method, format!("{}{path}", org.base))
            .bearer_auth(token)
            .json(&json!({}))
            .send()
            .await
            .expect("call"),
    )
    .await
}

#[tokio::test]
async fn scoped_tokens_read_and_are_refused_beyond_their_scopes() {
    let org = spawn_org().await;
    let app = register(&org, &["okta.users.read", "okta.groups.manage"]).await;
    let res = get_token(&org, &app, "okta.users.read okta.users.manage okta.groups.manage", "j1").await;
    let body = res.ok().clone();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], "okta.users.read okta.groups.manage", "only granted scopes");
    let token = body["access_token"].as_str().expect("token");

    bearer(&org, token, reqwest::Method::GET, "/api/v1/users").await.ok();
    bearer(&org, token, reqwest::Method::GET, "/api/v1/groups").await.ok();
    let refused = bearer(&org, token, reqwest::Method::POST, "/api/v1/users").await;
    refused.error(403, "E0000006");
    let challenge = refused.headers["www-authenticate"].to_str().expect("header");
    assert!(challenge.contains("insufficient_scope") && challenge.contains("okta.users.manage"), "{challenge}");

    bearer(&org, "not-a-token", reqwest::Method::GET, "/api/v1/users").await.error(401, "E0000011");
}

#[tokio::test]
async fn client_assertions_are_checked() {
    let org = spawn_org().await;
    let app = register(&org, &["okta.users.read"]).await;
    let aud = format!("{}/oauth2/v1/token", org.base);
    let form = |jwt: String, scope: &'static str| {
        vec![
            ("grant_type", "client_credentials".to_string()),
            ("scope", scope.to_string()),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string()),
            ("client_assertion", jwt),
        ]
    };
    let send = |f: Vec<(&'static str, String)>| {
        let org = &org;
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            token_request(org, &pairs).await
        }
    };
    get_token(&org, &app, "okta.users.read", "once").await.ok();
    let replay = get_token(&org, &app, "okta.users.read", "once").await;
    assert_eq!(replay.status.as_u16(), 401);
    assert_eq!(replay.body["error_description"], "The client_assertion token has already been used.");

    let expired = send(form(assertion(&app.key, &app.client_id, &aud, -60, "j2"), "okta.users.read")).await;
    assert_eq!(expired.body["error_description"], "The client_assertion token is expired.");
    let wrong_aud = send(form(
        assertion(&app.key, &app.client_id, "https://elsewhere/oauth2/v1/token", 60, "j3"),
        "okta.users.read",
    ))
    .await;
    assert_eq!(wrong_aud.body["error"], "invalid_client");
    // A trailing-slash org URL (Python SDK) yields `//oauth2`: still the same audience.
    let slashes = send(form(
        assertion(&app.key, &app.client_id, &format!("{}//oauth2/v1/token", org.base), 60, "j4"),
        "okta.users.read",
    ))
    .await;
    slashes.ok();
    let other = tokio::task::spawn_blocking(|| RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("key"))
        .await
        .expect("join");
    let forged = send(form(assertion(&other, &app.client_id, &aud, 60, "j5"), "okta.users.read")).await;
    assert_eq!(forged.body["error_description"], "The client_assertion signature is invalid.");
    let none = send(form(assertion(&app.key, &app.client_id, &aud, 60, "j6"), "")).await;
    assert_eq!((none.status.as_u16(), none.body["error"].as_str()), (400, Some("invalid_scope")));
    let ungranted = send(form(assertion(&app.key, &app.client_id, &aud, 60, "j7"), "okta.groups.manage")).await;
    assert_eq!((ungranted.status.as_u16(), ungranted.body["error"].as_str()), (400, Some("consent_required")));
    let secret = Reply::from(
        org.http
            .post(format!("{}/oauth2/v1/token", org.base))
            .basic_auth(&app.client_id, Some("secret"))
            .form(&[("grant_type", "client_credentials"), ("scope", "okta.users.read")])
            .send()
            .await
            .expect("token"),
    )
    .await;
    assert_eq!(secret.status.as_u16(), 401);
    assert!(secret.body["error_description"].as_str().expect("text").contains("private_key_jwt"));
}
