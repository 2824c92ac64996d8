use crate::error::PortalError;
use leptos::prelude::*;

/// The caller is back: their delegation ends now. A plain form posts here too.
#[server(prefix = "/api", endpoint = "away/end")]
pub async fn end_away() -> Result<bool, PortalError> {
    let caller = crate::ssr::caller().await?;
    portico_core::requests::away::end(&caller).await.map_err(super::away::away_error)
}
