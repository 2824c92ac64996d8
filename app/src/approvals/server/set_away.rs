use crate::error::PortalError;
use leptos::prelude::*;

/// Names `delegate` (a login or email) to decide the caller's requests until the end of `until`
/// (a date, `YYYY-MM-DD`, UTC). A plain form posts here and comes back to its page.
#[server(prefix = "/api", endpoint = "away/set")]
pub async fn set_away(delegate: String, until: String) -> Result<String, PortalError> {
    use portico_core::requests::away;
    let caller = crate::ssr::caller().await?.now().await?;
    let day = chrono::NaiveDate::parse_from_str(until.trim(), "%Y-%m-%d")
        .map_err(|_| crate::ssr::fail(PortalError::bad_request("Give the last day away as a date.")))?;
    let end = day.and_hms_opt(23, 59, 59).map(|t| t.and_utc());
    let end = end.ok_or_else(|| crate::ssr::fail(PortalError::bad_request("That date cannot be used.")))?;
    let d = away::set(&caller, &delegate, end).await.map_err(super::away::away_error)?;
    Ok(format!("{} decides for you until {}.", d.delegate.name, d.until))
}
