use crate::{approvals::RequestView, error::PortalError};
use leptos::prelude::*;

/// The requester withdraws their pending request.
#[server(prefix = "/api", endpoint = "requests/cancel")]
pub async fn cancel_request(id: String) -> Result<RequestView, PortalError> {
    use super::views::{request_error, target_user, view};
    use portico_core::requests::{self, worker};
    let caller = crate::ssr::caller().await?;
    let req = requests::cancel(caller.state.db(), &id, &caller.principal.sub, caller.state.clock.now())
        .await
        .map_err(request_error)?;
    worker::event(&caller.state, &req, "request.cancel", &caller.principal.login, &caller.op_id, "ok", "").await;
    let target = target_user(&caller, &req).await;
    Ok(view(&caller, &req, target.as_ref(), false))
}
