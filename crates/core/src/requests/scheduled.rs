//! Work at a time: an action scheduled for later (run by the executor at its time, approved
//! before it when the policy wants approval), and time-bound access, whose end is stored as a
//! request of its own when the grant runs, so it runs exactly once at the end across restarts
//! and replicas. Both are requests: the same claims, leases, audit and notifications.

use super::{AskError, NewRequest, Purpose, Request, RequestError, Schedule, ask, worker};
use crate::{AppState, actions::plan::Ask, actor::Actor, actor::Denied, clock::stamp, policy::Decision};
use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};

/// How a grant's end's summary begins (the grant's own summary follows).
pub const END_PREFIX: &str = "End of time-bound access: ";

/// Scheduling further ahead than this is refused (a typo in the year, most likely).
const MAX_AHEAD_DAYS: i64 = 400;

/// A wall-clock time as someone states it: `YYYY-MM-DDTHH:MM` in an IANA time zone.
pub fn parse_when(local: &str, zone: &str) -> Result<DateTime<Utc>, String> {
    let tz: chrono_tz::Tz =
        zone.trim().parse().map_err(|_| format!("“{zone}” is not a time zone Portico knows (e.g. Europe/Berlin)."))?;
    let local = local.trim();
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| "Give the date and time, like 2027-03-15 18:00.".to_string())?;
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.to_utc()),
        // The hour the clocks go back happens twice: the first of them.
        chrono::LocalResult::Ambiguous(first, _) => Ok(first.to_utc()),
        chrono::LocalResult::None => {
            Err(format!("{local} does not happen in {zone} (the clocks skip that hour); pick another time."))
        }
    }
}

/// How a stored time reads in the zone it was stated in.
pub fn in_zone(at: &str, zone: Option<&str>) -> String {
    let Ok(t) = DateTime::parse_from_rfc3339(at) else { return at.to_string() };
    match zone.and_then(|z| z.parse::<chrono_tz::Tz>().ok()) {
        Some(tz) => format!("{} {}", t.with_timezone(&tz).format("%Y-%m-%d %H:%M"), tz.name()),
        None => t.to_utc().format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

impl Request {
    /// When it runs, in the zone it was stated in; none when it has no time.
    pub fn run_at_words(&self) -> Option<String> {
        self.run_at.as_deref().map(|at| in_zone(at, self.zone.as_deref()))
    }
}

/// Asks for `ask` to happen at `at` (stated in `zone`): approved at once when the policy lets
/// the caller run it (only the time is deferred), otherwise a request its approvers decide
/// before the time. Audited and notified like any request.
pub async fn schedule(
    actor: &Actor,
    ask: Ask,
    reason: &str,
    at: DateTime<Utc>,
    zone: &str,
) -> Result<Request, AskError> {
    let now = actor.state.clock.now();
    if at <= now {
        return Err(AskError::Invalid { message: "That time has passed: pick a later one.".into(), field: Some("at") });
    }
    if at > now + Duration::days(MAX_AHEAD_DAYS) {
        return Err(AskError::Invalid {
            message: format!("Pick a time within {MAX_AHEAD_DAYS} days."),
            field: Some("at"),
        });
    }
    if !matches!(ask.action, portico_vocab::PolicyAction::Lifecycle(_)) && ask.ends.is_none() {
        return Err(AskError::invalid("Only lifecycle actions can be scheduled."));
    }
    let routed = ask::route(actor, ask).await?;
    let approved = routed.decision == Decision::Run;
    let schedule = Schedule { run_at: Some(at), zone: Some(zone.trim().to_string()), approved, ..Schedule::default() };
    let mut new = routed.request(actor, reason, schedule)?;
    new.summary = format!("{} — at {}", new.summary, in_zone(&stamp(at), Some(zone)));
    let req = super::create(actor.state.db(), new, now).await.map_err(AskError::Request)?;
    let event = if approved { "request.schedule" } else { "request.create" };
    let detail = format!("at {} — reason: {}", in_zone(&stamp(at), Some(zone)), req.reason);
    worker::event(&actor.state, &req, event, &actor.principal.login, &actor.op_id, "ok", &detail).await;
    Ok(req)
}

/// Grants time-bound access (`ask` adds someone to a group, with its end): run now when the
/// policy lets the caller, through the executor (which stores the end before it adds), or
/// asked for approval. The request as it stands afterwards.
pub async fn grant(actor: &Actor, ask: Ask, reason: &str) -> Result<Request, AskError> {
    if ask.ends.is_none() || ask.add == Some(false) {
        return Err(AskError::invalid("Say when the access ends."));
    }
    submit(actor, ask, reason, None).await
}

/// Submits `ask` as a request the executor runs: at once, in the caller's task, when the policy
/// lets the caller run it (approved at creation: one engine, one audit trail for both ways);
/// else pending for approval. `zone`: the zone its times were stated in. The request as it
/// stands afterwards.
pub async fn submit(actor: &Actor, ask: Ask, reason: &str, zone: Option<String>) -> Result<Request, AskError> {
    let routed = ask::route(actor, ask).await?;
    let approved = routed.decision == Decision::Run;
    let new = routed.request(actor, reason, Schedule { approved, zone, ..Schedule::default() })?;
    let state = &actor.state;
    let req = super::create(state.db(), new, state.clock.now()).await.map_err(AskError::Request)?;
    Ok(start(actor, req, approved).await)
}

/// What follows storing a request: asked of its approvers (audited, notified), or, approved at
/// creation, run at once in the caller's task. The request as it stands afterwards.
pub async fn start(actor: &Actor, req: Request, approved: bool) -> Request {
    let state = &actor.state;
    if !approved {
        let detail = format!("reason: {}", req.reason);
        worker::event(state, &req, "request.create", &actor.principal.login, &actor.op_id, "ok", &detail).await;
        return req;
    }
    actor.audit("request.run", &req.target_label, None, None, &format!("{}: {}", req.id, req.summary)).await;
    worker::run_now(state, &req.id).await.unwrap_or(req)
}

/// Who may cancel a request that has not run: its requester, or anyone the policy lets run that
/// action on that person themselves. Refusals are audited.
pub async fn cancel(actor: &Actor, id: &str) -> Result<Request, AskError> {
    let state = &actor.state;
    let req = super::find(state.db(), id).await?;
    let manages = match super::eligible::target_user(state, &req).await {
        Some(u) if state.policy.mentions_manager(req.action) => actor.manages(&u).await,
        _ => false,
    };
    if !may_cancel(actor, &req, manages) {
        actor.refusal("request.cancel", &req.target_label, &format!("{}: not theirs to cancel", req.id)).await;
        return Err(Denied::NotAllowed("cancel this".into()).into());
    }
    if !state.db.cancel_open(id, state.clock.now()).await.map_err(RequestError::Db)? {
        let now = super::find(state.db(), id).await?;
        return Err(AskError::Request(RequestError::NotPending(now.status)));
    }
    let req = super::find(state.db(), id).await?;
    worker::event(state, &req, "request.cancel", &actor.principal.login, &actor.op_id, "ok", "").await;
    Ok(req)
}

/// Whether the actor may cancel `req` (`manages`: whether they manage the person it is about):
/// they asked for it, or the policy lets them run that action on that person themselves.
/// A playbook's step is not cancelled on its own: the playbook is restored as a whole. A grant's
/// end is cancelled only by someone who could grant the access for good themselves: for its
/// requester, who may have needed approval for the grant, cancelling it would make the access
/// permanent without one.
pub fn may_cancel(actor: &Actor, req: &Request, manages: bool) -> bool {
    match req.purpose {
        // A review's revocation is the review's decision, which a closed review freezes.
        Purpose::Step | Purpose::Revoke => false,
        Purpose::GrantEnd => actor.decide(req.action, manages) == Decision::Run,
        Purpose::Action => {
            req.requester_sub == actor.principal.sub || actor.decide(req.action, manages) == Decision::Run
        }
    }
}

/// Every time zone a time can be stated in (IANA names).
pub fn zones() -> Vec<String> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name().to_string()).collect()
}

/// When the people concerned hear that access granted at `now` ends at `end`:
/// `schedule.remind_before_hours` before, or half way for shorter grants.
fn remind_at(state: &AppState, now: DateTime<Utc>, end: DateTime<Utc>) -> DateTime<Utc> {
    let before = Duration::hours(i64::from(state.config.schedule.remind_before_hours));
    end - before.min((end - now) / 2)
}

/// Stores the end of the grant `req` is about to make (before it is made, so access can never
/// outlive its time): a new request, approved, at `end`; or, when one is open already (the
/// access was granted for a time before), that one moved to `end`. Errors are worth a retry.
pub async fn store_end(state: &AppState, req: &Request, end: DateTime<Utc>) -> Result<(), String> {
    let Some(call) = req.call.ending() else { return Ok(()) };
    let now = state.clock.now();
    let remind = remind_at(state, now, end);
    let new = NewRequest::follow_up(
        req,
        call,
        format!("{END_PREFIX}{}", req.summary),
        format!("Granted until {} by {} ({})", in_zone(&stamp(end), req.zone.as_deref()), req.requester_name, req.id),
        Schedule {
            run_at: Some(end),
            zone: req.zone.clone(),
            purpose: Purpose::GrantEnd,
            remind_at: Some(remind),
            ..Schedule::default()
        },
    );
    let (event, end_req) = match super::create(state.db(), new, now).await {
        Ok(r) => ("request.grant_end", r),
        Err(RequestError::Duplicate(open)) => {
            let existing = super::get(state.db(), &open).await.map_err(|e| e.to_string())?;
            let Some(existing) = existing else { return Err("the open end went away".into()) };
            if existing.parent_id.as_deref() == Some(req.id.as_str()) {
                return Ok(()); // this grant's own end, stored by an earlier attempt
            }
            if !state.db.reschedule(&open, end, remind, now).await.map_err(|e| e.to_string())? {
                return Err(format!("the end {open} is running now; try again"));
            }
            let moved = super::get(state.db(), &open).await.map_err(|e| e.to_string())?.unwrap_or(existing);
            ("request.grant_extend", moved)
        }
        Err(e) => return Err(e.to_string()),
    };
    let detail = format!("ends {}", in_zone(&stamp(end), req.zone.as_deref()));
    worker::event(state, &end_req, event, &req.requester_login, &req.id, "ok", &detail).await;
    Ok(())
}

/// Tells the people concerned that time-bound access ends soon (once per end).
pub async fn remind_ending(state: &AppState) {
    let ids = match state.db.grant_end_reminders_due(state.clock.now()).await {
        Ok(ids) => ids,
        Err(e) => return tracing::error!(error = %e, "could not look for access about to end"),
    };
    for id in ids {
        if let Ok(Some(req)) = super::get(state.db(), &id).await {
            let detail = format!("ends {}", req.run_at_words().unwrap_or_default());
            worker::event(state, &req, "request.grant_ending", "portico", &req.id, "ok", &detail).await;
        }
    }
}

/// Words for a scheduled request that ran after its time (approved after it, or the portal was
/// not running then); none when it ran on time.
pub fn late_words(req: &Request, now: DateTime<Utc>) -> Option<String> {
    let at = DateTime::parse_from_rfc3339(req.run_at.as_deref()?).ok()?.to_utc();
    if now - at < Duration::minutes(1) {
        return None;
    }
    let approved_after = req.decisions.iter().filter(|d| d.approve).any(|d| d.at.as_str() > stamp(at).as_str());
    Some(format!(
        "It ran late: its time was {}{}.",
        in_zone(&stamp(at), req.zone.as_deref()),
        if approved_after { ", and it was approved after that" } else { "" }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_the_zone_they_are_stated_in() {
        // Berlin is UTC+1 in winter and UTC+2 in summer.
        assert_eq!(stamp(parse_when("2027-03-15T18:00", "Europe/Berlin").expect("winter")), "2027-03-15T17:00:00.000Z");
        assert_eq!(stamp(parse_when("2027-07-15T18:00", "Europe/Berlin").expect("summer")), "2027-07-15T16:00:00.000Z");
        assert_eq!(stamp(parse_when("2027-03-15T23:59", "America/New_York").expect("ny")), "2027-03-16T03:59:00.000Z");
        assert_eq!(stamp(parse_when("2027-03-15T23:59", "UTC").expect("utc")), "2027-03-15T23:59:00.000Z");
        // 02:30 does not happen in Berlin on the night the clocks go forward.
        assert!(parse_when("2027-03-28T02:30", "Europe/Berlin").unwrap_err().contains("does not happen"));
        // 02:30 happens twice when they go back: the first.
        assert_eq!(stamp(parse_when("2027-10-31T02:30", "Europe/Berlin").expect("twice")), "2027-10-31T00:30:00.000Z");
        assert!(parse_when("2027-03-15T18:00", "Mars/Olympus").unwrap_err().contains("time zone"));
        assert!(parse_when("next friday", "UTC").is_err());
        assert_eq!(in_zone("2027-03-15T17:00:00Z", Some("Europe/Berlin")), "2027-03-15 18:00 Europe/Berlin");
        assert_eq!(in_zone("2027-03-15T17:00:00Z", None), "2027-03-15 17:00 UTC");
    }

    #[test]
    fn a_late_run_says_so() {
        let mut req = Request::sample();
        let at = DateTime::parse_from_rfc3339("2027-03-15T17:00:00Z").expect("t").to_utc();
        req.run_at = Some(stamp(at));
        assert_eq!(late_words(&req, at + Duration::seconds(5)), None, "on time");
        req.decisions.push(crate::requests::DecisionRecord {
            stage: 0,
            approver_sub: "a".into(),
            approver_login: "a".into(),
            approver_name: "A".into(),
            approve: true,
            comment: String::new(),
            at: stamp(at + Duration::hours(2)),
            signed_in_at: None,
            on_behalf_of: None,
        });
        let words = late_words(&req, at + Duration::hours(2)).expect("late");
        assert!(words.contains("2027-03-15 17:00 UTC") && words.contains("approved after that"), "{words}");
    }
}
