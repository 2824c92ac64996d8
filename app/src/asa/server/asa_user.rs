use crate::{
    asa::{AsaUserRow, AsaUserView},
    error::PortalError,
};
use leptos::prelude::*;

/// One ASA user with their groups.
#[server(prefix = "/api", endpoint = "asa/user")]
pub async fn asa_user(name: String) -> Result<AsaUserView, PortalError> {
    use super::views::{asa_error, client, group, user};
    use portico_core::{asa::ServerAccess, authz::Action};
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ViewAsa, "view server access").await?;
    let asa = client(&caller)?;
    let u = asa.user(&name).await.map_err(asa_error)?;
    let groups = asa.user_groups(&name).await.map_err(asa_error)?;
    Ok(AsaUserView {
        user: user(&u),
        groups: groups.iter().map(group).collect(),
        can_manage: caller.decide(portico_vocab::PolicyAction::AsaStatus, false) == portico_core::policy::Decision::Run,
        permit: crate::people::server::views::permit(
            &caller,
            portico_vocab::PolicyAction::AsaStatus,
            false,
            u.status != "DELETED",
        ),
    })
}

/// The ASA account of an Okta person, matched by email (none when ASA is not configured).
#[server(prefix = "/api", endpoint = "asa/for-person")]
pub async fn asa_for_person(email: String) -> Result<Option<AsaUserRow>, PortalError> {
    use super::views::{asa_error, user};
    use portico_core::{asa::ServerAccess, authz::Action};
    let caller = crate::ssr::caller().await?;
    // Part of every person page: those who may not see server access (managers) see none.
    if !caller.can(Action::ViewAsa) {
        return Ok(None);
    }
    let Some(asa) = caller.state.asa.clone() else { return Ok(None) };
    let wanted = email.trim().to_lowercase();
    // ASA user names usually are the login's local part (ed.engineer → Ed.Engineer): look there
    // first, in one call; only a person whose ASA name differs costs a walk through the team.
    let local = wanted.split('@').next().filter(|l| !l.is_empty());
    let prefixes = if local.is_some() { vec![local, None] } else { vec![None] };
    for prefix in prefixes {
        let mut offset: Option<String> = None;
        loop {
            let (page, next) = asa.users(prefix, &[], false, offset.as_deref()).await.map_err(asa_error)?;
            if let Some(u) = page.iter().find(|u| u.email().is_some_and(|e| e.to_lowercase() == wanted)) {
                return Ok(Some(user(u)));
            }
            match next {
                Some(n) => offset = Some(n),
                None => break,
            }
        }
    }
    Ok(None)
}
