//! Keeping requests moving, on the engine's clock: a reminder to whoever may decide a request
//! at half its lifetime, and at its deadline an escalation (the policy's rule, kept with the
//! request) instead of a silent expiry. Each happens once, by one guarded update, whichever
//! process's executor gets there first.

use super::{Person, Request, eligible, worker};
use crate::{AppState, okta::OktaError, okta::User};
use portico_vocab::UserStatus;

/// Reminds the approvers of every request whose reminder is due.
pub async fn remind(state: &AppState) {
    let ids = match state.db.remind_due(state.clock.now()).await {
        Ok(ids) => ids,
        Err(e) => return tracing::error!(error = %e, "could not look for reminders due"),
    };
    for id in ids {
        if let Ok(Some(req)) = super::get(state.db(), &id).await {
            worker::event(
                state,
                &req,
                "request.remind",
                "portico",
                &req.id,
                "ok",
                "half its time has passed undecided",
            )
            .await;
        }
    }
}

/// Escalates every request past its deadline whose policy says where it goes. Nobody to go to:
/// it expires, saying so. Okta unreachable: tried again on the next pass.
pub async fn escalate(state: &AppState) {
    let ids = match state.db.escalation_due(state.clock.now()).await {
        Ok(ids) => ids,
        Err(e) => return tracing::error!(error = %e, "could not look for escalations due"),
    };
    for id in ids {
        let Ok(Some(req)) = super::get(state.db(), &id).await else { continue };
        let Some(rule) = req.escalation.clone() else { continue };
        let to = match targets(state, &req).await {
            Ok(to) => to,
            Err(e) => {
                tracing::warn!(request = %id, error = %e, "could not escalate a request; will try again");
                continue;
            }
        };
        let now = state.clock.now();
        let until = if to.is_empty() { now } else { now + chrono::Duration::hours(i64::from(rule.hours)) };
        match state.db.escalate_request(&id, &to, until, now).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => {
                tracing::error!(request = %id, error = %e, "could not record an escalation");
                continue;
            }
        }
        let Ok(Some(req)) = super::get(state.db(), &id).await else { continue };
        let (result, detail) = if to.is_empty() {
            ("failed", "undecided at its deadline, and nobody to escalate to: it expires".to_string())
        } else {
            let names: Vec<&str> = to.iter().map(|p| p.name.as_str()).collect();
            (
                "ok",
                format!("undecided at its deadline: escalated to {}; it waits {} h more", names.join(", "), rule.hours),
            )
        };
        worker::event(state, &req, "request.escalate", "portico", &req.id, result, &detail).await;
    }
}

/// Who an undecided request goes to: the managers of those who may decide it now (up the
/// `managerId` chain past anyone it concerns), or a group's members; the fallback group when
/// that finds nobody. Only active people, never its requester, its person, or anyone who
/// already decided it.
async fn targets(state: &AppState, req: &Request) -> Result<Vec<Person>, OktaError> {
    let Some(rule) = &req.escalation else { return Ok(Vec::new()) };
    let concerned: Vec<String> = [Some(req.requester_sub.clone()), req.target_sub.clone()]
        .into_iter()
        .flatten()
        .chain(req.decided_by())
        .collect();
    let eligible_person = |u: &User| u.status == UserStatus::Active && !concerned.contains(&u.id);
    let mut found: Vec<User> = Vec::new();
    if rule.to == "manager" {
        let target = eligible::target_user(state, req).await;
        let mut lookups = eligible::Lookups::default();
        for approver in eligible::approvers(state, req, target.as_ref(), &mut lookups, &req.id).await? {
            let mut at = approver.sub.clone();
            // Up the chain until someone may take it (a short chain: a loop in Okta's data stops it).
            for _ in 0..5 {
                let person = state.okta.get_user(&at).await?;
                let Some(manager) = person.field("managerId").filter(|m| !m.is_empty()).map(str::to_string) else {
                    break;
                };
                let manager = state.okta.get_user(&manager).await?;
                if eligible_person(&manager) {
                    found.push(manager);
                    break;
                }
                at = manager.id.clone();
            }
        }
    } else if let Some(group) = rule.to.strip_prefix("group:") {
        found.extend(members(state, group).await?.into_iter().filter(&eligible_person));
    }
    if found.is_empty()
        && let Some(group) = rule.fallback.as_deref().and_then(|f| f.strip_prefix("group:"))
    {
        found.extend(members(state, group).await?.into_iter().filter(&eligible_person));
    }
    let mut out: Vec<Person> = Vec::new();
    for u in found {
        if !out.iter().any(|p| p.sub == u.id) {
            out.push(Person {
                sub: u.id.clone(),
                login: u.field("login").unwrap_or_default().to_string(),
                name: u.display_name(),
            });
        }
    }
    Ok(out)
}

async fn members(state: &AppState, group: &str) -> Result<Vec<User>, OktaError> {
    match state.group_ids.id(group) {
        Some(id) => Ok(state.okta.group_members(id, None, 200).await?.items),
        None => Ok(Vec::new()),
    }
}
