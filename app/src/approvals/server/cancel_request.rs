use crate::{approvals::RequestView, error::PortalError};
use leptos::prelude::*;

/// Cancels a request that has not started: pending, or scheduled and not yet run. Its requester
/// may, and so may anyone the policy lets run that action on that person (refusals audited).
#[server(prefix = "/api", endpoint = "requests/cancel")]
pub async fn cancel_request(id: String) -> Result<RequestView, PortalError> {
    use super::views::{target_user, view};
    let caller = crate::ssr::caller().await?.now().await?;
    let req = portico_core::requests::scheduled::cancel(&caller, &id).await?;
    let target = target_user(&caller, &req).await;
    Ok(view(&caller, &req, target.as_ref(), false))
}
