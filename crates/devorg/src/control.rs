//! Test-control API: lets the portal's tests make the org misbehave on purpose. Mounted only
//! when `DevOrgConfig::test_control` is set.

use crate::{OrgState, keys::Key};
use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use std::sync::Arc;

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
    pub rogue_key: Option<Key>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcFaults {
    id_token: IdTokenFault,
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
pub async fn set_rate_limit(State(state): State<Arc<OrgState>>, Json(body): Json<RateLimitOverride>) -> StatusCode {
    let mut rl = state.rate.lock().await;
    rl.limits.insert(body.bucket, body.limit);
    rl.reset_windows();
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
    let now = crate::ids::okta_time(chrono::Utc::now());
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
