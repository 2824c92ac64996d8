//! The lifecycle state machine: `POST /users/{id}/lifecycle/{op}`, each success logged.

use super::{Op, Target, User, allowed_ops, base, find, flag, hash, json_ok};
use crate::{
    OrgState,
    api::error::{ApiError, ApiResult},
    ids::random_token,
};
use axum::{
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use serde_json::json;
use std::{collections::HashMap, sync::Arc};

fn revoke_everything_sql() -> [&'static str; 2] {
    ["DELETE FROM grants WHERE user_id = ?1", "DELETE FROM refresh_tokens WHERE user_id = ?1"]
}

/// Deactivation: DEPROVISIONED, password and recovery question removed, grants, tokens and app
/// assignments revoked; group memberships kept.
pub(super) async fn deactivate(state: &OrgState, user: &User) -> ApiResult<()> {
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let done = sqlx::query(
        "UPDATE users SET status = 'DEPROVISIONED', status_changed = ?2, last_updated = ?2, password_hash = NULL, \
         recovery_question = NULL, recovery_answer_hash = NULL WHERE id = ?1 AND status != 'DEPROVISIONED'",
    )
    .bind(&user.id)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found(&user.id, "User"));
    }
    for sql in revoke_everything_sql().into_iter().chain(["DELETE FROM app_users WHERE user_id = ?1"]) {
        sqlx::query(sql).bind(&user.id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Moves `user` from its current status to `to`, only if nobody changed it meanwhile.
async fn transition(state: &OrgState, user: &User, to: &str, activated: bool) -> ApiResult<()> {
    let now = state.now();
    let done = sqlx::query(
        "UPDATE users SET status = ?3, status_changed = ?4, last_updated = ?4, failed_sign_ins = 0, \
         activated = CASE WHEN ?5 THEN ?4 ELSE activated END WHERE id = ?1 AND status = ?2",
    )
    .bind(&user.id)
    .bind(&user.status)
    .bind(to)
    .bind(&now)
    .bind(activated)
    .execute(&state.db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "E0000195",
            "Api validation failed due to conflict: the user changed during this request",
        ));
    }
    Ok(())
}

pub(super) fn token_url(base: &str, kind: &str) -> (String, String) {
    let token = random_token(20);
    (format!("{base}/{kind}/{token}"), token)
}

/// The operation named in the path.
#[derive(serde::Deserialize)]
pub struct OpPath {
    pub op: String,
}

pub async fn lifecycle(
    State(state): State<Arc<OrgState>>,
    Target(user): Target,
    Path(OpPath { op }): Path<OpPath>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let id = user.id.clone();
    let (login, name) = crate::api::logs::target_of(&user.profile);
    let res = run_lifecycle(&state, user, &op, &q).await;
    if res.is_ok() {
        crate::api::logs::record(&state, &crate::api::logs::event_type(&op), &id, &login, &name).await;
    }
    res
}

/// The operation itself; [`lifecycle`] logs it once it succeeded.
async fn run_lifecycle(state: &OrgState, user: User, op: &str, q: &HashMap<String, String>) -> ApiResult<Response> {
    let base = base(state);
    let operation = match op {
        "activate" => Op::Activate,
        "reactivate" => Op::Reactivate,
        "deactivate" => Op::Deactivate,
        "suspend" => Op::Suspend,
        "unsuspend" => Op::Unsuspend,
        "unlock" => Op::Unlock,
        "reset_password" => Op::ResetPassword,
        "expire_password" | "expire_password_with_temp_password" => Op::ExpirePassword,
        "reset_factors" => Op::ResetFactors,
        _ => return Err(ApiError::no_route()),
    };
    if !allowed_ops(&user.status, user.has_password).contains(&operation) {
        return Err(operation.refusal(&user.id));
    }
    let send_email = flag(q, "sendEmail", true);
    let empty = || Ok(json_ok(json!({})));
    match operation {
        Op::Activate | Op::Reactivate => {
            let to = if user.status == "STAGED" && (user.has_password || user.provider != "OKTA") {
                "ACTIVE"
            } else {
                "PROVISIONED"
            };
            if operation == Op::Activate {
                transition(state, &user, to, true).await?;
            }
            if send_email {
                return empty();
            }
            let (url, token) = token_url(&base, "welcome");
            Ok(json_ok(json!({ "activationUrl": url, "activationToken": token })))
        }
        Op::Deactivate => {
            deactivate(state, &user).await?;
            empty()
        }
        Op::Suspend => {
            transition(state, &user, "SUSPENDED", false).await?;
            empty()
        }
        Op::Unsuspend | Op::Unlock => {
            transition(state, &user, "ACTIVE", false).await?;
            empty()
        }
        Op::ResetPassword => {
            if user.status != "RECOVERY" {
                transition(state, &user, "RECOVERY", false).await?;
            }
            if send_email {
                return empty();
            }
            let (url, _) = token_url(&base, "reset_password");
            Ok(json_ok(json!({ "resetPasswordUrl": url })))
        }
        Op::ExpirePassword => {
            let temp = op == "expire_password_with_temp_password" || flag(q, "tempPassword", false);
            let mut temp_password = None;
            if temp {
                let t = format!("{}{}", random_token(10), "aA1");
                let h = hash(t.clone()).await?;
                sqlx::query(
                    "UPDATE users SET password_hash = ?2, password_changed = ?3, failed_sign_ins = 0 WHERE id = ?1",
                )
                .bind(&user.id)
                .bind(h)
                .bind(state.now())
                .execute(&state.db)
                .await?;
                temp_password = Some(t);
            }
            if user.status != "PASSWORD_EXPIRED" {
                transition(state, &user, "PASSWORD_EXPIRED", false).await?;
            }
            if flag(q, "revokeSessions", false) {
                for sql in revoke_everything_sql() {
                    sqlx::query(sql).bind(&user.id).execute(&state.db).await?;
                }
            }
            match temp_password {
                Some(t) => Ok(json_ok(json!({ "tempPassword": t }))),
                None => {
                    let user = find(&state.db, &user.id).await?.ok_or_else(ApiError::internal)?;
                    Ok(json_ok(user.to_json(&base, true)))
                }
            }
        }
        Op::ResetFactors => empty(),
        _ => Err(ApiError::no_route()),
    }
}
