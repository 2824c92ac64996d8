//! Server-side helpers for server functions: who is calling, with what state, under which
//! operation id; and answering errors with their status and a log line.

use crate::error::{ErrorKind, PortalError};
use leptos::prelude::*;
use portico_core::{
    AppState, Principal, Role,
    authz::{self, Action},
    okta::OktaError,
};
use tower_sessions::Session;

/// Session key under which the signed-in principal is stored.
pub const SESSION_PRINCIPAL: &str = "principal";

/// Everything a server function needs to act on someone's behalf.
pub struct Caller {
    pub principal: Principal,
    pub roles: Vec<Role>,
    pub state: AppState,
    pub op_id: String,
}

/// The request id (also in every log line of this request).
pub fn op_id() -> String {
    use_context::<http::request::Parts>()
        .and_then(|p| p.headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_string))
        .unwrap_or_default()
}

/// Stamps the error with the operation id, sets the response status, and logs it.
pub fn fail(mut err: PortalError) -> PortalError {
    let op_id = op_id();
    // Only a server-function call answers with the error's status; a page that called the
    // function while rendering on the server shows the error and keeps its own status.
    let is_call = use_context::<http::request::Parts>().is_some_and(|p| p.uri.path().starts_with("/api/"));
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>().filter(|_| is_call) {
        res.set_status(http::StatusCode::from_u16(err.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
    }
    match err.kind {
        ErrorKind::Internal | ErrorKind::Upstream => {
            tracing::error!(op_id = %op_id, kind = ?err.kind, message = %err.message, "server function failed")
        }
        _ => tracing::info!(op_id = %op_id, kind = ?err.kind, message = %err.message, "server function refused"),
    }
    err.op_id = Some(op_id);
    err
}

/// The signed-in caller, or a 401. Every server function starts here.
pub async fn caller() -> Result<Caller, PortalError> {
    let state = use_context::<AppState>().ok_or_else(|| fail(PortalError::internal()))?;
    let session = leptos_axum::extract::<Session>().await.map_err(|_| fail(PortalError::internal()))?;
    let principal = session
        .get::<Principal>(SESSION_PRINCIPAL)
        .await
        .map_err(|_| fail(PortalError::internal()))?
        .ok_or_else(|| fail(PortalError::unauthenticated()))?;
    let roles = principal.roles(&state.config.roles);
    Ok(Caller { principal, roles, state, op_id: op_id() })
}

impl Caller {
    /// Refuses (403, logged with who and what) unless the caller's roles allow `action`.
    pub async fn require(&self, action: Action, what: &str) -> Result<(), PortalError> {
        if authz::allowed(&self.roles, action) {
            return Ok(());
        }
        tracing::warn!(op_id = %self.op_id, who = %self.principal.login, ?action, "refused: not allowed");
        self.record(&format!("{action:?}"), "-", None, None, "refused", &format!("not allowed to {what}")).await;
        Err(fail(PortalError::forbidden(what)))
    }

    /// Records a completed action in the audit trail (and the log).
    pub async fn audit(&self, action: &str, target: &str, before: Option<&str>, after: Option<&str>, detail: &str) {
        tracing::info!(op_id = %self.op_id, actor = %self.principal.login, action, target, ?before, ?after, "action");
        self.record(action, target, before, after, "ok", detail).await;
    }

    async fn record(
        &self,
        action: &str,
        target: &str,
        before: Option<&str>,
        after: Option<&str>,
        result: &str,
        detail: &str,
    ) {
        portico_core::audit::record(
            &self.state.db,
            portico_core::audit::AuditEvent {
                op_id: self.op_id.clone(),
                actor: self.principal.login.clone(),
                action: action.into(),
                target: target.into(),
                before: before.map(str::to_string),
                after: after.map(str::to_string),
                result: result.into(),
                detail: detail.into(),
                ..Default::default()
            },
        )
        .await;
    }

    pub fn can(&self, action: Action) -> bool {
        authz::allowed(&self.roles, action)
    }
}

/// Maps an Okta failure to what the person sees: Okta's own words for refusals (with field
/// messages), a retry hint for outages. The one place upstream errors become portal errors.
pub fn okta_error(e: OktaError) -> PortalError {
    let mut err = match e.status {
        0 => PortalError::new(ErrorKind::Upstream, format!("{} Nothing was changed; try again.", e.summary)),
        404 => PortalError::new(ErrorKind::NotFound, format!("Okta: {}", e.summary)),
        429 => PortalError::new(
            ErrorKind::Transport,
            "Okta is rate-limiting requests right now. Nothing was changed; try again in a minute.",
        ),
        400..=499 => {
            let mut msg = format!("Okta refused: {}", e.summary);
            if !e.causes.is_empty() {
                msg.push_str(&format!(" ({})", e.causes.join("; ")));
            }
            PortalError::new(ErrorKind::BadRequest, msg)
        }
        _ => PortalError::new(
            ErrorKind::Upstream,
            format!("Okta failed ({}). Nothing was changed; try again.", e.summary),
        ),
    };
    err.fields = e.field_errors();
    if let Some(id) = &e.request_id {
        tracing::info!(okta_request_id = %id, code = ?e.code, "okta error");
    }
    fail(err)
}
