//! The Okta Management API subset (`/api/v1/users…`, `/api/v1/groups…`, `/api/v1/apps…`): SSWS auth, Okta's error
//! envelope, per-bucket rate limits with `X-Rate-Limit-*` on every response, `Link` paging.

pub(crate) mod apps;
pub mod error;
mod groups;
pub(crate) mod logs;
pub(crate) mod owners;
pub(crate) mod paging;
pub mod query;
mod users;

use crate::OrgState;
use axum::{
    Router,
    extract::{MatchedPath, Request, State},
    http::{HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::{delete, get, post, put},
};
use error::ApiError;
use std::{
    collections::HashMap,
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

/// Who is calling the API: the owner of an SSWS token (an admin) for now.
#[derive(Clone, Debug, Default)]
pub struct ApiCaller {
    pub user_id: Option<String>,
}

/// Rate-limit buckets, Okta's "Workforce" defaults (requests per minute).
pub fn bucket(method: &Method, route: &str) -> (&'static str, u32) {
    match (method, route) {
        (&Method::GET | &Method::POST, "/api/v1/users") => ("users", 600),
        (&Method::GET, "/api/v1/users/{id}") => ("user-get", 2000),
        (_, r) if r.starts_with("/api/v1/users/{id}") && !r.contains("/groups") => ("user-update", 600),
        (_, "/api/v1/groups") => ("groups", 500),
        (_, "/api/v1/groups/{id}") => ("group", 1000),
        _ => ("api", 1200),
    }
}

/// Okta's concurrency limit: API requests in flight at once across the org (75 for Workforce
/// orgs). One more is refused with 429, `X-Rate-Limit-Limit: 0` and `-Remaining: 0`, as Okta
/// answers a concurrency violation.
pub struct Concurrency {
    pub limit: std::sync::atomic::AtomicU32,
    in_flight: std::sync::atomic::AtomicU32,
    /// The most in flight at once since the last [`Concurrency::take_peak`].
    peak: std::sync::atomic::AtomicU32,
}

impl Default for Concurrency {
    fn default() -> Self {
        Concurrency { limit: 75.into(), in_flight: 0.into(), peak: 0.into() }
    }
}

impl Concurrency {
    pub fn take_peak(&self) -> u32 {
        self.peak.swap(0, std::sync::atomic::Ordering::SeqCst)
    }
}

/// Counts of what the API answered (benchmarks read them through test control).
#[derive(Default)]
pub struct Stats {
    pub requests: std::sync::atomic::AtomicU64,
    pub rate_limited: std::sync::atomic::AtomicU64,
}

/// Counts one request in flight until dropped (its answer sent, or the caller gone).
struct InFlight<'a>(&'a std::sync::atomic::AtomicU32);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

pub async fn limit_concurrency(State(state): State<Arc<OrgState>>, req: Request, next: Next) -> Response {
    use std::sync::atomic::Ordering::SeqCst;
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let c = &state.concurrency;
    let now = c.in_flight.fetch_add(1, SeqCst) + 1;
    let _counted = InFlight(&c.in_flight);
    c.peak.fetch_max(now, SeqCst);
    state.stats.requests.fetch_add(1, SeqCst);
    if now > c.limit.load(SeqCst) {
        state.stats.rate_limited.fetch_add(1, SeqCst);
        let mut res = ApiError::rate_limited().into_response();
        let h = res.headers_mut();
        // Okta's reset for a concurrency violation is an estimate: the next second.
        for (k, v) in [("x-rate-limit-limit", 0), ("x-rate-limit-remaining", 0), ("x-rate-limit-reset", now_secs() + 1)]
        {
            h.insert(k, HeaderValue::from(v));
        }
        stamp(h);
        return res;
    }
    next.run(req).await
}

/// One minute window per bucket.
#[derive(Default)]
pub struct RateLimits {
    windows: HashMap<&'static str, (u64, u32)>,
    /// Overrides of the default limits (test control).
    pub limits: HashMap<String, u32>,
}

impl RateLimits {
    pub fn reset_windows(&mut self) {
        self.windows.clear();
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

pub fn router() -> Router<Arc<OrgState>> {
    Router::new()
        .route("/api/v1/users", get(users::list).post(users::create))
        .route("/api/v1/users/{id}", get(users::get_one).post(users::update).put(users::replace).delete(users::remove))
        .route("/api/v1/users/{id}/lifecycle/{op}", post(users::lifecycle))
        .route("/api/v1/users/{id}/credentials/{op}", post(users::credentials))
        .route("/api/v1/users/{id}/groups", get(groups::of_user))
        .route("/api/v1/users/{id}/sessions", delete(users::clear_sessions))
        .route("/api/v1/users/{id}/appLinks", get(users::app_links))
        .route("/api/v1/users/{id}/blocks", get(users::blocks))
        .route("/api/v1/users/{id}/grants", get(users::grants).delete(users::revoke_grants))
        .route("/api/v1/users/{id}/grants/{grant}", get(users::grant).delete(users::revoke_grant))
        .route("/api/v1/users/{id}/clients", get(users::clients))
        .route(
            "/api/v1/users/{id}/clients/{client}/tokens",
            get(users::refresh_tokens).delete(users::revoke_refresh_tokens),
        )
        .route(
            "/api/v1/users/{id}/clients/{client}/tokens/{token}",
            get(users::refresh_token).delete(users::revoke_refresh_token),
        )
        .route(
            "/api/v1/users/{id}/clients/{client}/grants",
            get(users::client_grants).delete(users::revoke_client_grants),
        )
        .route("/api/v1/apps", get(apps::list))
        .route("/api/v1/apps/{id}", get(apps::get_one))
        .route("/api/v1/apps/{id}/users", get(apps::app_users).post(apps::assign))
        .route("/api/v1/apps/{id}/users/{user}", get(apps::app_user).delete(apps::unassign))
        .route("/api/v1/apps/{id}/groups", get(apps::app_groups))
        .route("/api/v1/logs", get(logs::list))
        .route("/api/v1/groups", get(groups::list).post(groups::create))
        .route("/api/v1/groups/{id}", get(groups::get_one).put(groups::replace).delete(groups::remove))
        .route("/api/v1/groups/{id}/users", get(groups::members))
        .route("/api/v1/groups/{id}/owners", get(owners::list).post(owners::assign))
        .route("/api/v1/groups/{id}/owners/{owner}", delete(owners::remove))
        .route("/api/v1/groups/{id}/users/{user}", put(groups::add_member).delete(groups::remove_member))
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
}

/// A DPoP-bound token is good only with the `DPoP` scheme and a fresh proof, made with the key
/// it is bound to, naming this call and this token.
async fn dpop_bound(
    state: &OrgState,
    proof: Option<&str>,
    method: &str,
    dpop_scheme: bool,
    token: &str,
    jkt: &str,
    url: &str,
) -> Result<(), &'static str> {
    if !dpop_scheme {
        return Err("The access token is DPoP-bound: send it with the DPoP scheme and a proof.");
    }
    let proof = proof.ok_or("The DPoP proof JWT header is missing.")?;
    let proof = crate::dpop::verify(state, proof, method, url, Some(token)).await?;
    if proof.jkt != jkt {
        return Err("The DPoP proof was not made with the key the access token is bound to.");
    }
    Ok(())
}

/// SSWS or OAuth bearer authentication: no header → 403 E0000005; unknown or expired token →
/// 401 E0000011; a bearer token without the endpoint's scope → 403 E0000006 with
/// `WWW-Authenticate: … error="insufficient_scope"`.
pub async fn authenticate(State(state): State<Arc<OrgState>>, mut req: Request, next: Next) -> Response {
    let header = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_string);
    let Some(header) = header else {
        return ApiError::invalid_session().into_response();
    };
    let oauth = header
        .strip_prefix("Bearer ")
        .map(|t| (false, t.trim()))
        .or_else(|| header.strip_prefix("DPoP ").map(|t| (true, t.trim())));
    if let Some((dpop_scheme, token)) = oauth {
        let base = state.issuer.as_str().trim_end_matches('/').to_string();
        let grant = {
            let tokens = state.service_tokens.lock().await;
            tokens
                .get(token)
                .filter(|t| t.expires > std::time::Instant::now())
                .map(|t| (t.scopes.clone(), t.jkt.clone()))
        };
        let Some((scopes, jkt)) = grant else {
            let mut e = ApiError::invalid_token();
            e.www_authenticate = Some(format!(
                "Bearer authorization_uri=\"{base}/oauth2/v1/authorize\", realm=\"{base}\", error=\"invalid_token\", error_description=\"The token has expired.\""
            ));
            return e.into_response();
        };
        if let Some(jkt) = jkt {
            let url = format!("{base}{}", req.uri().path());
            let proof = req.headers().get("dpop").and_then(|v| v.to_str().ok()).map(str::to_string);
            let method = req.method().to_string();
            if let Err(why) = dpop_bound(&state, proof.as_deref(), &method, dpop_scheme, token, &jkt, &url).await {
                let mut e = ApiError::invalid_token();
                e.www_authenticate = Some(format!(
                    "DPoP algs=\"RS256 ES256\", error=\"invalid_dpop_proof\", error_description=\"{why}\""
                ));
                return e.into_response();
            }
        } else if dpop_scheme {
            return ApiError::invalid_token().into_response();
        }
        let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_default();
        let needed = crate::service_apps::required_scope(req.method(), &route);
        if !crate::service_apps::allows(&scopes, needed) {
            let mut e = ApiError::forbidden();
            e.www_authenticate = Some(format!(
                "Bearer authorization_uri=\"{base}/oauth2/v1/authorize\", realm=\"{base}\", scope=\"{needed}\", error=\"insufficient_scope\", error_description=\"The access token provided does not contain the required scopes.\", resource=\"{}\"",
                req.uri().path()
            ));
            return e.into_response();
        }
        req.extensions_mut().insert(ApiCaller { user_id: None });
        return next.run(req).await;
    }
    // Okta's Python SDK 3.x sends `SSWS<token>` without the space; real Okta accepts both.
    let Some(token) = header.strip_prefix("SSWS").map(str::trim).filter(|t| !t.is_empty()) else {
        return ApiError::invalid_token().into_response();
    };
    let owner: Result<Option<Option<String>>, _> =
        sqlx::query_scalar("SELECT user_id FROM api_tokens WHERE token_hash = ?1")
            .bind(crate::ids::sha256_hex(token))
            .fetch_optional(&state.db)
            .await;
    match owner {
        Ok(Some(user_id)) => {
            req.extensions_mut().insert(ApiCaller { user_id });
            next.run(req).await
        }
        Ok(None) => ApiError::invalid_token().into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Counts the request in its bucket, refuses with 429 when the window is spent, and stamps
/// `X-Rate-Limit-*`, `X-Okta-Request-Id` and no-cache headers on every response.
pub async fn rate_limit(State(state): State<Arc<OrgState>>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_default();
    let (name, default_limit) = bucket(req.method(), &route);
    let now = now_secs();
    let (limit, remaining, reset, allowed) = {
        let mut rl = state.rate.lock().await;
        let limit = rl.limits.get(name).copied().unwrap_or(default_limit);
        let window = rl.windows.entry(name).or_insert((now + 60, 0));
        if window.0 <= now {
            *window = (now + 60, 0);
        }
        let allowed = window.1 < limit;
        if allowed {
            window.1 += 1;
        }
        (limit, limit.saturating_sub(window.1), window.0, allowed)
    };
    if !allowed {
        state.stats.rate_limited.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    let mut res = if allowed { next.run(req).await } else { ApiError::rate_limited().into_response() };
    let h = res.headers_mut();
    for (k, v) in [
        ("x-rate-limit-limit", limit as u64),
        ("x-rate-limit-remaining", remaining as u64),
        ("x-rate-limit-reset", reset),
    ] {
        h.insert(k, HeaderValue::from(v));
    }
    stamp(h);
    res
}

fn stamp(h: &mut axum::http::HeaderMap) {
    if let Ok(v) = HeaderValue::from_str(&crate::ids::random_token(32).to_lowercase()) {
        h.insert("x-okta-request-id", v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(header::EXPIRES, HeaderValue::from_static("0"));
}

/// Unknown `/api/v1` paths: Okta's 404 envelope rather than an empty body.
pub async fn not_found() -> Response {
    let mut res = ApiError::no_route().into_response();
    stamp(res.headers_mut());
    res
}

/// Collapses `//` in request paths (SDKs configured with a trailing-slash org URL send them).
pub fn normalise_path(mut req: Request) -> Request {
    let path = req.uri().path();
    if path.contains("//") {
        let mut collapsed = String::with_capacity(path.len());
        for c in path.chars() {
            if !(c == '/' && collapsed.ends_with('/')) {
                collapsed.push(c);
            }
        }
        let pq = match req.uri().query() {
            Some(q) => format!("{collapsed}?{q}"),
            None => collapsed,
        };
        if let Ok(uri) = pq.parse() {
            *req.uri_mut() = uri;
        }
    }
    req
}
