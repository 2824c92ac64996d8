use crate::{approvals::RequestView, error::PortalError};
use leptos::prelude::*;

/// "My requests": what the caller asked for, newest first, with where each one stands.
#[server(prefix = "/api", endpoint = "requests/mine")]
pub async fn my_requests() -> Result<Vec<RequestView>, PortalError> {
    use super::views::{request_error, views};
    use portico_core::requests::{self, ListFilter, RequestError};
    let caller = crate::ssr::caller().await?;
    let mine = requests::list(
        caller.state.db(),
        &ListFilter { requester_sub: Some(caller.principal.sub.clone()), limit: 100, ..Default::default() },
    )
    .await
    .map_err(|e| request_error(RequestError::Db(e)))?;
    Ok(views(&caller, &mine).await)
}
