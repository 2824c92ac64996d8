use crate::error::PortalError;
use leptos::prelude::*;

/// Signs the person out everywhere; with `revoke_tokens`, also revokes their OAuth refresh tokens.
#[server(prefix = "/api", endpoint = "people/clear-sessions")]
pub async fn clear_sessions(id: String, revoke_tokens: bool) -> Result<String, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ClearSessions, "clear sessions")?;
    let user = caller.state.okta.get_user(&id).await.map_err(crate::ssr::okta_error)?;
    caller.state.okta.clear_sessions(&id, revoke_tokens).await.map_err(crate::ssr::okta_error)?;
    tracing::info!(op_id = %caller.op_id, actor = %caller.principal.login, target = %id, revoke_tokens, "sessions cleared");
    let tokens = if revoke_tokens { " and their refresh tokens revoked" } else { "" };
    Ok(format!("{} was signed out of every session{tokens}.", user.display_name()))
}
