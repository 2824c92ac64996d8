use crate::{approvals::RequestView, error::PortalError};
use leptos::prelude::*;

/// The after-action review of a break-glass action: justified or not, and why. Only a reviewer
/// other than the person who acted (or was acted on).
#[server(prefix = "/api", endpoint = "requests/review")]
pub async fn review_break_glass(id: String, sound: bool, comment: String) -> Result<RequestView, PortalError> {
    use super::views::{target_user, view};
    let caller = crate::ssr::caller().await?.now().await?;
    if comment.chars().count() > 1000 {
        return Err(crate::ssr::fail(PortalError::bad_request("Keep the comment under 1000 characters.")));
    }
    let req = portico_core::requests::break_glass::review(&caller, &id, sound, &comment)
        .await
        .map_err(super::break_glass::break_glass_error)?;
    let target = target_user(&caller, &req).await;
    Ok(view(&caller, &req, target.as_ref(), false))
}
