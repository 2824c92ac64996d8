//! Test-control API: lets the portal's tests make the org misbehave on purpose. Mounted only
//! when `DevOrgConfig::test_control` is set.

use crate::{OrgState, keys::Key};
use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use std::sync::Arc;

/// Every control call carries the token minted at start (`Authorization: Bearer <token>`), so
/// only whoever started the org can make it misbehave.
pub async fn require_token(
    State(state): State<Arc<OrgState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let given = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(crate::ids::sha256_hex);
    match (&state.control_token_hash, given) {
        (Some(want), Some(got)) if *want == got => next.run(req).await,
        _ => (StatusCode::UNAUTHORIZED, "the control API needs the token printed at start").into_response(),
    }
}

/// What the token endpoint should get wrong in the ID tokens it issues.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IdTokenFault {
    #[default]
    None,
    /// Already expired when issued.
    Expired,
    /// Signed by a key the org does not publish (under the published key's `kid`).
    RogueKey,
}

#[derive(Default)]
pub struct Faults {
    pub id_token: IdTokenFault,
    /// The methods sign-ins report in `amr` (default `["pwd"]`): the org has no second factor of
    /// its own, so tests say which were used.
    pub amr: Option<Vec<String>>,
    pub rogue_key: Option<Key>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcFaults {
    #[serde(default)]
    id_token: IdTokenFault,
    /// Sign-ins from now on report these methods (absent: `["pwd"]`).
    #[serde(default)]
    amr: Option<Vec<String>>,
}

pub async fn set_oidc_faults(
    State(state): State<Arc<OrgState>>,
    Json(body): Json<OidcFaults>,
) -> Result<StatusCode, (StatusCode, String)> {
    let Some(control) = &state.control else {
        return Err((StatusCode::NOT_FOUND, "test control is disabled".into()));
    };
    let rogue = if body.id_token == IdTokenFault::RogueKey && control.lock().await.rogue_key.is_none() {
        let key = tokio::task::spawn_blocking(Key::generate)
            .await
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        Some(key.with_kid(&state.keys.active.kid))
    } else {
        None
    };
    let mut faults = control.lock().await;
    faults.id_token = body.id_token;
    faults.amr = body.amr;
    if rogue.is_some() {
        faults.rogue_key = rogue;
    }
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitOverride {
    bucket: String,
    limit: u32,
}

/// Overrides one bucket's per-minute limit and starts a fresh window (to test 429 handling).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockMove {
    pub advance_seconds: i64,
}

/// Moves the shared test clock forward (the org's and, on the same data directory, the
/// portal's): browser tests reach a scheduled time without waiting for it.
pub async fn advance_clock(
    State(state): State<Arc<OrgState>>,
    Json(body): Json<ClockMove>,
) -> Result<StatusCode, (StatusCode, String)> {
    if body.advance_seconds <= 0 {
        return Err((StatusCode::BAD_REQUEST, "advance_seconds must be positive".into()));
    }
    state
        .clock
        .advance(chrono::Duration::seconds(body.advance_seconds))
        .map(|()| StatusCode::NO_CONTENT)
        .map_err(|e| (StatusCode::CONFLICT, e.to_string()))
}

pub async fn set_rate_limit(State(state): State<Arc<OrgState>>, Json(body): Json<RateLimitOverride>) -> StatusCode {
    let mut rl = state.rate.lock().await;
    rl.limits.insert(body.bucket, body.limit);
    rl.reset_windows();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConcurrencyOverride {
    limit: u32,
}

/// Sets the org's concurrency limit (Okta's default is 75).
pub async fn set_concurrency(State(state): State<Arc<OrgState>>, Json(body): Json<ConcurrencyOverride>) -> StatusCode {
    state.concurrency.limit.store(body.limit, std::sync::atomic::Ordering::SeqCst);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetStatus {
    status: String,
}

const STATUSES: &[&str] =
    &["STAGED", "PROVISIONED", "ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT", "SUSPENDED", "DEPROVISIONED"];

/// Puts a user in any status directly (what sign-in failures or policies do in a real org,
/// e.g. LOCKED_OUT, which no API call produces).
pub async fn set_user_status(
    State(state): State<Arc<OrgState>>,
    axum::extract::Path(id): axum::extract::Path<String>,
    Json(body): Json<SetStatus>,
) -> Result<StatusCode, (StatusCode, String)> {
    if !STATUSES.contains(&body.status.as_str()) {
        return Err((StatusCode::BAD_REQUEST, format!("unknown status {}", body.status)));
    }
    let now = state.now();
    let done = sqlx::query("UPDATE users SET status = ?2, status_changed = ?3, last_updated = ?3 WHERE id = ?1")
        .bind(&id)
        .bind(&body.status)
        .bind(now)
        .execute(&state.db)
        .await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    match done.rows_affected() {
        0 => Err((StatusCode::NOT_FOUND, "no such user".into())),
        _ => Ok(StatusCode::NO_CONTENT),
    }
}

/// What the API has answered since start: requests, 429s (rate and concurrency), and the most
/// requests in flight at once since the last reading (which starts a new high-water mark).
pub async fn stats(State(state): State<Arc<OrgState>>) -> axum::Json<serde_json::Value> {
    use std::sync::atomic::Ordering::SeqCst;
    let s = &state.stats;
    axum::Json(serde_json::json!({
        "requests": s.requests.load(SeqCst),
        "rate_limited": s.rate_limited.load(SeqCst),
        "peak_in_flight": state.concurrency.take_peak(),
    }))
}

/// A fault the org injects into matching requests (test control only).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Requests whose path starts with this are affected (e.g. `/api/v1/users`).
    pub path_prefix: String,
    /// Answer with this status and Okta's error envelope instead of serving the request.
    #[serde(default)]
    pub status: Option<u16>,
    /// Wait this long before answering.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Cut the connection in the middle of the response.
    #[serde(default)]
    pub drop_connection: bool,
    /// How many requests to affect; absent = until cleared.
    #[serde(default)]
    pub times: Option<u32>,
}

pub async fn add_fault(State(state): State<Arc<OrgState>>, Json(fault): Json<Fault>) -> StatusCode {
    state.faults.lock().await.push(fault);
    StatusCode::NO_CONTENT
}

/// The path prefixes of the faults still waiting for a request (one each time a fault remains):
/// a test sees when a call it slowed down has reached the org.
pub async fn pending_faults(State(state): State<Arc<OrgState>>) -> axum::Json<Vec<String>> {
    axum::Json(state.faults.lock().await.iter().map(|f| f.path_prefix.clone()).collect())
}

pub async fn clear_faults(State(state): State<Arc<OrgState>>) -> StatusCode {
    state.faults.lock().await.clear();
    StatusCode::NO_CONTENT
}

/// Applies the first matching fault, if any (a layer over every route).
pub async fn inject_faults(
    State(state): State<Arc<OrgState>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let fault = {
        let mut faults = state.faults.lock().await;
        let path = req.uri().path();
        let hit = faults.iter_mut().position(|f| path.starts_with(&f.path_prefix));
        hit.map(|i| {
            let f = faults[i].clone();
            if let Some(t) = faults[i].times.as_mut() {
                *t = t.saturating_sub(1);
                if *t == 0 {
                    faults.remove(i);
                }
            }
            f
        })
    };
    let Some(fault) = fault else { return next.run(req).await };
    if let Some(ms) = fault.latency_ms {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    if fault.drop_connection {
        let broken = futures_util::stream::once(async {
            Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other("connection dropped by test control"))
        });
        return (StatusCode::OK, [("content-type", "application/json")], axum::body::Body::from_stream(broken))
            .into_response();
    }
    match fault.status.and_then(|s| StatusCode::from_u16(s).ok()) {
        Some(status) => {
            let (code, summary) = match status.as_u16() {
                429 => ("E0000047", "API call exceeded rate limit due to too many requests."),
                500 => ("E0000009", "Internal Server Error"),
                503 => ("E0000010", "Service is temporarily unavailable"),
                _ => ("E0000009", "Injected failure"),
            };
            let mut res = crate::api::error::ApiError::new(status, code, summary).into_response();
            let reset = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() + 1)
                .unwrap_or_default();
            let h = res.headers_mut();
            h.insert("x-rate-limit-limit", reset_header(600));
            h.insert("x-rate-limit-remaining", reset_header(0));
            h.insert("x-rate-limit-reset", reset_header(reset));
            res
        }
        None => next.run(req).await,
    }
}

fn reset_header(v: u64) -> axum::http::HeaderValue {
    axum::http::HeaderValue::from(v)
}

/// Wipes people, groups and consents and seeds the demo org again (keys and tokens stay).
pub async fn reset(State(state): State<Arc<OrgState>>) -> Result<StatusCode, (StatusCode, String)> {
    crate::seed::reset(&state.db, state.clock.now())
        .await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")))?;
    state.rate.lock().await.reset_windows();
    state.faults.lock().await.clear();
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkSeed {
    users: usize,
    groups: usize,
    /// Everyone's title (default "Specialist").
    #[serde(default)]
    title: Option<String>,
    /// Everyone's status (default: every status in turn).
    #[serde(default)]
    status: Option<String>,
}

/// Adds `users` synthetic people and `groups` groups (scale tests and benchmarks).
pub async fn seed_bulk(
    State(state): State<Arc<OrgState>>,
    Json(body): Json<BulkSeed>,
) -> Result<Json<serde_json::Value>, (StatusCode, String)> {
    let started = std::time::Instant::now();
    let like = crate::seed::Like { title: body.title, status: body.status };
    crate::seed::bulk(&state.db, body.users, body.groups, &like, state.clock.now())
        .await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")))?;
    Ok(Json(serde_json::json!({
        "users": body.users,
        "groups": body.groups,
        "seconds": started.elapsed().as_secs_f64(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceApp {
    name: String,
    /// The app's public keys, as a JWKS (`{"keys": [...]}`).
    jwks: serde_json::Value,
    scopes: Vec<String>,
    /// "Require Demonstrating Proof of Possession (DPoP) header in token requests": on unless
    /// turned off, as Okta selects it for new API service apps.
    #[serde(default = "yes")]
    require_dpop: bool,
}

fn yes() -> bool {
    true
}

/// Registers an OAuth service app (client credentials with `private_key_jwt`).
pub async fn register_service_app(
    State(state): State<Arc<OrgState>>,
    Json(app): Json<ServiceApp>,
) -> Result<Json<serde_json::Value>, (StatusCode, String)> {
    if let Some(bad) = app.scopes.iter().find(|s| !crate::service_apps::SCOPES.contains(&s.as_str())) {
        return Err((StatusCode::BAD_REQUEST, format!("unknown scope {bad}")));
    }
    if !app.jwks.get("keys").is_some_and(|k| k.is_array()) {
        return Err((StatusCode::BAD_REQUEST, "jwks must be {\"keys\": [...]}".into()));
    }
    let client_id = crate::ids::okta_id("0oa");
    sqlx::query(
        "INSERT INTO service_apps (client_id, name, jwks, scopes, created, require_dpop) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
        .bind(&client_id)
        .bind(&app.name)
        .bind(app.jwks.to_string())
        .bind(serde_json::json!(app.scopes).to_string())
        .bind(state.now())
        .bind(app.require_dpop)
        .execute(&state.db)
        .await
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    Ok(Json(serde_json::json!({ "client_id": client_id, "require_dpop": app.require_dpop })))
}

/// Forgets every ASA bearer token, as if they had expired early (ASA: "tokens may expire at any
/// time"), so clients' 401 handling can be tested.
pub async fn revoke_asa_tokens(State(state): State<Arc<OrgState>>) -> StatusCode {
    state.asa_tokens.lock().await.clear();
    StatusCode::NO_CONTENT
}
