use crate::{error::PortalError, people::Person};
use leptos::prelude::*;

/// Saves edited profile fields (partial update: other properties are untouched). Okta's
/// validation messages come back per field.
#[server(prefix = "/api", endpoint = "people/profile")]
pub async fn update_profile(id: String, changes: Vec<(String, String)>) -> Result<Person, PortalError> {
    use crate::ssr::fail;
    let caller = crate::ssr::caller().await?;
    let user = caller.state.okta.get_user(&id).await?;
    caller.authorize(portico_vocab::PolicyAction::Profile, Some(&user), "edit this profile").await?;
    let map = super::views::profile_changes(changes).map_err(|m| fail(PortalError::bad_request(m)))?;
    if map.is_empty() {
        return super::get_person::load(&caller, &id).await;
    }
    caller.state.okta.update_profile(&id, &map).await?;
    caller
        .audit(
            "person.profile",
            &crate::ssr::person_label(&user),
            None,
            None,
            &format!("changed {}", map.keys().cloned().collect::<Vec<_>>().join(", ")),
        )
        .await;
    super::get_person::load(&caller, &id).await
}
