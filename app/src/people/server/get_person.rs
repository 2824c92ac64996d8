use crate::{error::PortalError, people::Person};
use leptos::prelude::*;

/// Everything the person page shows, fetched fresh (actions come from this read's `_links`).
#[server(prefix = "/api", endpoint = "people/get")]
pub async fn get_person(id: String) -> Result<Person, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ViewPeople, "view people").await?;
    load(&caller, &id).await
}

#[cfg(feature = "ssr")]
pub(crate) async fn load(caller: &crate::ssr::Caller, id: &str) -> Result<Person, PortalError> {
    let okta = &caller.state.okta;
    let user = okta.get_user(id).await.map_err(crate::ssr::okta_error)?;
    let manager = match user.field("managerId").filter(|m| !m.is_empty()) {
        Some(mid) => okta.get_user(mid).await.ok().map(|m| (m.id.clone(), m.display_name())),
        None => None,
    };
    Ok(super::views::person(&user, manager, caller))
}
