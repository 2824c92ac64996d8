use crate::{error::PortalError, me::Me};
use leptos::prelude::*;

/// Who is signed in, and their portal roles (from the `groups` claim and the role mapping).
#[server(prefix = "/api", endpoint = "me")]
pub async fn get_me() -> Result<Me, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    let nav = crate::me::Nav {
        people: caller.can(Action::ViewPeople),
        groups: caller.can(Action::ViewGroups),
        asa: caller.can(Action::ViewAsa) && caller.state.asa.is_some(),
        audit: caller.can(Action::ViewAudit),
    };
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
        nav,
    })
}
