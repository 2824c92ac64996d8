//! The scale test: three `portico` processes on one PostgreSQL, behind a round-robin load
//! balancer with nothing sticky, against an external embedded org (`portico devorg`).
//!
//! 1. Sessions made through the balancer work on every replica.
//! 2. A replica is killed (SIGKILL) while its call is in flight at the org: another replica
//!    finishes the request once its lease has run out.
//! 3. 1,000 requests (deactivate 1,000 people), each approved by two approvers at the same
//!    moment on two different replicas: every one runs once, counted in the org's System Log.
//!
//! Prints the counts and approve-to-done p50/p95; exits 1 on any duplicate, any lost request or
//! a session refused. Run with `make scale` (release build).

use anyhow::{Context, bail};
use futures_util::{StreamExt, stream};
use portico_app::approvals::server::{DecideRequest, RequestAction};
use portico_bench::{ms, pct};
use portico_testkit::pg::PgCluster;
use portico_vocab::{LifecycleOp, PolicyAction};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

/// Requests in the main run (`SCALE_REQUESTS` sets fewer for a quick look).
fn requests_n() -> usize {
    std::env::var("SCALE_REQUESTS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000)
}
const PASSWORD: &str = portico_devorg::seed::DEMO_PASSWORD;
const ADA: &str = "ada.admin@portico.example";
const ANN: &str = "ann.admin2@scale.example";
const HAL: &str = "hal.helpdesk@portico.example";
const DEACTIVATE: &str = "user.lifecycle.deactivate";
/// Short, so a killed replica's work is taken back within the run.
const LEASE_SECONDS: u64 = 5;

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The `portico` binary built beside this one.
fn portico_bin() -> anyhow::Result<PathBuf> {
    let bin = std::env::current_exe()?.with_file_name("portico");
    if !bin.exists() {
        bail!("{} is missing: build it with cargo build --release -p portico-server", bin.display());
    }
    Ok(bin)
}

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The external org: `portico devorg`, with what it printed about itself.
struct Org {
    _proc: Proc,
    url: String,
    token: String,
    control: String,
    client_id: String,
    client_secret: String,
}

impl Org {
    fn start(dir: &Path, public: &str) -> anyhow::Result<Org> {
        let port = free_port()?;
        let mut child = Command::new(portico_bin()?)
            .arg("devorg")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PORTICO_SERVER__PUBLIC_URL", public)
            .env("PORTICO_SERVER__DATA_DIR", dir)
            .env("PORTICO_DEVORG__LISTEN", format!("127.0.0.1:{port}"))
            .env("PORTICO_DEVORG__TEST_CONTROL", "true")
            .env("PORTICO_LOG__FILTER", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .context("portico devorg")?;
        let out = child.stdout.take().context("stdout")?;
        let proc = Proc(child);
        let mut said: HashMap<&str, String> = HashMap::new();
        let keys = [
            ("url", "Embedded Okta-compatible org: "),
            ("token", "Demo API token (Authorization: SSWS <token>): "),
            ("control", "Test-control API token (Authorization: Bearer <token>): "),
            ("client_id", "OIDC client id: "),
            ("client_secret", "OIDC client secret: "),
        ];
        for line in BufReader::new(out).lines() {
            let line = line?;
            for (key, prefix) in keys {
                if let Some(v) = line.trim().strip_prefix(prefix) {
                    said.insert(key, v.trim().to_string());
                }
            }
            if said.len() == keys.len() {
                break;
            }
        }
        let mut get = |k: &str| said.remove(k).with_context(|| format!("portico devorg did not print its {k}"));
        Ok(Org {
            url: get("url")?,
            token: get("token")?,
            control: get("control")?,
            client_id: get("client_id")?,
            client_secret: get("client_secret")?,
            _proc: proc,
        })
    }

    async fn api(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut req = reqwest::Client::new()
            .request(method, format!("{}{path}", self.url))
            .header("Authorization", format!("SSWS {}", self.token));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status();
        let text = res.text().await?;
        if !status.is_success() {
            bail!("{path}: {status} {text}");
        }
        Ok(if text.is_empty() { Value::Null } else { serde_json::from_str(&text)? })
    }

    async fn control(&self, what: &str, body: Value) -> anyhow::Result<()> {
        let res = portico_testkit::control_client(Some(&self.control))
            .post(format!("{}/__devorg/control/{what}", self.url))
            .json(&body)
            .send()
            .await?;
        if !res.status().is_success() {
            bail!("control {what}: {}", res.status());
        }
        Ok(())
    }

    /// How many times the org performed `event_type` on `user_id` (its System Log).
    async fn events(&self, event_type: &str, user_id: &str) -> anyhow::Result<usize> {
        let filter = format!(r#"eventType eq "{event_type}" and target.id eq "{user_id}""#);
        let events: Value = reqwest::Client::new()
            .get(format!("{}/api/v1/logs", self.url))
            .query(&[("filter", filter)])
            .header("Authorization", format!("SSWS {}", self.token))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(events.as_array().map_or(0, Vec::len))
    }

    /// A new active person; their id.
    async fn person(&self, login: &str, first: &str) -> anyhow::Result<String> {
        let body = json!({
            "profile": { "login": login, "email": login, "firstName": first, "lastName": "Scale" },
            "credentials": { "password": { "value": PASSWORD } },
        });
        let user = self.api(reqwest::Method::POST, "/api/v1/users?activate=true", Some(body)).await?;
        user["id"].as_str().map(str::to_string).context("no id")
    }
}

/// One `portico` process.
struct Replica {
    proc: Proc,
    base: String,
}

impl Replica {
    async fn start(port: u16, dir: &Path, public: &str, database: &str, org: &Org) -> anyhow::Result<Replica> {
        let base = format!("http://127.0.0.1:{port}");
        let child = Command::new(portico_bin()?)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PORTICO_DATABASE__URL", database)
            .env("PORTICO_SERVER__LISTEN", format!("127.0.0.1:{port}"))
            .env("PORTICO_SERVER__PUBLIC_URL", public)
            .env("PORTICO_SERVER__DATA_DIR", dir)
            // Every replica seals with the same key, as the README asks.
            .env("PORTICO_SERVER__SECRET_KEY", "c2NhbGUtdGVzdC1rZXktMzItYnl0ZXMtbG9uZyEhISE=")
            .env("PORTICO_OIDC__ISSUER", &org.url)
            .env("PORTICO_OIDC__CLIENT_ID", &org.client_id)
            .env("PORTICO_OIDC__CLIENT_SECRET", &org.client_secret)
            .env("PORTICO_OKTA__ORG_URL", &org.url)
            .env("PORTICO_OKTA__API_TOKEN", &org.token)
            .env("PORTICO_APPROVALS__LEASE_SECONDS", LEASE_SECONDS.to_string())
            .env("PORTICO_LOG__FILTER", "error")
            .stdout(Stdio::null())
            .spawn()
            .context("portico")?;
        let replica = Replica { proc: Proc(child), base: base.clone() };
        let http = reqwest::Client::new();
        for _ in 0..600 {
            if http.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(replica);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("portico on {base} never became healthy")
    }

    fn pid(&self) -> u32 {
        self.proc.0.id()
    }
}

/// A load balancer with nothing sticky: each connection goes to the next replica in turn.
async fn balancer(listener: tokio::net::TcpListener, backends: Vec<u16>) {
    let next = AtomicUsize::new(0);
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else { continue };
        let port = backends[next.fetch_add(1, Ordering::Relaxed) % backends.len()];
        tokio::spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

/// A person's browser, signed in through the balancer; its cookie works on any replica.
struct Browser {
    client: reqwest::Client,
    public: String,
}

impl Browser {
    async fn sign_in(public: &str, login: &str) -> anyhow::Result<Browser> {
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build()?;
        portico_testkit::sign_in(&client, public, login, PASSWORD).await?;
        Ok(Browser { client, public: public.to_string() })
    }

    /// A server function called on one replica (as the balancer would route it; `Origin` is
    /// the public URL the browser is on).
    async fn call<F>(&self, replica: &str, args: F) -> anyhow::Result<(reqwest::StatusCode, Value)>
    where
        F: leptos::server_fn::ServerFn + serde::Serialize,
    {
        let res = self
            .client
            .post(format!("{replica}{}", F::PATH))
            .header("Origin", &self.public)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(serde_qs::to_string(&args)?)
            .send()
            .await?;
        let status = res.status();
        let text = res.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
    }

    async fn request_deactivation(&self, replica: &str, target: &str) -> anyhow::Result<String> {
        let ask = RequestAction {
            action: PolicyAction::Lifecycle(LifecycleOp::Deactivate),
            target: target.into(),
            reason: "Scale test".into(),
            group: None,
            add: None,
            status: None,
            changes: None,
        };
        let (status, req) = self.call(replica, ask).await?;
        if !status.is_success() {
            bail!("request for {target}: {status} {req}");
        }
        req["id"].as_str().map(str::to_string).context("no request id")
    }

    async fn approve(&self, replica: &str, id: &str) -> anyhow::Result<reqwest::StatusCode> {
        Ok(self.call(replica, DecideRequest { id: id.into(), approve: true, comment: String::new() }).await?.0)
    }
}

/// `(status, updated_at)` of every request, by id.
async fn requests(db: &sqlx::PgPool) -> anyhow::Result<HashMap<String, (String, chrono::DateTime<chrono::Utc>)>> {
    let rows: Vec<(String, String, chrono::DateTime<chrono::Utc>)> =
        sqlx::query_as("SELECT id, status, updated_at FROM requests").fetch_all(db).await?;
    Ok(rows.into_iter().map(|(id, s, t)| (id, (s, t))).collect())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("replicas: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<bool> {
    #[allow(non_snake_case)]
    let REQUESTS = requests_n();
    let dir = tempfile::tempdir()?;
    let cluster = PgCluster::start()?;
    let admin = sqlx::PgPool::connect(&cluster.url("postgres")).await?;
    sqlx::query("CREATE DATABASE portico").execute(&admin).await?;
    let database = cluster.url("portico");

    let lb = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let public = format!("http://{}", lb.local_addr()?);
    let org = Org::start(&dir.path().join("org"), &public)?;
    for bucket in ["users", "user-get", "user-update", "groups", "group", "api"] {
        org.control("rate_limits", json!({ "bucket": bucket, "limit": 1_000_000 })).await?;
    }
    // A second administrator, so each request has two approvers.
    let ann = org.person(ANN, "Ann").await?;
    let groups = org.api(reqwest::Method::GET, "/api/v1/groups?q=Portico%20Admins", None).await?;
    let admins = groups[0]["id"].as_str().context("Portico Admins")?.to_string();
    org.api(reqwest::Method::PUT, &format!("/api/v1/groups/{admins}/users/{ann}"), None).await?;
    let started = Instant::now();
    let targets: Vec<String> = stream::iter(0..=REQUESTS)
        .map(|i| {
            let org = &org;
            async move { org.person(&format!("scale.{i:04}@scale.example"), &format!("Person{i}")).await }
        })
        .buffered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    println!("setup: {} people in the org in {:.1} s", targets.len(), started.elapsed().as_secs_f64());

    let ports = [free_port()?, free_port()?, free_port()?];
    let mut replicas = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        replicas.push(Replica::start(*port, &dir.path().join(format!("r{i}")), &public, &database, &org).await?);
    }
    tokio::spawn(balancer(lb, ports.to_vec()));
    let db = sqlx::PgPool::connect(&database).await?;

    // 1. Sessions made through the balancer work on every replica.
    let (hal, ada, ann_b) = (
        Browser::sign_in(&public, HAL).await?,
        Browser::sign_in(&public, ADA).await?,
        Browser::sign_in(&public, ANN).await?,
    );
    let mut sessions_ok = 0;
    for browser in [&hal, &ada, &ann_b] {
        for r in &replicas {
            let (status, _) = browser.call(&r.base, portico_app::approvals::server::Inbox {}).await?;
            sessions_ok += usize::from(status.is_success());
        }
    }
    println!("sessions: {sessions_ok}/9 (3 people × 3 replicas) accepted");

    // Copies of lists: a person's groups, shown on replica 2, then changed on replica 1, are shown
    // changed on replica 2 at once (the write is announced; no waiting out a copy's lifetime).
    let team = org
        .api(
            reqwest::Method::POST,
            "/api/v1/groups",
            Some(json!({ "profile": { "name": "Scale Team", "description": "the scale test's group" } })),
        )
        .await?;
    let team = team["id"].as_str().context("group id")?.to_string();
    let person = targets[0].clone();
    let shows_team = |replica: usize| {
        let (ada, base, person, team) = (&ada, replicas[replica].base.clone(), person.clone(), team.clone());
        async move {
            let (status, groups) = ada.call(&base, portico_app::people::server::PersonGroups { id: person }).await?;
            if !status.is_success() {
                bail!("person groups: {status} {groups}");
            }
            Ok::<bool, anyhow::Error>(groups.as_array().is_some_and(|g| g.iter().any(|g| g["id"] == team.as_str())))
        }
    };
    let before = shows_team(1).await?;
    let (status, said) = ada
        .call(
            &replicas[0].base,
            portico_app::people::server::ChangeMembership {
                group_id: team.clone(),
                user_ids: vec![person.clone()],
                add: true,
            },
        )
        .await?;
    if !status.is_success() {
        bail!("add to group: {status} {said}");
    }
    let mut fresh = false;
    for _ in 0..50 {
        if shows_team(1).await? {
            fresh = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let lists_ok = !before && fresh;
    println!(
        "lists: a change made on replica 1 shows on replica 2 {} (its copies last {} s)",
        if lists_ok { "within a second" } else { "only after its copy expired" },
        portico_core::okta::lists::TTL.num_seconds()
    );

    // 2. SIGKILL mid-call: the org holds the deactivation of the last person for 20 s.
    let slow = targets[REQUESTS].clone();
    org.control(
        "faults",
        json!({ "path_prefix": format!("/api/v1/users/{slow}/lifecycle"), "latency_ms": 20_000, "times": 1 }),
    )
    .await?;
    let id = hal.request_deactivation(&replicas[0].base, &slow).await?;
    ada.approve(&replicas[1].base, &id).await?;
    // The deactivation has reached the org (the fault it meets is used up) …
    let mut in_flight = false;
    for _ in 0..600 {
        let pending = portico_testkit::control_client(Some(&org.control))
            .get(format!("{}/__devorg/control/faults", org.url))
            .send()
            .await?
            .json::<Vec<String>>()
            .await?;
        if pending.is_empty() {
            in_flight = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if !in_flight {
        bail!("the slow deactivation never reached the org");
    }
    // … and whoever holds its claim is killed.
    let mut owner = None;
    for _ in 0..300 {
        let claim: Option<String> =
            sqlx::query_scalar("SELECT claimed_by FROM requests WHERE id = $1 AND status = 'executing'")
                .bind(&id)
                .fetch_optional(&db)
                .await?
                .flatten();
        if let Some(c) = claim {
            owner = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let owner = owner.context("nobody claimed the slow request")?;
    let victim = replicas
        .iter()
        .position(|r| owner.split(':').nth(1) == Some(r.pid().to_string().as_str()))
        .context("the claim names no replica")?;
    let killed_at = Instant::now();
    Command::new("kill").args(["-KILL", &replicas[victim].pid().to_string()]).status()?;
    let mut taken_over = None;
    for _ in 0..1200 {
        let status: String =
            sqlx::query_scalar("SELECT status FROM requests WHERE id = $1").bind(&id).fetch_one(&db).await?;
        if status == "done" {
            taken_over = Some(killed_at.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let taken_over = taken_over.context("the killed replica's request was never finished")?;
    let attempts: i32 =
        sqlx::query_scalar("SELECT attempts FROM requests WHERE id = $1").bind(&id).fetch_one(&db).await?;
    let slow_runs = org.events(DEACTIVATE, &slow).await?;
    let result: Option<String> =
        sqlx::query_scalar("SELECT result FROM requests WHERE id = $1").bind(&id).fetch_one(&db).await?;
    if std::env::var_os("SCALE_VERBOSE").is_some() {
        println!("  the killed replica's request: {}", result.unwrap_or_default());
        let trail: Vec<(chrono::DateTime<chrono::Utc>, String, String, String)> = sqlx::query_as(
            "SELECT at, action, result, detail FROM audit_events WHERE detail LIKE $1 OR op_id LIKE $1 ORDER BY id",
        )
        .bind(format!("{id}%"))
        .fetch_all(&db)
        .await?;
        for (at, action, result, detail) in trail {
            println!("  {at} {action} {result} {detail}");
        }
    }
    println!(
        "SIGKILL: replica {} killed with the call in flight; another finished it {:.1} s later \
         (lease {LEASE_SECONDS} s), attempts {attempts}, deactivations in the System Log: {slow_runs}",
        victim + 1,
        taken_over.as_secs_f64()
    );
    // A rolling restart brings it back on the same port.
    let again =
        Replica::start(ports[victim], &dir.path().join(format!("r{victim}-again")), &public, &database, &org).await?;
    replicas[victim] = again;

    // 3. 1,000 requests, each approved by Ada and Ann at once on two different replicas.
    let bases: Vec<String> = replicas.iter().map(|r| r.base.clone()).collect();
    let started = Instant::now();
    let ids: Vec<String> = stream::iter(targets[..REQUESTS].iter().enumerate())
        .map(|(i, t)| {
            let (hal, base) = (&hal, &bases[i % 3]);
            async move { hal.request_deactivation(base, t).await }
        })
        .buffered(8)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    println!("requests: {} created in {:.1} s", ids.len(), started.elapsed().as_secs_f64());
    let approved_at: Arc<std::sync::Mutex<HashMap<String, chrono::DateTime<chrono::Utc>>>> = Arc::default();
    let started = Instant::now();
    let decisions: Vec<(reqwest::StatusCode, reqwest::StatusCode)> = stream::iter(ids.iter().enumerate())
        .map(|(i, id)| {
            let (ada, ann_b, a, b, approved_at) =
                (&ada, &ann_b, &bases[i % 3], &bases[(i + 1) % 3], approved_at.clone());
            async move {
                let sent = chrono::Utc::now();
                let (x, y) = tokio::join!(ada.approve(a, id), ann_b.approve(b, id));
                if let Ok(mut m) = approved_at.lock() {
                    m.insert(id.clone(), sent);
                }
                (x.unwrap_or(reqwest::StatusCode::BAD_GATEWAY), y.unwrap_or(reqwest::StatusCode::BAD_GATEWAY))
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let one_approval = decisions.iter().filter(|(x, y)| x.is_success() != y.is_success()).count();
    println!(
        "decisions: {} pairs sent in {:.1} s; exactly one of the two recorded the approval in {one_approval}",
        decisions.len(),
        started.elapsed().as_secs_f64()
    );

    // Wait (bounded) until every request has run.
    let deadline = Instant::now() + Duration::from_secs(600);
    let states = loop {
        let states = requests(&db).await?;
        let open = ids
            .iter()
            .filter(|id| states.get(*id).is_none_or(|(s, _)| s == "approved" || s == "executing" || s == "pending"))
            .count();
        if open == 0 || Instant::now() > deadline {
            break states;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let approved_at = approved_at.lock().map(|m| m.clone()).unwrap_or_default();
    let mut latencies: Vec<Duration> = ids
        .iter()
        .filter_map(|id| {
            let (status, done_at) = states.get(id)?;
            let sent = approved_at.get(id)?;
            (status == "done").then(|| (*done_at - *sent).to_std().unwrap_or_default())
        })
        .collect();
    latencies.sort();
    let done = latencies.len();
    let first_sent = approved_at.values().min().copied();
    let done_times: Vec<chrono::DateTime<chrono::Utc>> =
        ids.iter().filter_map(|id| states.get(id)).filter(|(s, _)| s == "done").map(|(_, t)| *t).collect();
    if let (Some(first), Some(a), Some(b)) = (first_sent, done_times.iter().min(), done_times.iter().max()) {
        println!(
            "drain: first done {:.1} s after the first approval, last {:.1} s",
            (*a - first).num_milliseconds() as f64 / 1000.0,
            (*b - first).num_milliseconds() as f64 / 1000.0
        );
    }

    // What the org did, person by person.
    let counts: Vec<usize> = stream::iter(targets[..REQUESTS].iter())
        .map(|t| org.events(DEACTIVATE, t))
        .buffered(16)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    let once = counts.iter().filter(|n| **n == 1).count();
    let duplicates = counts.iter().filter(|n| **n > 1).count();
    let lost = counts.iter().filter(|n| **n == 0).count();
    println!("ran: {done}/{REQUESTS} requests done; the System Log shows {once} deactivated once");
    println!("duplicates: {duplicates}   lost: {lost}");
    if !latencies.is_empty() {
        println!(
            "approve-to-done: p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms (three replicas; each executor woken by LISTEN/NOTIFY)",
            ms(pct(&latencies, 0.5)),
            ms(pct(&latencies, 0.95)),
            ms(pct(&latencies, 1.0))
        );
    }
    let ok = sessions_ok == 9
        && lists_ok
        && slow_runs == 1
        && duplicates == 0
        && lost == 0
        && done == REQUESTS
        && one_approval == REQUESTS;
    println!("{}", if ok { "MET: every request ran exactly once" } else { "MISSED" });
    drop(replicas);
    db.close().await;
    admin.close().await;
    Ok(ok)
}
