use crate::helpers::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn health_and_readiness_answer_without_sign_in() {
    let app = spawn_app().await;
    let res = app.client.get(format!("{}/healthz", app.base)).send().await.expect("healthz");
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.client.get(format!("{}/readyz", app.base)).send().await.expect("readyz");
    assert_eq!(res.status(), StatusCode::OK);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body, serde_json::json!({ "database": "ok", "upstream": "ok" }));
}

#[tokio::test]
async fn readiness_fails_when_the_upstream_org_is_gone() {
    let mut app = spawn_app().await;
    app.portal.devorg.take().expect("org").stop().await;
    let res = app.client.get(format!("{}/readyz", app.base)).send().await.expect("readyz");
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["upstream"], "unavailable");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn readiness_does_not_call_the_provider_on_every_probe() {
    let app = spawn_app().await;
    let ready = || async { app.client.get(format!("{}/readyz", app.base)).send().await.expect("readyz").status() };
    assert_eq!(ready().await, StatusCode::OK);
    // The provider would now fail its discovery document: a probe within the check's lifetime
    // does not ask it again.
    app.control("faults", serde_json::json!({ "path_prefix": "/.well-known/openid-configuration", "status": 503 }))
        .await;
    for _ in 0..5 {
        assert_eq!(ready().await, StatusCode::OK, "answered from the last check");
    }
}
