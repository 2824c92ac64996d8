use crate::error::PortalError;
use leptos::prelude::*;

/// Starts a revoked item's revocation again, when it never started or ended without doing it.
/// The new request's id.
#[server(prefix = "/api", endpoint = "reviews/restart")]
pub async fn restart_revocation(item: String) -> Result<String, PortalError> {
    let caller = crate::ssr::caller().await?.now().await?;
    let req = portico_core::reviews::restart(&caller, &item).await?;
    Ok(req.id)
}
