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
    use crate::ssr::{fail, person_label};
    use portico_core::{
        actions::plan::{Ask, Plan, plan},
        policy::Decision,
        requests::{self, NewRequest, Person, worker},
    };
    let caller = crate::ssr::caller().await?.now().await?;
    let bad = |m: String| fail(PortalError::bad_request(m));
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
    let req = requests::create(
        caller.state.db(),
        NewRequest {
            call,
            target_label: label,
            target_sub: user.as_ref().map(|u| u.id.clone()),
            summary,
            reason: reason.clone(),
            requester: Person { sub: p.sub.clone(), login: p.login.clone(), name: p.name.clone() },
            stages: rule.stages.clone(),
            ttl_hours: rule.ttl_hours,
            escalation: rule.escalate.clone(),
            policy_version: caller.state.policy.version(),
        },
        caller.state.clock.now(),
    )
    .await
    .map_err(request_error)?;
    worker::event(&caller.state, &req, "request.create", &p.login, &caller.op_id, "ok", &format!("reason: {reason}"))
        .await;
    Ok(view(&caller, &req, user.as_ref(), false))
}
