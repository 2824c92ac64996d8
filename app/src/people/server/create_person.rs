use crate::{error::PortalError, people::NewPerson};
use leptos::prelude::*;

/// Creates a person with a password (active now) or without (Okta emails an activation link),
/// in the chosen groups; `activate: false` stages them. Returns the new id.
#[server(prefix = "/api", endpoint = "people/create")]
pub async fn create_person(person: NewPerson) -> Result<String, PortalError> {
    use crate::ssr::fail;
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::CreatePerson, "create people").await?;
    let login = if person.login.trim().is_empty() { person.email.trim() } else { person.login.trim() };
    let mut profile = serde_json::json!({
        "firstName": person.first_name.trim(),
        "lastName": person.last_name.trim(),
        "email": person.email.trim(),
        "login": login,
    });
    for (k, v) in [("title", &person.title), ("department", &person.department)] {
        if !v.trim().is_empty() {
            profile[k] = serde_json::json!(v.trim());
        }
    }
    let mut body = serde_json::json!({ "profile": profile });
    if !person.password.is_empty() {
        body["credentials"] = serde_json::json!({ "password": { "value": person.password } });
    }
    if person.group_ids.len() > 20 {
        return Err(fail(PortalError::bad_request("Pick at most 20 groups; add more from the person's page.")));
    }
    if !person.group_ids.is_empty() {
        body["groupIds"] = serde_json::json!(person.group_ids);
    }
    let user = caller.state.okta.create_user(&body, person.activate).await?;
    caller.audit("person.create", &format!("{login} ({})", user.id), None, Some(user.status.as_str()), "").await;
    Ok(user.id)
}
