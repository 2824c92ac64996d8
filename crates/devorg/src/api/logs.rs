//! A small System Log (`GET /api/v1/logs`): one event per lifecycle operation or group
//! membership change that succeeded, shaped like Okta's LogEvent. Lets tests (and people) see
//! how many times Okta really did something, across restarts of the portal and of the org.

use super::error::{ApiError, ApiResult};
use crate::OrgState;
use axum::{
    Json,
    extract::{Query, State},
};
use serde_json::{Value, json};
use sqlx::Row;
use std::{collections::HashMap, sync::Arc};

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS system_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    published TEXT NOT NULL,
    event_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    target_login TEXT NOT NULL,
    target_name TEXT NOT NULL
);
"#;

/// Okta's event type for a lifecycle operation.
pub fn event_type(op: &str) -> String {
    match op {
        "activate" | "reactivate" | "deactivate" | "suspend" | "unsuspend" => format!("user.lifecycle.{op}"),
        "unlock" => "user.account.unlock".into(),
        "reset_password" => "user.account.reset_password".into(),
        "expire_password" | "expire_password_with_temp_password" => "user.account.expire_password".into(),
        "reset_factors" => "user.mfa.factor.reset_all".into(),
        "delete" => "user.lifecycle.delete.completed".into(),
        other => format!("user.lifecycle.{other}"),
    }
}

/// Whom an event about a person names, from their profile: their login and "first last".
pub fn target_of(profile: &serde_json::Map<String, Value>) -> (String, String) {
    let text = |k: &str| profile.get(k).and_then(Value::as_str).unwrap_or_default();
    let name = format!("{} {}", text("firstName"), text("lastName"));
    (text("login").to_string(), name.trim().to_string())
}

pub async fn record(state: &crate::OrgState, event_type: &str, target_id: &str, login: &str, name: &str) {
    let res = sqlx::query(
        "INSERT INTO system_log (uuid, published, event_type, target_id, target_login, target_name) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(state.now())
    .bind(event_type)
    .bind(target_id)
    .bind(login)
    .bind(name)
    .execute(&state.db)
    .await;
    if let Err(e) = res {
        tracing::error!(error = %e, "could not write the system log");
    }
}

/// `filter` supports Okta's `eventType eq "…"` and `target.id eq "…"`, joined by `and`.
fn parse_filter(filter: &str) -> ApiResult<Vec<(&'static str, String)>> {
    let mut out = Vec::new();
    for clause in filter.split(" and ") {
        let mut parts = clause.trim().splitn(3, ' ');
        let (field, op, value) = (parts.next(), parts.next(), parts.next());
        let column = match field {
            Some("eventType") => "event_type",
            Some("target.id") => "target_id",
            _ => return Err(ApiError::search_and_filter()),
        };
        let value = value
            .filter(|_| op == Some("eq"))
            .and_then(|v| v.strip_prefix('"'))
            .and_then(|v| v.strip_suffix('"'))
            .ok_or_else(ApiError::search_and_filter)?;
        out.push((column, value.to_string()));
    }
    Ok(out)
}

pub async fn list(
    State(state): State<Arc<OrgState>>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Json<Vec<Value>>> {
    let clauses = match q.get("filter") {
        Some(f) if !f.trim().is_empty() => parse_filter(f)?,
        _ => Vec::new(),
    };
    let mut sql = String::from("SELECT * FROM system_log WHERE 1 = 1");
    for (column, _) in &clauses {
        sql.push_str(&format!(" AND {column} = ?"));
    }
    if q.contains_key("since") {
        sql.push_str(" AND published >= ?");
    }
    sql.push_str(" ORDER BY seq LIMIT 1000");
    let mut query = sqlx::query(&sql);
    for (_, v) in &clauses {
        query = query.bind(v);
    }
    if let Some(since) = q.get("since") {
        query = query.bind(since);
    }
    let rows = query.fetch_all(&state.db).await?;
    Ok(Json(
        rows.iter()
            .map(|r| {
                json!({
                    "uuid": r.get::<String, _>("uuid"),
                    "published": r.get::<String, _>("published"),
                    "eventType": r.get::<String, _>("event_type"),
                    "severity": "INFO",
                    "displayMessage": r.get::<String, _>("event_type"),
                    "outcome": { "result": "SUCCESS" },
                    "target": [{
                        "id": r.get::<String, _>("target_id"),
                        "type": "User",
                        "alternateId": r.get::<String, _>("target_login"),
                        "displayName": r.get::<String, _>("target_name"),
                    }],
                })
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_or_are_refused() {
        let f = parse_filter(r#"eventType eq "user.lifecycle.deactivate" and target.id eq "00u1""#).expect("ok");
        assert_eq!(f, vec![("event_type", "user.lifecycle.deactivate".into()), ("target_id", "00u1".into())]);
        assert!(parse_filter(r#"actor.id eq "x""#).is_err());
        assert!(parse_filter(r#"eventType sw "user""#).is_err());
    }
}
