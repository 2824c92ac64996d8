use crate::{asa::AsaUsersPage, error::PortalError};
use leptos::prelude::*;

/// ASA team users whose name starts with `q`, optionally one status, service users on request.
#[server(prefix = "/api", endpoint = "asa/users")]
pub async fn asa_users(q: String, status: String, service: bool, offset: String) -> Result<AsaUsersPage, PortalError> {
    use super::views::{asa_error, client, user};
    use portico_core::{asa::ServerAccess, authz::Action};
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ViewAsa, "view server access").await?;
    let statuses: Vec<&str> = if status.is_empty() { vec![] } else { vec![status.as_str()] };
    let (users, next) =
        client(&caller)?.users(Some(q.trim()), &statuses, service, Some(&offset)).await.map_err(asa_error)?;
    Ok(AsaUsersPage { rows: users.iter().map(user).collect(), next })
}
