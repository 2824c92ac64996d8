use crate::{error::PortalError, jobs::JobView};
use leptos::prelude::*;

/// One job with a page of its items (after item `after`): its author's, or anyone's for those
/// who read the audit trail.
#[server(prefix = "/api", endpoint = "jobs/get")]
pub async fn get_job(id: String, after: Option<u32>) -> Result<JobView, PortalError> {
    use super::views::{ITEMS_PAGE, ask, job_view};
    let caller = crate::ssr::caller().await?;
    let (job, tally) = portico_core::jobs::visible(&caller, &id).await?;
    let items =
        caller.state.db.items(&id, after.unwrap_or(0), ITEMS_PAGE).await.map_err(portico_core::jobs::JobError::Db)?;
    let mine = job.author.sub == caller.principal.sub;
    let admin = caller.roles.contains(&portico_core::Role::Admin);
    let ask = ask(&caller, &job, &tally);
    Ok(job_view(job, tally, items, (mine, admin, caller.step_up_lacks().is_some()), ask, caller.state.clock.now()))
}
