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

/// The request for an action the policy lets the caller only request (checked by
/// `requests::route`, refusals audited): the exact call, the policy's stages and rules, the
/// caller as requester.
#[cfg(feature = "ssr")]
pub(crate) async fn prepare(
    caller: &crate::ssr::Caller,
    asked: Asked,
) -> Result<(portico_core::requests::NewRequest, Option<portico_core::okta::User>), PortalError> {
    use portico_core::{actions::plan::Ask, policy::Decision, requests};
    let Asked { action, target, reason, group, add, status, changes } = asked;
    let ask = Ask { action, target, group, add, status, changes, ends: None, playbook: None };
    let routed = requests::route(caller, ask).await?;
    if routed.decision == Decision::Run {
        return Err(crate::ssr::fail(PortalError::bad_request("You may do this yourself; it needs no request.")));
    }
    let new = routed.request(caller, &reason, requests::Schedule::default())?;
    Ok((new, routed.plan.user))
}
