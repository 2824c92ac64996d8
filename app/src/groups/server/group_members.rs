use crate::{error::PortalError, people::PeoplePage};
use leptos::prelude::*;

/// One page of a group's members.
#[server(prefix = "/api", endpoint = "groups/members")]
pub async fn group_members(id: String, after: String) -> Result<PeoplePage, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ViewGroups, "view groups").await?;
    let after = Some(after.as_str()).filter(|a| !a.is_empty());
    let page = caller.state.okta.group_members(&id, after, 50).await?;
    Ok(PeoplePage { rows: page.items.iter().map(crate::people::server::views::row).collect(), next: page.next })
}
