use crate::error::PortalError;
use leptos::prelude::*;
use portico_vocab::Campaign;

/// The access reviews the caller may read (admins and auditors: all; reviewers: theirs).
#[server(prefix = "/api", endpoint = "reviews/list")]
pub async fn reviews() -> Result<Vec<Campaign>, PortalError> {
    let caller = crate::ssr::caller().await?.now().await?;
    Ok(portico_core::reviews::list(&caller).await?)
}
