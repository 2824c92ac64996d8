use crate::error::PortalError;
use leptos::prelude::*;
use portico_vocab::Campaign;

/// Closes an access review (admins) once each item is decided or escalated; its decisions and
/// evidence no longer change.
#[server(prefix = "/api", endpoint = "reviews/close")]
pub async fn close_review(id: String) -> Result<Campaign, PortalError> {
    let caller = crate::ssr::caller().await?.now().await?;
    Ok(portico_core::reviews::close(&caller, &id).await?)
}
