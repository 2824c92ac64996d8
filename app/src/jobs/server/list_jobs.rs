use crate::{error::PortalError, jobs::JobRow};
use leptos::prelude::*;

/// The caller's jobs, newest first (everyone's for those who read the audit trail).
#[server(prefix = "/api", endpoint = "jobs/list")]
pub async fn list_jobs() -> Result<Vec<JobRow>, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    let author = (!caller.can(Action::ViewAudit)).then_some(caller.principal.sub.as_str());
    let jobs = caller.state.db.jobs(author, 100).await.map_err(portico_core::jobs::JobError::Db)?;
    Ok(jobs.into_iter().map(super::views::job_row).collect())
}
