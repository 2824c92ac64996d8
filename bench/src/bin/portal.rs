#![recursion_limit = "512"]
//! The portal's own costs, measured in one run against the embedded org:
//! - server-rendered people page time;
//! - a server function's proxy overhead over calling the org directly (same search), as a ratio;
//! - what the browser downloads: WASM and JS, raw and gzip-compressed (build with
//!   `cargo leptos build --release` first for shipping sizes; `make bench` does).

use portico_bench::{ms, pct, sample};
use portico_core::Config;
use portico_server::{Portal, testkit};
use std::io::Write;

const SAMPLES: usize = 40;

fn gzip_len(bytes: &[u8]) -> anyhow::Result<usize> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes)?;
    Ok(enc.finish()?.len())
}

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
    let direct = sample(SAMPLES, 3, || {
        let (url, token) = (format!("{}/api/v1/users", org.0), org.1.clone());
        async move {
            let res = reqwest::Client::new()
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

    let pkg =
        std::path::Path::new(&std::env::var("PORTICO_SITE_ROOT").unwrap_or_else(|_| "target/site".into())).join("pkg");
    for file in ["portico.wasm", "portico.js", "portico.css"] {
        match std::fs::read(pkg.join(file)) {
            Ok(bytes) => println!("{file:<14} {:>10} bytes raw {:>10} bytes gzip", bytes.len(), gzip_len(&bytes)?),
            Err(_) => println!("{file:<14} not built (run cargo leptos build --release)"),
        }
    }
    portal.stop().await;
    Ok(())
}
