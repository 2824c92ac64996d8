//! Several portal processes on one database: the real `portico` binary, twice, against one org
//! that neither of them started. An approved call runs exactly once whichever process claims it,
//! a process killed (SIGKILL) mid-call leaves its work to the other only after its lease, a
//! rolling restart runs nothing twice, and no webhook notification goes out twice.
use crate::approvals::{decide, request, stored_status, wait_for};
use crate::helpers::{PASSWORD, PortalDb, Session, okta_events_at, postgres_for, webhook};
use portico_devorg::{DevOrg, DevOrgConfig};
use portico_vocab::LifecycleOp;
use reqwest::StatusCode;
use serde_json::Value;
use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

const HELPDESK: &str = "hal.helpdesk@portico.example";
const MARIA: &str = "maria.manager@portico.example";
const DEACTIVATE: &str = "user.lifecycle.deactivate";

/// A free loopback port (bound, read, released: the child binds it next).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// One `portico` process serving `port`, on the shared data directory.
struct Replica {
    child: Child,
    base: String,
}

impl Replica {
    async fn start(port: u16, data_dir: &Path, org: &DevOrg, hook: &str) -> Replica {
        let base = format!("http://127.0.0.1:{port}");
        let org_url = org.url.as_str().trim_end_matches('/');
        let database = postgres_for(data_dir).await;
        let child = Command::new(env!("CARGO_BIN_EXE_portico"))
            .env_clear()
            .envs(database.iter().map(|url| ("PORTICO_DATABASE__URL", url)))
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("PORTICO_SERVER__LISTEN", format!("127.0.0.1:{port}"))
            .env("PORTICO_SERVER__PUBLIC_URL", &base)
            .env("PORTICO_SERVER__DATA_DIR", data_dir)
            .env("PORTICO_OIDC__ISSUER", org_url)
            .env("PORTICO_OIDC__CLIENT_ID", &org.client_id)
            .env("PORTICO_OIDC__CLIENT_SECRET", &org.client_secret)
            .env("PORTICO_OKTA__ORG_URL", org_url)
            .env("PORTICO_OKTA__API_TOKEN", &org.api_token)
            .env("PORTICO_DEVORG__TEST_CONTROL", "true")
            .env("PORTICO_APPROVALS__POLL_MS", "100")
            .env("PORTICO_APPROVALS__RETRY_BASE_MS", "100")
            .env("PORTICO_APPROVALS__WEBHOOK_URL", hook)
            .env("PORTICO_LOG__FILTER", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("portico starts");
        // Owned at once, so a panic below still kills the process (Drop).
        let replica = Replica { child, base: base.clone() };
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if http.get(format!("{base}/healthz")).send().await.is_ok_and(|r| r.status().is_success()) {
                return replica;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("portico on {base} never became healthy");
    }

    async fn session(&self, login: &str) -> Session {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        portico_testkit::sign_in(&client, &self.base, login, PASSWORD).await.expect("signs in");
        Session { client, base: self.base.clone() }
    }

    /// SIGKILL: no shutdown, no last write.
    fn kill(mut self) {
        self.child.kill().expect("kill");
        let _ = self.child.wait();
    }

    /// SIGTERM, as a rolling restart stops the old process; waits for it to exit.
    fn terminate(mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The org both replicas use, with every port they may call back on registered, on the
/// replicas' clock.
async fn org(dir: &Path, ports: &[u16]) -> DevOrg {
    DevOrg::start(DevOrgConfig {
        data_dir: dir.join("org"),
        listen: "127.0.0.1:0".parse().expect("addr"),
        redirect_uris: ports.iter().map(|p| format!("http://127.0.0.1:{p}/auth/callback")).collect(),
        post_logout_redirect_uris: ports.iter().map(|p| format!("http://127.0.0.1:{p}/signed-out")).collect(),
        test_control: true,
        allow_non_loopback: false,
        asa_token_ttl: Duration::from_secs(3600),
        lockout_attempts: 10,
        clock: portico_core::Clock::controlled(dir.join("portal")),
    })
    .await
    .expect("org")
}

async fn org_get(org: &DevOrg, path: &str, query: &[(&str, String)]) -> Value {
    reqwest::Client::new()
        .get(format!("{}{path}", org.url.as_str().trim_end_matches('/')))
        .query(query)
        .header("Authorization", format!("SSWS {}", org.api_token))
        .send()
        .await
        .expect("org call")
        .json()
        .await
        .expect("json")
}

async fn user_id(org: &DevOrg, login: &str) -> String {
    org_get(org, &format!("/api/v1/users/{login}"), &[]).await["id"].as_str().expect("id").to_string()
}

/// How many times the org performed `event_type` on `user_id` (its System Log).
async fn okta_events(org: &DevOrg, event_type: &str, user_id: &str) -> usize {
    okta_events_at(org.url.as_str().trim_end_matches('/'), &org.api_token, event_type, user_id).await
}

async fn claimed_by(db: &PortalDb, id: &str) -> Option<String> {
    db.text("SELECT claimed_by FROM requests WHERE id = $1", &[id]).await
}

fn advance_clock(data_dir: &PathBuf, by: chrono::Duration) {
    portico_core::Clock::controlled(data_dir).advance(by).expect("move the clock");
}

#[tokio::test]
async fn two_processes_on_one_database_run_an_approved_call_exactly_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().join("portal");
    let (a_port, b_port, c_port) = (free_port(), free_port(), free_port());
    let org = org(dir.path(), &[a_port, b_port, c_port]).await;
    let (hook, received) = webhook().await;
    let a = Replica::start(a_port, &data_dir, &org, &hook).await;
    let (desk, maria) = (a.session(HELPDESK).await, a.session(MARIA).await);
    let emma = user_id(&org, "emma.engineer@portico.example").await;
    let id = request(&desk, LifecycleOp::Deactivate, &emma, "Moved to a partner company").await;

    // Okta takes its time over the deactivation: the call is in flight in process A.
    let res = portico_testkit::control_client(org.control_token.as_deref())
        .post(format!("{}/__devorg/control/faults", org.url.as_str().trim_end_matches('/')))
        .json(&serde_json::json!({
            "path_prefix": format!("/api/v1/users/{emma}/lifecycle"), "latency_ms": 30000, "times": 1
        }))
        .send()
        .await
        .expect("fault");
    assert!(res.status().is_success());
    let (status, _) = decide(&maria, &id, true, "").await;
    assert_eq!(status, StatusCode::OK);
    let db = PortalDb::of(&data_dir).await;
    wait_for(&db, &id, "executing").await;
    let owner_a = claimed_by(&db, &id).await.expect("A holds the claim");

    // A rolling restart: B starts beside A and works the same queue; it leaves A's call alone.
    let b = Replica::start(b_port, &data_dir, &org, &hook).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(stored_status(&db, &id).await, "executing");
    assert_eq!(claimed_by(&db, &id).await.as_deref(), Some(owner_a.as_str()), "B does not take a live claim");

    // A dies mid-call. Until its lease runs out, nobody re-runs the call…
    a.kill();
    advance_clock(&data_dir, chrono::Duration::seconds(30));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(stored_status(&db, &id).await, "executing", "half a lease later, still A's");
    assert_eq!(okta_events(&org, DEACTIVATE, &emma).await, 0);
    // …then B takes it back, checks Okta, and finishes it once.
    advance_clock(&data_dir, chrono::Duration::seconds(31));
    wait_for(&db, &id, "done").await;
    assert_eq!(okta_events(&org, DEACTIVATE, &emma).await, 1);
    let attempts = db.int("SELECT attempts FROM requests WHERE id = $1", &[&id]).await;
    assert_eq!(attempts, 2, "A's attempt and B's");

    // The old process goes on a rolling restart too: C replaces B; nothing runs again.
    let c = Replica::start(c_port, &data_dir, &org, &hook).await;
    b.terminate();
    advance_clock(&data_dir, chrono::Duration::minutes(5));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(okta_events(&org, DEACTIVATE, &emma).await, 1, "run once across three processes");

    // Every notification was delivered, and none twice, though three processes shared the queue.
    let events = || -> Vec<String> {
        received.lock().expect("lock").iter().map(|e| e["event"].as_str().unwrap_or("").to_string()).collect()
    };
    for _ in 0..100 {
        if events().len() >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Long enough for a second delivery of any of them to arrive, were there one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let kinds = events();
    assert_eq!(kinds, vec!["request.create", "request.approve", "request.execute"]);
    let queued = db.int("SELECT COUNT(*) FROM notifications WHERE done = 1", &[]).await;
    assert_eq!(queued, 3);
    drop(c);
    org.stop().await;
}
