use crate::helpers::*;
use reqwest::{StatusCode, header};

#[tokio::test]
async fn pages_redirect_to_sign_in_and_come_back() {
    let app = spawn_app().await;
    let res = app.client.get(format!("{}/people?q=ed", app.base)).send().await.expect("page");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/auth/login?next=%2Fpeople%3Fq%3Ded");
    let res = app.sign_in_as(ADMIN, Some("/people?q=ed")).await;
    assert_eq!(location(&res), "/people?q=ed");
}

#[tokio::test]
async fn server_functions_need_a_session() {
    let app = spawn_app().await;
    let res = app.call("me").await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["kind"], "unauthenticated");
    assert!(!body["op_id"].as_str().unwrap_or_default().is_empty(), "errors carry an operation id");
}

#[tokio::test]
async fn cross_site_server_function_calls_are_refused() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    let url = format!("{}/api/me", app.base);
    let cross_site = app
        .client
        .post(&url)
        .header("sec-fetch-site", "cross-site")
        .header(header::ORIGIN, &app.base)
        .send()
        .await
        .expect("call");
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let evil_origin = app.client.post(&url).header(header::ORIGIN, "https://evil.example").send().await.expect("call");
    assert_eq!(evil_origin.status(), StatusCode::FORBIDDEN);
    let no_evidence = app.client.post(&url).send().await.expect("call");
    assert_eq!(no_evidence.status(), StatusCode::FORBIDDEN);
    let same_site = app.client.post(&url).header("sec-fetch-site", "same-origin").send().await.expect("call");
    assert_eq!(same_site.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_response_carries_security_headers_and_a_request_id() {
    let app = spawn_app().await;
    app.sign_in_as(ADMIN, None).await;
    for path in ["/", "/healthz", "/auth/callback?state=x", "/no-such-page"] {
        let res = app.client.get(format!("{}{path}", app.base)).send().await.expect("get");
        let h = res.headers();
        let csp = h
            .get(header::CONTENT_SECURITY_POLICY)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("CSP on {path}"));
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("'wasm-unsafe-eval'"), "{csp}");
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(h.contains_key(header::REFERRER_POLICY));
        assert!(h.contains_key("x-request-id"), "{path}");
    }
    // Inline scripts carry the response's nonce, so hydration runs under the CSP.
    let res = app.client.get(format!("{}/", app.base)).send().await.expect("home");
    let csp = res.headers()[header::CONTENT_SECURITY_POLICY].to_str().expect("csp").to_string();
    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("nonce").to_string();
    let html = res.text().await.expect("html");
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "scripts carry the nonce");
    let without = html.matches("<script").count() - html.matches(&format!("nonce=\"{nonce}\"")).count();
    assert_eq!(without, 0, "every script has the nonce: {html}");
}

#[tokio::test]
async fn error_pages_quote_the_request_id() {
    let app = spawn_app().await;
    let res = app.client.get(format!("{}/auth/callback?code=x&state=y", app.base)).send().await.expect("callback");
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let id = res.headers()["x-request-id"].to_str().expect("id").to_string();
    assert!(res.text().await.expect("html").contains(&id));
}
