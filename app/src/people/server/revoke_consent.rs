use crate::error::PortalError;
use leptos::prelude::*;

/// Revokes one OAuth client's consents and refresh tokens for the person.
#[server(prefix = "/api", endpoint = "people/revoke-consent")]
pub async fn revoke_consent(id: String, client_id: String) -> Result<String, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::RevokeConsents, "revoke consents").await?;
    let user = caller.state.okta.get_user(&id).await?;
    caller.require_may_change(&user).await?;
    caller.state.okta.revoke_client(&id, &client_id).await?;
    caller.audit("person.revoke_consent", &id, None, None, &format!("client {client_id}")).await;
    Ok("Access revoked: the application must ask for consent again.".into())
}
