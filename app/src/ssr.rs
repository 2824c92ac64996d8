//! Server-side helpers for server functions: who is calling, with what state, under which
//! operation id; and answering errors with their status and a log line.

use crate::error::{ErrorKind, PortalError};
use leptos::prelude::*;
use portico_core::{
    AppState, Principal, Role,
    authz::{self, Action},
    okta::{OktaError, User},
    policy::{Decision, Who},
};
use portico_vocab::PolicyAction;
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
        self.refusal(&format!("{action:?}"), "-", &format!("not allowed to {what}")).await;
        Err(fail(PortalError::forbidden(what)))
    }

    /// Records a completed action in the audit trail (and the log).
    pub async fn audit(&self, action: &str, target: &str, before: Option<&str>, after: Option<&str>, detail: &str) {
        self.audit_call(action, target, before, after, detail, None).await;
    }

    /// [`Self::audit`] for an action Okta knows by a request id.
    pub async fn audit_call(
        &self,
        action: &str,
        target: &str,
        before: Option<&str>,
        after: Option<&str>,
        detail: &str,
        upstream_id: Option<&str>,
    ) {
        tracing::info!(op_id = %self.op_id, actor = %self.principal.login, action, target, ?before, ?after, ?upstream_id, "action");
        self.write(action, target, before, after, "ok", detail, upstream_id).await;
    }

    /// Records a refusal (the log line is the caller's).
    pub(crate) async fn refusal(&self, action: &str, target: &str, detail: &str) {
        self.write(action, target, None, None, "refused", detail, None).await;
    }

    #[allow(clippy::too_many_arguments)]
    async fn write(
        &self,
        action: &str,
        target: &str,
        before: Option<&str>,
        after: Option<&str>,
        result: &str,
        detail: &str,
        upstream_id: Option<&str>,
    ) {
        portico_core::audit::record(
            &self.state.db,
            &self.state.clock,
            portico_core::audit::AuditEvent {
                op_id: self.op_id.clone(),
                actor: self.principal.login.clone(),
                action: action.into(),
                target: target.into(),
                before: before.map(str::to_string),
                after: after.map(str::to_string),
                result: result.into(),
                detail: detail.into(),
                upstream_id: upstream_id.map(str::to_string),
                ..Default::default()
            },
        )
        .await;
    }

    pub fn can(&self, action: Action) -> bool {
        authz::allowed(&self.roles, action)
    }

    /// The caller as the approval policy sees them.
    pub fn who(&self, manages_target: bool) -> Who<'_> {
        Who { sub: &self.principal.sub, roles: &self.roles, groups: &self.principal.groups, manages_target }
    }

    /// The policy's answer for `action`, given whether the caller manages the target.
    pub fn decide(&self, action: impl Into<PolicyAction>, manages_target: bool) -> Decision {
        self.state.policy.decide(action, &self.who(manages_target))
    }

    /// Whether `user` is one of the caller's people: a direct report (`profile.managerId`), a
    /// report's report with `delegation.levels = 2`, or a member of a group that
    /// `delegation.managed_groups` gives the caller. Nobody manages themselves.
    pub async fn manages(&self, user: &User) -> bool {
        let me = self.principal.sub.as_str();
        if user.id == me {
            return false;
        }
        let manager = user.field("managerId").filter(|m| !m.is_empty());
        if manager == Some(me) {
            return true;
        }
        let okta = &self.state.okta;
        if self.state.config.delegation.levels >= 2
            && let Some(m) = manager
            && let Ok(their_manager) = okta.get_user(m).await
            && their_manager.field("managerId") == Some(me)
        {
            return true;
        }
        if let Some(groups) =
            self.state.config.delegation.managed_groups.get(&self.principal.login).filter(|g| !g.is_empty())
            && let Ok(theirs) = okta.user_groups(&user.id).await
        {
            return theirs.iter().any(|g| groups.contains(&g.name));
        }
        false
    }

    /// The policy's answer for `action` on this person (looks up the delegation scope only when
    /// the caller's roles alone do not already allow running it).
    pub async fn decide_for(&self, action: impl Into<PolicyAction>, user: &User) -> Decision {
        let action = action.into();
        match self.decide(action, false) {
            Decision::Run => Decision::Run,
            other if !self.state.policy.mentions_manager(action) => other,
            other => {
                let via_management = self.decide(action, self.manages(user).await);
                if via_management == Decision::Refuse { other } else { via_management }
            }
        }
    }

    /// Refuses (403, audited) unless the policy lets the caller run `action` now. `target` is the
    /// person acted on, when there is one. The refusal says when a request is the way.
    pub async fn authorize(
        &self,
        action: impl Into<PolicyAction>,
        target: Option<&User>,
        what: &str,
    ) -> Result<(), PortalError> {
        let action = action.into();
        let decision = match target {
            Some(user) => self.decide_for(action, user).await,
            None => self.decide(action, false),
        };
        let label = target.map(person_label).unwrap_or_else(|| "-".into());
        match decision {
            Decision::Run => Ok(()),
            Decision::Request => {
                tracing::info!(op_id = %self.op_id, who = %self.principal.login, %action, "refused: needs approval");
                self.refusal(action.as_str(), &label, &format!("{what} needs approval")).await;
                Err(fail(
                    PortalError::forbidden(what)
                        .with_message(format!("To {what} you need someone's approval: use Request and say why.")),
                ))
            }
            Decision::Refuse => {
                tracing::warn!(op_id = %self.op_id, who = %self.principal.login, %action, "refused: not allowed");
                self.refusal(action.as_str(), &label, &format!("not allowed to {what}")).await;
                Err(fail(PortalError::forbidden(what)))
            }
        }
    }

    /// Lets the caller see this person: a role that views people, or managing them. An
    /// out-of-scope look is refused (403) and audited.
    pub async fn require_person(&self, user: &User) -> Result<(), PortalError> {
        if self.can(Action::ViewPeople) || self.manages(user).await {
            return Ok(());
        }
        tracing::warn!(op_id = %self.op_id, who = %self.principal.login, target = %user.id, "refused: out of scope");
        self.refusal("person.view", &person_label(user), "not one of their people").await;
        Err(fail(PortalError::forbidden("view this person")))
    }

    /// [`Self::require_person`] by id (reads the person only when the role alone does not do).
    pub async fn require_person_id(&self, id: &str) -> Result<(), PortalError> {
        if self.can(Action::ViewPeople) {
            return Ok(());
        }
        let user = self.state.okta.get_user(id).await.map_err(okta_error)?;
        self.require_person(&user).await
    }
}

/// How the audit trail names an Okta person: `login (id)`.
pub fn person_label(user: &User) -> String {
    format!("{} ({})", user.field("login").unwrap_or_default(), user.id)
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
