//! Group owners (`/api/v1/groups/{id}/owners`), as Okta has them: people who own a group (Okta
//! also lets a group own one; this org keeps people). An access review asks a group's owner
//! whether its members still need it.

use super::{
    ApiCaller,
    error::{ApiError, ApiResult},
    users,
};
use crate::OrgState;
use axum::{
    Extension, Json,
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use sqlx::Row;
use std::sync::Arc;

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS group_owners (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_updated TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
"#;

/// A GroupOwner: the person, resolved, from the Okta directory.
fn owner_json(id: &str, profile: &serde_json::Map<String, Value>, last_updated: &str) -> Value {
    let (_, name) = super::logs::target_of(profile);
    json!({
        "id": id,
        "type": "USER",
        "displayName": name,
        "originId": null,
        "originType": "OKTA_DIRECTORY",
        "resolved": true,
        "lastUpdated": last_updated,
    })
}

async fn group_exists(state: &OrgState, gid: &str) -> ApiResult<()> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM groups WHERE id = ?1").bind(gid).fetch_one(&state.db).await?;
    if n == 0 { Err(ApiError::not_found(gid, "UserGroup")) } else { Ok(()) }
}

/// `GET /groups/{id}/owners`.
pub async fn list(State(state): State<Arc<OrgState>>, Path(gid): Path<String>) -> ApiResult<Response> {
    group_exists(&state, &gid).await?;
    let rows = sqlx::query(
        "SELECT o.user_id, o.last_updated, u.profile FROM group_owners o JOIN users u ON u.id = o.user_id \
         WHERE o.group_id = ?1 ORDER BY o.user_id",
    )
    .bind(&gid)
    .fetch_all(&state.db)
    .await?;
    let owners: Vec<Value> = rows
        .iter()
        .map(|r| {
            let profile = serde_json::from_str(r.get::<&str, _>("profile")).unwrap_or_default();
            owner_json(r.get("user_id"), &profile, r.get("last_updated"))
        })
        .collect();
    Ok(Json(owners).into_response())
}

/// `POST /groups/{id}/owners` with `{"id": userId, "type": "USER"}`: 201 and the owner.
pub async fn assign(
    State(state): State<Arc<OrgState>>,
    Extension(caller): Extension<ApiCaller>,
    Path(gid): Path<String>,
    bytes: Bytes,
) -> ApiResult<Response> {
    group_exists(&state, &gid).await?;
    let body: Value = serde_json::from_slice(&bytes).map_err(|_| ApiError::malformed_body())?;
    let Some(uid) = body.get("id").and_then(Value::as_str) else {
        return Err(ApiError::validation("id", vec!["id: The field cannot be left blank".into()]));
    };
    if body.get("type").and_then(Value::as_str).unwrap_or("USER") != "USER" {
        return Err(ApiError::validation("type", vec!["type: Only people (USER) own groups in this org".into()]));
    }
    let user = users::load(&state, &caller, uid).await?;
    let now = state.now();
    let added = sqlx::query("INSERT OR IGNORE INTO group_owners (group_id, user_id, last_updated) VALUES (?1, ?2, ?3)")
        .bind(&gid)
        .bind(&user.id)
        .bind(&now)
        .execute(&state.db)
        .await?;
    if added.rows_affected() == 0 {
        return Err(ApiError::validation("id", vec![format!("id: {} already owns this group", user.id)]));
    }
    Ok((StatusCode::CREATED, Json(owner_json(&user.id, &user.profile, &now))).into_response())
}

/// `DELETE /groups/{id}/owners/{ownerId}`: 204; 404 when they do not own it.
pub async fn remove(
    State(state): State<Arc<OrgState>>,
    Path((gid, uid)): Path<(String, String)>,
) -> ApiResult<Response> {
    group_exists(&state, &gid).await?;
    let gone = sqlx::query("DELETE FROM group_owners WHERE group_id = ?1 AND user_id = ?2")
        .bind(&gid)
        .bind(&uid)
        .execute(&state.db)
        .await?;
    if gone.rows_affected() == 0 {
        return Err(ApiError::not_found(&uid, "GroupOwner"));
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
