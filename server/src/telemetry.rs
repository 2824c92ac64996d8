//! Logging: human-readable by default, JSON when configured; every request line carries its
//! request id. Only paths are logged, never query strings (they carry authorization codes).

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};
use portico_core::config::{LogConfig, LogFormat};
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

pub fn init(config: &LogConfig) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.filter));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match config.format {
        LogFormat::Text => {
            registry.with(fmt::layer().with_target(false).with_writer(|| OneLine(std::io::stdout()))).try_init()
        }
        LogFormat::Json => registry.with(fmt::layer().json().flatten_event(true).with_current_span(true)).try_init(),
    };
}

/// Keeps every text log event on one line: a line break inside it (an upstream's
/// `error_description`, a name someone typed) is written as `\n`, so untrusted text cannot
/// start a line that looks like Portico's own. The formatter hands over one whole event per
/// write, ending in its own line break, which is the only one kept.
struct OneLine<W>(W);

impl<W: std::io::Write> std::io::Write for OneLine<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_all(&one_line(buf))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn one_line(event: &[u8]) -> Vec<u8> {
    let (body, end) = match event.strip_suffix(b"\n") {
        Some(body) => (body, &b"\n"[..]),
        None => (event, &b""[..]),
    };
    let mut out = Vec::with_capacity(event.len() + 8);
    for &b in body {
        match b {
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
    out.extend_from_slice(end);
    out
}

/// The span every request runs in: method, path (no query) and request id.
pub fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
    match req.extensions().get::<crate::security::ClientRequestId>() {
        Some(theirs) => tracing::info_span!("request", request_id = %id, client_request_id = %theirs.0,
            method = %req.method(), path = %req.uri().path()),
        None => tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path()),
    }
}

/// Counts every answered request and its latency by route (the route's pattern, never the
/// path people typed: `/people/{id}`, `/api/get_me`), method and status.
pub async fn http_metrics(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str());
    let route = if route.starts_with("/pkg") { "/pkg".to_string() } else { route.to_string() };
    let method = req.method().clone();
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    portico_core::metrics::http_request(route, method.as_str(), res.status().as_u16(), started.elapsed());
    res
}

#[cfg(test)]
mod tests {
    #[test]
    fn untrusted_text_cannot_start_a_log_line() {
        let forged = b"INFO sign-in refused error=\"x\nINFO portico: admin granted\r\n\"\n";
        let line = super::one_line(forged);
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1, "{}", String::from_utf8_lossy(&line));
        assert!(line.ends_with(b"\n"));
        assert!(String::from_utf8_lossy(&line).contains("x\\nINFO portico"));
    }
}
