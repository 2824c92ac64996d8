use crate::{approvals::RequestView, error::PortalError};
use leptos::prelude::*;
use portico_vocab::PolicyAction;

/// Asks for an action the policy lets the caller request but not run. The request stores the
/// exact upstream call; it runs once every approval stage has approved. `target` is an Okta user
/// id (an ASA user name for `asa_status` and `asa_group`); `group`, `add`, `status` and `changes`
/// complete the call for membership, ASA and profile actions.
#[server(prefix = "/api", endpoint = "requests/new")]
pub async fn request_action(
    action: PolicyAction,
    target: String,
    reason: String,
    group: Option<String>,
    add: Option<bool>,
    status: Option<String>,
    changes: Option<Vec<(String, String)>>,
) -> Result<RequestView, PortalError> {
    use super::views::{request_error, view};
    use portico_core::requests::{self, worker};
    let caller = crate::ssr::caller().await?.now().await?;
    let (new, user) = prepare(&caller, Asked { action, target, reason, group, add, status, changes }).await?;
    let req = requests::create(caller.state.db(), new, caller.state.clock.now()).await.map_err(request_error)?;
    let detail = format!("reason: {}", req.reason);
    worker::event(&caller.state, &req, "request.create", &caller.principal.login, &caller.op_id, "ok", &detail).await;
    Ok(view(&caller, &req, user.as_ref(), false))
}

/// What someone asked for, as the request dialog sends it.
#[cfg(feature = "ssr")]
pub(crate) struct Asked {
    pub action: PolicyAction,
    pub target: String,
    pub reason: String,
    pub group: Option<String>,
    pub add: Option<bool>,
    pub status: Option<String>,
    pub changes: Option<Vec<(String, String)>>,
}

/// The request for an action the policy lets the caller only request (checked here, refusals
/// audited): the exact call, the policy's stages and rules, the caller as requester.
#[cfg(feature = "ssr")]
pub(crate) async fn prepare(
    caller: &crate::ssr::Caller,
    asked: Asked,
) -> Result<(portico_core::requests::NewRequest, Option<portico_core::okta::User>), PortalError> {
    use crate::ssr::{fail, person_label};
    use portico_core::{
        actions::plan::{Ask, Plan, plan},
        policy::Decision,
        requests::{NewRequest, Person},
    };
    let bad = |m: String| fail(PortalError::bad_request(m));
    let Asked { action, target, reason, group, add, status, changes } = asked;
    let reason = reason.trim().to_string();
    if reason.chars().count() > 1000 {
        return Err(bad("Keep the reason under 1000 characters.".into()));
    }
    let rule = caller.state.policy.rule(action).clone();
    let ask = Ask { action, target, group, add, status, changes };
    let Plan { call, user, summary, label } = plan(&caller.state, ask).await?;
    let label = label.or_else(|| user.as_ref().map(person_label)).unwrap_or_default();

    if let Some(u) = &user {
        caller.require_may_change(u).await?;
    }
    let decision = match &user {
        Some(u) => caller.decide_for(action, u).await,
        None => caller.decide(action, false),
    };
    match decision {
        Decision::Request => {}
        Decision::Run => {
            return Err(bad("You may do this yourself; it needs no request.".into()));
        }
        Decision::Refuse => {
            tracing::warn!(op_id = %caller.op_id, who = %caller.principal.login, %action, "refused: may not request");
            caller.refusal(&format!("request.{action}"), &label, "not allowed to request this").await;
            return Err(fail(PortalError::forbidden("request this")));
        }
    }
    if rule.reason_required && reason.is_empty() {
        let mut e = PortalError::bad_request("Say why: this request needs a reason.");
        e.fields = vec![("reason".into(), "A reason is required.".into())];
        return Err(fail(e));
    }
    let p = &caller.principal;
    let new = NewRequest {
        call,
        target_label: label,
        target_sub: user.as_ref().map(|u| u.id.clone()),
        summary,
        reason,
        requester: Person { sub: p.sub.clone(), login: p.login.clone(), name: p.name.clone() },
        stages: rule.stages.clone(),
        ttl_hours: rule.ttl_hours,
        escalation: rule.escalate.clone(),
        break_glass_review_due: None,
        policy_version: caller.state.policy.version(),
    };
    Ok((new, user))
}
