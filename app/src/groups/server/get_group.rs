use crate::{error::PortalError, groups::GroupView};
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "groups/get")]
pub async fn get_group(id: String) -> Result<GroupView, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ViewGroups, "view groups").await?;
    let g = caller.state.okta.get_group(&id).await?;
    let writable = g.kind == portico_vocab::GroupKind::OktaGroup;
    Ok(GroupView {
        group: super::views::row(&g),
        can_manage: writable && caller.can(Action::ManageGroups),
        can_manage_members: writable
            && caller.decide(portico_vocab::PolicyAction::Membership, false) == portico_core::policy::Decision::Run,
    })
}
