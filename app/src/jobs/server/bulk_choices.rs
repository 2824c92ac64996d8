use crate::{error::PortalError, jobs::BulkChoices};
use leptos::prelude::*;

/// What a selection can be asked to do: every lifecycle operation a job runs, the group
/// actions with the Okta groups whose members Portico changes, and the ASA ones when ASA is
/// configured. Whether the caller may run each, for each person, is the preview's to say.
#[server(prefix = "/api", endpoint = "jobs/choices")]
pub async fn choices_for_selection() -> Result<BulkChoices, PortalError> {
    use portico_vocab::{GroupKind, LifecycleOp};
    let caller = crate::ssr::caller().await?;
    let mut actions: Vec<(String, String)> = LifecycleOp::ALL
        .into_iter()
        // A job hands out no temporary passwords: an expiry there makes each person choose a new
        // password with their current one at their next sign-in.
        .map(|op| match op {
            LifecycleOp::ExpirePassword => {
                (op.as_str().to_string(), "Expire password (new one at next sign-in)".into())
            }
            _ => (op.as_str().to_string(), op.label().to_string()),
        })
        .collect();
    actions.push(("group_add".into(), "Add to group…".into()));
    actions.push(("group_remove".into(), "Remove from group…".into()));
    if caller.state.asa.is_some() {
        actions.push(("asa_enable".into(), "Enable in ASA".into()));
        actions.push(("asa_disable".into(), "Disable in ASA".into()));
    }
    let groups = caller.state.okta.list_groups(None, None, None, 200).await?;
    let groups = groups.items.into_iter().filter(|g| g.kind == GroupKind::OktaGroup).map(|g| (g.id, g.name)).collect();
    Ok(BulkChoices { actions, groups })
}
