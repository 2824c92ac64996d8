//! `POST /users/{id}/credentials/{op}`: change password or recovery question, forgot password.

use super::{
    Op, Target, User, allowed_ops, base, body, check_password, find, flag, hash, json_ok,
    lifecycle::{OpPath, token_url},
    str_at, verify,
};
use crate::{
    OrgState,
    api::error::{ApiError, ApiResult},
};
use axum::{
    body::Bytes,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use serde_json::{Value, json};
use std::{collections::HashMap, sync::Arc};

/// A credential operation's answer: the user's credentials without `emails`, as Okta answers
/// these calls (recordings), although the user itself lists them.
fn credentials_json(user: &User) -> Value {
    let mut credentials = user.to_json("", false)["credentials"].clone();
    if let Some(c) = credentials.as_object_mut() {
        c.remove("emails");
    }
    credentials
}

pub async fn credentials(
    State(state): State<Arc<OrgState>>,
    Target(user): Target,
    Path(OpPath { op }): Path<OpPath>,
    Query(q): Query<HashMap<String, String>>,
    bytes: Bytes,
) -> ApiResult<Response> {
    let login = str_at(&user.profile, &["login"]).unwrap_or_default().to_string();
    let stored: (Option<String>, Option<String>) =
        sqlx::query_as("SELECT password_hash, recovery_answer_hash FROM users WHERE id = ?1")
            .bind(&user.id)
            .fetch_one(&state.db)
            .await?;
    let ops = allowed_ops(&user.status, user.has_password);
    let now = state.now();
    match op.as_str() {
        "change_password" => {
            if !ops.contains(&Op::ChangePassword) {
                return Err(Op::ChangePassword.refusal(&user.id));
            }
            let body = body(&bytes, &["oldPassword", "newPassword", "revokeSessions"])?;
            let old = str_at(&body, &["oldPassword", "value"]).unwrap_or_default().to_string();
            let new = str_at(&body, &["newPassword", "value"]).unwrap_or_default().to_string();
            if !verify(stored.0, old).await {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "E0000014", "Update of credentials failed")
                    .with_cause("oldPassword: The credentials provided were incorrect."));
            }
            check_password(&new, &login)?;
            let h = hash(new).await?;
            sqlx::query(
                "UPDATE users SET password_hash = ?2, password_changed = ?3, failed_sign_ins = 0, last_updated = ?3, \
                 status = CASE WHEN status IN ('RECOVERY', 'PASSWORD_EXPIRED') THEN 'ACTIVE' ELSE status END, \
                 status_changed = CASE WHEN status IN ('RECOVERY', 'PASSWORD_EXPIRED') THEN ?3 ELSE status_changed END \
                 WHERE id = ?1",
            )
            .bind(&user.id)
            .bind(h)
            .bind(&now)
            .execute(&state.db)
            .await?;
        }
        "change_recovery_question" => {
            if !ops.contains(&Op::ChangeRecoveryQuestion) {
                return Err(Op::ChangeRecoveryQuestion.refusal(&user.id));
            }
            let body = body(&bytes, &["password", "recovery_question"])?;
            let password = str_at(&body, &["password", "value"]).unwrap_or_default().to_string();
            if !verify(stored.0, password).await {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "E0000014", "Update of credentials failed")
                    .with_cause("password: The credentials provided were incorrect."));
            }
            let question = str_at(&body, &["recovery_question", "question"]).unwrap_or_default().trim().to_string();
            let answer = str_at(&body, &["recovery_question", "answer"]).unwrap_or_default().trim().to_lowercase();
            if question.is_empty() || answer.len() < 4 {
                return Err(ApiError::validation(
                    "recovery_question",
                    vec![
                        "recovery_question: The security question answer must be at least 4 characters in length"
                            .into(),
                    ],
                ));
            }
            let h = hash(answer).await?;
            sqlx::query(
                "UPDATE users SET recovery_question = ?2, recovery_answer_hash = ?3, last_updated = ?4 WHERE id = ?1",
            )
            .bind(&user.id)
            .bind(question)
            .bind(h)
            .bind(&now)
            .execute(&state.db)
            .await?;
        }
        "forgot_password" | "forgot_password_recovery_question" => {
            if !ops.contains(&Op::ForgotPassword) {
                return Err(Op::ForgotPassword.refusal(&user.id));
            }
            let body = body(&bytes, &["password", "recovery_question"])?;
            if body.is_empty() {
                if flag(&q, "sendEmail", true) {
                    return Ok(json_ok(json!({})));
                }
                let (url, _) = token_url(&base(&state), "signin/reset-password");
                return Ok(json_ok(json!({ "resetPasswordUrl": url })));
            }
            let answer = str_at(&body, &["recovery_question", "answer"]).unwrap_or_default().trim().to_lowercase();
            if !verify(stored.1, answer).await {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "E0000087",
                    "The recovery question answer did not match our records.",
                ));
            }
            let new = str_at(&body, &["password", "value"]).unwrap_or_default().to_string();
            check_password(&new, &login)?;
            let h = hash(new).await?;
            sqlx::query("UPDATE users SET password_hash = ?2, password_changed = ?3, failed_sign_ins = 0, last_updated = ?3 WHERE id = ?1")
                .bind(&user.id)
                .bind(h)
                .bind(&now)
                .execute(&state.db)
                .await?;
        }
        _ => return Err(ApiError::no_route()),
    }
    let user = find(&state.db, &user.id).await?.ok_or_else(ApiError::internal)?;
    Ok(json_ok(credentials_json(&user)))
}
