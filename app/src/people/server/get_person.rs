use crate::{error::PortalError, people::Person};
use leptos::prelude::*;

/// Everything the person page shows, fetched fresh (actions come from this read's `_links`).
#[server(prefix = "/api", endpoint = "people/get")]
pub async fn get_person(id: String) -> Result<Person, PortalError> {
    let caller = crate::ssr::caller().await?;
    let user = caller.state.okta.get_user(&id).await?;
    caller.require_person(&user).await?;
    shown(&caller, user).await
}

#[cfg(feature = "ssr")]
pub(crate) async fn load(caller: &crate::ssr::Caller, id: &str) -> Result<Person, PortalError> {
    let user = caller.state.okta.get_user(id).await?;
    shown(caller, user).await
}

/// The person page's model: the caller's choices come from the policy and delegation scope.
#[cfg(feature = "ssr")]
async fn shown(caller: &crate::ssr::Caller, user: portico_core::okta::User) -> Result<Person, PortalError> {
    let okta = &caller.state.okta;
    let manages = caller.manages(&user).await;
    let pending = portico_core::requests::list(
        caller.state.db(),
        &portico_core::requests::ListFilter {
            target_ids: vec![user.id.clone()],
            statuses: vec![portico_core::requests::Status::Pending, portico_core::requests::Status::Approved],
            ..Default::default()
        },
    )
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "could not read requests");
        crate::ssr::fail(PortalError::internal())
    })?;
    let manager = match user.field("managerId").filter(|m| !m.is_empty()) {
        Some(mid) => okta.get_user(mid).await.ok().map(|m| (m.id.clone(), m.display_name())),
        None => None,
    };
    let protected = (!caller.may_change(&user.id).await).then(|| {
        format!(
            "{} holds a Portico role or is in a protected group: only an admin can change them.",
            user.display_name()
        )
    });
    Ok(super::views::person(&user, manager, caller, manages, &pending, protected))
}
