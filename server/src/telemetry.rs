//! Logging: human-readable by default, JSON when configured; every request line carries its
//! request id. Only paths are logged, never query strings (they carry authorization codes).

use axum::http::Request;
use portico_core::config::{LogConfig, LogFormat};
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

pub fn init(config: &LogConfig) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.filter));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match config.format {
        LogFormat::Text => registry.with(fmt::layer().with_target(false)).try_init(),
        LogFormat::Json => registry.with(fmt::layer().json().flatten_event(true).with_current_span(true)).try_init(),
    };
}

/// The span every request runs in: method, path (no query) and request id.
pub fn request_span<B>(req: &Request<B>) -> tracing::Span {
    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
    match req.extensions().get::<crate::security::ClientRequestId>() {
        Some(theirs) => tracing::info_span!("request", request_id = %id, client_request_id = %theirs.0,
            method = %req.method(), path = %req.uri().path()),
        None => tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path()),
    }
}
