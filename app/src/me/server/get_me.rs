use crate::{error::PortalError, me::Me};
use leptos::prelude::*;

/// Who is signed in, and their portal roles (from the `groups` claim and the role mapping).
#[server(prefix = "/api", endpoint = "me")]
pub async fn get_me() -> Result<Me, PortalError> {
    let caller = crate::ssr::caller().await?;
    let search = format!("profile.managerId eq {}", portico_core::okta::search::literal(&caller.principal.sub));
    let has_reports =
        caller.state.okta.search_users(Some(&search), None, None, 1).await.is_ok_and(|p| !p.items.is_empty());
    let is_manager = has_reports
        || caller.state.config.delegation.managed_groups.get(&caller.principal.login).is_some_and(|g| !g.is_empty());
    let p = caller.principal;
    Ok(Me {
        user_id: p.sub,
        name: p.name,
        login: p.login,
        email: p.email,
        roles: caller
            .roles
            .iter()
            .map(|r| crate::me::RoleView { key: format!("{r:?}").to_lowercase(), label: r.label().to_string() })
            .collect(),
        groups: p.groups,
        is_manager,
    })
}
