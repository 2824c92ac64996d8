//! `/healthz`: the process answers. `/readyz`: its database and its upstream org answer too.

use crate::ServerState;
use axum::{Json, extract::State, http::StatusCode};
use serde_json::json;
use std::time::Duration;

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<ServerState>) -> (StatusCode, Json<serde_json::Value>) {
    let db = sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(&state.app.db).await.is_ok();
    let discovery = format!("{}/.well-known/openid-configuration", state.auth.issuer());
    let upstream = state
        .auth
        .http()
        .get(&discovery)
        .timeout(Duration::from_secs(3))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success());
    let status = if db && upstream { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    (status, Json(json!({ "database": word(db), "upstream": word(upstream) })))
}

/// Prometheus text: upstream call counts, latency, errors and rate-limit headroom per family.
pub async fn metrics(State(state): State<ServerState>) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.app.okta.metrics.render("okta"))
}
