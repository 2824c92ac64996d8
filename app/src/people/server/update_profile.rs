use crate::{error::PortalError, people::Person};
use leptos::prelude::*;

/// Saves edited profile fields (partial update: other properties are untouched). Okta's
/// validation messages come back per field.
#[server(prefix = "/api", endpoint = "people/profile")]
pub async fn update_profile(id: String, changes: Vec<(String, String)>) -> Result<Person, PortalError> {
    use crate::ssr::{fail, okta_error};
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::EditProfile, "edit profiles").await?;
    let mut map = serde_json::Map::new();
    for (key, value) in changes {
        let editable = super::views::PROFILE.iter().any(|(k, _, e)| *k == key && *e);
        if !editable {
            return Err(fail(PortalError::bad_request(format!("{key} cannot be edited here."))));
        }
        let value = value.trim();
        map.insert(
            key,
            if value.is_empty() { serde_json::Value::Null } else { serde_json::Value::String(value.to_string()) },
        );
    }
    if map.is_empty() {
        return super::get_person::load(&caller, &id).await;
    }
    caller.state.okta.update_profile(&id, &map).await.map_err(okta_error)?;
    caller
        .audit(
            "person.profile",
            &id,
            None,
            None,
            &format!("changed {}", map.keys().cloned().collect::<Vec<_>>().join(", ")),
        )
        .await;
    super::get_person::load(&caller, &id).await
}
