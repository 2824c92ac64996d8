//! Memory, read off the real `portico` binary (`target/release/portico`, which `make bench`
//! builds) in its own process:
//! - the portal alone, against an org in another process (this one), with 1,000 signed-in
//!   sessions: resident at most 64 MB;
//! - `make run`'s shape (the portal with its embedded org) taking 50 simultaneous sign-ins,
//!   each hashing a password: peak resident under 200 MB.
//!
//! Exits 1 when a target is missed.

use portico_devorg::{DevOrg, DevOrgConfig, seed};
use portico_testkit as testkit;
use std::process::Stdio;
use tokio::process::{Child, Command};

const MB: f64 = 1024.0 * 1024.0;

/// `VmRSS` and `VmHWM` (peak) of a process, in bytes.
fn resident(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map(|v| v * 1024)
            .ok_or_else(|| anyhow::anyhow!("no {key} for {pid}"))
    };
    Ok((kb("VmRSS:")?, kb("VmHWM:")?))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts `portico` with `env` and waits until it answers `/healthz`.
async fn portico(base: &str, env: &[(&str, String)]) -> anyhow::Result<Child> {
    let bin = std::env::var("PORTICO_BIN").unwrap_or_else(|_| "target/release/portico".into());
    let child = Command::new(&bin)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| anyhow::anyhow!("{bin}: {e} (make build-release builds it)"))?;
    for _ in 0..600 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status().is_success()) {
            return Ok(child);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("portico did not start")
}

fn browser() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?)
}

/// Signs `n` sessions in, `at_once` at a time; each then loads the people page once.
async fn sign_in_many(base: &str, n: usize, at_once: usize) -> anyhow::Result<()> {
    for chunk in (0..n).collect::<Vec<_>>().chunks(at_once) {
        let mut joins = Vec::new();
        for _ in chunk {
            let base = base.to_string();
            joins.push(tokio::spawn(async move {
                let b = browser()?;
                testkit::sign_in(&b, &base, seed::ADMIN_LOGIN, seed::DEMO_PASSWORD).await?;
                let res = b.get(format!("{base}/people")).send().await?;
                anyhow::ensure!(res.status().is_success(), "people page: {}", res.status());
                anyhow::Ok(())
            }));
        }
        for j in joins {
            j.await??;
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sessions: usize = std::env::var("SESSIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let dir = tempfile::tempdir()?;
    let site = std::env::var("PORTICO_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    let mut missed = Vec::new();

    // 1. The portal alone: "Okta" is this process.
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let org = DevOrg::start(DevOrgConfig {
        data_dir: dir.path().join("org"),
        listen: "127.0.0.1:0".parse()?,
        redirect_uris: vec![format!("{base}/auth/callback")],
        post_logout_redirect_uris: vec![format!("{base}/signed-out")],
        test_control: false,
        allow_non_loopback: false,
        asa_token_ttl: std::time::Duration::from_secs(3600),
        lockout_attempts: 10,
        clock: Default::default(),
    })
    .await?;
    let org_url = org.url.as_str().trim_end_matches('/').to_string();
    let child = portico(
        &base,
        &[
            ("PORTICO_SERVER__LISTEN", format!("127.0.0.1:{port}")),
            ("PORTICO_SERVER__PUBLIC_URL", base.clone()),
            ("PORTICO_SERVER__DATA_DIR", dir.path().join("portal").display().to_string()),
            ("PORTICO_SERVER__SITE_ROOT", site.clone()),
            ("PORTICO_OIDC__ISSUER", org_url.clone()),
            ("PORTICO_OIDC__CLIENT_ID", org.client_id.clone()),
            ("PORTICO_OIDC__CLIENT_SECRET", org.client_secret.clone()),
            ("PORTICO_OKTA__ORG_URL", org_url.clone()),
            ("PORTICO_OKTA__API_TOKEN", org.api_token.clone()),
            ("PORTICO_LOG__FILTER", "warn".into()),
        ],
    )
    .await?;
    let pid = child.id().ok_or_else(|| anyhow::anyhow!("no pid"))?;
    let (idle, _) = resident(pid)?;
    let started = std::time::Instant::now();
    sign_in_many(&base, sessions, 8).await?;
    let (rss, peak) = resident(pid)?;
    println!(
        "portal alone (external org): {:.1} MB resident at start, {:.1} MB with {sessions} signed-in sessions \
         (peak {:.1} MB; signed in over {:.0} s) — target ≤ 64 MB",
        idle as f64 / MB,
        rss as f64 / MB,
        peak as f64 / MB,
        started.elapsed().as_secs_f64()
    );
    if rss as f64 > 64.0 * MB {
        missed.push(format!("portal alone with {sessions} sessions: {:.1} MB (target ≤ 64 MB)", rss as f64 / MB));
    }
    drop(child);
    org.stop().await;

    // 2. `make run`'s shape: 50 people press "Sign in" at the same moment.
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let child = portico(
        &base,
        &[
            ("PORTICO_SERVER__LISTEN", format!("127.0.0.1:{port}")),
            ("PORTICO_SERVER__PUBLIC_URL", base.clone()),
            ("PORTICO_SERVER__DATA_DIR", dir.path().join("together").display().to_string()),
            ("PORTICO_SERVER__SITE_ROOT", site),
            ("PORTICO_DEVORG__LISTEN", format!("127.0.0.1:{}", free_port()?)),
            ("PORTICO_LOG__FILTER", "warn".into()),
        ],
    )
    .await?;
    let pid = child.id().ok_or_else(|| anyhow::anyhow!("no pid"))?;
    let (idle, _) = resident(pid)?;
    sign_in_many(&base, 50, 50).await?;
    let (rss, peak) = resident(pid)?;
    println!(
        "portal + embedded org, 50 simultaneous sign-ins: {:.1} MB at start, peak {:.1} MB, {:.1} MB after \
         — target < 200 MB",
        idle as f64 / MB,
        peak as f64 / MB,
        rss as f64 / MB
    );
    if peak as f64 >= 200.0 * MB {
        missed.push(format!("50 simultaneous sign-ins peaked at {:.1} MB (target < 200 MB)", peak as f64 / MB));
    }
    drop(child);

    for m in &missed {
        println!("MISSED {m}");
    }
    if !missed.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}
