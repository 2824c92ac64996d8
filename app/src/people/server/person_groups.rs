use crate::{error::PortalError, groups::GroupRow};
use leptos::prelude::*;

/// The groups a person belongs to.
#[server(prefix = "/api", endpoint = "people/groups")]
pub async fn person_groups(id: String) -> Result<Vec<GroupRow>, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ViewGroups, "view groups").await?;
    let groups = caller.state.okta.user_groups(&id).await.map_err(crate::ssr::okta_error)?;
    Ok(groups.iter().map(crate::groups::server::views::row).collect())
}
