use crate::{error::PortalError, jobs::JobCounts};
use leptos::prelude::*;

/// A job's numbers now, for its progress bar (asked every second while it runs).
#[server(prefix = "/api", endpoint = "jobs/progress")]
pub async fn job_progress(id: String) -> Result<JobCounts, PortalError> {
    let caller = crate::ssr::caller().await?;
    let (job, tally) = portico_core::jobs::visible(&caller, &id).await?;
    Ok(super::views::counts(&job, &tally, caller.state.clock.now()))
}
