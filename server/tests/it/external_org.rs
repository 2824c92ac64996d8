//! Pointing Portico at an Okta org that it did not start is configuration only: an OIDC client
//! for sign-in and an OAuth service app (`private_key_jwt`) for the Management API, with DPoP
//! when the app requires it (Okta's default) and bearer tokens when it does not.
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
    external_org_through_a_service_app(None).await;
}

#[tokio::test]
async fn a_service_app_without_dpop_gets_bearer_tokens() {
    external_org_through_a_service_app(Some(false)).await;
}

/// "Okta": an org the portal is only told about, sending people back to `public` if given.
async fn start_org(dir: &std::path::Path, public: Option<&str>) -> DevOrg {
    DevOrg::start(DevOrgConfig {
        data_dir: dir.join("org"),
        listen: "127.0.0.1:0".parse().expect("addr"),
        redirect_uris: public.map(|p| format!("{p}/auth/callback")).into_iter().collect(),
        post_logout_redirect_uris: public.map(|p| format!("{p}/signed-out")).into_iter().collect(),
        test_control: true,
        allow_non_loopback: false,
        asa_token_ttl: std::time::Duration::from_secs(3600),
        lockout_attempts: 10,
        clock: Default::default(),
    })
    .await
    .expect("org")
}

/// `n` fresh 2048-bit RSA keys (off the async threads: generating one takes a while).
async fn rsa_keys(n: usize) -> Vec<rsa::RsaPrivateKey> {
    tokio::task::spawn_blocking(move || {
        (0..n).map(|_| rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("key")).collect()
    })
    .await
    .expect("join")
}

/// Registers a service app holding `key`'s public half; `app` adds its name, scopes and more.
async fn register_service_app(org: &DevOrg, key: &rsa::RsaPrivateKey, mut app: serde_json::Value) -> serde_json::Value {
    let jwk = serde_json::json!({ "kty": "RSA", "kid": "portal-1", "n": B64.encode(key.n().to_bytes_be()), "e": B64.encode(key.e().to_bytes_be()) });
    app["jwks"] = serde_json::json!({ "keys": [jwk] });
    testkit::control_client(org.control_token.as_deref())
        .post(format!("{}/__devorg/control/service_apps", org.url.as_str().trim_end_matches('/')))
        .json(&app)
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json")
}

/// `require_dpop`: the app's setting, or `None` for the org's default (required).
async fn external_org_through_a_service_app(require_dpop: Option<bool>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let public = format!("http://{}", listener.local_addr().expect("addr"));
    let org = start_org(dir.path(), Some(&public)).await;
    let org_url = org.url.as_str().trim_end_matches('/').to_string();
    let key = rsa_keys(1).await.remove(0);
    // The service app is granted what the portal asks for by default.
    let scopes = portico_core::config::default_okta_scopes();
    let mut wanted = serde_json::json!({ "name": "Portico", "scopes": scopes });
    if let Some(r) = require_dpop {
        wanted["require_dpop"] = r.into();
    }
    let app = register_service_app(&org, &key, wanted).await;
    assert_eq!(app["require_dpop"], require_dpop.unwrap_or(true));
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
        assert_eq!(page["rows"].as_array().expect("rows").len(), 2, "through the service app's token");
    }
    portal.stop().await;
    org.stop().await;
}

/// The org's side of DPoP, over HTTP: a proof is required, the nonce handshake, a bound token
/// is useless as a bearer token, without a proof, with a proof for another call, another token
/// or another key, and a proof is good once.
#[tokio::test]
async fn the_org_holds_service_apps_to_dpop() {
    use portico_core::okta::dpop::DpopKey;
    let dir = tempfile::tempdir().expect("tempdir");
    let org = start_org(dir.path(), None).await;
    let base = org.url.as_str().trim_end_matches('/').to_string();
    let mut keys = rsa_keys(3).await;
    let (client_key, dpop, other) =
        (keys.remove(0), DpopKey::from_rsa(&keys[0]).expect("dpop"), DpopKey::from_rsa(&keys[1]).expect("dpop"));
    let app =
        register_service_app(&org, &client_key, serde_json::json!({ "name": "p", "scopes": ["okta.users.read"] }))
            .await;
    let client_id = app["client_id"].as_str().expect("id").to_string();
    let token_url = format!("{base}/oauth2/v1/token");
    let now = || chrono::Utc::now().timestamp();
    let assertion = || {
        use jsonwebtoken::{Algorithm, EncodingKey, Header};
        use rsa::pkcs1::EncodeRsaPrivateKey;
        let claims = serde_json::json!({ "iss": client_id, "sub": client_id, "aud": token_url, "iat": now(),
            "exp": now() + 300, "jti": uuid::Uuid::new_v4().to_string() });
        let der = client_key.to_pkcs1_der().expect("der");
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), &claims, &EncodingKey::from_rsa_der(der.as_bytes()))
            .expect("jwt")
    };
    let http = reqwest::Client::new();
    let ask = |proof: Option<String>| {
        let mut req = http.post(&token_url).form(&[
            ("grant_type", "client_credentials".to_string()),
            ("scope", "okta.users.read".into()),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into()),
            ("client_assertion", assertion()),
        ]);
        if let Some(p) = proof {
            req = req.header("DPoP", p);
        }
        req.send()
    };
    let res = ask(None).await.expect("token");
    assert_eq!(res.status(), 400);
    assert_eq!(res.json::<serde_json::Value>().await.expect("json")["error"], "invalid_dpop_proof");
    let res = ask(Some(dpop.proof("POST", &token_url, None, None, now()).expect("proof"))).await.expect("token");
    assert_eq!(res.status(), 400);
    let nonce = res.headers()["dpop-nonce"].to_str().expect("nonce").to_string();
    assert_eq!(res.json::<serde_json::Value>().await.expect("json")["error"], "use_dpop_nonce");
    let res =
        ask(Some(dpop.proof("POST", &token_url, None, Some(&nonce), now()).expect("proof"))).await.expect("token");
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["token_type"], "DPoP");
    let token = body["access_token"].as_str().expect("token").to_string();

    let me = format!("{base}/api/v1/users");
    let call = |scheme: &str, proof: Option<String>| {
        let mut req = http.get(&me).header("Authorization", format!("{scheme} {token}"));
        if let Some(p) = proof {
            req = req.header("DPoP", p);
        }
        req.send()
    };
    let good = dpop.proof("GET", &me, Some(&token), None, now()).expect("proof");
    assert_eq!(call("DPoP", Some(good.clone())).await.expect("call").status(), 200);
    let refused = [
        ("as a bearer token", call("Bearer", None).await),
        ("without a proof", call("DPoP", None).await),
        ("with the same proof again", call("DPoP", Some(good)).await),
        (
            "with a proof for another call",
            call("DPoP", Some(dpop.proof("POST", &me, Some(&token), None, now()).expect("p"))).await,
        ),
        (
            "with a proof for another token",
            call("DPoP", Some(dpop.proof("GET", &me, Some("other"), None, now()).expect("p"))).await,
        ),
        (
            "with a proof by another key",
            call("DPoP", Some(other.proof("GET", &me, Some(&token), None, now()).expect("p"))).await,
        ),
        (
            "with a stale proof",
            call("DPoP", Some(dpop.proof("GET", &me, Some(&token), None, now() - 3600).expect("p"))).await,
        ),
    ];
    for (what, res) in refused {
        let res = res.expect("call");
        assert_eq!(res.status(), 401, "a DPoP-bound token {what}");
    }
    org.stop().await;
}
