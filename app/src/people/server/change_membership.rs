use crate::error::PortalError;
use leptos::prelude::*;

/// Adds people to, or removes them from, an Okta group. Only OKTA_GROUPs can change; the others
/// are refused with the reason.
#[server(prefix = "/api", endpoint = "groups/membership")]
pub async fn change_membership(group_id: String, user_ids: Vec<String>, add: bool) -> Result<String, PortalError> {
    use crate::ssr::fail;
    use portico_core::policy::Decision;
    let caller = crate::ssr::caller().await?;
    let okta = &caller.state.okta;
    // Admins (by role) change many people at once; anyone else is checked person by person.
    if caller.decide(portico_vocab::PolicyAction::Membership, false) != Decision::Run {
        for uid in &user_ids {
            let user = okta.get_user(uid).await?;
            caller
                .authorize(portico_vocab::PolicyAction::Membership, Some(&user), "change this person's groups")
                .await?;
        }
    }
    let group = okta.get_group(&group_id).await?;
    if let Some(reason) = group.kind.read_only_reason() {
        return Err(fail(PortalError::bad_request(reason)));
    }
    if user_ids.is_empty() {
        return Err(fail(PortalError::bad_request("Pick at least one person.")));
    }
    // One audit entry per person, each with Okta's request id: a failure half-way leaves an
    // exact record of who was already changed.
    for uid in &user_ids {
        let result = if add { okta.add_member(&group_id, uid).await } else { okta.remove_member(&group_id, uid).await };
        let upstream = result?;
        caller
            .audit_call(
                if add { "group.member_add" } else { "group.member_remove" },
                uid,
                None,
                None,
                &format!("group {} ({group_id})", group.name),
                upstream.as_deref(),
            )
            .await;
    }
    let n = user_ids.len();
    let who = if n == 1 { "1 person".to_string() } else { format!("{n} people") };
    Ok(if add { format!("Added {who} to {}.", group.name) } else { format!("Removed {who} from {}.", group.name) })
}
