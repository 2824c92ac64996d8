//! The embedded org at scale: seeds 100,000 users and 2,000 groups, then measures list, `q`,
//! `filter` and `search` latency per page of 200 over real HTTP. Each figure is also printed as
//! a ratio to a trivial request (`GET /api/v1/users/me`) timed in the same run, so results
//! compare across machines. Run: `make bench` (release build).

use portico_bench::{ms, pct, sample};
use portico_devorg::{DevOrg, DevOrgConfig};
use std::time::Instant;

const USERS: usize = 100_000;
const GROUPS: usize = 2_000;
const SAMPLES: usize = 40;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let org = DevOrg::start(DevOrgConfig {
        data_dir: dir.path().to_path_buf(),
        listen: "127.0.0.1:0".parse()?,
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        test_control: true,
        allow_non_loopback: false,
        asa_token_ttl: std::time::Duration::from_secs(3600),
        lockout_attempts: 10,
        clock: Default::default(),
    })
    .await?;
    let base = org.url.as_str().trim_end_matches('/').to_string();
    let http = portico_testkit::control_client(org.control_token.as_deref());
    let started = Instant::now();
    let seeded: serde_json::Value = http
        .post(format!("{base}/__devorg/control/seed"))
        .json(&serde_json::json!({ "users": USERS, "groups": GROUPS }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let seed_secs = started.elapsed().as_secs_f64();
    println!(
        "seeded {USERS} users and {GROUPS} groups in {seed_secs:.1} s (server-side {:.1} s; target < 60 s)",
        seeded["seconds"].as_f64().unwrap_or_default()
    );

    let token = org.api_token.clone();
    let get = |path: String| {
        let (http, token, base) = (http.clone(), token.clone(), base.clone());
        async move {
            let res = http
                .get(format!("{base}{path}"))
                .header("Authorization", format!("SSWS {token}"))
                .send()
                .await
                .expect("request");
            assert!(res.status().is_success(), "{path}: {}", res.status());
            let _ = res.bytes().await.expect("body");
        }
    };
    // Raise the rate limits out of the way: this measures the org, not its limiter.
    for bucket in ["users", "user-get", "groups", "api"] {
        http.post(format!("{base}/__devorg/control/rate_limits"))
            .json(&serde_json::json!({ "bucket": bucket, "limit": 1_000_000 }))
            .send()
            .await?;
    }

    let baseline = sample(SAMPLES, 5, || get("/api/v1/users/me".into())).await;
    let b50 = ms(pct(&baseline, 0.5));
    println!("\n{:<58} {:>9} {:>9} {:>11}", "request (limit 200 unless q)", "p50 ms", "p95 ms", "p50 ratio");
    println!("{:<58} {:>9.2} {:>9.2} {:>11}", "GET /users/me (baseline)", b50, ms(pct(&baseline, 0.95)), "1.0");
    let everyone: serde_json::Value = http
        .get(format!("{base}/api/v1/groups?q=Everyone"))
        .header("Authorization", format!("SSWS {token}"))
        .send()
        .await?
        .json()
        .await?;
    let everyone = everyone[0]["id"].as_str().unwrap_or_default().to_string();
    let cases: Vec<(&str, String)> = vec![
        ("list, first page", "/api/v1/users?limit=200".into()),
        ("filter status eq ACTIVE", "/api/v1/users?limit=200&filter=status+eq+%22ACTIVE%22".into()),
        (
            "search department eq (case-insensitive)",
            "/api/v1/users?limit=200&search=profile.department+eq+%22finance%22".into(),
        ),
        (
            "search lastName sw + status",
            "/api/v1/users?limit=200&search=profile.lastName+sw+%22ta%22+and+status+eq+%22ACTIVE%22".into(),
        ),
        ("search email co (rare match)", "/api/v1/users?limit=200&search=profile.email+co+%22zane.zhou%22".into()),
        (
            "search sorted by lastName",
            "/api/v1/users?limit=200&search=status+eq+%22ACTIVE%22&sortBy=profile.lastName".into(),
        ),
        ("q prefix (type-ahead, 10)", "/api/v1/users?q=ver".into()),
        ("groups, first page of 200", "/api/v1/groups?limit=200".into()),
        ("members of Everyone (100k), page of 200", format!("/api/v1/groups/{everyone}/users?limit=200")),
    ];
    for (name, path) in cases {
        let s = sample(SAMPLES, 3, || get(path.clone())).await;
        let p50 = ms(pct(&s, 0.5));
        println!("{name:<58} {p50:>9.2} {:>9.2} {:>11.1}", ms(pct(&s, 0.95)), p50 / b50);
    }
    org.stop().await;
    Ok(())
}
