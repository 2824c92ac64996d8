//! The one error type every server function returns. It crosses the wire as JSON, carries the
//! operation id that is also in the server's log line, and is mapped to an HTTP status here.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// No session, or it ended: sign in again.
    Unauthenticated,
    /// Signed in, but too long ago (or too weakly) for this: confirm it is you and retry.
    StepUp,
    /// Signed in, but not allowed.
    Forbidden,
    NotFound,
    /// The request itself is wrong (bad input); fix it and retry.
    BadRequest,
    /// It clashes with the current state (an open request for the same thing already exists).
    Conflict,
    /// Okta (or another upstream) refused or failed.
    Upstream,
    /// Reaching the portal failed (network, decoding) — retrying usually helps.
    Transport,
    Internal,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PortalError {
    pub kind: ErrorKind,
    /// Written for the person using the portal.
    pub message: String,
    /// The request id under which the server logged this error, for support.
    pub op_id: Option<String>,
    /// Per-field messages (`field`, `message`), e.g. Okta's validation causes.
    #[serde(default)]
    pub fields: Vec<(String, String)>,
}

impl PortalError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), op_id: None, fields: Vec::new() }
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorKind::Unauthenticated, "Your session has ended. Sign in again to continue.")
    }

    pub fn forbidden(what: &str) -> Self {
        Self::new(ErrorKind::Forbidden, format!("You are not allowed to {what}."))
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorKind::Internal,
            "Something went wrong on our side. Try again; if it keeps happening, quote the reference below.",
        )
    }

    /// The same kind, in other words.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorKind::NotFound, format!("{what} was not found. It may have been deleted."))
    }

    /// The message for a field, if the server named one.
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields.iter().find(|(f, _)| f == name).map(|(_, m)| m.clone())
    }

    /// The HTTP status this error is answered with: the single mapping for the whole portal.
    pub fn status(&self) -> u16 {
        match self.kind {
            ErrorKind::Unauthenticated | ErrorKind::StepUp => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::BadRequest => 400,
            ErrorKind::Conflict => 409,
            ErrorKind::Upstream => 502,
            ErrorKind::Transport => 503,
            ErrorKind::Internal => 500,
        }
    }
}

impl FromServerFnError for PortalError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(m) | ServerFnErrorErr::MissingArg(m) => {
                Self::new(ErrorKind::BadRequest, format!("The request was malformed: {m}"))
            }
            other => Self::new(ErrorKind::Transport, format!("Could not reach Portico: {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_statuses() {
        assert_eq!(PortalError::unauthenticated().status(), 401);
        assert_eq!(PortalError::forbidden("x").status(), 403);
        assert_eq!(PortalError::new(ErrorKind::StepUp, "x").status(), 401);
        assert_eq!(PortalError::internal().status(), 500);
    }

    #[test]
    fn round_trips_as_json() {
        let mut e = PortalError::forbidden("deactivate people");
        e.op_id = Some("abc".into());
        let bytes = e.ser();
        assert_eq!(PortalError::de(bytes), e);
    }
}
