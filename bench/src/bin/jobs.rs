#![recursion_limit = "512"]
//! Bulk jobs at Okta's limits, each run beside a script using Okta's official Python SDK doing
//! the same work (`bench/okta_sdk_suspend.py`: unmodified SDK, one call at a time).
//!
//! 1. Rate-bound: `JOBS_RATE_N` (3,000) suspends at a user-update limit of 600 a minute, 50 ms
//!    added to every API call. Targets: Portico's sustained rate ≥ 95% of the limit, 0 failures,
//!    0 lost, at most 1% of its calls answered 429.
//! 2. Latency-bound: `JOBS_LATENCY_N` (1,000) suspends, limits far above the load, 150 ms added
//!    to every call. Target: Portico ≥ 5× faster than the SDK script, never above the org's
//!    concurrency limit (75).
//!
//! Every person is suspended once, counted in the org's System Log. Exits 1 when a target is
//! missed. Run with `make bench-jobs` (release build); `JOBS_ONLY=rate` or `latency` runs one.

use anyhow::{Context, bail};
use portico_app::{
    jobs::server::{JobProgress, PlanJob, StartJob},
    people::PeopleQuery,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The org's buckets (`devorg::api::bucket`).
const BUCKETS: [&str; 6] = ["users", "user-get", "user-update", "groups", "group", "api"];
const CONCURRENCY_LIMIT: u64 = 75;

struct Bench {
    running: portico_bench::Running,
    control: reqwest::Client,
    org_db: sqlx::SqlitePool,
}

/// What one run measured.
#[derive(Debug, Default)]
struct Measured {
    elapsed: Duration,
    done: u64,
    failures: u64,
    requests: u64,
    rate_limited: u64,
    peak_in_flight: u64,
}

impl Bench {
    async fn control(&self, path: &str, body: Value) -> anyhow::Result<()> {
        let res = self.control.post(format!("{}/__devorg/control/{path}", self.running.org)).json(&body).send().await?;
        if !res.status().is_success() {
            bail!("control {path}: {}", res.status());
        }
        Ok(())
    }

    async fn stats(&self) -> anyhow::Result<Value> {
        Ok(self.control.get(format!("{}/__devorg/control/stats", self.running.org)).send().await?.json().await?)
    }

    async fn clear_faults(&self) -> anyhow::Result<()> {
        self.control.delete(format!("{}/__devorg/control/faults", self.running.org)).send().await?;
        Ok(())
    }

    /// Every bucket at `limit`, except `user-update` at `update` (a fresh window each).
    async fn limits(&self, limit: u32, update: u32) -> anyhow::Result<()> {
        for bucket in BUCKETS {
            let limit = if bucket == "user-update" { update } else { limit };
            self.control("rate_limits", json!({ "bucket": bucket, "limit": limit })).await?;
        }
        Ok(())
    }

    async fn call_fn<F: leptos::server_fn::ServerFn + serde::Serialize>(&self, args: F) -> anyhow::Result<Value> {
        let base = &self.running.base;
        let res = self
            .running
            .browser
            .post(format!("{base}{}", F::PATH))
            .header("Origin", base)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_qs::to_string(&args)?)
            .send()
            .await?;
        let status = res.status();
        let body: Value = res.json().await?;
        if !status.is_success() {
            bail!("{}: {status} {body}", F::PATH);
        }
        Ok(body)
    }

    /// Everyone with this title, by id (the org's own API).
    async fn ids_titled(&self, title: &str) -> anyhow::Result<Vec<String>> {
        let rows: Vec<String> =
            sqlx::query_scalar("SELECT id FROM users WHERE json_extract(profile, '$.title') = ? ORDER BY id")
                .bind(title)
                .fetch_all(&self.org_db)
                .await?;
        Ok(rows)
    }

    /// Suspensions the org recorded for people with this title: (people suspended, events).
    async fn suspended(&self, title: &str) -> anyhow::Result<(i64, i64)> {
        let row: (i64, i64) = sqlx::query_as(
            "SELECT COUNT(DISTINCT l.target_id), COUNT(*) FROM system_log l JOIN users u ON u.id = l.target_id \
             WHERE l.event_type = 'user.lifecycle.suspend' AND json_extract(u.profile, '$.title') = ?",
        )
        .bind(title)
        .fetch_one(&self.org_db)
        .await?;
        Ok(row)
    }

    /// One Portico job suspending everyone titled `title`, from start to its end.
    async fn portico(&self, title: &str) -> anyhow::Result<Measured> {
        let query = PeopleQuery { title: title.into(), status: "ACTIVE".into(), ..Default::default() };
        let plan = PlanJob {
            verb: "suspend".into(),
            group: None,
            all: Some("1".into()),
            query: Some(query),
            ids: None,
            from_group: None,
        };
        let id = self.call_fn(plan).await?.as_str().context("job id")?.to_string();
        let n = self.call_fn(JobProgress { id: id.clone() }).await?["to_run"].as_u64().context("to_run")?;
        let before = self.stats().await?;
        let started = Instant::now();
        self.call_fn(StartJob { id: id.clone(), confirm: Some(n.to_string()) }).await?;
        let counts = loop {
            let c = self.call_fn(JobProgress { id: id.clone() }).await?;
            if c["ended"] == true {
                break c;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        let elapsed = started.elapsed();
        let after = self.stats().await?;
        Ok(Measured {
            elapsed,
            done: counts["done"].as_u64().unwrap_or(0),
            failures: counts["failed"].as_u64().unwrap_or(0) + counts["skipped"].as_u64().unwrap_or(0),
            requests: delta(&before, &after, "requests"),
            rate_limited: delta(&before, &after, "rate_limited"),
            peak_in_flight: after["peak_in_flight"].as_u64().unwrap_or(0),
        })
    }

    /// The SDK script over everyone titled `title`.
    async fn sdk(&self, title: &str) -> anyhow::Result<Measured> {
        let ids = self.ids_titled(title).await?;
        let file = self.running.dir.path().join(format!("{title}.ids"));
        std::fs::write(&file, ids.join("\n"))?;
        let python = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python");
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("okta_sdk_suspend.py");
        let before = self.stats().await?;
        let mut command = std::process::Command::new(&python);
        command
            .arg(&script)
            .env("ORG_URL", &self.running.org)
            .env("OKTA_TOKEN", &self.running.token)
            .env("IDS_FILE", &file)
            // The SDK's documented switch for a plain-HTTP org (its config also says so).
            .env("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true");
        let out = tokio::task::spawn_blocking(move || command.output())
            .await?
            .with_context(|| format!("{} (make setup-test installs it)", python.display()))?;
        let after = self.stats().await?;
        if !out.status.success() {
            bail!("the SDK script failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let line = String::from_utf8_lossy(&out.stdout);
        let said: Value = serde_json::from_str(line.lines().last().unwrap_or_default()).context("the script's JSON")?;
        Ok(Measured {
            elapsed: Duration::from_secs_f64(said["elapsed_s"].as_f64().unwrap_or(0.0)),
            done: said["done"].as_u64().unwrap_or(0),
            failures: said["failures"].as_u64().unwrap_or(0),
            requests: delta(&before, &after, "requests"),
            rate_limited: delta(&before, &after, "rate_limited"),
            peak_in_flight: after["peak_in_flight"].as_u64().unwrap_or(0),
        })
    }
}

/// Whether everyone was suspended exactly once.
fn lost(title: &str, n: usize, (people, events): (i64, i64)) -> Option<String> {
    (people != n as i64 || events != n as i64)
        .then(|| format!("{title}: {people} of {n} people suspended, {events} suspensions (target: each once)"))
}

fn delta(before: &Value, after: &Value, key: &str) -> u64 {
    after[key].as_u64().unwrap_or(0).saturating_sub(before[key].as_u64().unwrap_or(0))
}

fn line(who: &str, m: &Measured, n: usize) {
    let share = if m.requests == 0 { 0.0 } else { m.rate_limited as f64 * 100.0 / m.requests as f64 };
    println!(
        "  {who:<8} {:>8.1} s  {:>6.1}/min  done {:>5}/{n}  failures {:>3}  calls {:>6}  429s {:>4} ({share:.2}%)  peak in flight {:>3}",
        m.elapsed.as_secs_f64(),
        m.done as f64 * 60.0 / m.elapsed.as_secs_f64().max(0.001),
        m.done,
        m.failures,
        m.requests,
        m.rate_limited,
        m.peak_in_flight,
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (rate_n, latency_n) = (env_or("JOBS_RATE_N", 3000), env_or("JOBS_LATENCY_N", 1000));
    let running = portico_bench::start(true, "error").await?;
    let control = portico_testkit::control_client(running.control_token.as_deref());
    let org_db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        running.dir.path().join("devorg").join("devorg.sqlite").display()
    ))
    .await?;
    let bench = Bench { running, control, org_db };
    for (title, n) in
        [("Rate run", rate_n), ("SDK rate run", rate_n), ("Latency run", latency_n), ("SDK latency run", latency_n)]
    {
        bench.control("seed", json!({ "users": n, "groups": 0, "title": title, "status": "ACTIVE" })).await?;
    }
    let mut missed = Vec::new();

    // `JOBS_ONLY=rate` or `latency` runs one of the two (a quicker look).
    let only = std::env::var("JOBS_ONLY").unwrap_or_default();
    // 1. Rate-bound.
    let limit = 600.0;
    if only != "latency" {
        bench.limits(1_000_000, 600).await?;
        bench.control("faults", json!({ "path_prefix": "/api/v1/", "latency_ms": 50 })).await?;
        println!("rate-bound: {rate_n} suspends, user-update limit 600/min, 50 ms per call");
        let portico = bench.portico("Rate run").await?;
        line("portico", &portico, rate_n);
        missed.extend(lost("Rate run", rate_n, bench.suspended("Rate run").await?));
        bench.limits(1_000_000, 600).await?;
        let sdk = bench.sdk("SDK rate run").await?;
        line("sdk", &sdk, rate_n);
        bench.clear_faults().await?;
        let rate = portico.done as f64 * 60.0 / portico.elapsed.as_secs_f64();
        let share = portico.rate_limited as f64 / portico.requests.max(1) as f64;
        println!(
            "  Portico's sustained rate {:.1}% of the limit (target ≥ 95%); 429s {:.2}% of its calls (target ≤ 1%); \
         SDK script {:.2}× Portico's time",
            rate * 100.0 / limit,
            share * 100.0,
            sdk.elapsed.as_secs_f64() / portico.elapsed.as_secs_f64()
        );
        if rate < 0.95 * limit {
            missed.push(format!("rate-bound: {:.1}% of the limit (target ≥ 95%)", rate * 100.0 / limit));
        }
        if portico.failures > 0 || portico.done != rate_n as u64 {
            missed.push(format!("rate-bound: {} done, {} failures", portico.done, portico.failures));
        }
        if share > 0.01 {
            missed.push(format!("rate-bound: {:.2}% of calls answered 429 (target ≤ 1%)", share * 100.0));
        }
    }

    // 2. Latency-bound.
    if only != "rate" {
        bench.limits(1_000_000, 1_000_000).await?;
        bench.control("faults", json!({ "path_prefix": "/api/v1/", "latency_ms": 150 })).await?;
        println!("\nlatency-bound: {latency_n} suspends, limits far above the load, 150 ms per call");
        let portico = bench.portico("Latency run").await?;
        line("portico", &portico, latency_n);
        missed.extend(lost("Latency run", latency_n, bench.suspended("Latency run").await?));
        let sdk = bench.sdk("SDK latency run").await?;
        line("sdk", &sdk, latency_n);
        bench.clear_faults().await?;
        let faster = sdk.elapsed.as_secs_f64() / portico.elapsed.as_secs_f64();
        println!(
            "  Portico {faster:.1}× faster than the SDK script (target ≥ 5×); peak in flight {} (limit {CONCURRENCY_LIMIT})",
            portico.peak_in_flight
        );
        if faster < 5.0 {
            missed.push(format!("latency-bound: {faster:.1}× the SDK script (target ≥ 5×)"));
        }
        if portico.peak_in_flight > CONCURRENCY_LIMIT || portico.failures > 0 || portico.done != latency_n as u64 {
            missed.push(format!(
                "latency-bound: {} done, {} failures, peak {} in flight",
                portico.done, portico.failures, portico.peak_in_flight
            ));
        }
    }

    if missed.is_empty() {
        println!("\nevery target met");
        Ok(())
    } else {
        for m in &missed {
            println!("MISSED: {m}");
        }
        std::process::exit(1);
    }
}
