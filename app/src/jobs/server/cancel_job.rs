use crate::error::PortalError;
use leptos::prelude::*;

/// Cancels a job (its author, or an admin): what has not begun never runs.
#[server(prefix = "/api", endpoint = "jobs/cancel")]
pub async fn cancel_job(id: String) -> Result<String, PortalError> {
    let caller = crate::ssr::caller().await?;
    let tally = portico_core::jobs::cancel(&caller, &id).await?;
    Ok(format!("Cancelled: {} done before, {} will not run.", tally.done, tally.cancelled))
}
