use crate::{error::PortalError, groups::GroupRow};
use leptos::prelude::*;

/// Creates an OKTA_GROUP.
#[server(prefix = "/api", endpoint = "groups/create")]
pub async fn create_group(name: String, description: String) -> Result<GroupRow, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ManageGroups, "create groups").await?;
    let description = Some(description.trim()).filter(|d| !d.is_empty());
    let g = caller.state.okta.create_group(name.trim(), description).await?;
    caller.audit("group.create", &format!("{} ({})", g.name, g.id), None, None, "").await;
    Ok(super::views::row(&g))
}

/// Renames an OKTA_GROUP (and sets its description).
#[server(prefix = "/api", endpoint = "groups/rename")]
pub async fn rename_group(id: String, name: String, description: String) -> Result<GroupRow, PortalError> {
    use crate::ssr::fail;
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ManageGroups, "rename groups").await?;
    let okta = &caller.state.okta;
    let current = okta.get_group(&id).await?;
    if let Some(reason) = current.kind.read_only_reason() {
        return Err(fail(PortalError::bad_request(reason)));
    }
    let description = Some(description.trim()).filter(|d| !d.is_empty());
    let g = okta.replace_group(&id, name.trim(), description).await?;
    caller.audit("group.rename", &format!("{} ({id})", g.name), Some(&current.name), Some(&g.name), "").await;
    Ok(super::views::row(&g))
}

/// Deletes an OKTA_GROUP; its members stay (only the grouping goes).
#[server(prefix = "/api", endpoint = "groups/delete")]
pub async fn delete_group(id: String) -> Result<String, PortalError> {
    use crate::ssr::fail;
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ManageGroups, "delete groups").await?;
    let okta = &caller.state.okta;
    let current = okta.get_group(&id).await?;
    if let Some(reason) = current.kind.read_only_reason() {
        return Err(fail(PortalError::bad_request(reason)));
    }
    okta.delete_group(&id).await?;
    caller.audit("group.delete", &format!("{} ({id})", current.name), None, None, "").await;
    Ok(format!("{} was deleted.", current.name))
}
