use crate::error::PortalError;
use leptos::prelude::*;

/// Signs the person out everywhere (Okta's sessions and Portico's own); with `revoke_tokens`, also
/// revokes their OAuth refresh tokens.
#[server(prefix = "/api", endpoint = "people/clear-sessions")]
pub async fn clear_sessions(id: String, revoke_tokens: bool) -> Result<String, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ClearSessions, "clear sessions").await?;
    let user = caller.state.okta.get_user(&id).await?;
    caller.require_may_change(&user).await?;
    caller.state.okta.clear_sessions(&id, revoke_tokens).await?;
    let reason = format!("{}'s sessions were cleared by {}.", user.display_name(), caller.principal.login);
    let portico =
        portico_core::actions::lifecycle::end_portico_sessions(&caller.state, &id, &caller.principal.login, &reason)
            .await;
    caller
        .audit(
            "person.clear_sessions",
            &format!("{} ({id})", user.field("login").unwrap_or_default()),
            None,
            None,
            &format!("{}{portico} Portico session(s) ended", if revoke_tokens { "with refresh tokens; " } else { "" }),
        )
        .await;
    let tokens = if revoke_tokens { " and their refresh tokens revoked" } else { "" };
    Ok(format!("{} was signed out of every session{tokens}.", user.display_name()))
}
