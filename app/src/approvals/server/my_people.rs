use crate::{approvals::ReportRow, error::PortalError};
use leptos::prelude::*;

/// A manager's people: direct reports, their reports with `delegation.levels = 2`, and members
/// of groups configuration says they manage; each with status and open requests.
#[server(prefix = "/api", endpoint = "requests/my-people")]
pub async fn my_people() -> Result<Vec<ReportRow>, PortalError> {
    use crate::ssr::okta_error;
    use portico_core::{
        okta::{User, search::literal},
        requests::{self, ListFilter, Status},
    };
    let caller = crate::ssr::caller().await?;
    let okta = &caller.state.okta;
    let reports_of = |id: String| async move {
        let search = format!("profile.managerId eq {}", literal(&id));
        okta.search_users(Some(&search), Some(("profile.lastName", false)), None, 200).await.map(|p| p.items)
    };
    let mut people: Vec<(User, String)> = Vec::new();
    let direct = reports_of(caller.principal.sub.clone()).await.map_err(okta_error)?;
    for u in &direct {
        people.push((u.clone(), "Direct report".into()));
    }
    if caller.state.config.delegation.levels >= 2 {
        for d in &direct {
            for u in reports_of(d.id.clone()).await.map_err(okta_error)? {
                people.push((u, format!("Reports to {}", d.display_name())));
            }
        }
    }
    let managed =
        caller.state.config.delegation.managed_groups.get(&caller.principal.login).cloned().unwrap_or_default();
    for name in managed {
        let groups = okta.list_groups(None, Some(&name), None, 20).await.map_err(okta_error)?;
        if let Some(g) = groups.items.iter().find(|g| g.name == name) {
            let members = okta.group_members(&g.id, None, 200).await.map_err(okta_error)?;
            for u in members.items {
                people.push((u, format!("Member of {name}")));
            }
        }
    }
    let me = caller.principal.sub.clone();
    let mut seen = std::collections::HashSet::new();
    people.retain(|(u, _)| u.id != me && seen.insert(u.id.clone()));
    if people.is_empty() {
        // An empty id list would not filter the requests below: nothing to look up.
        return Ok(Vec::new());
    }
    let open = requests::list(
        &caller.state.db,
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
