//! Server-side helpers for server functions: the session turned into the core's [`Actor`], and
//! errors answered with their status, a reference and a log line (`From` the core's errors).

use crate::error::{ErrorKind, PortalError};
use leptos::prelude::*;
use portico_core::{
    AppState, Principal,
    actor::{Actor, ActorError, Denied},
    okta::OktaError,
    upstream::Fault,
};
use tower_sessions::Session;

/// Session key under which the signed-in principal is stored.
pub const SESSION_PRINCIPAL: &str = "principal";

/// Everything a server function needs to act on someone's behalf: the core's [`Actor`].
pub type Caller = Actor;

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
    // A plain form (no JavaScript) is sent back to its page with the error in the address;
    // that redirect keeps its own status.
    let is_call = use_context::<http::request::Parts>().is_some_and(|p| {
        let form =
            p.headers.get(http::header::ACCEPT).and_then(|a| a.to_str().ok()).is_some_and(|a| a.contains("text/html"));
        p.uri.path().starts_with("/api/") && !form
    });
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
    Ok(Actor::new(principal, state, op_id()))
}

pub use portico_core::actor::person_label;

impl From<portico_core::actions::plan::PlanError> for PortalError {
    fn from(e: portico_core::actions::plan::PlanError) -> Self {
        use portico_core::actions::plan::PlanError;
        match e {
            PlanError::Invalid(why) => fail(PortalError::bad_request(why)),
            PlanError::Okta(e) => okta_error(e),
            PlanError::Asa(e) => crate::asa::server::views::asa_error(e),
        }
    }
}

impl From<portico_core::requests::AskError> for PortalError {
    fn from(e: portico_core::requests::AskError) -> Self {
        use portico_core::requests::AskError;
        match e {
            AskError::Denied(d) => d.into(),
            AskError::Plan(e) => e.into(),
            AskError::Request(e) => crate::approvals::server::views::request_error(e),
            AskError::Invalid { message, field } => {
                let mut err = PortalError::bad_request(message.clone());
                if let Some(f) = field {
                    err.fields = vec![(f.to_string(), message)];
                }
                fail(err)
            }
        }
    }
}

impl From<OktaError> for PortalError {
    fn from(e: OktaError) -> Self {
        okta_error(e)
    }
}

/// Maps an Okta failure to what the person sees: Okta's own words for refusals (with field
/// messages), a retry hint for outages. The one place upstream errors become portal errors.
pub fn okta_error(e: OktaError) -> PortalError {
    let mut err = match e.fault {
        Fault::Unreachable | Fault::Timeout => {
            PortalError::new(ErrorKind::Upstream, format!("{} Nothing was changed; try again.", e.summary))
        }
        Fault::NotFound => PortalError::new(ErrorKind::NotFound, format!("Okta: {}", e.summary)),
        Fault::RateLimited => PortalError::new(
            ErrorKind::Transport,
            match e.retry_after_secs {
                Some(n) => format!("Okta's rate limit is reached; nothing was changed. Try again in {n} s."),
                None => "Okta's rate limit is reached; nothing was changed. Try again in a minute.".to_string(),
            },
        ),
        Fault::Refused => {
            let mut msg = format!("Okta refused: {}", e.summary);
            if !e.causes.is_empty() {
                msg.push_str(&format!(" ({})", e.causes.join("; ")));
            }
            PortalError::new(ErrorKind::BadRequest, msg)
        }
        Fault::ServerError => PortalError::new(
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

/// A refusal the core decided (and audited), as the person sees it.
impl From<Denied> for PortalError {
    fn from(d: Denied) -> Self {
        fail(match d {
            Denied::NotAllowed(what) => PortalError::forbidden(&what),
            Denied::NeedsApproval(what) => PortalError::forbidden(&what)
                .with_message(format!("To {what} you need someone's approval: use Request and say why.")),
            Denied::SignedOut(why) => PortalError::unauthenticated().with_message(why),
            Denied::Protected(why) => PortalError::forbidden("change this person").with_message(why),
            Denied::StepUp(why) => PortalError::new(ErrorKind::StepUp, why),
        })
    }
}

impl From<portico_core::reviews::ReviewError> for PortalError {
    fn from(e: portico_core::reviews::ReviewError) -> Self {
        crate::reviews::server::error_of(&e)
    }
}

impl From<ActorError> for PortalError {
    fn from(e: ActorError) -> Self {
        match e {
            ActorError::Denied(d) => d.into(),
            ActorError::Okta(e) => okta_error(e),
        }
    }
}
