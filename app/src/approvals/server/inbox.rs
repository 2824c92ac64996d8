use crate::{approvals::RequestView, error::PortalError};
use leptos::prelude::*;

/// "Waiting on me": pending requests the caller may decide now.
#[server(prefix = "/api", endpoint = "requests/inbox")]
pub async fn inbox() -> Result<Vec<RequestView>, PortalError> {
    use super::views::{named_approvers, request_error, target_user, view, waiting_on};
    use portico_core::requests::{self, ListFilter, RequestError, Status};
    let caller = crate::ssr::caller().await?;
    let pending = requests::list(
        caller.state.db(),
        &ListFilter { statuses: vec![Status::Pending], limit: 500, ..Default::default() },
    )
    .await
    .map_err(|e| request_error(RequestError::Db(e)))?;
    let mut lookups = portico_core::requests::eligible::Lookups::default();
    let mut out = Vec::new();
    for r in waiting_on(&caller, &pending).await {
        let target = target_user(&caller, r).await;
        let mut v = view(&caller, r, target.as_ref(), true);
        v.approvers = named_approvers(&caller, r, target.as_ref(), &mut lookups).await;
        out.push(v);
    }
    // Oldest first: they expire first.
    out.reverse();
    Ok(out)
}
