use crate::{error::PortalError, groups::GroupRow};
use leptos::prelude::*;

/// The groups a person belongs to.
#[server(prefix = "/api", endpoint = "people/groups")]
pub async fn person_groups(id: String) -> Result<Vec<GroupRow>, PortalError> {
    let caller = crate::ssr::caller().await?;
    caller.require_person_id(&id).await?;
    let groups = caller.state.okta.user_groups_to_show(&id).await?;
    Ok(groups.iter().map(crate::groups::server::views::row).collect())
}
