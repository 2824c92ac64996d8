use crate::error::PortalError;
use leptos::prelude::*;

/// Asks approval for the people of the caller's preview who need it: one request for the set,
/// which approvers decide once, seeing the preview. Returns the request and the job it releases
/// (the preview's own, or a new one when the caller may run the rest themselves).
#[server(prefix = "/api", endpoint = "jobs/request")]
pub async fn request_job(id: String, reason: String) -> Result<(String, String), PortalError> {
    use portico_core::requests::Call;
    let caller = crate::ssr::caller().await?;
    if reason.chars().count() > 1000 {
        return Err(crate::ssr::fail(PortalError::bad_request("Keep the reason under 1000 characters.")));
    }
    let req = portico_core::jobs::request(&caller, &id, &reason).await?;
    let job = match &req.call {
        Call::Job { job_id, .. } => job_id.clone(),
        _ => id,
    };
    Ok((req.id, job))
}
