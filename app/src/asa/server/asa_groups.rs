use crate::{
    asa::{AsaGroupRow, AsaGroupView},
    error::PortalError,
};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "asa/groups")]
pub async fn asa_groups(q: String) -> Result<Vec<AsaGroupRow>, PortalError> {
    use super::views::{asa_error, client, group};
    use portico_core::{asa::ServerAccess, authz::Action};
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ViewAsa, "view server access").await?;
    let groups = client(&caller)?.groups(Some(q.trim())).await.map_err(asa_error)?;
    Ok(groups.iter().map(group).collect())
}

#[server(prefix = "/api", endpoint = "asa/group")]
pub async fn asa_group(name: String) -> Result<AsaGroupView, PortalError> {
    use super::views::{asa_error, client, group, user};
    use portico_core::{asa::ServerAccess, authz::Action};
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ViewAsa, "view server access").await?;
    let asa = client(&caller)?;
    let g = asa.group(&name).await.map_err(asa_error)?;
    let members = asa.members(&name).await.map_err(asa_error)?;
    Ok(AsaGroupView {
        group: group(&g),
        members: members.iter().map(user).collect(),
        can_manage: caller.decide(portico_vocab::PolicyAction::AsaGroup, false) == portico_core::policy::Decision::Run,
        permit: crate::people::server::views::permit(
            &caller,
            portico_vocab::PolicyAction::AsaGroup,
            false,
            !g.managed_by_okta,
        ),
    })
}
