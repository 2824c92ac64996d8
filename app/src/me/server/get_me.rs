use crate::{error::PortalError, me::Me};
use leptos::prelude::*;

/// Who is signed in, and their portal roles (from the `groups` claim and the role mapping).
#[server(prefix = "/api", endpoint = "me")]
pub async fn get_me() -> Result<Me, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    let (reviews, to_review) = portico_core::reviews::nav(&caller).await;
    let nav = crate::me::Nav {
        people: caller.can(Action::ViewPeople),
        groups: caller.can(Action::ViewGroups),
        asa: caller.can(Action::ViewAsa) && caller.state.asa.is_some(),
        audit: caller.can(Action::ViewAudit),
        waiting: waiting_count(&caller).await,
        reviews,
        to_review,
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

/// How many pending requests the caller may decide now (the inbox's own check); 0 when the
/// store cannot say (the inbox page then explains).
#[cfg(feature = "ssr")]
async fn waiting_count(caller: &crate::ssr::Caller) -> u32 {
    use portico_core::requests::{self, ListFilter, Status};
    let filter = ListFilter { statuses: vec![Status::Pending], limit: 500, ..Default::default() };
    match requests::list(caller.state.db(), &filter).await {
        Ok(pending) => crate::approvals::server::views::waiting_on(caller, &pending).await.len() as u32,
        Err(e) => {
            tracing::warn!(error = %e, "could not count the requests waiting on someone");
            0
        }
    }
}
