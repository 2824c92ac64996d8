use crate::error::PortalError;
use leptos::prelude::*;

/// Whether the caller manages anyone: someone reports to them in Okta, or configuration gives
/// them groups to manage. Asked by the home page only, not with every page's `get_me` (it costs
/// an Okta search).
#[server(prefix = "/api", endpoint = "me/manages")]
pub async fn manages_people() -> Result<bool, PortalError> {
    let caller = crate::ssr::caller().await?;
    let configured =
        caller.state.config.delegation.managed_groups.get(&caller.principal.login).is_some_and(|g| !g.is_empty());
    if configured {
        return Ok(true);
    }
    let search = format!("profile.managerId eq {}", portico_core::okta::search::literal(&caller.principal.sub));
    let page = caller.state.okta.search_users(Some(&search), None, None, 1).await?;
    Ok(!page.items.is_empty())
}
