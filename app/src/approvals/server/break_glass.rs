use crate::{approvals::RequestView, error::PortalError};
use leptos::prelude::*;
use portico_vocab::PolicyAction;

/// Break-glass: runs at once, without approval, an action the caller may only request, when
/// they are in the configured group and signed in recently. The reason is required; reviewers
/// are told at once; someone else must review it within the configured time. Arguments as
/// [`super::request_action`].
#[server(prefix = "/api", endpoint = "requests/break-glass")]
pub async fn break_glass(
    action: PolicyAction,
    target: String,
    reason: String,
    group: Option<String>,
    add: Option<bool>,
    status: Option<String>,
    changes: Option<Vec<(String, String)>>,
) -> Result<RequestView, PortalError> {
    use super::request_action::{Asked, prepare};
    use super::views::view;
    let caller = crate::ssr::caller().await?.now().await?;
    let (new, user) = prepare(&caller, Asked { action, target, reason, group, add, status, changes }).await?;
    let req = portico_core::requests::break_glass::run(&caller, new).await.map_err(break_glass_error)?;
    Ok(view(&caller, &req, user.as_ref(), false))
}

#[cfg(feature = "ssr")]
pub(crate) fn break_glass_error(e: portico_core::requests::break_glass::BreakGlassError) -> PortalError {
    use portico_core::requests::break_glass::BreakGlassError;
    match e {
        BreakGlassError::Denied(d) => d.into(),
        BreakGlassError::Request(e) => super::views::request_error(e),
        BreakGlassError::Invalid(words) => crate::ssr::fail(PortalError::bad_request(words)),
    }
}
