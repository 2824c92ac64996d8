//! `/healthz`: the process answers. `/readyz`: its database and its upstream org answer too.

use crate::ServerState;
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;
use std::time::{Duration, Instant};

/// How long an upstream check answers `/readyz` before it is made again: a load balancer
/// probing every second must not become a second stream of calls to the provider.
const UPSTREAM_CHECK_TTL: Duration = Duration::from_secs(10);

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<ServerState>) -> (StatusCode, Json<serde_json::Value>) {
    let db = state.app.db.ping().await;
    let cached =
        state.ready.lock().ok().and_then(|l| *l).filter(|(at, _)| at.elapsed() < UPSTREAM_CHECK_TTL).map(|(_, ok)| ok);
    let upstream = match cached {
        Some(ok) => ok,
        None => {
            let discovery = format!("{}/.well-known/openid-configuration", state.auth.issuer());
            let ok = state
                .auth
                .http()
                .get(&discovery)
                .timeout(Duration::from_secs(3))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if let Ok(mut l) = state.ready.lock() {
                *l = Some((Instant::now(), ok));
            }
            ok
        }
    };
    let status = if db && upstream { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    (status, Json(json!({ "database": word(db), "upstream": word(upstream) })))
}

/// Prometheus text (`core::metrics`): requests by route and status, Okta and ASA calls by
/// bucket and status, 429s, rate-limit headroom, the executor's queue and the webhook backlog;
/// only for a scraper holding `server.metrics_token`.
pub async fn metrics(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    let Some(token) = &state.app.config.server.metrics_token else {
        return (StatusCode::NOT_FOUND, "Metrics are off: set server.metrics_token to scrape them.").into_response();
    };
    let given =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let expected = format!("Bearer {}", token.expose());
    let presented = format!("Bearer {}", given.unwrap_or(""));
    // Compared in constant time: the token is a secret.
    let same = presented.len() == expected.len()
        && presented.bytes().zip(expected.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0;
    if given.is_none() || !same {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "A bearer token is required.")
            .into_response();
    }
    let text = portico_core::metrics::render(state.app.db(), state.app.clock.now()).await;
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}
