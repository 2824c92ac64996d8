use crate::{error::PortalError, schedule::ScheduledView};
use leptos::prelude::*;

/// What is scheduled, soonest first: for one `person`, for the caller's own people (`mine`), or
/// everything (roles that view people); filtered by policy `action` and by `kind` (`ends`:
/// time-bound access ending; `actions`: scheduled changes).
#[server(prefix = "/api", endpoint = "schedule/upcoming")]
pub async fn upcoming(
    person: Option<String>,
    mine: Option<bool>,
    action: Option<String>,
    kind: Option<String>,
) -> Result<Vec<ScheduledView>, PortalError> {
    use crate::schedule::Extend;
    use portico_core::{
        authz::Action,
        requests::{Call, RequestError, Status, Upcoming, scheduled},
    };
    let caller = crate::ssr::caller().await?;
    let state = &caller.state;
    // Whether the caller manages everyone listed (their own people) or, for one person, them.
    let (target_subs, manages) = match (person, mine.unwrap_or(false)) {
        (Some(id), _) => {
            caller.require_person_id(&id).await?;
            let user = state.okta.get_user(&id).await?;
            let manages = caller.manages(&user).await;
            (Some(vec![id]), manages)
        }
        (None, true) => (Some(caller.people().await?.into_iter().map(|(u, _)| u.id).collect()), true),
        (None, false) => {
            caller.require(Action::ViewPeople, "see everything scheduled").await?;
            (None, false)
        }
    };
    let filter = Upcoming {
        target_subs,
        action: action.filter(|a| !a.is_empty()),
        grant_ends: match kind.as_deref() {
            Some("ends") => Some(true),
            Some("actions") => Some(false),
            _ => None,
        },
        limit: 200,
    };
    let list = state
        .db
        .upcoming(&filter)
        .await
        .map_err(|e| crate::approvals::server::views::request_error(RequestError::Db(e)))?;
    Ok(list
        .into_iter()
        .map(|r| {
            let grant_end = r.purpose == portico_core::requests::Purpose::GrantEnd;
            let at = r.run_at.clone().unwrap_or_default();
            // A grant's end the caller may ask to move: the same grant, asked again with a later end.
            let granted = match &r.call {
                Call::Membership { group_id, .. } => Some(("okta", group_id.clone())),
                Call::AsaMembership { group, .. } => Some(("asa", group.clone())),
                _ => None,
            };
            let may_ask = caller.decide(r.action, manages) != portico_core::policy::Decision::Refuse;
            let extend = match (granted, r.target_sub.clone()) {
                (Some((system, group)), Some(person)) if grant_end && may_ask => Some(Extend {
                    person,
                    system: system.into(),
                    group,
                    zone: r.zone.clone().unwrap_or_else(|| "UTC".into()),
                }),
                _ => None,
            };
            ScheduledView {
                id: r.id.clone(),
                summary: r.summary.clone(),
                at_words: r.run_at_words().unwrap_or_default(),
                at,
                grant_end,
                state: match r.status {
                    Status::Pending => "Waiting for approval".into(),
                    Status::Executing => "Running".into(),
                    _ => "Approved".into(),
                },
                target_name: r.target_name().to_string(),
                target_href: r.target_sub.as_ref().map(|id| format!("/people/{id}")),
                requester: r.requester_name.clone(),
                can_cancel: r.status != Status::Executing && scheduled::may_cancel(&caller, &r, manages),
                extend,
            }
        })
        .collect())
}
