use crate::error::PortalError;
use leptos::prelude::*;

/// Tries a failed step of a playbook again; the steps after it then follow.
#[server(prefix = "/api", endpoint = "playbook/retry")]
pub async fn retry_step(id: String) -> Result<String, PortalError> {
    let caller = crate::ssr::caller().await?.now().await?;
    let step = portico_core::requests::playbook::retry_step(&caller, &id).await?;
    Ok(format!("{} will be tried again.", step.summary))
}
