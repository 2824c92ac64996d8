use crate::error::PortalError;
use leptos::prelude::*;

/// Undoes the offboarding `playbook` before its deactivation runs (itself a request through the
/// policy): reactivates the person, gives back the recorded groups and the reports.
#[server(prefix = "/api", endpoint = "playbook/restore")]
pub async fn restore_leaver(playbook: String, reason: String) -> Result<String, PortalError> {
    let caller = crate::ssr::caller().await?.now().await?;
    let req = portico_core::requests::playbook::ask_restore(&caller, &playbook, &reason).await?;
    leptos_axum::redirect(&format!("/requests/{}", req.id));
    Ok(req.id)
}
