//! Pointing Portico at an Okta org that it did not start is configuration only: an OIDC client
//! for sign-in and an OAuth service app (`private_key_jwt`) for the Management API.
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use portico_core::{
    Config, Secret,
    config::{OidcConfig, OktaConfig},
};
use portico_devorg::{DevOrg, DevOrgConfig};
use portico_server::Portal;
use portico_testkit as testkit;
use rsa::{pkcs8::EncodePrivateKey, traits::PublicKeyParts};

#[tokio::test]
async fn an_external_org_with_a_service_app_is_configuration_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let public = format!("http://{}", listener.local_addr().expect("addr"));
    // "Okta": an org the portal is only told about.
    let org = DevOrg::start(DevOrgConfig {
        data_dir: dir.path().join("org"),
        listen: "127.0.0.1:0".parse().expect("addr"),
        redirect_uris: vec![format!("{public}/auth/callback")],
        post_logout_redirect_uris: vec![format!("{public}/signed-out")],
        test_control: true,
        allow_non_loopback: false,
        asa_token_ttl: std::time::Duration::from_secs(3600),
        clock: Default::default(),
    })
    .await
    .expect("org");
    let org_url = org.url.as_str().trim_end_matches('/').to_string();
    let key = tokio::task::spawn_blocking(|| rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("key"))
        .await
        .expect("join");
    let jwk = serde_json::json!({ "kty": "RSA", "kid": "portal-1", "n": B64.encode(key.n().to_bytes_be()), "e": B64.encode(key.e().to_bytes_be()) });
    let scopes =
        ["okta.users.read", "okta.users.manage", "okta.groups.read", "okta.groups.manage"].map(String::from).to_vec();
    let app: serde_json::Value = testkit::control_client(org.control_token.as_deref())
        .post(format!("{org_url}/__devorg/control/service_apps"))
        .json(&serde_json::json!({ "name": "Portico", "jwks": { "keys": [jwk] }, "scopes": scopes }))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json");
    let key_file = dir.path().join("service-app.pem");
    std::fs::write(&key_file, key.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF).expect("pem").as_bytes())
        .expect("write key");

    let mut config = Config::for_test(dir.path().join("portal"));
    config.server.public_url = public.parse().expect("url");
    config.oidc = Some(OidcConfig {
        issuer: org_url.clone(),
        client_id: org.client_id.clone(),
        client_secret: Secret::new(org.client_secret.clone()),
        scopes: ["openid", "profile", "email", "groups"].map(String::from).to_vec(),
    });
    config.okta = Some(OktaConfig {
        org_url: org_url.clone(),
        api_token: None,
        client_id: Some(app["client_id"].as_str().expect("client id").to_string()),
        private_key_file: Some(key_file),
        key_id: Some("portal-1".into()),
        scopes,
        timeout_seconds: 5,
        max_interactive_wait_ms: 2000,
    });
    let portal = Portal::start(config, listener).await.expect("portal");
    assert!(portal.devorg.is_none(), "no embedded org when one is configured");

    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    testkit::sign_in(&browser, &public, "ada.admin@portico.example", portico_devorg::seed::DEMO_PASSWORD)
        .await
        .expect("sign in");
    for _ in 0..2 {
        let res = browser
            .post(format!("{public}/api/people/search"))
            .header("Origin", &public)
            .form(&[("query[q]", "ma")])
            .send()
            .await
            .expect("search");
        assert_eq!(res.status(), reqwest::StatusCode::OK);
        let page: serde_json::Value = res.json().await.expect("json");
        assert_eq!(page["rows"].as_array().expect("rows").len(), 2, "through the service app's bearer token");
    }
    portal.stop().await;
    org.stop().await;
}
