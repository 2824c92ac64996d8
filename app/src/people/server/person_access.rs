use crate::{error::PortalError, people::AccessView};
use leptos::prelude::*;

/// A person's applications and what OAuth clients hold for them (consents, refresh tokens).
#[server(prefix = "/api", endpoint = "people/access")]
pub async fn person_access(id: String) -> Result<AccessView, PortalError> {
    use crate::people::{AppView, ConsentView};
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require_person_id(&id).await?;
    let may_change = caller.may_change(&id).await;
    let okta = &caller.state.okta;
    let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_string();
    let apps = okta
        .app_links(&id)
        .await?
        .iter()
        .map(|a| AppView { label: text(a, "label"), app_name: text(a, "appName") })
        .collect();
    let grants = okta.grants(&id).await?;
    let mut consents = Vec::new();
    for client in okta.clients(&id).await? {
        let client_id = text(&client, "client_id");
        let scopes = grants
            .iter()
            .filter(|g| text(g, "clientId") == client_id)
            .filter_map(|g| g.pointer("/_embedded/scope/name").and_then(|s| s.as_str()).map(str::to_string))
            .collect();
        let tokens = okta.refresh_tokens(&id, &client_id).await?.len();
        consents.push(ConsentView { client_name: text(&client, "client_name"), client_id, scopes, tokens });
    }
    let portico_sessions = if caller.can(Action::ClearSessions) {
        let s = &caller.state;
        portico_core::sessions::live(s.db(), &s.clock, &s.config, &id)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "could not read the sign-ins ledger");
                crate::ssr::fail(PortalError::internal())
            })?
            .into_iter()
            .map(|s| s.signed_in_at)
            .collect()
    } else {
        Vec::new()
    };
    Ok(AccessView {
        portico_sessions,
        apps,
        consents,
        can_clear_sessions: caller.can(Action::ClearSessions) && may_change,
        can_revoke: caller.can(Action::RevokeConsents) && may_change,
    })
}
