use crate::{error::PortalError, groups::GroupsList};
use leptos::prelude::*;

/// Groups whose name starts with `q` (all groups when empty), sorted by name, paged.
#[server(prefix = "/api", endpoint = "groups/search")]
pub async fn search_groups(q: String, after: String) -> Result<GroupsList, PortalError> {
    use portico_core::{authz::Action, okta::search::literal};
    let caller = crate::ssr::caller().await?;
    // Managers who may ask for membership changes of their people pick groups too (names only,
    // no members): someone who manages nobody, or whom the policy never lets ask, may not.
    let picks_for_their_people = !caller.can(Action::ViewGroups)
        && caller.decide(portico_vocab::PolicyAction::Membership, true) != portico_core::policy::Decision::Refuse
        && caller.manages_anyone().await?;
    if !picks_for_their_people {
        caller.require(Action::ViewGroups, "view groups").await?;
    }
    let search = match q.trim() {
        "" => "profile.name pr".to_string(),
        text => format!("profile.name sw {}", literal(text)),
    };
    let after = Some(after.as_str()).filter(|a| !a.is_empty());
    let page = caller.state.okta.groups_to_show(Some(&search), after, 100).await?;
    Ok(GroupsList { rows: page.items.iter().map(super::views::row).collect(), next: page.next })
}
