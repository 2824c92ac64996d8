//! Transport rules the SDKs depend on: auth, headers, errors, paths, rate limits.
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn ssws_tokens_are_required_and_checked() {
    let org = spawn_org().await;
    let none = Reply::from(org.http.get(format!("{}/api/v1/users", org.base)).send().await.expect("get")).await;
    none.error(403, "E0000005");
    let bad = Reply::from(
        org.http
            .get(format!("{}/api/v1/users", org.base))
            .header("Authorization", "SSWS nope")
            .send()
            .await
            .expect("get"),
    )
    .await;
    bad.error(401, "E0000011");
    assert!(bad.headers.contains_key("x-rate-limit-limit"), "even refusals carry rate-limit headers");
    org.get("/api/v1/users").await.ok();
}

#[tokio::test]
async fn every_response_has_the_headers_sdks_need() {
    let org = spawn_org().await;
    for path in ["/api/v1/users", "/api/v1/users/nobody", "/api/v1/groups"] {
        let r = org.get(path).await;
        for h in ["date", "x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset", "x-okta-request-id"] {
            assert!(r.headers.contains_key(h), "{h} on {path}");
        }
        assert!(r.headers["content-type"].to_str().expect("ct").starts_with("application/json"), "{path}");
        assert_eq!(r.headers.get_all("x-rate-limit-reset").iter().count(), 1);
    }
    let user = org.get("/api/v1/users/me").await;
    assert_eq!(user.ok()["profile"]["login"], "ada.admin@portico.example", "me is the token's owner");
}

#[tokio::test]
async fn paths_are_normalised_and_unknown_routes_answer_in_okta_shape() {
    let org = spawn_org().await;
    org.get(&format!("{}//api/v1/users", org.base)).await.ok();
    org.get("/api/v1/nothing-here").await.error(404, "E0000008");
    org.call(Method::PATCH, "/api/v1/users", None).await.error(405, "E0000022");
}

#[tokio::test]
async fn rate_limits_answer_429_with_a_reset() {
    let org = spawn_org().await;
    let res = org
        .http
        .post(format!("{}/__devorg/control/rate_limits", org.base))
        .json(&json!({ "bucket": "users", "limit": 2 }))
        .send()
        .await
        .expect("control");
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let first = org.get("/api/v1/users").await;
    assert_eq!(first.headers["x-rate-limit-limit"], "2");
    assert_eq!(first.headers["x-rate-limit-remaining"], "1");
    org.get("/api/v1/users").await.ok();
    let limited = org.get("/api/v1/users").await;
    limited.error(429, "E0000047");
    assert_eq!(limited.headers["x-rate-limit-remaining"], "0");
    let reset: u64 = limited.headers["x-rate-limit-reset"].to_str().expect("reset").parse().expect("number");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs();
    assert!(reset >= now && reset <= now + 61, "reset is within the window");
    // Other buckets are unaffected.
    org.get("/api/v1/groups").await.ok();
}
