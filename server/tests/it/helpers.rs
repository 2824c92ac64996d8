use portico_core::Config;
use portico_server::Portal;
use reqwest::{Response, StatusCode, header};
use std::path::PathBuf;
use tokio::net::TcpListener;

pub const ADMIN: &str = "ada.admin@portico.example";
pub const PASSWORD: &str = portico_devorg::seed::DEMO_PASSWORD;

pub struct TestApp {
    pub portal: Portal,
    /// `http://127.0.0.1:<port>` of the portal.
    pub base: String,
    /// The embedded org's issuer URL.
    pub org: String,
    /// A browser stand-in: keeps cookies, does not follow redirects (tests inspect each hop).
    pub client: reqwest::Client,
    pub data_dir: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

/// A browser: cookies kept, redirects shown. A page that never answers fails its test after two
/// minutes (far beyond any real answer here) instead of holding the whole suite.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .expect("client")
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = spawn_app_in(dir.path().to_path_buf(), browser()).await;
    app._dir = Some(dir);
    app
}

/// A portal whose configuration `tweak` adjusts first.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut app = spawn_app_configured(dir.path().to_path_buf(), browser(), tweak).await;
    app._dir = Some(dir);
    app
}

/// Starts a portal on a fresh port over an existing data directory (restarts keep data).
pub async fn spawn_app_in(data_dir: PathBuf, client: reqwest::Client) -> TestApp {
    spawn_app_configured(data_dir, client, |_| {}).await
}

async fn spawn_app_configured(data_dir: PathBuf, client: reqwest::Client, tweak: impl FnOnce(&mut Config)) -> TestApp {
    trace_to_file();
    try_spawn_app_in(data_dir, client, tweak).await.expect("portal starts")
}

/// Starts a portal over `data_dir`, or says why it would not start.
pub async fn try_spawn_app_in(
    data_dir: PathBuf,
    client: reqwest::Client,
    tweak: impl FnOnce(&mut Config),
) -> anyhow::Result<TestApp> {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut config = Config::for_test(data_dir.clone());
    config.server.public_url = format!("http://{addr}").parse().expect("url");
    config.devorg.listen = "127.0.0.1:0".parse().expect("addr");
    config.devorg.test_control = true;
    // Approved requests run and retry promptly, so tests wait little.
    config.approvals.poll_ms = 200;
    config.approvals.retry_base_ms = 100;
    if let Some(url) = postgres_for(&data_dir).await {
        config.database.url = Some(portico_core::Secret::new(url));
    }
    tweak(&mut config);
    let portal = Portal::start(config, listener).await?;
    let org = portal.devorg.as_ref().expect("embedded org").url.as_str().trim_end_matches('/').to_string();
    Ok(TestApp { portal, base: format!("http://{addr}"), org, client, data_dir, _dir: None })
}

/// A server function's answer: its status and JSON body.
pub async fn json(res: Response) -> (StatusCode, serde_json::Value) {
    let status = res.status();
    (status, res.json().await.expect("json"))
}

/// The embedded org's own database, to make what its API cannot (an app-imported group).
pub async fn org_db(data_dir: &std::path::Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite://{}", data_dir.join("devorg").join("devorg.sqlite").display()))
        .await
        .expect("org db")
}

pub fn location(res: &Response) -> String {
    res.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no Location on {} {}", res.status(), res.url()))
        .to_string()
}

/// The transaction id in the org's sign-in form.
pub fn form_txn(html: &str) -> String {
    portico_testkit::form_txn(html).expect("sign-in form")
}

impl TestApp {
    /// Stops the portal but keeps its data directory (for restart tests).
    pub async fn stop_keeping_data(self) -> Option<tempfile::TempDir> {
        self.portal.stop().await;
        self._dir
    }

    /// Kills the portal and its org mid-flight, as a crash would; keeps the data directory.
    pub fn crash_keeping_data(self) -> Option<tempfile::TempDir> {
        self.portal.crash();
        self._dir
    }

    /// Moves time forward for this portal, its org and any other process on its data directory.
    pub fn advance_clock(&self, by: chrono::Duration) {
        portico_core::Clock::controlled(&self.data_dir).advance(by).expect("move the clock");
    }

    /// Another person's browser on the same portal, signed in as `login`.
    pub async fn session(&self, login: &str) -> Session {
        let client = browser();
        portico_testkit::sign_in(&client, &self.base, login, PASSWORD).await.expect("signs in");
        Session { client, base: self.base.clone() }
    }

    /// The portal's own database, as a second process would open it.
    pub async fn db(&self) -> PortalDb {
        PortalDb::of(&self.data_dir).await
    }

    /// How many times the org performed `event_type` on `user_id` (its System Log).
    pub async fn okta_events(&self, event_type: &str, user_id: &str) -> usize {
        let org = self.portal.devorg.as_ref().expect("org");
        okta_events_at(&self.org, &org.api_token, event_type, user_id).await
    }

    /// The org's id for a group name.
    pub async fn group_id(&self, name: &str) -> String {
        let token = &self.portal.devorg.as_ref().expect("org").api_token;
        let groups: serde_json::Value = reqwest::Client::new()
            .get(format!("{}/api/v1/groups", self.org))
            .query(&[("q", name)])
            .header("Authorization", format!("SSWS {token}"))
            .send()
            .await
            .expect("groups")
            .json()
            .await
            .expect("json");
        groups.as_array().expect("list").iter().find(|g| g["profile"]["name"] == name).expect("group")["id"]
            .as_str()
            .expect("id")
            .to_string()
    }

    /// Adds `user` to, or removes them from, `group` in Okta itself (not through Portico).
    pub async fn okta_membership(&self, group: &str, user: &str, add: bool) {
        let token = &self.portal.devorg.as_ref().expect("org").api_token;
        let url = format!("{}/api/v1/groups/{}/users/{user}", self.org, self.group_id(group).await);
        let http = reqwest::Client::new();
        let req = if add { http.put(url) } else { http.delete(url) };
        let res = req.header("Authorization", format!("SSWS {token}")).send().await.expect("membership");
        assert!(res.status().is_success(), "{}", res.status());
    }

    /// Runs a lifecycle operation straight at the org (someone acting outside the portal).
    /// `op` done in Okta directly (not by Portico), as another admin tool would.
    pub async fn okta_lifecycle(&self, user_id: &str, op: portico_vocab::LifecycleOp) {
        let org = self.portal.devorg.as_ref().expect("org");
        let res = reqwest::Client::new()
            .post(format!("{}/api/v1/users/{user_id}/lifecycle/{}", self.org, op.as_str()))
            .header("Authorization", format!("SSWS {}", org.api_token))
            .send()
            .await
            .expect("lifecycle");
        assert!(res.status().is_success(), "{op}: {}", res.status());
    }

    /// Starts sign-in at the portal; returns the provider's authorize URL.
    pub async fn start_login(&self, next: Option<&str>) -> String {
        let mut url = format!("{}/auth/login", self.base);
        if let Some(n) = next {
            url = format!("{url}?next={}", url::form_urlencoded::byte_serialize(n.as_bytes()).collect::<String>());
        }
        let res = self.client.get(url).send().await.expect("login");
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let authorize = location(&res);
        assert!(authorize.starts_with(&format!("{}/oauth2/v1/authorize", self.org)), "{authorize}");
        authorize
    }

    /// Opens the provider's sign-in page and submits the form; returns the provider's answer.
    /// `prompt=login` is added unless the URL has a prompt: this person signs in now, whoever
    /// the org's own session remembers.
    pub async fn submit_credentials(&self, authorize_url: &str, login: &str, password: &str) -> Response {
        let url = if authorize_url.contains("prompt=") {
            authorize_url.to_string()
        } else {
            format!("{authorize_url}&prompt=login")
        };
        let page = self.client.get(url).send().await.expect("authorize");
        assert_eq!(page.status(), StatusCode::OK);
        let txn = form_txn(&page.text().await.expect("html"));
        self.client
            .post(format!("{}/login/signin", self.org))
            .form(&[("txn", txn.as_str()), ("username", login), ("password", password)])
            .send()
            .await
            .expect("sign-in post")
    }

    /// The whole sign-in; returns the portal's answer to the callback.
    pub async fn sign_in_as(&self, login: &str, next: Option<&str>) -> Response {
        let authorize = self.start_login(next).await;
        let res = self.submit_credentials(&authorize, login, PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "provider accepted the credentials");
        let callback = location(&res);
        assert!(callback.starts_with(&format!("{}/auth/callback?", self.base)), "{callback}");
        self.client.get(callback).send().await.expect("callback")
    }

    /// Calls a server function as the page's own script would (same-origin POST).
    pub async fn call(&self, endpoint: &str) -> Response {
        self.client
            .post(format!("{}/api/{endpoint}", self.base))
            .header(header::ORIGIN, &self.base)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body("")
            .send()
            .await
            .expect("server fn")
    }

    /// Calls a server function with form arguments (as the browser's POST would).
    pub async fn call_with(&self, endpoint: &str, form: &[(&str, &str)]) -> Response {
        post_form(&self.client, &self.base, endpoint, form).await
    }

    /// Calls a server function by its own argument type (see [`call_fn`]).
    pub async fn call_fn<F>(&self, args: F) -> Response
    where
        F: leptos::server_fn::ServerFn + serde::Serialize,
    {
        call_fn(&self.client, &self.base, args).await
    }

    /// The embedded org's id for a login, read straight from its API.
    pub async fn user_id(&self, login: &str) -> String {
        let org = self.portal.devorg.as_ref().expect("org");
        let user: serde_json::Value = reqwest::Client::new()
            .get(format!("{}/api/v1/users/{login}", self.org))
            .header("Authorization", format!("SSWS {}", org.api_token))
            .send()
            .await
            .expect("get user")
            .json()
            .await
            .expect("json");
        user["id"].as_str().expect("id").to_string()
    }

    /// A client for the org's test-control API (it carries the token the org minted).
    pub fn control_http(&self) -> reqwest::Client {
        portico_testkit::control_client(self.portal.devorg.as_ref().and_then(|d| d.control_token.as_deref()))
    }

    pub async fn control(&self, path: &str, body: serde_json::Value) {
        let res = self
            .control_http()
            .post(format!("{}/__devorg/control/{path}", self.org))
            .json(&body)
            .send()
            .await
            .expect("control");
        assert!(res.status().is_success(), "control {path}: {}", res.status());
    }

    pub async fn set_id_token_fault(&self, fault: &str) {
        let res = self
            .control_http()
            .post(format!("{}/__devorg/control/oidc", self.org))
            .json(&serde_json::json!({ "id_token": fault }))
            .send()
            .await
            .expect("control");
        assert_eq!(res.status(), StatusCode::NO_CONTENT);
    }
}

/// How many times the org at `org` performed `event_type` on `user_id` (its System Log).
pub async fn okta_events_at(org: &str, token: &str, event_type: &str, user_id: &str) -> usize {
    let filter = format!(r#"eventType eq "{event_type}" and target.id eq "{user_id}""#);
    let events: serde_json::Value = reqwest::Client::new()
        .get(format!("{org}/api/v1/logs"))
        .query(&[("filter", filter)])
        .header("Authorization", format!("SSWS {token}"))
        .send()
        .await
        .expect("logs")
        .json()
        .await
        .expect("json");
    events.as_array().expect("events").len()
}

/// A webhook receiver on a free port that keeps every JSON body it is sent.
pub async fn webhook() -> (String, std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>) {
    use axum::{Json, Router, extract::State, routing::post};
    use std::sync::{Arc, Mutex};
    let received: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let hook = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let router = Router::new()
        .route(
            "/hook",
            post(
                |State(r): State<Arc<Mutex<Vec<serde_json::Value>>>>, Json(body): Json<serde_json::Value>| async move {
                    r.lock().expect("lock").push(body);
                },
            ),
        )
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.expect("hook server") });
    (hook, received)
}

/// How many audit rows have `action` and `result` and a detail starting with `request_id:`.
pub async fn audited(db: &PortalDb, action: &str, result: &str, request_id: &str) -> i64 {
    let detail = format!("{request_id}:%");
    db.int(
        "SELECT COUNT(*) FROM audit_events WHERE action = $1 AND result = $2 AND detail LIKE $3",
        &[action, result, &detail],
    )
    .await
}

/// The suite runs on SQLite, and again on PostgreSQL under `with-postgres` (which names its
/// cluster in `PORTICO_TEST_POSTGRES`): there each data directory gets a database of its own
/// (the same one again when a portal restarts on it, or a second process shares it), and this
/// is its URL.
pub async fn postgres_for(data_dir: &std::path::Path) -> Option<String> {
    use std::hash::{Hash, Hasher};
    let admin = std::env::var("PORTICO_TEST_POSTGRES").ok()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data_dir.hash(&mut h);
    let name = format!("portal_{:016x}", h.finish());
    let pool = sqlx::PgPool::connect(&admin).await.expect("the test cluster");
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&name)
        .fetch_one(&pool)
        .await
        .expect("pg_database");
    if !exists {
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.expect("a database for this portal");
    }
    pool.close().await;
    let (server, _) = admin.rsplit_once('/').expect("a database URL");
    Some(format!("{server}/{name}"))
}

/// The portal's database as the tests read it, on either backend. Statements use `$1…`
/// placeholders, which both understand.
pub enum PortalDb {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl PortalDb {
    /// The database of the portal on `data_dir`.
    pub async fn of(data_dir: &std::path::Path) -> PortalDb {
        match postgres_for(data_dir).await {
            Some(url) => PortalDb::Postgres(sqlx::PgPool::connect(&url).await.expect("portal db")),
            None => PortalDb::Sqlite(
                sqlx::SqlitePool::connect(&format!("sqlite://{}", data_dir.join("portico.sqlite").display()))
                    .await
                    .expect("portal db"),
            ),
        }
    }

    /// The portal's stores over this database (to write as the portal writes).
    pub fn store(&self) -> &dyn portico_core::db::Store {
        match self {
            PortalDb::Sqlite(db) => db,
            PortalDb::Postgres(db) => db,
        }
    }

    /// The first row's text columns (cast anything else to TEXT in `sql`); panics with no row.
    pub async fn texts(&self, sql: &str, binds: &[&str]) -> Vec<Option<String>> {
        use sqlx::Row;
        match self {
            PortalDb::Sqlite(db) => {
                let row = binds.iter().fold(sqlx::query(sql), |q, b| q.bind(*b)).fetch_one(db).await;
                let row = row.unwrap_or_else(|e| panic!("{sql}: {e}"));
                (0..row.len()).map(|i| row.get(i)).collect()
            }
            PortalDb::Postgres(db) => {
                let row = binds.iter().fold(sqlx::query(sql), |q, b| q.bind(*b)).fetch_one(db).await;
                let row = row.unwrap_or_else(|e| panic!("{sql}: {e}"));
                (0..row.len()).map(|i| row.get(i)).collect()
            }
        }
    }

    /// The first column of the first row, as text.
    pub async fn text(&self, sql: &str, binds: &[&str]) -> Option<String> {
        self.texts(sql, binds).await.swap_remove(0)
    }

    /// The first column of the first row, a number (`COUNT(*)`, an id, a cast).
    pub async fn int(&self, sql: &str, binds: &[&str]) -> i64 {
        let sql = format!("SELECT CAST(({}) AS TEXT)", sql);
        let text = self.text(&sql, binds).await.unwrap_or_else(|| panic!("{sql}: NULL"));
        text.parse().unwrap_or_else(|e| panic!("{sql}: {text}: {e}"))
    }

    /// The bytes in the first column of the first row, if there is a row.
    pub async fn bytes(&self, sql: &str, binds: &[&str]) -> Option<Vec<u8>> {
        let result = match self {
            PortalDb::Sqlite(db) => {
                binds.iter().fold(sqlx::query_scalar(sql), |q, b| q.bind(*b)).fetch_optional(db).await
            }
            PortalDb::Postgres(db) => {
                binds.iter().fold(sqlx::query_scalar(sql), |q, b| q.bind(*b)).fetch_optional(db).await
            }
        };
        result.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Runs a statement (times as RFC 3339 text work on both); the rows it changed.
    pub async fn run(&self, sql: &str, binds: &[&str]) -> u64 {
        let result = match self {
            PortalDb::Sqlite(db) => {
                binds.iter().fold(sqlx::query(sql), |q, b| q.bind(*b)).execute(db).await.map(|r| r.rows_affected())
            }
            PortalDb::Postgres(db) => {
                binds.iter().fold(sqlx::query(sql), |q, b| q.bind(*b)).execute(db).await.map(|r| r.rows_affected())
            }
        };
        result.unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

/// Calls a server function by its own argument type, encoded as the browser encodes it, at its
/// own path: a renamed argument or endpoint breaks the test at compile time.
pub async fn call_fn<F>(client: &reqwest::Client, base: &str, args: F) -> Response
where
    F: leptos::server_fn::ServerFn + serde::Serialize,
{
    let body = serde_qs::to_string(&args).expect("encodes");
    client
        .post(format!("{base}{}", F::PATH))
        .header(header::ORIGIN, base)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("server fn")
}

async fn post_form(client: &reqwest::Client, base: &str, endpoint: &str, form: &[(&str, &str)]) -> Response {
    client
        .post(format!("{base}/api/{endpoint}"))
        .header(header::ORIGIN, base)
        .form(form)
        .send()
        .await
        .expect("server fn")
}

/// A second signed-in browser on the same portal.
pub struct Session {
    pub client: reqwest::Client,
    pub base: String,
}

impl Session {
    /// Calls a server function by its own argument type (see [`call_fn`]).
    pub async fn call_fn<F>(&self, args: F) -> Response
    where
        F: leptos::server_fn::ServerFn + serde::Serialize,
    {
        call_fn(&self.client, &self.base, args).await
    }
}

/// The server functions' argument types and the vocabulary they take, for typed calls
/// ([`TestApp::call_fn`]) instead of hand-written form strings.
pub mod fns {
    pub use portico_app::{
        approvals::server::*, asa::server::*, groups::server::*, jobs::server::*, people::PeopleQuery,
        people::server::*, reviews::server::*, schedule::server::*,
    };
    pub use portico_vocab::{LifecycleOp, PolicyAction};
}

/// With `PORTICO_TEST_LOG=<file>`, every test's log (filtered by `RUST_LOG`) goes to that file,
/// each line naming its test (the thread): how a test that hangs is read.
fn trace_to_file() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Some(path) = std::env::var_os("PORTICO_TEST_LOG") else { return };
        let Ok(file) = std::fs::File::create(path) else { return };
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_thread_names(true)
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .try_init();
    });
}
