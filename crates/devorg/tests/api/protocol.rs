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
        .control
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

/// Okta's concurrency limit (75 by default): one request more than the limit in flight at once
/// is refused with 429 and `X-Rate-Limit-Limit: 0`, whatever its bucket; the others are served,
/// and once they are answered there is room again.
#[tokio::test]
async fn requests_beyond_the_concurrency_limit_answer_429() {
    let org = spawn_org().await;
    assert_eq!(control(&org, "concurrency", json!({ "limit": 2 })).await.status(), StatusCode::NO_CONTENT);
    control(&org, "faults", json!({ "path_prefix": "/api/v1/groups", "latency_ms": 1500, "times": 2 })).await;
    let slow = || org.get("/api/v1/groups");
    let third = async {
        // Both slow calls are in flight (the fault is used up) before the third is sent.
        for _ in 0..500 {
            let pending: Vec<String> = org
                .control
                .get(format!("{}/__devorg/control/faults", org.base))
                .send()
                .await
                .expect("faults")
                .json()
                .await
                .expect("json");
            if pending.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        org.get("/api/v1/users").await
    };
    let (a, b, refused) = tokio::join!(slow(), slow(), third);
    a.ok();
    b.ok();
    refused.error(429, "E0000047");
    assert_eq!(refused.headers["x-rate-limit-limit"], "0");
    assert_eq!(refused.headers["x-rate-limit-remaining"], "0");
    org.get("/api/v1/users").await.ok();
}

async fn control(org: &Org, path: &str, body: serde_json::Value) -> reqwest::Response {
    org.control.post(format!("{}/__devorg/control/{path}", org.base)).json(&body).send().await.expect("control")
}

#[tokio::test]
async fn injected_faults_status_latency_and_dropped_connections() {
    let org = spawn_org().await;
    assert_eq!(
        control(&org, "faults", json!({ "path_prefix": "/api/v1/users", "status": 500, "times": 1 })).await.status(),
        StatusCode::NO_CONTENT
    );
    org.get("/api/v1/users").await.error(500, "E0000009");
    org.get("/api/v1/users").await.ok();

    control(&org, "faults", json!({ "path_prefix": "/api/v1/groups", "latency_ms": 300, "times": 1 })).await;
    let started = std::time::Instant::now();
    org.get("/api/v1/groups").await.ok();
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));

    control(&org, "faults", json!({ "path_prefix": "/api/v1/users", "drop_connection": true, "times": 1 })).await;
    let dropped = async {
        let res = org
            .http
            .get(format!("{}/api/v1/users", org.base))
            .header("Authorization", format!("SSWS {}", org.org.api_token))
            .send()
            .await?;
        res.text().await
    };
    assert!(dropped.await.is_err(), "the connection is cut mid-response");
    org.get("/api/v1/users").await.ok();

    control(&org, "faults", json!({ "path_prefix": "/api/v1", "status": 503 })).await;
    org.get("/api/v1/groups").await.error(503, "E0000010");
    org.get("/api/v1/users").await.error(503, "E0000010");
    let cleared = org.control.delete(format!("{}/__devorg/control/faults", org.base)).send().await.expect("clear");
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    org.get("/api/v1/users").await.ok();
}

#[tokio::test]
async fn reset_and_bulk_seed() {
    let org = spawn_org().await;
    let made = org.user_in("ACTIVE").await;
    let seeded = control(&org, "seed", json!({ "users": 1200, "groups": 30 })).await;
    assert_eq!(seeded.status(), StatusCode::OK);
    let (all, _) = org.all_pages("/api/v1/users?search=profile.email+co+%22bulk.example%22").await;
    assert_eq!(all.len(), 1200, "search includes every status");
    let (groups, _) = org.all_pages("/api/v1/groups").await;
    assert_eq!(groups.len(), 9 + 30);
    let stats = org.get("/api/v1/groups?q=Everyone&expand=stats").await;
    assert_eq!(stats.ok()[0]["_embedded"]["stats"]["usersCount"], 15 + 1 + 1200);

    assert_eq!(control(&org, "reset", json!({})).await.status(), StatusCode::NO_CONTENT);
    org.get(&format!("/api/v1/users/{}", made["id"].as_str().expect("id"))).await.error(404, "E0000007");
    let (all, _) = org.all_pages("/api/v1/users").await;
    assert_eq!(all.len(), 14, "back to the demo seed");
    assert_eq!(org.get("/api/v1/users/me").await.ok()["profile"]["login"], "ada.admin@portico.example");
}

#[tokio::test]
async fn control_api_is_off_unless_enabled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let org = portico_devorg::DevOrg::start(portico_devorg::DevOrgConfig {
        data_dir: dir.path().to_path_buf(),
        listen: "127.0.0.1:0".parse().expect("addr"),
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        test_control: false,
        allow_non_loopback: false,
        asa_token_ttl: std::time::Duration::from_secs(3600),
        lockout_attempts: 10,
        clock: Default::default(),
    })
    .await
    .expect("org");
    let res = reqwest::Client::new()
        .post(format!("{}__devorg/control/reset", org.url))
        .json(&json!({}))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_control_api_needs_the_token_minted_at_start_and_the_org_stays_on_loopback() {
    let org = spawn_org().await;
    let url = format!("{}/__devorg/control/faults", org.base);
    assert_eq!(org.http.delete(&url).send().await.expect("delete").status(), StatusCode::UNAUTHORIZED);
    let wrong = portico_testkit::control_client(Some("not-the-token"));
    assert_eq!(wrong.delete(&url).send().await.expect("delete").status(), StatusCode::UNAUTHORIZED);
    assert_eq!(org.control.delete(&url).send().await.expect("delete").status(), StatusCode::NO_CONTENT);

    let dir = tempfile::tempdir().expect("tempdir");
    let config = |allow_non_loopback| portico_devorg::DevOrgConfig {
        data_dir: dir.path().to_path_buf(),
        listen: "0.0.0.0:0".parse().expect("addr"),
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        test_control: false,
        allow_non_loopback,
        asa_token_ttl: std::time::Duration::from_secs(3600),
        lockout_attempts: 10,
        clock: Default::default(),
    };
    let refused = portico_devorg::DevOrg::start(config(false)).await.err().expect("refused off loopback");
    assert!(refused.to_string().contains("loopback"), "{refused}");
    portico_devorg::DevOrg::start(config(true)).await.expect("allowed on purpose").stop().await;
}
