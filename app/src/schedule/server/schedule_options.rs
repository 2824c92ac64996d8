use crate::{error::PortalError, schedule::ScheduleChoices};
use leptos::prelude::*;

/// What the schedule page offers for `person`: the lifecycle changes their status allows, the
/// Okta groups (ones whose members can change here) and, when they have an ASA account, the
/// ASA groups it could join; and the time zones. Without `groups` (the offboarding page), the
/// group lists and the ASA account are not read.
#[server(prefix = "/api", endpoint = "schedule/options")]
pub async fn schedule_options(person: String, groups: bool) -> Result<ScheduleChoices, PortalError> {
    use portico_core::requests::scheduled;
    use portico_vocab::{GroupKind, LifecycleOp};
    let caller = crate::ssr::caller().await?;
    caller.require_person_id(&person).await?;
    let okta = &caller.state.okta;
    let user = okta.get_user(&person).await?;
    let (mut okta_groups, mut asa_account, mut asa_groups) = (Vec::new(), None, Vec::new());
    if groups {
        okta_groups = okta
            .list_groups(Some("type eq \"OKTA_GROUP\""), None, None, 200)
            .await?
            .items
            .into_iter()
            .filter(|g| g.kind == GroupKind::OktaGroup)
            .map(|g| (g.id, g.name))
            .collect();
        okta_groups.sort_by_key(|(_, n)| n.to_lowercase());
        asa_account = self::asa_account(&caller, &user).await?;
        if let (Some(_), Some(asa)) = (&asa_account, caller.state.asa.as_deref()) {
            use portico_core::asa::ServerAccess;
            asa_groups = asa
                .groups(None)
                .await
                .map_err(crate::asa::server::views::asa_error)?
                .into_iter()
                .filter(|g| !g.managed_by_okta)
                .map(|g| g.name)
                .collect();
            asa_groups.sort();
        }
    }
    Ok(ScheduleChoices {
        person_name: user.display_name(),
        person_id: user.id.clone(),
        ops: LifecycleOp::ALL
            .into_iter()
            .filter(|op| user.allows(*op))
            .map(|op| (op.as_str().to_string(), op.label().to_string()))
            .collect(),
        okta_groups,
        asa_account,
        asa_groups,
        zones: scheduled::zones(),
        delete_after_days: caller.state.config.schedule.delete_after_days,
        offboard: match caller.decide_for(portico_vocab::PolicyAction::Offboard, &user).await {
            portico_core::policy::Decision::Run => "run".into(),
            portico_core::policy::Decision::Request => "request".into(),
            portico_core::policy::Decision::Refuse => String::new(),
        },
    })
}

/// The name of `user`'s ASA account, when ASA is configured and they have one.
#[cfg(feature = "ssr")]
pub(crate) async fn asa_account(
    caller: &crate::ssr::Caller,
    user: &portico_core::okta::User,
) -> Result<Option<String>, PortalError> {
    let Some(asa) = caller.state.asa.as_deref() else { return Ok(None) };
    let account =
        portico_core::asa::drift::account_of(asa, user).await.map_err(crate::asa::server::views::asa_error)?;
    Ok(account.map(|a| a.name))
}
