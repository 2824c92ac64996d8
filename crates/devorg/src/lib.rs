//! The embedded Okta-compatible org: an OpenID provider shaped like Okta's org authorization
//! server, backed by SQLite and seeded with demo people.
//!
//! The portal reaches it only over HTTP, exactly as it reaches a real Okta org, so the code path
//! exercised offline and in tests is the one that runs in production.

mod api;
pub mod asa;
mod control;
pub mod db;
mod dpop;
mod html;
mod ids;
mod keys;
mod oidc;
mod passwords;
pub mod seed;
mod service_apps;
mod sso;

use anyhow::Context;
use std::{collections::HashMap, net::SocketAddr, path::PathBuf, sync::Arc};
use tokio::{net::TcpListener, sync::Mutex};
use url::Url;

/// How to run the embedded org.
#[derive(Clone, Debug)]
pub struct DevOrgConfig {
    /// Its SQLite database and signing key live here; both survive restarts.
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    /// Redirect URIs registered for the portal's OIDC client (exact match, as Okta does).
    pub redirect_uris: Vec<String>,
    /// Where `/oauth2/v1/logout` may send people back to.
    pub post_logout_redirect_uris: Vec<String>,
    /// Enables `/__devorg/control/*` (fault injection for tests), behind a bearer token
    /// minted at each start ([`DevOrg::control_token`]). Off by default.
    pub test_control: bool,
    /// Lets `listen` be an address other machines can reach (it is refused otherwise: the demo
    /// org signs anyone in with a published password).
    pub allow_non_loopback: bool,
    /// Lifetime of ASA service-user tokens (short in tests, to exercise renewal).
    pub asa_token_ttl: std::time::Duration,
    /// Consecutive failed sign-ins that lock a person out (`LOCKED_OUT`), as Okta's default
    /// password policy does at 10; 0 never locks.
    pub lockout_attempts: u32,
    /// The time the org records and signs with: the portal's clock, so a test that moves time
    /// moves it for both.
    pub clock: portico_clock::Clock,
}

/// What a running embedded org tells its starter: where it is and how to talk to it.
/// The credentials are minted at each start; only their hashes are stored.
pub struct DevOrg {
    pub url: Url,
    pub client_id: String,
    pub client_secret: String,
    pub api_token: String,
    /// The ASA team's service-user API key (`key_id`, `key_secret`), minted at each start.
    pub asa_key: (String, String),
    /// With `test_control`: the bearer token `/__devorg/control/*` requires, minted at each start.
    pub control_token: Option<String>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

/// The OIDC client id under which the portal is registered.
pub const PORTAL_CLIENT_ID: &str = "0oaportico0portal0001";

pub(crate) struct OrgState {
    pub db: sqlx::SqlitePool,
    pub issuer: Url,
    pub keys: keys::KeyRing,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub client_secret_hash: String,
    /// Sign-in transactions between `/authorize` and the form post, by transaction id.
    pub pending: Mutex<HashMap<String, oidc::PendingAuthorization>>,
    /// Issued, not yet redeemed authorization codes. Redeeming removes them (single use).
    pub codes: Mutex<HashMap<String, oidc::IssuedCode>>,
    pub access_tokens: Mutex<HashMap<String, oidc::AccessGrant>>,
    /// The org's own sign-in sessions (the `sid` cookie).
    pub sso: Mutex<sso::Sessions>,
    pub control: Option<Mutex<control::Faults>>,
    /// SHA-256 of the control API's bearer token.
    pub control_token_hash: Option<String>,
    pub rate: Mutex<api::RateLimits>,
    /// Okta's org-wide limit on API requests in flight at once.
    pub concurrency: api::Concurrency,
    /// What the API answered (test control's `stats`).
    pub stats: api::Stats,
    pub faults: Mutex<Vec<control::Fault>>,
    /// Access tokens issued to service apps (client credentials).
    pub service_tokens: Mutex<HashMap<String, service_apps::ServiceToken>>,
    /// `client_id:jti` of every client assertion seen (Okta refuses replays).
    pub used_jtis: Mutex<std::collections::HashSet<String>>,
    /// DPoP nonces handed out, with when (seconds).
    pub dpop_nonces: Mutex<HashMap<String, i64>>,
    /// DPoP proofs already presented (replays are refused).
    pub dpop_jtis: Mutex<dpop::SpentJtis>,
    pub asa_tokens: Mutex<HashMap<String, asa::AsaToken>>,
    pub asa_token_ttl: std::time::Duration,
    pub lockout_attempts: u32,
    pub clock: portico_clock::Clock,
}

impl OrgState {
    /// Now, in Okta's timestamp format.
    pub fn now(&self) -> String {
        ids::okta_time(self.clock.now())
    }

    /// Now, in seconds since the epoch (token claims).
    pub fn now_secs(&self) -> i64 {
        self.clock.now().timestamp()
    }
}

impl DevOrg {
    /// Opens (or creates and seeds) the org's database and serves it on `config.listen`.
    pub async fn start(config: DevOrgConfig) -> anyhow::Result<DevOrg> {
        if !config.listen.ip().is_loopback() && !config.allow_non_loopback {
            anyhow::bail!(
                "embedded org: {} is not a loopback address; it signs anyone in with a published password \
                 (allow it on purpose with devorg.allow_non_loopback)",
                config.listen
            );
        }
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("embedded org: cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        let issuer = Url::parse(&format!("http://{addr}"))?;
        let db = db::open(&config.data_dir).await?;
        let started = config.clock.now();
        let stamp = ids::okta_time(started);
        seed::seed_if_empty(&db, started).await?;
        let keys = keys::KeyRing::load_or_create(&db, &stamp).await?;
        let client_secret = ids::random_token(40);
        let control_token = config.test_control.then(|| ids::random_token(40));
        let api_token = ids::random_token(42);
        db::replace_demo_api_token(&db, &api_token, &stamp).await?;
        asa::seed::seed_if_empty(&db).await?;
        let asa_key = asa::seed::replace_service_key(&db, started).await?;

        let state = Arc::new(OrgState {
            db,
            issuer: issuer.clone(),
            keys,
            redirect_uris: config.redirect_uris,
            post_logout_redirect_uris: config.post_logout_redirect_uris,
            client_secret_hash: ids::sha256_hex(&client_secret),
            pending: Mutex::default(),
            codes: Mutex::default(),
            access_tokens: Mutex::default(),
            sso: Mutex::default(),
            control: config.test_control.then(Mutex::default),
            control_token_hash: control_token.as_deref().map(ids::sha256_hex),
            rate: Mutex::default(),
            concurrency: api::Concurrency::default(),
            stats: api::Stats::default(),
            faults: Mutex::default(),
            service_tokens: Mutex::default(),
            used_jtis: Mutex::default(),
            dpop_nonces: Mutex::default(),
            dpop_jtis: Mutex::default(),
            asa_tokens: Mutex::default(),
            asa_token_ttl: config.asa_token_ttl,
            lockout_attempts: config.lockout_attempts,
            clock: config.clock,
        });
        // Paths are normalised before routing: SDKs configured with a trailing slash send `//api`.
        let app = tower::ServiceExt::<axum::extract::Request>::map_request(router(state), api::normalise_path);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            // As the portal: no Nagle delay between the writes of one response.
            use axum::serve::ListenerExt;
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let serve = axum::serve(listener, axum::ServiceExt::<axum::extract::Request>::into_make_service(app))
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "embedded org stopped");
            }
        });
        tracing::info!(url = %issuer, "embedded Okta-compatible org listening");
        Ok(DevOrg {
            url: issuer,
            client_id: PORTAL_CLIENT_ID.to_string(),
            client_secret,
            api_token,
            asa_key,
            control_token,
            shutdown: Some(tx),
            task,
        })
    }

    /// Stops serving after in-flight requests finish.
    /// Stops serving at once (requests in flight may still finish on their connections).
    pub fn abort(self) {
        self.task.abort();
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

fn router(state: Arc<OrgState>) -> axum::Router {
    use axum::{
        middleware::from_fn_with_state,
        routing::{any, get, post},
    };
    let okta_api = api::router()
        .route_layer(from_fn_with_state(state.clone(), api::authenticate))
        .route_layer(from_fn_with_state(state.clone(), api::rate_limit));
    let mut router = okta_api
        .merge(asa::router(state.clone()))
        .route("/api/{*rest}", any(api::not_found))
        .route("/.well-known/openid-configuration", get(oidc::discovery))
        .route("/oauth2/v1/authorize", get(oidc::authorize))
        .route("/login/signin", post(oidc::sign_in))
        .route("/oauth2/v1/token", post(oidc::token))
        .route("/oauth2/v1/keys", get(oidc::jwks))
        .route("/oauth2/v1/userinfo", get(oidc::userinfo).post(oidc::userinfo))
        .route("/oauth2/v1/logout", get(oidc::logout));
    if state.control.is_some() {
        let control = axum::Router::new()
            .route("/__devorg/control/oidc", post(control::set_oidc_faults))
            .route("/__devorg/control/rate_limits", post(control::set_rate_limit))
            .route("/__devorg/control/concurrency", post(control::set_concurrency))
            .route("/__devorg/control/users/{id}/status", post(control::set_user_status))
            .route(
                "/__devorg/control/faults",
                get(control::pending_faults).post(control::add_fault).delete(control::clear_faults),
            )
            .route("/__devorg/control/reset", post(control::reset))
            .route("/__devorg/control/seed", post(control::seed_bulk))
            .route("/__devorg/control/stats", get(control::stats))
            .route("/__devorg/control/clock", post(control::advance_clock))
            .route("/__devorg/control/service_apps", post(control::register_service_app))
            .route("/__devorg/control/asa_tokens", axum::routing::delete(control::revoke_asa_tokens))
            .route_layer(from_fn_with_state(state.clone(), control::require_token));
        router = router.merge(control).layer(from_fn_with_state(state.clone(), control::inject_faults));
    }
    // Outermost: a request slowed by an injected fault is in flight, as Okta would count it.
    let router = router.layer(from_fn_with_state(state.clone(), api::limit_concurrency));
    router.with_state(state)
}
