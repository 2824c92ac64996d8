//! The leaver playbook: one request ("Offboard Ed on 15 March") that, once approved, stores its
//! steps as requests of their own, each run once by the executor in order: suspend now; sign
//! out everywhere; disable the ASA account; take the groups (recorded in the step, to give
//! back); hand the reports to a new manager; deactivate on the day; delete some days later.
//! Until the deactivation runs, a Restore (itself a request through the policy) cancels what
//! is left and gives back what was taken, again as steps.

use super::{
    AskError, Call, Named, NewRequest, Purpose, Request, RequestError, Schedule, Status, exec::Outcome, scheduled,
    worker,
};
use crate::{
    AppState,
    actions::plan::{Ask, PlanError, PlaybookAsk},
    actor::{Actor, Denied},
    clock::stamp,
    okta::User,
    policy::Decision,
    upstream::Fault,
};
use chrono::{DateTime, Duration, Utc};
use portico_vocab::PolicyAction;
use portico_vocab::{GroupKind, LifecycleOp, UserStatus};

/// The playbook's steps, by their fixed numbers (a step a person does not need is left out,
/// its number unused, so storing them again after a crash finds each in its place).
pub mod step {
    pub const SUSPEND: u32 = 1;
    pub const SIGN_OUT: u32 = 2;
    pub const ASA: u32 = 3;
    pub const GROUPS: u32 = 4;
    pub const REPORTS: u32 = 5;
    pub const DEACTIVATE: u32 = 6;
    pub const DELETE: u32 = 7;
}

/// A restore's steps.
mod restore_step {
    pub const UNSUSPEND: u32 = 1;
    pub const ASA: u32 = 2;
    pub const GROUPS: u32 = 3;
    pub const REPORTS: u32 = 4;
}

/// Asks for `user_id` to be offboarded, deactivated at `on` (stated in `zone`), their reports
/// handed to `new_manager`: started at once when the policy lets the caller, else a request.
pub async fn offboard(
    actor: &Actor,
    user_id: &str,
    on: DateTime<Utc>,
    zone: &str,
    new_manager: Option<String>,
    reason: &str,
) -> Result<Request, AskError> {
    let mut ask = Ask::new(PolicyAction::Offboard, user_id);
    ask.playbook = Some(PlaybookAsk::Start { on, zone: zone.trim().to_string(), new_manager });
    scheduled::submit(actor, ask, reason, Some(zone.trim().to_string())).await
}

/// Asks for the offboarding `playbook_id` to be undone, through the same policy.
pub async fn ask_restore(actor: &Actor, playbook_id: &str, reason: &str) -> Result<Request, AskError> {
    let pb = super::find(actor.state.db(), playbook_id).await?;
    let mut ask = Ask::new(PolicyAction::Offboard, pb.target_id.clone());
    ask.playbook = Some(PlaybookAsk::Restore { playbook_id: pb.id.clone() });
    scheduled::submit(actor, ask, reason, pb.zone.clone()).await
}

/// Whether the actor may run the playbook `req` on its person (`target`, as Okta has them now)
/// themselves (start, restore, retry a step), or asked for it.
pub async fn may_run(actor: &Actor, req: &Request, target: Option<&User>) -> bool {
    if req.requester_sub == actor.principal.sub {
        return true;
    }
    match target {
        Some(u) => actor.decide_for(PolicyAction::Offboard, u).await == Decision::Run,
        None => actor.decide(PolicyAction::Offboard, false) == Decision::Run,
    }
}

/// Tries a failed step of a playbook again (the steps after it were waiting for it). Refusals
/// are audited.
pub async fn retry_step(actor: &Actor, id: &str) -> Result<Request, AskError> {
    let state = &actor.state;
    let step = super::find(state.db(), id).await?;
    let parent = match step.parent_id.as_deref().filter(|_| step.purpose == Purpose::Step) {
        Some(p) => super::find(state.db(), p).await?,
        None => return Err(AskError::invalid("Only a playbook's step can be tried again here.")),
    };
    let target = super::eligible::target_user(state, &parent).await;
    if !may_run(actor, &parent, target.as_ref()).await {
        actor.refusal("request.retry", &step.target_label, &format!("{}: not theirs to retry", step.id)).await;
        return Err(Denied::NotAllowed("try this step again".into()).into());
    }
    if !state.db.retry_step(id, state.clock.now()).await.map_err(RequestError::Db)? {
        return Err(AskError::Request(RequestError::NotPending(step.status)));
    }
    let step = super::find(state.db(), id).await?;
    worker::event(state, &step, "request.retry", &actor.principal.login, &actor.op_id, "ok", "").await;
    Ok(step)
}

fn invalid(words: impl Into<String>) -> PlanError {
    PlanError::Invalid(words.into())
}

/// The people who report to `user` (`profile.managerId`), every page.
async fn reports(state: &AppState, user: &User) -> Result<Vec<Named>, crate::okta::OktaError> {
    let search = format!("profile.managerId eq {}", crate::okta::search::literal(&user.id));
    let (mut out, mut after) = (Vec::new(), None::<String>);
    loop {
        let page = state.okta.search_users(Some(&search), None, after.as_deref(), 200).await?;
        out.extend(page.items.iter().map(|u| Named { id: u.id.clone(), name: u.display_name() }));
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(out),
        }
    }
}

/// The playbook request `ask` describes for `user`, checked against Okta and the portal now.
pub async fn plan(state: &AppState, user: &User, ask: Option<PlaybookAsk>) -> Result<(Call, String), PlanError> {
    let name = user.display_name();
    match ask {
        None => Err(invalid("Say when the person leaves.")),
        Some(PlaybookAsk::Start { on, zone, new_manager }) => {
            if user.status == UserStatus::Deprovisioned {
                return Err(invalid(format!("{name} is already deactivated.")));
            }
            if on <= state.clock.now() {
                return Err(invalid("Pick a time in the future for the deactivation."));
            }
            let manager = match new_manager.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
                Some(key) => {
                    let Some(m) = state.okta.find_person(key).await? else {
                        return Err(invalid(format!("Nobody in Okta has the login or email {key}.")));
                    };
                    if m.id == user.id {
                        return Err(invalid(format!("Hand {name}'s reports to someone else.")));
                    }
                    if m.status != UserStatus::Active {
                        return Err(invalid(format!("{} is not active in Okta.", m.display_name())));
                    }
                    Some(Named { id: m.id.clone(), name: m.display_name() })
                }
                None => None,
            };
            let reports = reports(state, user).await?;
            if !reports.is_empty() && manager.is_none() {
                return Err(invalid(format!(
                    "{name} manages {}: name who takes them over.",
                    plural(reports.len(), "person").replace("persons", "people")
                )));
            }
            let summary = format!("Offboard {name}: deactivate at {}", scheduled::in_zone(&stamp(on), Some(&zone)));
            let call = Call::Offboard {
                user_id: user.id.clone(),
                on: stamp(on),
                new_manager: manager,
                delete_after_days: state.config.schedule.delete_after_days,
            };
            Ok((call, summary))
        }
        Some(PlaybookAsk::Restore { playbook_id }) => {
            let read = |e: sqlx::Error| invalid(format!("The playbook could not be read: {e}"));
            let pb = super::get(state.db(), &playbook_id).await.map_err(read)?;
            let Some(pb) = pb.filter(|pb| matches!(pb.call, Call::Offboard { .. }) && pb.target_id == user.id) else {
                return Err(invalid(format!("{playbook_id} is not an offboarding of {name}.")));
            };
            if pb.status != Status::Done {
                return Err(invalid(format!(
                    "{} has not started ({}): cancel it instead.",
                    pb.id,
                    pb.status.label().to_lowercase()
                )));
            }
            let steps = state.db.children(&pb.id).await.map_err(read)?;
            if deactivated(&steps) {
                return Err(invalid(format!("{name} was already deactivated by {}: reactivate them instead.", pb.id)));
            }
            if steps.iter().any(|s| s.step == Some(step::DEACTIVATE) && s.status == Status::Cancelled) {
                return Err(invalid(format!("{} was already stopped and restored.", pb.id)));
            }
            Ok((
                Call::Restore { user_id: user.id.clone(), playbook_id: pb.id.clone() },
                format!("Restore {name} (undo offboarding {})", pb.id),
            ))
        }
    }
}

/// Whether the playbook's deactivation has run (or is running).
fn deactivated(steps: &[Request]) -> bool {
    steps
        .iter()
        .any(|s| s.step.is_some_and(|n| n >= step::DEACTIVATE) && matches!(s.status, Status::Executing | Status::Done))
}

/// A step of `parent`: approved, on the parent's authority, at `run_at` (none: when its turn
/// comes).
fn step_request(parent: &Request, n: u32, call: Call, summary: String, run_at: Option<DateTime<Utc>>) -> NewRequest {
    let schedule =
        Schedule { run_at, zone: parent.zone.clone(), purpose: Purpose::Step, step: Some(n), ..Schedule::default() };
    NewRequest::follow_up(parent, call, summary, format!("Step {n} of {}", parent.id), schedule)
}

/// Stores those of `steps` not stored yet (an earlier attempt may have stored some), and wakes
/// the executor for them.
async fn store_steps(state: &AppState, parent: &Request, steps: Vec<NewRequest>) -> Result<usize, Outcome> {
    let have: Vec<u32> = match state.db.children(&parent.id).await {
        Ok(existing) => existing.iter().filter_map(|s| s.step).collect(),
        Err(e) => return Err(retry(format!("could not read the steps: {e}"))),
    };
    let now = state.clock.now();
    let mut stored = have.len();
    for new in steps.into_iter().filter(|s| !s.schedule.step.is_some_and(|n| have.contains(&n))) {
        match super::create(state.db(), new, now).await {
            Ok(_) | Err(super::RequestError::Duplicate(_)) => stored += 1,
            Err(e) => return Err(retry(format!("could not store a step: {e}"))),
        }
    }
    state.wake.notify_one();
    state.db.announce(crate::db::Signal::Work).await;
    Ok(stored)
}

fn retry(message: String) -> Outcome {
    Outcome::Retry { message, request_id: None, uncertain: false }
}

fn done(message: String) -> Outcome {
    Outcome::Done { message, before: None, after: None, request_id: None, temp_password: None }
}

/// Runs an approved offboarding: reads the person now and stores the steps they need.
pub async fn start(state: &AppState, req: &Request) -> Outcome {
    let Call::Offboard { user_id, on, new_manager, delete_after_days } = &req.call else {
        return Outcome::Failed { message: "Not an offboarding.".into(), request_id: None };
    };
    let user = match state.okta.get_user(user_id).await {
        Ok(u) => u,
        Err(e) if e.fault == Fault::NotFound => return Outcome::Stale("The person no longer exists in Okta.".into()),
        Err(e) => return super::exec::okta_outcome(e),
    };
    let Ok(on) = DateTime::parse_from_rfc3339(on).map(|t| t.to_utc()) else {
        return Outcome::Failed { message: "The deactivation time cannot be read.".into(), request_id: None };
    };
    let name = user.display_name();
    let mut steps = Vec::new();
    if user.allows(LifecycleOp::Suspend) {
        let call = Call::Lifecycle { user_id: user.id.clone(), op: LifecycleOp::Suspend };
        steps.push(step_request(req, step::SUSPEND, call, format!("Suspend {name} now"), None));
    }
    let call = Call::ClearSessions { user_id: user.id.clone() };
    let words = format!("Sign {name} out everywhere (Okta sessions, OAuth tokens, Portico)");
    steps.push(step_request(req, step::SIGN_OUT, call, words, None));
    if let Some(asa) = state.asa.as_deref() {
        match crate::asa::drift::account_of(asa, &user).await {
            Ok(Some(account)) if account.status == "ACTIVE" => {
                let call = Call::AsaStatus { name: account.name.clone(), status: "DISABLED".into() };
                steps.push(step_request(req, step::ASA, call, format!("Disable ASA account {}", account.name), None));
            }
            Ok(_) => {}
            Err(e) => return retry(format!("ASA: {}", e.message)),
        }
    }
    let groups: Vec<Named> = match state.okta.user_groups(&user.id).await {
        Ok(gs) => gs
            .into_iter()
            .filter(|g| g.kind == GroupKind::OktaGroup)
            .map(|g| Named { id: g.id, name: g.name })
            .collect(),
        Err(e) => return super::exec::okta_outcome(e),
    };
    if !groups.is_empty() {
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        let words =
            format!("Remove from {} (recorded, to give back): {}", plural(groups.len(), "group"), names.join(", "));
        let call = Call::Groups { user_id: user.id.clone(), groups, add: false };
        steps.push(step_request(req, step::GROUPS, call, words, None));
    }
    match (reports(state, &user).await, new_manager) {
        (Err(e), _) => return super::exec::okta_outcome(e),
        (Ok(reports), Some(manager)) if !reports.is_empty() => {
            let names: Vec<&str> = reports.iter().map(|r| r.name.as_str()).collect();
            let words = format!("Hand {} to {}: {}", plural(reports.len(), "report"), manager.name, names.join(", "));
            let call = Call::Reassign { user_id: user.id.clone(), reports, manager: manager.clone() };
            steps.push(step_request(req, step::REPORTS, call, words, None));
        }
        _ => {}
    }
    let at = |t: DateTime<Utc>| scheduled::in_zone(&stamp(t), req.zone.as_deref());
    let call = Call::Lifecycle { user_id: user.id.clone(), op: LifecycleOp::Deactivate };
    steps.push(step_request(req, step::DEACTIVATE, call, format!("Deactivate {name} at {}", at(on)), Some(on)));
    if *delete_after_days > 0 {
        let when = on + Duration::days(i64::from(*delete_after_days));
        let call = Call::Lifecycle { user_id: user.id.clone(), op: LifecycleOp::Delete };
        steps.push(step_request(req, step::DELETE, call, format!("Delete {name} at {}", at(when)), Some(when)));
    }
    match store_steps(state, req, steps).await {
        Ok(n) => done(format!(
            "The playbook has {}: they run one after another, the deactivation at {}.",
            plural(n, "step"),
            at(on)
        )),
        Err(o) => o,
    }
}

/// Runs an approved restore: cancels what is left of the playbook (refused once its
/// deactivation has begun) and stores the steps that give back what it took.
pub async fn restore(state: &AppState, req: &Request) -> Outcome {
    let Call::Restore { playbook_id, .. } = &req.call else {
        return Outcome::Failed { message: "Not a restore.".into(), request_id: None };
    };
    let steps = match state.db.children(playbook_id).await {
        Ok(s) => s,
        Err(e) => return retry(format!("could not read the steps: {e}")),
    };
    let name = req.target_name().to_string();
    let mine = state.db.children(&req.id).await.unwrap_or_default();
    if mine.is_empty() {
        // First attempt: stop the playbook where it is.
        if deactivated(&steps) {
            return Outcome::Stale(format!("Too late: {playbook_id} has already deactivated {name}."));
        }
        for s in steps.iter().filter(|s| s.status.is_open() && s.status != Status::Executing) {
            match state.db.cancel_open(&s.id, state.clock.now()).await {
                Ok(true) => {
                    if let Ok(Some(cancelled)) = super::get(state.db(), &s.id).await {
                        let why = format!("restored by {}", req.id);
                        worker::event(state, &cancelled, "request.cancel", "portico", &req.id, "ok", &why).await;
                    }
                }
                Ok(false) => {}
                Err(e) => return retry(format!("could not cancel {}: {e}", s.id)),
            }
        }
        let steps = state.db.children(playbook_id).await.unwrap_or_default();
        if deactivated(&steps) {
            return Outcome::Stale(format!("Too late: {playbook_id} has already deactivated {name}."));
        }
        if steps.iter().any(|s| s.status == Status::Executing) {
            return retry("a step of the playbook is running; trying again when it ends".into());
        }
    }
    let ran = |n: u32| steps.iter().find(|s| s.step == Some(n) && s.status == Status::Done);
    let mut back = Vec::new();
    if ran(step::SUSPEND).is_some() {
        let call = Call::Lifecycle { user_id: req.target_id.clone(), op: LifecycleOp::Unsuspend };
        back.push(step_request(req, restore_step::UNSUSPEND, call, format!("Unsuspend {name}"), None));
    }
    if let Some(Call::AsaStatus { name: account, .. }) = ran(step::ASA).map(|s| &s.call) {
        let call = Call::AsaStatus { name: account.clone(), status: "ACTIVE".into() };
        back.push(step_request(req, restore_step::ASA, call, format!("Enable ASA account {account}"), None));
    }
    if let Some(Call::Groups { user_id, groups, .. }) = ran(step::GROUPS).map(|s| &s.call) {
        let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
        let words = format!("Add back to {}: {}", plural(groups.len(), "group"), names.join(", "));
        let call = Call::Groups { user_id: user_id.clone(), groups: groups.clone(), add: true };
        back.push(step_request(req, restore_step::GROUPS, call, words, None));
    }
    if let Some(Call::Reassign { user_id, reports, .. }) = ran(step::REPORTS).map(|s| &s.call) {
        let words = format!("Return {} to {name}", plural(reports.len(), "report"));
        let manager = Named { id: user_id.clone(), name: name.clone() };
        let call = Call::Reassign { user_id: user_id.clone(), reports: reports.clone(), manager };
        back.push(step_request(req, restore_step::REPORTS, call, words, None));
    }
    match store_steps(state, req, back).await {
        Ok(0) => done(format!("Stopped {playbook_id} before it changed anything; nothing to give back.")),
        Ok(n) => done(format!("Stopped {playbook_id}; {} give back what it took.", plural(n, "step"))),
        Err(o) => o,
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

/// Signs someone out everywhere: Okta's sessions and OAuth tokens, and Portico's own sessions.
pub async fn sign_out(state: &AppState, user_id: &str) -> Outcome {
    if let Err(e) = state.okta.clear_sessions(user_id, true).await {
        return super::exec::okta_outcome(e);
    }
    let ended = crate::actions::lifecycle::end_portico_sessions(state, user_id, "portico", "offboarded").await;
    done(format!("Signed out of every Okta session, OAuth tokens revoked, {ended} Portico session(s) ended."))
}

/// Adds or removes one person's memberships of these groups (each call is safe to repeat).
pub async fn memberships(state: &AppState, user_id: &str, groups: &[Named], add: bool) -> Outcome {
    for g in groups {
        let res = if add {
            state.okta.add_member(&g.id, user_id).await
        } else {
            state.okta.remove_member(&g.id, user_id).await
        };
        match res {
            Ok(_) => {}
            // A group deleted since cannot be given back; the others still are.
            Err(e) if e.fault == Fault::NotFound => {}
            Err(e) => return super::exec::okta_outcome(e),
        }
    }
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    done(if add {
        format!("Added back to {}.", names.join(", "))
    } else {
        format!("Removed from {}.", names.join(", "))
    })
}

/// Gives each report a new manager.
pub async fn reassign(state: &AppState, reports: &[Named], manager: &Named) -> Outcome {
    let mut changes = serde_json::Map::new();
    changes.insert("managerId".into(), serde_json::Value::String(manager.id.clone()));
    for r in reports {
        match state.okta.update_profile(&r.id, &changes).await {
            Ok(_) => {}
            Err(e) if e.fault == Fault::NotFound => {}
            Err(e) => return super::exec::okta_outcome(e),
        }
    }
    let names: Vec<&str> = reports.iter().map(|r| r.name.as_str()).collect();
    let verb = if reports.len() == 1 { "reports" } else { "report" };
    done(format!("{} now {verb} to {}.", names.join(", "), manager.name))
}
