#![recursion_limit = "512"]
//! Shared helpers for Portico's benchmarks: a running portal, timing samples and percentiles.

use portico_core::Config;
use portico_server::Portal;
use std::time::{Duration, Instant};

/// A portal with its embedded org on loopback ports, and a browser signed in as the demo admin.
pub struct Running {
    pub portal: Portal,
    pub base: String,
    /// The org's URL, without a trailing slash.
    pub org: String,
    /// The org's demo API token (`SSWS`).
    pub token: String,
    /// The org's test-control token, when `control` was asked for.
    pub control_token: Option<String>,
    pub browser: reqwest::Client,
    /// The portal's data directory (removed when this is dropped).
    pub dir: tempfile::TempDir,
}

/// Starts a portal with its embedded org. `control`: the org's test-control API on (faults,
/// rate limits); it also reads the clock's offset file at every reading, so figures meant to
/// show the portal's own cost come from a portal without it. `log`: the log filter.
pub async fn start(control: bool, log: &str) -> anyhow::Result<Running> {
    let dir = tempfile::tempdir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut config = Config::for_test(dir.path().to_path_buf());
    config.server.public_url = format!("http://{addr}").parse()?;
    config.devorg.listen = "127.0.0.1:0".parse()?;
    config.devorg.test_control = control;
    config.log.filter = log.into();
    let portal = Portal::start(config, listener).await?;
    let base = format!("http://{addr}");
    let d = portal.devorg.as_ref().ok_or_else(|| anyhow::anyhow!("no embedded org"))?;
    let (org, token, control_token) =
        (d.url.as_str().trim_end_matches('/').to_string(), d.api_token.clone(), d.control_token.clone());
    let browser = signed_in_browser(&base).await?;
    Ok(Running { portal, base, org, token, control_token, browser, dir })
}

/// A new browser (cookies kept, redirects not followed) signed in at `base` as the demo admin.
pub async fn signed_in_browser(base: &str) -> anyhow::Result<reqwest::Client> {
    let browser = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
    portico_testkit::sign_in(&browser, base, portico_devorg::seed::ADMIN_LOGIN, portico_devorg::seed::DEMO_PASSWORD)
        .await?;
    Ok(browser)
}

/// Runs `f` `n` times (after `warmup` unmeasured runs) and returns the sorted durations.
pub async fn sample<F, Fut>(n: usize, warmup: usize, mut f: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..warmup {
        f().await;
    }
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        f().await;
        out.push(started.elapsed());
    }
    out.sort();
    out
}

pub fn pct(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
