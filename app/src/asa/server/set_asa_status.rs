use crate::error::PortalError;
use leptos::prelude::*;

/// Enables (`ACTIVE`), disables (`DISABLED`) or deletes (`DELETED`) an ASA user.
#[server(prefix = "/api", endpoint = "asa/status")]
pub async fn set_asa_status(name: String, status: String) -> Result<String, PortalError> {
    use super::views::{asa_error, client};
    use crate::ssr::fail;
    use portico_core::asa::ServerAccess;
    let caller = crate::ssr::caller().await?;
    caller.authorize(portico_vocab::PolicyAction::AsaStatus, None, "change server access").await?;
    let done = match status.as_str() {
        "ACTIVE" => "enabled",
        "DISABLED" => "disabled",
        "DELETED" => "deleted",
        other => return Err(fail(PortalError::bad_request(format!("Unknown ASA status {other}.")))),
    };
    client(&caller)?.set_status(&name, &status).await.map_err(asa_error)?;
    caller.audit("asa.user_status", &format!("ASA {name}"), None, Some(&status), "").await;
    Ok(format!("{name} was {done} in ASA."))
}
