use crate::error::PortalError;
use leptos::prelude::*;

/// Starts the leaver playbook for `person`: deactivated at `on` (`YYYY-MM-DDTHH:MM`) in `zone`,
/// their reports handed to `new_manager` (a login or email). Started at once when the caller may,
/// else asked for approval. Answers the playbook's request id (its page is the checklist).
#[server(prefix = "/api", endpoint = "playbook/offboard")]
pub async fn offboard(
    person: String,
    on: String,
    zone: String,
    new_manager: Option<String>,
    reason: String,
) -> Result<String, PortalError> {
    use portico_core::requests::playbook;
    let caller = crate::ssr::caller().await?.now().await?;
    let on = super::when(&on, &zone, "on")?;
    let req = playbook::offboard(&caller, &person, on, &zone, new_manager, &reason).await?;
    leptos_axum::redirect(&format!("/requests/{}", req.id));
    Ok(req.id)
}
