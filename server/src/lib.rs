#![recursion_limit = "512"]
//! The `portico` server: wires configuration, the embedded org (when no provider is
//! configured), sessions, security layers, sign-in routes and the Leptos app together.

pub mod auth;
mod database;
mod exports;
mod health;
mod pages;
mod recent_sessions;
pub mod security;
pub mod site;
pub mod telemetry;

use anyhow::Context;
use axum::{Router, extract::FromRef, routing::get};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use portico_app::{App, shell};
use portico_core::{AppState, Config, Secret};
use portico_devorg::{DevOrg, DevOrgConfig};
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tokio::net::TcpListener;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

/// State of the axum routes (Leptos needs `LeptosOptions` from it).
#[derive(Clone)]
pub struct ServerState {
    pub leptos: LeptosOptions,
    pub app: AppState,
    pub auth: Arc<auth::Auth>,
    pub site: Arc<site::Site>,
    /// `/readyz`'s last upstream check (when, and whether it answered).
    pub ready: Arc<std::sync::Mutex<Option<(std::time::Instant, bool)>>>,
}

impl FromRef<ServerState> for LeptosOptions {
    fn from_ref(s: &ServerState) -> Self {
        s.leptos.clone()
    }
}

/// A running portal (and its embedded org, if it started one).
pub struct Portal {
    pub addr: SocketAddr,
    pub config: Arc<Config>,
    pub devorg: Option<DevOrg>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    /// The request executor ([`portico_core::requests::worker`]).
    executor: tokio::task::JoinHandle<()>,
    /// The bulk job runner ([`portico_core::jobs::worker`]).
    job_runner: tokio::task::JoinHandle<()>,
    /// Shares the rate-limit budget through the database ([`portico_core::budget::share`]).
    budget_sync: tokio::task::JoinHandle<()>,
    /// Hears the other replicas ([`portico_core::db::Store::listen`]).
    signals: tokio::task::JoinHandle<()>,
}

impl Portal {
    /// Starts serving on `listener`. With no `[oidc]` configured, first starts the embedded org
    /// and signs people in against it.
    pub async fn start(config: Config, listener: TcpListener) -> anyhow::Result<Portal> {
        let addr = listener.local_addr()?;
        std::fs::create_dir_all(&config.server.data_dir)
            .with_context(|| format!("cannot create data directory {}", config.server.data_dir.display()))?;
        let public = config.server.public_url.as_str().trim_end_matches('/').to_string();
        // Checked before anything starts, so a bad policy file stops the portal with its reason.
        let approval_policy = Arc::new(match &config.approvals.policy_file {
            Some(path) => portico_core::policy::Policy::load(path)?,
            None => portico_core::policy::Policy::defaults(),
        });

        let clock = clock_for(&config);
        let devorg = match &config.oidc {
            Some(_) => None,
            None => Some(DevOrg::start(devorg_config(&config)).await?),
        };
        let oidc = match (&config.oidc, &devorg) {
            (Some(o), _) => auth::OidcSettings {
                issuer: o.issuer.clone(),
                client_id: o.client_id.clone(),
                client_secret: o.client_secret.clone(),
                scopes: o.scopes.clone(),
                redirect_uri: format!("{public}/auth/callback"),
                post_logout_redirect_uri: format!("{public}/signed-out"),
            },
            (None, Some(d)) => auth::OidcSettings {
                issuer: d.url.as_str().trim_end_matches('/').to_string(),
                client_id: d.client_id.clone(),
                client_secret: Secret::new(d.client_secret.clone()),
                scopes: ["openid", "profile", "email", "groups"].map(String::from).to_vec(),
                redirect_uri: format!("{public}/auth/callback"),
                post_logout_redirect_uri: format!("{public}/signed-out"),
            },
            (None, None) => unreachable!("the embedded org starts whenever oidc is absent"),
        };

        let (db, store) = database::open(&config).await?;
        let okta = okta_client(&config, devorg.as_ref())?.with_clock(clock.clone()).after_writes(Arc::new({
            let db = db.clone();
            move || {
                let db = db.clone();
                tokio::spawn(async move { db.announce(portico_core::db::Signal::Written).await });
            }
        }));
        tokio::spawn(store.clone().delete_expired_forever());

        let config = Arc::new(config);
        let auth = Arc::new(auth::Auth::new(oidc, clock.clone())?);
        let asa = asa_client(&config, devorg.as_ref(), &clock)?;
        // Roles and `group:` approvers are granted by group identity, fixed now: an ambiguous
        // name stops the start with its reason.
        let break_glass = config.break_glass.group.iter().chain(config.break_glass.reviewer_groups.iter()).cloned();
        let named = config.roles.named_groups().cloned().chain(approval_policy.group_names()).chain(break_glass);
        let group_ids = Arc::new(portico_core::identity::GroupIds::resolve(&okta, named).await?);
        let app_state = AppState {
            config: config.clone(),
            db,
            okta,
            asa,
            policy: approval_policy,
            group_ids,
            seal: portico_core::sealed::SealKey::load(config.server.secret_key.as_ref(), &config.server.data_dir)?,
            clock: clock.clone(),
            instance: instance_name(),
            wake: Arc::new(tokio::sync::Notify::new()),
            job_wake: Arc::new(tokio::sync::Notify::new()),
        };
        let executor = tokio::spawn(portico_core::requests::worker::run(app_state.clone()));
        let job_runner = tokio::spawn(portico_core::jobs::worker::run(app_state.clone()));
        let budgets = [Some(app_state.okta.budget()), app_state.asa.as_ref().map(|a| a.budget())];
        let budget_sync =
            tokio::spawn(portico_core::budget::share(app_state.db.clone(), budgets.into_iter().flatten().collect()));
        // What other replicas announce (PostgreSQL): due work wakes the executor at once, and a
        // write to Okta makes this replica's copies of lists stale.
        let signals = tokio::spawn({
            let (db, okta) = (app_state.db.clone(), app_state.okta.clone());
            let (wake, job_wake) = (app_state.wake.clone(), app_state.job_wake.clone());
            async move {
                db.listen(Arc::new(move |signal| match signal {
                    portico_core::db::Signal::Work | portico_core::db::Signal::Reconnected => {
                        wake.notify_one();
                        job_wake.notify_one();
                    }
                    portico_core::db::Signal::Written => okta.forget_lists(),
                }))
                .await
            }
        });
        let site = Arc::new(site::Site::load(&config.server.site_root));
        let leptos = site.leptos_options(addr);
        let state = ServerState {
            leptos: leptos.clone(),
            app: app_state.clone(),
            auth: auth.clone(),
            site: site.clone(),
            ready: Default::default(),
        };
        let policy = Arc::new(security::Policy {
            origin: config.public_origin(),
            provider_origin: auth.end_session_origin(),
            https: config.is_https(),
            absolute_lifetime_secs: i64::from(config.session.absolute_lifetime_hours) * 3600,
            idle_timeout_secs: i64::from(config.session.idle_timeout_minutes) * 60,
            clock: clock.clone(),
            app: app_state.clone(),
        });

        // Recently used sessions are read from memory (see recent_sessions for why that never
        // authorizes anything); every save is written to the database too. Not when replicas
        // share the database: there every request reads its session where all replicas write it.
        let copy_for = if store.shared() { 0 } else { config.session.revalidate_seconds.into() };
        let store = tower_sessions::CachingSessionStore::new(
            recent_sessions::RecentSessions::new(copy_for, clock.clone()),
            store,
        );
        let sessions = SessionManagerLayer::new(store)
            .with_name(if config.is_https() { "__Host-portico" } else { "portico_session" })
            .with_secure(config.is_https())
            .with_http_only(true)
            // Lax, not Strict: the provider's redirect back to /auth/callback must carry it.
            .with_same_site(SameSite::Lax)
            .with_path("/")
            // Saved only when it changes: the guard records activity at most once a minute and
            // decides the idle timeout by Portico's clock. The store's expiry (and the cookie's
            // Max-Age) outlast that by a margin, so they only reclaim abandoned rows.
            .with_expiry(Expiry::OnInactivity(tower_sessions::cookie::time::Duration::minutes(
                i64::from(config.session.idle_timeout_minutes) + 5,
            )));

        let routes = route_list();
        let context = move || {
            provide_context(app_state.clone());
            if let Some(nonce) =
                use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<security::CspNonce>().cloned())
            {
                provide_context(leptos::nonce::Nonce::from_value(nonce.0));
            }
        };
        let router = Router::new()
            .route("/auth/login", get(auth::login))
            .route("/auth/callback", get(auth::callback))
            .route("/auth/logout", axum::routing::post(auth::logout))
            .route("/healthz", get(health::healthz))
            .route("/readyz", get(health::readyz))
            .route("/metrics", get(health::metrics))
            .route("/audit.csv", get(exports::audit_csv))
            .route("/people.csv", get(exports::people_csv))
            .route("/groups/{id}/members.csv", get(exports::group_members_csv))
            .route("/jobs/{id}/report.csv", get(exports::job_report_csv))
            .route("/reviews/{id}/report.csv", get(exports::review_report_csv))
            .merge(site.pkg_routes())
            .leptos_routes_with_context(&state, routes, context.clone(), {
                let leptos = leptos.clone();
                move || shell(leptos.clone())
            })
            .fallback(leptos_axum::file_and_error_handler_with_context::<ServerState, _>(context, shell))
            .with_state(state)
            .layer(axum::middleware::from_fn(security::api_errors))
            .layer(axum::middleware::from_fn_with_state(policy.clone(), security::guard))
            .layer(sessions)
            .layer(axum::middleware::from_fn_with_state(policy, security::headers))
            .layer(site::compression())
            .layer(PropagateRequestIdLayer::x_request_id())
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(telemetry::request_span)
                    // The access log: one INFO line per request (status, latency; the span has the
                    // request id, method and path).
                    .on_response(
                        tower_http::trace::DefaultOnResponse::new()
                            .level(tracing::Level::INFO)
                            .latency_unit(tower_http::LatencyUnit::Millis),
                    ),
            )
            .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
            .layer(axum::middleware::from_fn(security::own_request_id))
            .layer(axum::middleware::from_fn(telemetry::http_metrics));

        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // Pages stream in several writes; without TCP_NODELAY each later write waits for the
            // browser's delayed ACK (~40 ms a page).
            use axum::serve::ListenerExt;
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let serve = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "portal server stopped");
            }
        });
        tracing::info!(%addr, "Portico listening");
        Ok(Portal { addr, config, devorg, shutdown: Some(tx), task, executor, job_runner, budget_sync, signals })
    }

    /// Stops accepting connections, lets in-flight requests finish, then stops the embedded org.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
        // Between guarded updates the executor can stop anywhere: an interrupted call is taken
        // back at the next start.
        self.executor.abort();
        self.job_runner.abort();
        self.budget_sync.abort();
        self.signals.abort();
        if let Some(d) = self.devorg.take() {
            d.stop().await;
        }
    }

    /// Stops everything at once, mid-request, as a killed process would (restart tests).
    pub fn crash(mut self) {
        self.executor.abort();
        self.job_runner.abort();
        self.budget_sync.abort();
        self.signals.abort();
        self.task.abort();
        if let Some(d) = self.devorg.take() {
            d.abort();
        }
    }

    /// What a person needs to try the portal: where it is, and how to sign in.
    pub fn print_banner(&self) {
        println!("\n  Portico is running at {}", self.config.server.public_url.as_str().trim_end_matches('/'));
        if let Some(d) = &self.devorg {
            print_devorg(d);
        }
        println!();
    }
}

fn print_devorg(d: &DevOrg) {
    use portico_devorg::seed::{DEMO_PASSWORD, DOMAIN};
    println!("\n  Embedded Okta-compatible org: {}", d.url.as_str().trim_end_matches('/'));
    println!("  Demo API token (Authorization: SSWS <token>): {}", d.api_token);
    if let Some(token) = &d.control_token {
        println!("  Test-control API token (Authorization: Bearer <token>): {token}");
    }
    println!(
        "\n  Embedded ASA team: {}/v1/teams/{}  (service user {}: key id {}, key secret {})",
        d.url.as_str().trim_end_matches('/'),
        portico_devorg::asa::TEAM,
        portico_devorg::asa::SERVICE_USER,
        d.asa_key.0,
        d.asa_key.1
    );
    println!("\n  Demo sign-in accounts (password for all: {DEMO_PASSWORD}):");
    for (login, what) in [
        ("ada.admin", "admin"),
        ("hal.helpdesk", "help desk"),
        ("audrey.auditor", "auditor"),
        ("maria.manager", "manager of 4 engineers"),
        ("marcus.manager", "manager of 5 sales people"),
    ] {
        println!("    {:<34} {what}", format!("{login}@{DOMAIN}"));
    }
}

/// The portal's clock. Tests move time for every process on this data directory (the portal, a
/// second one, the embedded org); nothing else can.
fn clock_for(config: &Config) -> portico_core::Clock {
    if config.devorg.test_control {
        portico_core::Clock::controlled(&config.server.data_dir)
    } else {
        portico_core::Clock::system()
    }
}

/// The embedded org for this portal: its data under ours, the portal registered as its OIDC
/// client at the public URL.
fn devorg_config(config: &Config) -> DevOrgConfig {
    let public = config.server.public_url.as_str().trim_end_matches('/');
    DevOrgConfig {
        data_dir: config.server.data_dir.join("devorg"),
        listen: config.devorg.listen,
        redirect_uris: vec![format!("{public}/auth/callback")],
        post_logout_redirect_uris: vec![format!("{public}/signed-out")],
        test_control: config.devorg.test_control,
        allow_non_loopback: config.devorg.allow_non_loopback,
        asa_token_ttl: Duration::from_secs(3600),
        lockout_attempts: config.devorg.lockout_attempts,
        clock: clock_for(config),
    }
}

/// `portico devorg`: the embedded org alone, until `shutdown` resolves.
pub async fn devorg_only(config: Config, shutdown: impl std::future::Future<Output = ()>) -> anyhow::Result<()> {
    let d = DevOrg::start(devorg_config(&config)).await?;
    print_devorg(&d);
    println!("  OIDC client id: {}\n  OIDC client secret: {}\n", d.client_id, d.client_secret);
    shutdown.await;
    d.stop().await;
    Ok(())
}

/// The Okta client: configured org, or the embedded org with its demo token.
fn okta_client(config: &Config, devorg: Option<&DevOrg>) -> anyhow::Result<portico_core::okta::OktaClient> {
    use portico_core::okta::{OktaAuth, OktaClient};
    let (url, auth, timeout) = match (&config.okta, devorg) {
        (Some(o), _) => {
            let auth = match (&o.api_token, &o.client_id, &o.private_key_file) {
                (_, Some(client_id), Some(path)) => {
                    use rsa::pkcs1::DecodeRsaPrivateKey;
                    use rsa::pkcs8::DecodePrivateKey;
                    let pem = std::fs::read_to_string(path)
                        .with_context(|| format!("okta.private_key_file {} cannot be read", path.display()))?;
                    let key = rsa::RsaPrivateKey::from_pkcs8_pem(&pem)
                        .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(&pem))
                        .context("okta.private_key_file is not an RSA private key in PEM")?;
                    OktaAuth::private_key_jwt(client_id.clone(), key, o.key_id.clone(), o.scopes.clone())?
                }
                (Some(token), _, _) => OktaAuth::ApiToken(token.clone()),
                _ => anyhow::bail!("okta needs api_token or client_id + private_key_file"),
            };
            (o.org_url.clone(), auth, Duration::from_secs(o.timeout_seconds))
        }
        (None, Some(d)) => (
            d.url.as_str().trim_end_matches('/').to_string(),
            OktaAuth::ApiToken(Secret::new(d.api_token.clone())),
            Duration::from_secs(10),
        ),
        (None, None) => anyhow::bail!(
            "[okta] is not configured: set okta.org_url and okta.api_token (or a service app) to use a real org"
        ),
    };
    let max_wait = config.okta.as_ref().map_or(2000, |o| o.max_interactive_wait_ms);
    Ok(OktaClient::new(&url, auth, timeout)?.with_max_wait(Duration::from_millis(max_wait)))
}

/// The ASA client: the configured team, or the embedded org's team and service-user key.
fn asa_client(
    config: &Config,
    devorg: Option<&DevOrg>,
    clock: &portico_core::Clock,
) -> anyhow::Result<Option<Arc<portico_core::asa::AsaClient>>> {
    use portico_core::asa::AsaClient;
    let timeout = Duration::from_secs(10);
    let client = match (&config.asa, devorg) {
        (Some(a), _) => AsaClient::new(&a.host, &a.team, &a.key_id, a.key_secret.clone(), timeout),
        (None, Some(d)) => AsaClient::new(
            d.url.as_str().trim_end_matches('/'),
            portico_devorg::asa::TEAM,
            &d.asa_key.0,
            Secret::new(d.asa_key.1.clone()),
            timeout,
        ),
        (None, None) => return Ok(None),
    };
    Ok(Some(Arc::new(client.map_err(|e| anyhow::anyhow!("{e}"))?.with_clock(clock.clone()))))
}

/// `portico backup <file>`: an online, consistent copy of the portal's database (SQLite's
/// `VACUUM INTO`, which reads one snapshot while the portal keeps writing). Refuses to overwrite.
pub async fn backup(config: &Config, file: &std::path::Path) -> anyhow::Result<()> {
    if file.exists() {
        anyhow::bail!("{} exists already; name a new file", file.display());
    }
    let db = database::open_sqlite(config).await.context(
        "portico backup copies the local SQLite file; back up PostgreSQL with pg_dump or your provider's snapshots",
    )?;
    sqlx::query("VACUUM INTO ?1")
        .bind(file.to_string_lossy().to_string())
        .execute(&db)
        .await
        .with_context(|| format!("cannot write the copy to {}", file.display()))?;
    Ok(())
}

/// `portico audit verify`: walks the audit trail's hash chain and says whether it is intact, or
/// which event is the first that does not follow (edited, or the one before it removed).
pub async fn audit_verify(config: &Config) -> anyhow::Result<bool> {
    let db = database::open_store(config).await?;
    let v = portico_core::audit::verify(&*db).await.context("reading the audit trail")?;
    let before = match v.unchained {
        0 => String::new(),
        n => format!(" ({n} written before the chain began are not covered)"),
    };
    match v.first_broken {
        None => {
            println!("The audit trail is intact: {} events chained{before}.", v.chained);
            Ok(true)
        }
        Some((id, why)) => {
            println!(
                "The audit trail is BROKEN at event {id}: {why}. The {} events before it check out{before}.",
                v.chained
            );
            Ok(false)
        }
    }
}

/// This process's name on the work it claims: host, process id and a random part, so a restarted
/// process never mistakes an old claim for its own.
fn instance_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let host = host.trim();
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!("{}:{}:{}", if host.is_empty() { "portico" } else { host }, std::process::id(), &random[..8])
}

/// The app's routes, worked out once per process. Leptos suppresses every resource in the whole
/// process while it works them out (a global flag; leptos#4773), and a page whose resource first
/// runs in that moment never finishes: a second portal started beside a serving one (replicas,
/// the tests) would hang that page for good. Once per process, before any portal serves, has no
/// such moment.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}
