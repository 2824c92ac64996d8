use crate::{approvals::RequestView, error::PortalError};
use leptos::prelude::*;

/// Break-glass actions still waiting for their after-action review (the overdue ones flagged),
/// for reviewers and those who read the audit trail; empty for everyone else.
#[server(prefix = "/api", endpoint = "requests/reviews")]
pub async fn open_reviews() -> Result<Vec<RequestView>, PortalError> {
    use super::views::{request_error, view};
    use portico_core::{authz::Action, requests::break_glass};
    let caller = crate::ssr::caller().await?;
    if !break_glass::reviews(&caller) && !caller.can(Action::ViewAudit) {
        return Ok(Vec::new());
    }
    let open = caller.state.db.open_reviews().await.map_err(|e| request_error(e.into()))?;
    Ok(open.iter().map(|r| view(&caller, r, None, false)).collect())
}
