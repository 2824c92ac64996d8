//! Layers every response passes through: security headers with a per-request CSP nonce,
//! cross-site request refusal, and the sign-in guard for pages and server functions.

use crate::auth::{SESSION_SEEN_AT, SESSION_SIGNED_IN_AT};
use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use portico_app::{error::PortalError, ssr::SESSION_PRINCIPAL};
use portico_core::Principal;
use rand::RngCore;
use std::sync::Arc;
use tower_sessions::Session;

/// The nonce of this response's Content-Security-Policy; Leptos stamps it on its inline scripts.
#[derive(Clone)]
pub struct CspNonce(pub String);

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being served (for error pages), if inside one.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(|id| id.clone()).ok()
}

/// What the client said its request id was: kept only for the log line (at most 64 printable
/// characters), never as Portico's own reference.
#[derive(Clone, Debug)]
pub struct ClientRequestId(pub String);

/// The outermost layer: a client's `X-Request-Id` is taken off the request before Portico sets
/// its own, so every reference in the audit trail and on error pages is one Portico made.
pub async fn own_request_id(mut req: Request, next: Next) -> Response {
    if let Some(theirs) = req.headers_mut().remove("x-request-id") {
        let shown: String =
            String::from_utf8_lossy(theirs.as_bytes()).chars().filter(|c| c.is_ascii_graphic()).take(64).collect();
        req.extensions_mut().insert(ClientRequestId(shown));
    }
    next.run(req).await
}

/// What the layers need to know, computed once from configuration.
pub struct Policy {
    /// `scheme://host:port` of the portal, compared with `Origin`.
    pub origin: String,
    /// Origin of the provider: sign-out forms redirect there, so `form-action` must allow it.
    pub provider_origin: Option<String>,
    pub https: bool,
    pub absolute_lifetime_secs: i64,
    pub idle_timeout_secs: i64,
    pub clock: portico_core::Clock,
    /// For following each session's person: the sign-ins ledger and Okta.
    pub app: portico_core::AppState,
}

pub async fn headers(State(policy): State<Arc<Policy>>, mut req: Request, next: Next) -> Response {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    let nonce = URL_SAFE_NO_PAD.encode(bytes);
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let path_is_asset = req.uri().path().starts_with("/pkg/");
    let mut res = REQUEST_ID.scope(id, next.run(req)).await;

    let form_action = match &policy.provider_origin {
        Some(o) => format!("'self' {o}"),
        None => "'self'".into(),
    };
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action {form_action}; frame-ancestors 'none'"
    );
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if policy.https {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    if !path_is_asset && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Browsers say where a request comes from (`Sec-Fetch-Site`, else `Origin`); anything but the
/// portal itself is refused. A request with neither is refused too: it proves nothing.
fn same_origin(req: &Request, policy: &Policy) -> bool {
    if let Some(site) = req.headers().get("sec-fetch-site") {
        return site.as_bytes() == b"same-origin";
    }
    req.headers().get(header::ORIGIN).is_some_and(|o| o.as_bytes() == policy.origin.as_bytes())
}

fn is_public(path: &str) -> bool {
    path.starts_with("/auth/")
        || path.starts_with("/pkg/")
        || matches!(path, "/healthz" | "/readyz" | "/metrics" | "/signed-out" | "/favicon.svg" | "/favicon.ico")
}

fn portal_error(err: PortalError) -> Response {
    let mut err = err;
    err.op_id = current_request_id();
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(err)).into_response()
}

/// Cross-site refusal for every state-changing request and server function; sign-in required
/// for everything but sign-in itself, health and static assets.
pub async fn guard(State(policy): State<Arc<Policy>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let is_api = path.starts_with("/api/");
    let safe_method = matches!(*req.method(), Method::GET | Method::HEAD);
    if (is_api || !safe_method) && !same_origin(&req, &policy) {
        tracing::warn!(path, "refused a cross-site request");
        return portal_error(PortalError::new(
            portico_app::error::ErrorKind::Forbidden,
            "Cross-site requests are refused. Reload Portico and try again.",
        ));
    }
    if is_public(&path) {
        return next.run(req).await;
    }
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return portal_error(PortalError::internal());
    };
    if let Some(why) = ended_session(&session, &policy).await {
        if is_api || !safe_method {
            return portal_error(PortalError::unauthenticated().with_message(why));
        }
        return Redirect::to("/signed-out?why=ended").into_response();
    }
    if !signed_in(&session, &policy).await {
        if is_api || !safe_method {
            return portal_error(PortalError::unauthenticated());
        }
        let next_path = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
        let target = format!(
            "/auth/login?next={}",
            url::form_urlencoded::byte_serialize(next_path.as_bytes()).collect::<String>()
        );
        return Redirect::to(&target).into_response();
    }
    next.run(req).await
}

/// Why a signed-in session has ended although its cookie is still good, if it has: its sign-in
/// was ended (Portico deactivated or suspended the person, or cleared their sessions), or a
/// check against Okta (at most every `session.revalidate_seconds`) found them no longer active.
/// The session is deleted; the next page says why. On the way, it takes the person's current
/// groups, so roles follow Okta rather than the sign-in's claim.
async fn ended_session(session: &Session, policy: &Policy) -> Option<String> {
    use crate::auth::{SESSION_CHECKED_AT, SESSION_SIGN_IN};
    use portico_core::sessions::{self, Standing};
    let principal = session.get::<Principal>(SESSION_PRINCIPAL).await.ok().flatten()?;
    let app = &policy.app;
    let sign_in: Option<String> = session.get(SESSION_SIGN_IN).await.ok().flatten();
    let ended = match &sign_in {
        Some(id) => sessions::ended(app.db(), id).await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "could not read the sign-ins ledger");
            None
        }),
        None => Some("Your session began before sessions followed their person; sign in again.".into()),
    };
    let why = match ended {
        Some(why) => Some(why),
        None => {
            let now = policy.clock.now().timestamp();
            let checked: i64 = session.get(SESSION_CHECKED_AT).await.ok().flatten().unwrap_or(0);
            if now - checked < i64::from(app.config.session.revalidate_seconds) {
                return None;
            }
            match sessions::standing(app, &principal).await {
                Ok(Standing::Gone(why)) => {
                    let _ = sessions::end_all(app.db(), &app.clock, &principal.sub, "portico", &why).await;
                    Some(why)
                }
                Ok(standing) => {
                    // The whole principal, not only the group names: a group swapped for a
                    // same-named one keeps the names and changes the ids roles follow.
                    if let Standing::Current(now_p) = standing
                        && now_p != principal
                    {
                        tracing::info!(who = %principal.login, "roles follow the person's current Okta groups");
                        let _ = session.insert(SESSION_PRINCIPAL, &now_p).await;
                    }
                    let _ = session.insert(SESSION_CHECKED_AT, now).await;
                    None
                }
                // Okta unreachable: keep the session; every change re-checks anyway.
                Err(e) => {
                    tracing::warn!(error = %e, "could not check the session against Okta");
                    None
                }
            }
        }
    }?;
    tracing::info!(who = %principal.login, reason = ?why, "session ended");
    let _ = session.flush().await;
    Some(why)
}

/// How often an active session's last activity is written: the idle timeout is this precise,
/// and an active session is saved at most this often rather than on every request.
const ACTIVITY_GRAIN_SECS: i64 = 60;

/// A principal is present, the absolute lifetime has not passed and the session has not been
/// idle for `session.idle_timeout_minutes`, all by Portico's clock (an expired session is
/// deleted, not just ignored). The store's own expiry is only a backstop that reclaims rows.
async fn signed_in(session: &Session, policy: &Policy) -> bool {
    let principal = session.get::<Principal>(SESSION_PRINCIPAL).await.ok().flatten();
    if principal.is_none() {
        return false;
    }
    let now = policy.clock.now().timestamp();
    let since: Option<i64> = session.get(SESSION_SIGNED_IN_AT).await.ok().flatten();
    let seen: Option<i64> = session.get(SESSION_SEEN_AT).await.ok().flatten().or(since);
    let ended = match (since, seen) {
        (Some(since), _) if now - since >= policy.absolute_lifetime_secs => Some("its absolute lifetime"),
        (Some(_), Some(seen)) if now - seen >= policy.idle_timeout_secs => Some("its idle timeout"),
        (Some(_), Some(_)) => None,
        _ => Some("no sign-in time"),
    };
    if let Some(what) = ended {
        tracing::info!(who = %principal.map(|p| p.login).unwrap_or_default(), "session reached {what}");
        let _ = session.flush().await;
        return false;
    }
    if seen.is_none_or(|t| now - t >= ACTIVITY_GRAIN_SECS) {
        let _ = session.insert(SESSION_SEEN_AT, now).await;
    }
    true
}

/// Server-function errors raised before a function body runs (malformed arguments) come out of
/// Leptos as 500s without a reference. This gives every `/api` error the status its kind maps
/// to and the request id, so `PortalError::status` stays the only mapping.
pub async fn api_errors(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let res = next.run(req).await;
    if res.status().is_success() || res.status().is_redirection() {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(PortalError::internal())).into_response();
    };
    match serde_json::from_slice::<PortalError>(&bytes) {
        Ok(mut err) => {
            if err.op_id.as_deref().is_none_or(str::is_empty) {
                err.op_id = current_request_id();
                tracing::info!(kind = ?err.kind, message = %err.message, "server function refused before running");
            }
            parts.status = StatusCode::from_u16(err.status()).unwrap_or(parts.status);
            parts.headers.remove(axum::http::header::CONTENT_LENGTH);
            (parts, axum::Json(err)).into_response()
        }
        Err(_) => Response::from_parts(parts, axum::body::Body::from(bytes)),
    }
}
