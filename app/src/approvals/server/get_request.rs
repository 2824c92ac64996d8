use crate::{approvals::RequestView, error::PortalError};
use leptos::prelude::*;

/// One request, for the people involved in it: its requester, whoever decided or may decide
/// it, and those who read the audit trail.
#[server(prefix = "/api", endpoint = "requests/get")]
pub async fn get_request(id: String) -> Result<RequestView, PortalError> {
    use super::views::{eligibility, named_approvers, request_error, target_user, view_with_secret};
    use portico_core::{
        authz::Action,
        requests::{self, RequestError},
    };
    let caller = crate::ssr::caller().await?;
    let req = requests::get(caller.state.db(), &id)
        .await
        .map_err(|e| request_error(RequestError::Db(e)))?
        .ok_or_else(|| request_error(RequestError::NotFound))?;
    let target = target_user(&caller, &req).await;
    let can_decide = eligibility(&caller, &req, target.as_ref()).await.is_ok();
    let me = &caller.principal.sub;
    let involved = can_decide
        || req.requester_sub == *me
        || req.decisions.iter().any(|d| d.approver_sub == *me)
        || caller.can(Action::ViewAudit);
    if !involved {
        caller.refusal("request.view", &req.target_label, &format!("{id}: not involved")).await;
        return Err(crate::ssr::fail(PortalError::forbidden("see this request")));
    }
    let mut view = view_with_secret(&caller, &req, target.as_ref(), can_decide).await;
    let mut lookups = portico_core::requests::eligible::Lookups::default();
    view.approvers = named_approvers(&caller, &req, target.as_ref(), &mut lookups).await;
    Ok(view)
}
