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
