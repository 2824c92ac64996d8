use crate::{approvals::RequestView, error::PortalError};
use leptos::prelude::*;

/// "Waiting on me": pending requests the caller may decide now.
#[server(prefix = "/api", endpoint = "requests/inbox")]
pub async fn inbox() -> Result<Vec<RequestView>, PortalError> {
    use super::views::{eligibility, request_error, target_user, view};
    use portico_core::requests::{self, ListFilter, RequestError, Status};
    let caller = crate::ssr::caller().await?;
    let pending = requests::list(
        caller.state.db(),
        &ListFilter { statuses: vec![Status::Pending], limit: 500, ..Default::default() },
    )
    .await
    .map_err(|e| request_error(RequestError::Db(e)))?;
    let me = caller.principal.sub.clone();
    let mut out = Vec::new();
    for r in pending.iter().filter(|r| r.requester_sub != me && !r.decisions.iter().any(|d| d.approver_sub == me)) {
        let target = target_user(&caller, r).await;
        if eligibility(&caller, r, target.as_ref()).await.is_ok() {
            out.push(view(&caller, r, target.as_ref(), true));
        }
    }
    // Oldest first: they expire first.
    out.reverse();
    Ok(out)
}
