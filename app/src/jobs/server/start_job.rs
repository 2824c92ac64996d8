use crate::error::PortalError;
use leptos::prelude::*;

/// Starts the caller's previewed job. An action that cannot be undone from Portico (deactivate,
/// delete) needs the number of people it runs on typed back.
#[server(prefix = "/api", endpoint = "jobs/start")]
pub async fn start_job(id: String, confirm: Option<String>) -> Result<String, PortalError> {
    use portico_core::jobs::{self, Planned};
    let caller = crate::ssr::caller().await?;
    let (job, tally) = jobs::visible(&caller, &id).await?;
    let n = tally.planned(Planned::Run);
    if super::views::dangerous(&job.action) && confirm.as_deref().map(str::trim) != Some(n.to_string().as_str()) {
        return Err(crate::ssr::fail(PortalError::bad_request(format!("Type {n} to confirm."))));
    }
    let tally = jobs::start(&caller, &id).await?;
    Ok(format!("Started: {} to run, {} skipped.", tally.pending, tally.skipped))
}
