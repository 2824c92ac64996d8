use crate::{approvals::ReportRow, error::PortalError};
use leptos::prelude::*;

/// A manager's people: direct reports, their reports with `delegation.levels = 2`, and members
/// of groups configuration says they manage; each with status and open requests.
#[server(prefix = "/api", endpoint = "requests/my-people")]
pub async fn my_people() -> Result<Vec<ReportRow>, PortalError> {
    use portico_core::requests::{self, ListFilter, Status};
    let caller = crate::ssr::caller().await?;
    let people = caller.people().await?;
    if people.is_empty() {
        // An empty id list would not filter the requests below: nothing to look up.
        return Ok(Vec::new());
    }
    let open = requests::list(
        caller.state.db(),
        &ListFilter {
            target_ids: people.iter().map(|(u, _)| u.id.clone()).collect(),
            statuses: vec![Status::Pending, Status::Approved, Status::Executing],
            ..Default::default()
        },
    )
    .await
    .map_err(|e| super::views::request_error(requests::RequestError::Db(e)))?;
    Ok(people
        .into_iter()
        .map(|(u, via)| ReportRow {
            open_requests: open
                .iter()
                .filter(|r| r.target_id == u.id)
                .map(|r| (r.id.clone(), r.summary.clone()))
                .collect(),
            id: u.id.clone(),
            name: u.display_name(),
            login: u.field("login").unwrap_or_default().to_string(),
            title: u.field("title").unwrap_or_default().to_string(),
            status: u.status.clone(),
            via,
        })
        .collect())
}
