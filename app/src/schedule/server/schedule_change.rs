use crate::error::PortalError;
use leptos::prelude::*;
use portico_vocab::LifecycleOp;

/// Schedules a lifecycle change of `person` for `at` (`YYYY-MM-DDTHH:MM`) in `zone`: approved at
/// once when the caller may run it, else a request decided before the time. A plain form posts
/// here and comes back to its page.
#[server(prefix = "/api", endpoint = "schedule/change")]
pub async fn schedule_change(
    person: String,
    op: LifecycleOp,
    at: String,
    zone: String,
    reason: String,
) -> Result<String, PortalError> {
    use portico_core::{actions::plan::Ask, requests::scheduled};
    let caller = crate::ssr::caller().await?.now().await?;
    let when = super::when(&at, &zone, "at")?;
    let req = scheduled::schedule(&caller, Ask::new(op.into(), person), &reason, when, &zone).await?;
    Ok(format!("{} ({})", req.summary, req.id))
}
