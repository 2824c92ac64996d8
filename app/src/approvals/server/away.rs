use crate::{approvals::AwayView, error::PortalError};
use leptos::prelude::*;

/// The caller's out-of-office delegation (whom they named, until when) and the approvers away
/// who named them.
#[server(prefix = "/api", endpoint = "away")]
pub async fn away() -> Result<AwayView, PortalError> {
    use portico_core::requests::away;
    let caller = crate::ssr::caller().await?;
    let mine = away::mine(&caller).await.map_err(away_error)?;
    let for_others = away::to(&caller.state, &caller.principal.sub).await;
    Ok(AwayView {
        delegate: mine.as_ref().map(|d| d.delegate.name.clone()),
        delegate_login: mine.as_ref().map(|d| d.delegate.login.clone()),
        until: mine.map(|d| d.until),
        deciding_for: for_others.into_iter().map(|d| (d.delegator.name, d.until)).collect(),
    })
}

/// The out-of-office error as the person sees it.
#[cfg(feature = "ssr")]
pub(crate) fn away_error(e: portico_core::requests::away::AwayError) -> PortalError {
    use portico_core::requests::away::AwayError;
    match e {
        AwayError::Invalid(words) => crate::ssr::fail(PortalError::bad_request(words)),
        AwayError::Okta(e) => crate::ssr::okta_error(e),
        AwayError::Db(e) => {
            tracing::error!(error = %e, "delegations");
            crate::ssr::fail(PortalError::internal())
        }
    }
}
