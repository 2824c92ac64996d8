#![recursion_limit = "512"]
//! The portal's own costs, measured in one run against the embedded org:
//! - server-rendered people page time;
//! - a server function's proxy overhead over calling the org directly (same search), as a ratio;
//! - an approved change end to end (request, approval, the executor's run) against the same
//!   change made directly, as a ratio: what the approval path costs beyond the people involved;
//! - what a first visit to the people page transfers (the page and the assets it names, as
//!   served: identity, gzip, brotli), from the release site `make bench` builds.

use portico_bench::{ms, pct, sample};
use portico_core::Config;
use portico_server::Portal;
use portico_testkit as testkit;

const SAMPLES: usize = 40;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut config = Config::for_test(dir.path().to_path_buf());
    config.server.public_url = format!("http://{addr}").parse()?;
    config.devorg.listen = "127.0.0.1:0".parse()?;
    config.log.filter = "warn".into();
    let portal = Portal::start(config, listener).await?;
    let base = format!("http://{addr}");
    let org = portal
        .devorg
        .as_ref()
        .map(|d| (d.url.as_str().trim_end_matches('/').to_string(), d.api_token.clone()))
        .ok_or_else(|| anyhow::anyhow!("no embedded org"))?;
    let browser = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    testkit::sign_in(&browser, &base, "ada.admin@portico.example", portico_devorg::seed::DEMO_PASSWORD).await?;

    let page = sample(SAMPLES, 3, || {
        let browser = browser.clone();
        let url = format!("{base}/people?q=e");
        async move {
            let res = browser.get(url).send().await.expect("page");
            assert!(res.status().is_success());
            let _ = res.bytes().await.expect("html");
        }
    })
    .await;
    let search =
        r#"(profile.firstName sw "e" or profile.lastName sw "e" or profile.email sw "e" or profile.login sw "e")"#;
    // One pooled client, as the portal keeps one: the ratio compares the proxying, not
    // connection set-up.
    let pooled = reqwest::Client::new();
    let direct = sample(SAMPLES, 3, || {
        let (url, token, pooled) = (format!("{}/api/v1/users", org.0), org.1.clone(), pooled.clone());
        async move {
            let res = pooled
                .get(url)
                .query(&[("search", search), ("limit", "50")])
                .header("Authorization", format!("SSWS {token}"))
                .send()
                .await
                .expect("direct");
            assert!(res.status().is_success());
            let _ = res.bytes().await.expect("body");
        }
    })
    .await;
    let via_portal = sample(SAMPLES, 3, || {
        let browser = browser.clone();
        let url = format!("{base}/api/people/search");
        let origin = base.clone();
        async move {
            let res =
                browser.post(url).header("Origin", origin).form(&[("query[q]", "e")]).send().await.expect("server fn");
            assert!(res.status().is_success(), "{}", res.status());
            let _ = res.bytes().await.expect("body");
        }
    })
    .await;
    let (d50, p50) = (ms(pct(&direct, 0.5)), ms(pct(&via_portal, 0.5)));
    println!("{:<56} {:>9} {:>9}", "request", "p50 ms", "p95 ms");
    println!(
        "{:<56} {:>9.2} {:>9.2}",
        "GET /people?q=e (server-rendered page, signed in)",
        ms(pct(&page, 0.5)),
        ms(pct(&page, 0.95))
    );
    println!("{:<56} {:>9.2} {:>9.2}", "org directly: GET /api/v1/users?search=… (50)", d50, ms(pct(&direct, 0.95)));
    println!(
        "{:<56} {:>9.2} {:>9.2}",
        "portal: POST /api/people/search (same search)",
        p50,
        ms(pct(&via_portal, 0.95))
    );
    println!("proxy overhead: server function / direct call = {:.2}x (p50)", p50 / d50);

    // Approvals: Ed is suspended and unsuspended in turn, directly by the admin, then by request
    // (help desk asks, the admin approves) until the executor reports done.
    let desk = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    testkit::sign_in(&desk, &base, "hal.helpdesk@portico.example", portico_devorg::seed::DEMO_PASSWORD).await?;
    let ed: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v1/users/ed.engineer@portico.example", org.0))
        .header("Authorization", format!("SSWS {}", org.1))
        .send()
        .await?
        .json()
        .await?;
    let ed = ed["id"].as_str().ok_or_else(|| anyhow::anyhow!("no Ed"))?.to_string();
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("portico.sqlite").display())).await?;
    let post = |client: &reqwest::Client, endpoint: &'static str, form: Vec<(&'static str, String)>| {
        let req = client.post(format!("{base}/api/{endpoint}")).header("Origin", base.clone()).form(&form);
        async move {
            let res = req.send().await.expect("server fn");
            assert!(res.status().is_success(), "{endpoint}: {}", res.status());
            res.json::<serde_json::Value>().await.expect("json")
        }
    };
    let mut flip = 0usize;
    let direct_change = sample(SAMPLES / 2, 2, || {
        flip += 1;
        let op = if flip % 2 == 1 { "suspend" } else { "unsuspend" };
        let call = post(&browser, "people/lifecycle", vec![("id", ed.clone()), ("op", op.into())]);
        async move {
            call.await;
        }
    })
    .await;
    // An even number of direct runs leaves Ed active again.
    if flip % 2 == 1 {
        post(&browser, "people/lifecycle", vec![("id", ed.clone()), ("op", "unsuspend".into())]).await;
    }
    let mut flip = 0usize;
    let approved_change = sample(SAMPLES / 2, 2, || {
        flip += 1;
        let op = if flip % 2 == 1 { "suspend" } else { "unsuspend" };
        let asked = post(
            &desk,
            "requests/new",
            vec![("action", op.into()), ("target", ed.clone()), ("reason", "benchmark".into())],
        );
        let approve = |id: String| {
            post(&browser, "requests/decide", vec![("id", id), ("approve", "true".into()), ("comment", String::new())])
        };
        let db = db.clone();
        async move {
            let id = asked.await["id"].as_str().expect("id").to_string();
            approve(id.clone()).await;
            loop {
                let status: String = sqlx::query_scalar("SELECT status FROM requests WHERE id = ?")
                    .bind(&id)
                    .fetch_one(&db)
                    .await
                    .expect("request");
                if status == "done" {
                    break;
                }
                assert!(status == "approved" || status == "executing", "request {id} ended {status}");
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        }
    })
    .await;
    let (dc, ac) = (ms(pct(&direct_change, 0.5)), ms(pct(&approved_change, 0.5)));
    println!("{:<56} {:>9.2} {:>9.2}", "direct: suspend/unsuspend (admin)", dc, ms(pct(&direct_change, 0.95)));
    println!(
        "{:<56} {:>9.2} {:>9.2}",
        "approved: request + approve + executor run to done",
        ac,
        ms(pct(&approved_change, 0.95))
    );
    println!("approval path: approved change / direct change = {:.2}x (p50)", ac / dc);

    let site = std::path::PathBuf::from(std::env::var("PORTICO_SITE_ROOT").unwrap_or_else(|_| "target/site".into()));
    let manifest = std::fs::read_to_string(site.join("hash.txt")).unwrap_or_default();
    let assets: Vec<String> = manifest
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(ext, hash)| format!("/pkg/portico.{}.{}", hash.trim(), ext.trim()))
        .collect();
    if assets.is_empty() {
        println!("site not built (make build-release builds it)");
    } else {
        // What a first visit to the people page costs on the wire: the page and every asset it
        // names, as served, by what the browser accepts (no cache).
        let wire = reqwest::Client::builder()
            .cookie_store(true)
            .no_gzip()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        testkit::sign_in(&wire, &base, "ada.admin@portico.example", portico_devorg::seed::DEMO_PASSWORD).await?;
        for encoding in ["identity", "gzip", "br"] {
            let mut total = 0;
            let mut parts = Vec::new();
            for path in std::iter::once("/people".to_string()).chain(assets.iter().cloned()) {
                let res = wire.get(format!("{base}{path}")).header("Accept-Encoding", encoding).send().await?;
                anyhow::ensure!(res.status().is_success(), "{path}: {}", res.status());
                let got = res
                    .headers()
                    .get("content-encoding")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("identity")
                    .to_string();
                anyhow::ensure!(encoding == "identity" || got == encoding, "{path} came {got}, asked {encoding}");
                let len = res.bytes().await?.len();
                total += len;
                parts.push(format!(
                    "{}={len}",
                    path.rsplit('.').next().filter(|_| path.starts_with("/pkg")).unwrap_or("html")
                ));
            }
            println!("people page, cold cache, on the wire ({encoding:<8}) {total:>10} bytes ({})", parts.join(" "));
        }
    }
    portal.stop().await;
    Ok(())
}
