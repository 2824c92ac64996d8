use crate::error::PortalError;
use leptos::prelude::*;

/// Creates an ASA group, or replaces an existing group's roles.
#[server(prefix = "/api", endpoint = "asa/group-save")]
pub async fn save_asa_group(name: String, roles: Vec<String>, create: bool) -> Result<String, PortalError> {
    use super::views::{asa_error, client};
    use portico_core::asa::ServerAccess;
    let caller = crate::ssr::caller().await?;
    caller.authorize(portico_vocab::PolicyAction::AsaGroup, None, "change server access groups").await?;
    let asa = client(&caller)?;
    if create {
        asa.create_group(name.trim(), &roles).await.map_err(asa_error)?;
    } else {
        asa.set_roles(&name, &roles).await.map_err(asa_error)?;
    }
    caller
        .audit(
            if create { "asa.group_create" } else { "asa.group_roles" },
            &format!("ASA group {name}"),
            None,
            Some(&roles.join(" ")),
            "",
        )
        .await;
    Ok(if create { format!("Created {} in ASA.", name.trim()) } else { format!("Saved the roles of {name}.") })
}

#[server(prefix = "/api", endpoint = "asa/group-delete")]
pub async fn delete_asa_group(name: String) -> Result<String, PortalError> {
    use super::views::{asa_error, client};
    use portico_core::asa::ServerAccess;
    let caller = crate::ssr::caller().await?;
    caller.authorize(portico_vocab::PolicyAction::AsaGroup, None, "change server access groups").await?;
    client(&caller)?.delete_group(&name).await.map_err(asa_error)?;
    caller.audit("asa.group_delete", &format!("ASA group {name}"), None, None, "").await;
    Ok(format!("Deleted {name} from ASA."))
}

/// Adds a user to, or removes them from, an ASA group (not groups pushed from Okta).
#[server(prefix = "/api", endpoint = "asa/membership")]
pub async fn asa_membership(group: String, user: String, add: bool) -> Result<String, PortalError> {
    use super::views::{asa_error, client};
    use crate::ssr::fail;
    use portico_core::asa::ServerAccess;
    let caller = crate::ssr::caller().await?;
    caller.authorize(portico_vocab::PolicyAction::AsaGroup, None, "change server access groups").await?;
    let asa = client(&caller)?;
    let g = asa.group(&group).await.map_err(asa_error)?;
    if g.managed_by_okta {
        return Err(fail(PortalError::bad_request(format!(
            "{group} is pushed from Okta: change its members in Okta."
        ))));
    }
    if add { asa.add_member(&group, user.trim()).await } else { asa.remove_member(&group, &user).await }
        .map_err(asa_error)?;
    caller
        .audit(
            if add { "asa.member_add" } else { "asa.member_remove" },
            &format!("ASA {user}"),
            None,
            None,
            &format!("group {group}"),
        )
        .await;
    Ok(if add { format!("Added {} to {group}.", user.trim()) } else { format!("Removed {user} from {group}.") })
}
