#![recursion_limit = "512"]
//! Steady under load: `SESSIONS` people (default 200) signed in before the measured window, each
//! making one request a second for `LOAD_SECONDS` (default 300) over a fixed mix of pages and
//! server functions, against the release portal and its embedded org in one process.
//!
//! - Run 1, the org's rate limits far above the offered load (it measures the portal): every
//!   request succeeds and every route's p95 is at most 500 ms.
//! - Run 2, Okta's default limits: no request takes longer than `okta.max_interactive_wait_ms`
//!   (an empty bucket answers at once with "try again in N s"); the only failures allowed are
//!   those rate-limit answers.
//!
//! Exits 1 when a target is missed, so a target counts only when it is met.

use portico_bench::{ms, pct};
use portico_testkit as testkit;
use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::Mutex;

/// Okta's default per-minute limits as the embedded org keeps them (`devorg::api::bucket`).
const OKTA_DEFAULTS: [(&str, u32); 6] =
    [("users", 600), ("user-get", 2000), ("user-update", 600), ("groups", 500), ("group", 1000), ("api", 1200)];

/// One request of the mix: a label for the report and how to make it.
#[derive(Clone)]
enum Call {
    Page(&'static str, String),
    ServerFn(&'static str, &'static str, Vec<(&'static str, String)>),
}

impl Call {
    fn label(&self) -> &'static str {
        match self {
            Call::Page(l, _) | Call::ServerFn(l, _, _) => l,
        }
    }
}

/// What one request came to: its route, how long it took, and its status.
struct Outcome {
    route: &'static str,
    took: Duration,
    status: u16,
    /// The portal said Okta's rate limit was reached ("try again in N s").
    rate_limited: bool,
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sessions = env_or("SESSIONS", 200) as usize;
    let seconds = env_or("LOAD_SECONDS", 300);
    let running = portico_bench::start(true, "error").await?;
    let max_wait = running.portal.config.okta.as_ref().map_or(2000, |o| o.max_interactive_wait_ms);
    let (base, org_url) = (running.base.clone(), running.org.clone());
    let control = testkit::control_client(running.control_token.as_deref());
    let api = |path: &str| {
        reqwest::Client::new()
            .get(format!("{org_url}{path}"))
            .header("Authorization", format!("SSWS {}", running.token))
    };
    let ed: serde_json::Value = api("/api/v1/users/ed.engineer@portico.example").send().await?.json().await?;
    let ed = ed["id"].as_str().ok_or_else(|| anyhow::anyhow!("no Ed"))?.to_string();
    let groups: serde_json::Value = api("/api/v1/groups?q=Engineering").send().await?.json().await?;
    let group = groups[0]["id"].as_str().ok_or_else(|| anyhow::anyhow!("no Engineering group"))?.to_string();

    let mix = vec![
        Call::Page("GET /people?q=e", "/people?q=e".into()),
        Call::ServerFn("POST /api/people/search", "people/search", vec![("query[q]", "ma".into())]),
        Call::Page("GET /people/{id}", format!("/people/{ed}")),
        Call::ServerFn("POST /api/people/groups", "people/groups", vec![("id", ed.clone())]),
        Call::Page("GET /groups", "/groups".into()),
        Call::ServerFn("POST /api/groups/search", "groups/search", vec![("q", "Eng".into()), ("after", String::new())]),
        Call::Page("GET /groups/{id}", format!("/groups/{group}")),
        Call::ServerFn("POST /api/people/get", "people/get", vec![("id", ed.clone())]),
        Call::Page("GET /", "/".into()),
        Call::ServerFn("POST /api/requests/inbox", "requests/inbox", vec![]),
    ];

    // Signed in before the measured window; the sign-ins themselves are not part of it.
    println!("signing in {sessions} sessions …");
    let started = Instant::now();
    let mut browsers = Vec::with_capacity(sessions);
    for chunk in (0..sessions).collect::<Vec<_>>().chunks(8) {
        let mut joins = Vec::new();
        for _ in chunk {
            let base = base.clone();
            joins.push(tokio::spawn(async move { portico_bench::signed_in_browser(&base).await }));
        }
        for j in joins {
            browsers.push(j.await??);
        }
    }
    println!("signed in {sessions} sessions in {:.1} s", started.elapsed().as_secs_f64());

    let mut missed = Vec::new();
    // Run 1: limits far above the offered load, so what is measured is the portal.
    for (bucket, _) in OKTA_DEFAULTS {
        set_limit(&control, &org_url, bucket, 1_000_000).await?;
    }
    let run1 = run(&browsers, &base, &mix, seconds).await;
    println!("\nrun 1: org limits above the offered load ({sessions} sessions × 1 request/s × {seconds} s)");
    report(&run1);
    for (route, outcomes) in by_route(&run1) {
        let failed = outcomes.iter().filter(|o| o.status >= 400).count();
        let p95 = ms(pct(&sorted(&outcomes), 0.95));
        if failed > 0 {
            missed.push(format!("run 1: {route} had {failed} failures (target 0)"));
        }
        if p95 > 500.0 {
            missed.push(format!("run 1: {route} p95 {p95:.0} ms (target ≤ 500 ms)"));
        }
    }

    // Run 2: Okta's default limits; an empty bucket must answer at once, not hold the page.
    for (bucket, limit) in OKTA_DEFAULTS {
        set_limit(&control, &org_url, bucket, limit).await?;
    }
    let run2 = run(&browsers, &base, &mix, seconds).await;
    println!("\nrun 2: Okta's default limits (okta.max_interactive_wait_ms = {max_wait})");
    report(&run2);
    let limited = run2.iter().filter(|o| o.rate_limited).count();
    let other = run2.iter().filter(|o| o.status >= 400 && !o.rate_limited).count();
    let slowest = run2.iter().map(|o| o.took).max().unwrap_or_default();
    println!(
        "run 2: {limited} of {} answered \"rate limit reached, try again\"; {other} other failures; slowest {:.0} ms",
        run2.len(),
        ms(slowest)
    );
    if ms(slowest) > max_wait as f64 {
        missed.push(format!("run 2: a request took {:.0} ms (target ≤ {max_wait} ms)", ms(slowest)));
    }
    if other > 0 {
        missed.push(format!("run 2: {other} failures other than the rate-limit answer (target 0)"));
    }

    running.portal.stop().await;
    if missed.is_empty() {
        println!("\nload targets met");
        Ok(())
    } else {
        for m in &missed {
            println!("MISSED {m}");
        }
        std::process::exit(1);
    }
}

async fn set_limit(control: &reqwest::Client, org: &str, bucket: &str, limit: u32) -> anyhow::Result<()> {
    let res = control
        .post(format!("{org}/__devorg/control/rate_limits"))
        .json(&serde_json::json!({ "bucket": bucket, "limit": limit }))
        .send()
        .await?;
    anyhow::ensure!(res.status().is_success(), "setting {bucket}'s limit: {}", res.status());
    Ok(())
}

/// Every session makes one request a second (its own phase in the second, its own place in the
/// mix) for `seconds`; a slow answer delays that session's next request, never adds a burst.
async fn run(browsers: &[reqwest::Client], base: &str, mix: &[Call], seconds: u64) -> Vec<Outcome> {
    let outcomes = Arc::new(Mutex::new(Vec::new()));
    let start = tokio::time::Instant::now() + Duration::from_millis(200);
    let end = start + Duration::from_secs(seconds);
    let n = browsers.len();
    let mut tasks = Vec::new();
    for (i, browser) in browsers.iter().enumerate() {
        let (browser, base, mix, outcomes) = (browser.clone(), base.to_string(), mix.to_vec(), outcomes.clone());
        let phase = Duration::from_millis((i as u64 * 1000) / n.max(1) as u64);
        tasks.push(tokio::spawn(async move {
            let mut next = start + phase;
            let mut k = i;
            let mut mine = Vec::new();
            while next < end {
                tokio::time::sleep_until(next).await;
                let call = &mix[k % mix.len()];
                k += 1;
                let begun = Instant::now();
                let req = match call {
                    Call::Page(_, path) => browser.get(format!("{base}{path}")),
                    Call::ServerFn(_, endpoint, form) => {
                        browser.post(format!("{base}/api/{endpoint}")).header("Origin", &base).form(form)
                    }
                };
                let (status, rate_limited) = match req.send().await {
                    Ok(res) => {
                        let status = res.status().as_u16();
                        let body = res.text().await.unwrap_or_default();
                        // A page shows a failure in an error panel inside a 200.
                        let status = if body.contains("class=\"card error\"") { status.max(590) } else { status };
                        (status, body.contains("rate limit is reached"))
                    }
                    Err(_) => (599, false),
                };
                mine.push(Outcome { route: call.label(), took: begun.elapsed(), status, rate_limited });
                next += Duration::from_secs(1);
                let now = tokio::time::Instant::now();
                if next < now {
                    next = now;
                }
            }
            outcomes.lock().await.extend(mine);
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    std::mem::take(&mut *outcomes.lock().await)
}

fn by_route(outcomes: &[Outcome]) -> BTreeMap<&'static str, Vec<&Outcome>> {
    let mut m: BTreeMap<&'static str, Vec<&Outcome>> = BTreeMap::new();
    for o in outcomes {
        m.entry(o.route).or_default().push(o);
    }
    m
}

fn sorted(outcomes: &[&Outcome]) -> Vec<Duration> {
    let mut v: Vec<Duration> = outcomes.iter().map(|o| o.took).collect();
    v.sort();
    v
}

fn report(outcomes: &[Outcome]) {
    println!("{:<28} {:>7} {:>7} {:>9} {:>9} {:>9}", "route", "count", "errors", "p50 ms", "p95 ms", "max ms");
    for (route, os) in by_route(outcomes) {
        let d = sorted(&os);
        let errors = os.iter().filter(|o| o.status >= 400).count();
        println!(
            "{route:<28} {:>7} {errors:>7} {:>9.1} {:>9.1} {:>9.1}",
            os.len(),
            ms(pct(&d, 0.5)),
            ms(pct(&d, 0.95)),
            ms(*d.last().unwrap_or(&Duration::ZERO))
        );
    }
}
