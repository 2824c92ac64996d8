//! Storing and moving requests: every transition is one guarded statement or one transaction
//! that locks the request (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: `SELECT … FOR UPDATE`), and
//! claims take a row nobody else holds (PostgreSQL: `FOR UPDATE SKIP LOCKED`). What a decision
//! does is judged here once ([`judge`]); each backend ([`sqlite`], [`postgres`]) only speaks its
//! own SQL and types. Times come from the caller (the one clock), never from here.

mod deadlines;
mod postgres;
mod schedule;
mod sqlite;

pub use deadlines::DeadlineStore;
pub use schedule::{ScheduleStore, Upcoming};

use super::model::*;
use crate::{clock::stamp, db::Store};
use chrono::{DateTime, Duration, Utc};
use portico_vocab::PolicyAction;

/// Whether an approver may decide the request as it stands (why not, in words).
pub type Eligible<'a> = dyn Fn(&Request) -> Result<(), String> + Send + Sync + 'a;

/// Where requests are kept: the local SQLite file, or PostgreSQL. The functions of this module
/// are the way to use it; they work on either.
#[async_trait::async_trait]
pub trait RequestStore: Sync {
    /// Stores a new pending request; `Duplicate(open id)` when one is open for the same thing.
    async fn insert_request(&self, id: &str, new: &NewRequest, now: DateTime<Utc>) -> Result<(), RequestError>;
    async fn get_request(&self, id: &str) -> sqlx::Result<Option<Request>>;
    async fn list_requests(&self, f: &ListFilter) -> sqlx::Result<Vec<Request>>;
    /// One decision in one transaction with the request locked: reads it, asks [`judge`],
    /// records the decision and applies the move.
    async fn decide_request(
        &self,
        id: &str,
        decider: &Decider,
        approve: bool,
        comment: &str,
        now: DateTime<Utc>,
        eligible: &Eligible<'_>,
    ) -> Result<Decided, RequestError>;
    /// `pending → cancelled`; false if it was no longer pending.
    async fn cancel_pending(&self, id: &str, now: DateTime<Utc>) -> sqlx::Result<bool>;
    /// `pending → expired` for those past their time (and past their escalation, when their
    /// policy escalates); their ids.
    async fn expire_pending(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>>;
    /// `approved → executing` for the oldest due request, in one statement; its id.
    async fn claim_due(&self, lease: &Lease, now: DateTime<Utc>) -> sqlx::Result<Option<String>>;
    async fn renew_lease(&self, id: &str, lease: &Lease, now: DateTime<Utc>) -> sqlx::Result<bool>;
    /// `executing → to`, only while `owner` holds the claim, with the secret in the same transaction.
    async fn finish_request(&self, id: &str, owner: &str, end: &Ending<'_>, now: DateTime<Utc>) -> sqlx::Result<bool>;
    /// `executing → approved` for another attempt at `next`, only while `owner` holds the claim.
    async fn retry_request(
        &self,
        id: &str,
        owner: &str,
        next: DateTime<Utc>,
        uncertain: bool,
        end: &Ending<'_>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool>;
    async fn take_back_expired(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>>;
    async fn next_request_due(&self) -> sqlx::Result<Option<String>>;
    async fn has_secret(&self, id: &str) -> sqlx::Result<bool>;
    async fn take_secret(&self, id: &str) -> sqlx::Result<Option<Vec<u8>>>;
    async fn sweep_secrets(&self, created_before: DateTime<Utc>) -> sqlx::Result<u64>;
}

/// What an attempt leaves on the request: its status (for a finish), the outcome's words,
/// Okta's request id, and a sealed secret for the requester.
pub struct Ending<'a> {
    pub to: Status,
    pub result: &'a str,
    pub request_id: Option<&'a str>,
    pub sealed: Option<&'a [u8]>,
}

/// A request (`r`) the executor may take: not a playbook's step waiting on an earlier one
/// (pending, approved, running, or failed until someone retries it).
pub(crate) const READY: &str = "NOT EXISTS (SELECT 1 FROM requests e WHERE r.purpose = 'step' \
     AND e.purpose = 'step' AND e.parent_id = r.parent_id AND e.step < r.step \
     AND e.status IN ('pending', 'approved', 'executing', 'failed'))";

fn new_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("R-{}", &hex[..10].to_uppercase())
}

/// A stored row as both backends read it: text stamps and integers on SQLite, timestamptz,
/// `INTEGER` and `BOOLEAN` on PostgreSQL; the same values either way.
pub(crate) trait Fields {
    fn text(&self, col: &str) -> sqlx::Result<String>;
    fn opt_text(&self, col: &str) -> sqlx::Result<Option<String>>;
    fn int(&self, col: &str) -> sqlx::Result<i64>;
    fn flag(&self, col: &str) -> sqlx::Result<bool>;
    /// A time as the portal writes them ([`stamp`]).
    fn time(&self, col: &str) -> sqlx::Result<String>;
    /// A time that may be absent (NULL).
    fn opt_time(&self, col: &str) -> sqlx::Result<Option<String>>;
    fn opt_flag(&self, col: &str) -> sqlx::Result<Option<bool>>;
    fn opt_int(&self, col: &str) -> sqlx::Result<Option<i64>>;
}

fn from_row(r: &impl Fields) -> sqlx::Result<Request> {
    let decode = |what: &str, e: serde_json::Error| sqlx::Error::Decode(format!("request {what}: {e}").into());
    let (action, status) = (r.text("action")?, r.text("status")?);
    Ok(Request {
        id: r.text("id")?,
        action: PolicyAction::parse(&action).ok_or_else(|| sqlx::Error::Decode(format!("action {action}").into()))?,
        target_id: r.text("target_id")?,
        target_label: r.text("target_label")?,
        target_sub: r.opt_text("target_sub")?,
        summary: r.text("summary")?,
        call: serde_json::from_str(&r.text("call")?).map_err(|e| decode("call", e))?,
        reason: r.text("reason")?,
        requester_sub: r.text("requester_sub")?,
        requester_login: r.text("requester_login")?,
        requester_name: r.text("requester_name")?,
        stages: serde_json::from_str(&r.text("stages")?).map_err(|e| decode("stages", e))?,
        stage: r.int("stage")? as u32,
        status: Status::parse(&status).ok_or_else(|| sqlx::Error::Decode(format!("status {status}").into()))?,
        created_at: r.time("created_at")?,
        expires_at: r.time("expires_at")?,
        updated_at: r.time("updated_at")?,
        attempts: r.int("attempts")? as u32,
        uncertain: r.flag("uncertain")?,
        result: r.opt_text("result")?,
        upstream_request_id: r.opt_text("upstream_request_id")?,
        policy_version: r.opt_text("policy_version")?,
        decisions: Vec::new(),
        remind_at: r.opt_time("remind_at")?,
        reminded_at: r.opt_time("reminded_at")?,
        escalation: match r.opt_text("escalation")? {
            Some(text) => Some(serde_json::from_str(&text).map_err(|e| decode("escalation", e))?),
            None => None,
        },
        escalated_at: r.opt_time("escalated_at")?,
        escalated_to: match r.opt_text("escalated_to")? {
            Some(text) => serde_json::from_str(&text).map_err(|e| decode("escalated_to", e))?,
            None => Vec::new(),
        },
        break_glass: r.flag("break_glass")?,
        review_due_at: r.opt_time("review_due_at")?,
        review_overdue_at: r.opt_time("review_overdue_at")?,
        review: match (r.opt_time("reviewed_at")?, r.opt_text("reviewer_sub")?) {
            (Some(at), Some(sub)) => Some(Review {
                by: Person {
                    sub,
                    login: r.opt_text("reviewer_login")?.unwrap_or_default(),
                    name: r.opt_text("reviewer_name")?.unwrap_or_default(),
                },
                sound: r.opt_flag("review_sound")?.unwrap_or(false),
                comment: r.opt_text("review_comment")?.unwrap_or_default(),
                at,
            }),
            _ => None,
        },
        run_at: r.opt_time("run_at")?,
        zone: r.opt_text("zone")?,
        purpose: {
            let p = r.text("purpose")?;
            Purpose::parse(&p).ok_or_else(|| sqlx::Error::Decode(format!("purpose {p}").into()))?
        },
        parent_id: r.opt_text("parent_id")?,
        step: r.opt_int("step")?.map(|s| s as u32),
    })
}

fn decision_from_row(d: &impl Fields) -> sqlx::Result<DecisionRecord> {
    Ok(DecisionRecord {
        stage: d.int("stage")? as u32,
        approver_sub: d.text("approver_sub")?,
        approver_login: d.text("approver_login")?,
        approver_name: d.text("approver_name")?,
        approve: d.flag("approve")?,
        comment: d.text("comment")?,
        at: d.time("at")?,
        signed_in_at: d.opt_time("signed_in_at")?,
        on_behalf_of: match d.opt_text("for_sub")? {
            Some(sub) => Some(Person {
                sub,
                login: d.opt_text("for_login")?.unwrap_or_default(),
                name: d.opt_text("for_name")?.unwrap_or_default(),
            }),
            None => None,
        },
    })
}

/// Which requests to list; empty fields are ignored. Newest first.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub requester_sub: Option<String>,
    pub statuses: Vec<Status>,
    pub target_ids: Vec<String>,
    pub limit: u32,
}

impl ListFilter {
    /// The query, with the backend's placeholder for the n-th value (from 1), and its values.
    fn sql(&self, placeholder: fn(usize) -> String) -> (String, Vec<String>) {
        let mut sql = String::from("SELECT * FROM requests WHERE 1 = 1");
        let mut binds: Vec<String> = Vec::new();
        let mut any_of = |sql: &mut String, column: &str, values: Vec<String>| {
            let start = binds.len() + 1;
            let marks: Vec<String> = (start..start + values.len()).map(placeholder).collect();
            sql.push_str(&format!(" AND {column} IN ({})", marks.join(", ")));
            binds.extend(values);
        };
        if let Some(sub) = &self.requester_sub {
            any_of(&mut sql, "requester_sub", vec![sub.clone()]);
        }
        if !self.statuses.is_empty() {
            any_of(&mut sql, "status", self.statuses.iter().map(|s| s.as_str().to_string()).collect());
        }
        if !self.target_ids.is_empty() {
            any_of(&mut sql, "target_id", self.target_ids.clone());
        }
        sql.push_str(&format!(" ORDER BY created_at DESC LIMIT {}", if self.limit == 0 { 200 } else { self.limit }));
        (sql, binds)
    }
}

/// The result of one decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decided {
    /// Recorded; the request waits for more approvals (same or next stage).
    Waiting,
    /// The last approval: the request is approved and queued for execution.
    Approved,
    Rejected,
}

/// What one decision does to the request it was judged on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Move {
    /// Its time ran out: it becomes expired and the decision is not recorded.
    Expire,
    /// Recorded; then nothing more, the next stage, approved, or rejected.
    Record(Step),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Wait,
    NextStage,
    Approve,
    Reject,
}

impl Step {
    fn decided(self) -> Decided {
        match self {
            Step::Wait | Step::NextStage => Decided::Waiting,
            Step::Approve => Decided::Approved,
            Step::Reject => Decided::Rejected,
        }
    }
}

/// Judges a decision against the request as it stands inside the transaction (decisions
/// loaded): a decision counts at the stage it was checked against, so a first-stage approver
/// racing a stage change cannot complete the next stage, and nobody decides twice.
fn judge(
    req: &Request,
    decider: &Decider,
    approve: bool,
    now: &str,
    eligible: &Eligible<'_>,
) -> Result<Move, RequestError> {
    if req.status != Status::Pending {
        return Err(RequestError::NotPending(req.status));
    }
    // Past its deadline it expires, unless an escalation is still to come (until then its
    // approvers may still decide).
    if req.expires_at.as_str() <= now && (req.escalation.is_none() || req.escalated_at.is_some()) {
        return Ok(Move::Expire);
    }
    eligible(req).map_err(RequestError::Ineligible)?;
    // Nobody decides twice, in person or through a delegate.
    let decided = req.decided_by();
    let mine = std::iter::once(&decider.person.sub).chain(decider.on_behalf_of.as_ref().map(|p| &p.sub));
    if mine.into_iter().any(|sub| decided.contains(sub)) {
        return Err(RequestError::AlreadyDecided);
    }
    if !approve {
        return Ok(Move::Record(Step::Reject));
    }
    let required = req.current_stage().map(|s| s.required).unwrap_or(1);
    Ok(Move::Record(if req.approvals_at_stage() + 1 < required {
        Step::Wait
    } else if (req.stage as usize) + 1 < req.stages.len() {
        Step::NextStage
    } else {
        Step::Approve
    }))
}

/// Stores a new pending request at `now`; refuses a second open one for the same target and action.
pub async fn create(db: &dyn Store, new: NewRequest, now: DateTime<Utc>) -> Result<Request, RequestError> {
    let id = new_id();
    db.insert_request(&id, &new, now).await?;
    db.get_request(&id).await?.ok_or(RequestError::NotFound)
}

pub async fn get(db: &dyn Store, id: &str) -> sqlx::Result<Option<Request>> {
    db.get_request(id).await
}

/// The request `id`, or `NotFound`.
pub async fn find(db: &dyn Store, id: &str) -> Result<Request, RequestError> {
    db.get_request(id).await?.ok_or(RequestError::NotFound)
}

pub async fn list(db: &dyn Store, f: &ListFilter) -> sqlx::Result<Vec<Request>> {
    db.list_requests(f).await
}

/// Records one approver's decision and moves the request, atomically: concurrent decisions
/// serialize on the locked request, so only one of them can be the one that approves it.
/// `eligible` (policy, separation of duties) is asked inside the transaction, of the request as
/// it stands there.
pub async fn decide(
    db: &dyn Store,
    id: &str,
    decider: &Decider,
    approve: bool,
    comment: &str,
    now: DateTime<Utc>,
    eligible: impl Fn(&Request) -> Result<(), String> + Send + Sync,
) -> Result<(Decided, Request), RequestError> {
    let decided = db.decide_request(id, decider, approve, comment, now, &eligible).await?;
    Ok((decided, db.get_request(id).await?.ok_or(RequestError::NotFound)?))
}

/// The requester withdraws a pending request.
pub async fn cancel(
    db: &dyn Store,
    id: &str,
    requester_sub: &str,
    now: DateTime<Utc>,
) -> Result<Request, RequestError> {
    let req = db.get_request(id).await?.ok_or(RequestError::NotFound)?;
    if req.requester_sub != requester_sub {
        return Err(RequestError::NotRequester);
    }
    let done = db.cancel_pending(id, now).await?;
    let req = db.get_request(id).await?.ok_or(RequestError::NotFound)?;
    if !done {
        return Err(RequestError::NotPending(req.status));
    }
    Ok(req)
}

/// Moves pending requests past their time to `expired`; returns those it moved.
pub async fn expire_due(db: &dyn Store, now: DateTime<Utc>) -> sqlx::Result<Vec<Request>> {
    let mut out = Vec::new();
    for id in db.expire_pending(now).await? {
        if let Some(r) = db.get_request(&id).await? {
            out.push(r);
        }
    }
    Ok(out)
}

/// A claim on work: which process holds it and for how long without renewing.
#[derive(Clone, Debug)]
pub struct Lease {
    /// This process's name in `claimed_by` (host, pid and a random part: unique per start).
    pub owner: String,
    pub length: Duration,
}

/// Claims the oldest due approved request for `lease.owner` (one statement, so one claimant
/// wins across every process on the database).
pub async fn claim(db: &dyn Store, lease: &Lease, now: DateTime<Utc>) -> sqlx::Result<Option<Request>> {
    match db.claim_due(lease, now).await? {
        Some(id) => db.get_request(&id).await,
        None => Ok(None),
    }
}

/// Renews the lease on a request this process is executing; false once it is no longer ours.
pub async fn renew(db: &dyn Store, id: &str, lease: &Lease, now: DateTime<Utc>) -> sqlx::Result<bool> {
    db.renew_lease(id, lease, now).await
}

/// `executing → to` with the outcome's words, only while this process holds the claim; false if
/// something else moved it first. `sealed`: a secret for the requester (a temporary password),
/// stored in the same transaction, so it exists exactly when the request says done.
#[allow(clippy::too_many_arguments)]
pub async fn finish(
    db: &dyn Store,
    id: &str,
    owner: &str,
    to: Status,
    result: &str,
    request_id: Option<&str>,
    sealed: Option<&[u8]>,
    now: DateTime<Utc>,
) -> bool {
    match db.finish_request(id, owner, &Ending { to, result, request_id, sealed }, now).await {
        Ok(moved) => moved,
        Err(e) => {
            tracing::error!(request = id, error = %e, "could not record a request's outcome");
            false
        }
    }
}

/// Whether a secret waits for the request's requester.
pub async fn has_secret(db: &dyn Store, id: &str) -> sqlx::Result<bool> {
    db.has_secret(id).await
}

/// Takes the request's secret out, once: whoever's statement deletes it gets it.
pub async fn take_secret(db: &dyn Store, id: &str) -> sqlx::Result<Option<Vec<u8>>> {
    db.take_secret(id).await
}

/// Erases secrets nobody came for within a day.
pub async fn sweep_secrets(db: &dyn Store, now: DateTime<Utc>) -> sqlx::Result<u64> {
    db.sweep_secrets(now - Duration::hours(SECRET_HOURS)).await
}

/// How long a secret waits for its requester.
pub const SECRET_HOURS: i64 = 24;

/// `executing → approved` for another attempt at `next`, only while this process holds the claim.
#[allow(clippy::too_many_arguments)]
pub async fn retry_later(
    db: &dyn Store,
    id: &str,
    owner: &str,
    next: DateTime<Utc>,
    uncertain: bool,
    result: &str,
    request_id: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let end = Ending { to: Status::Approved, result, request_id, sealed: None };
    db.retry_request(id, owner, next, uncertain, &end, now).await
}

/// Takes back requests whose executor stopped renewing its lease (it crashed, or lost the
/// database): back to `approved`, outcome uncertain, so the next attempt first looks whether the
/// change already happened. A lease still running is left alone: its call may be in flight.
/// Rows claimed before leases existed have none and count as expired.
pub async fn take_back_expired(db: &dyn Store, now: DateTime<Utc>) -> sqlx::Result<Vec<String>> {
    db.take_back_expired(now).await
}

/// When the next piece of request work falls due: a retry, or a lease running out.
pub async fn next_due(db: &dyn Store) -> sqlx::Result<Option<String>> {
    db.next_request_due().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Stage;

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").expect("time").with_timezone(&Utc)
    }

    fn person(sub: &str) -> Person {
        Person { sub: sub.into(), login: format!("{sub}@x"), name: sub.into() }
    }

    fn decider(sub: &str) -> Decider {
        Decider { person: person(sub), signed_in_at: None, on_behalf_of: None }
    }

    fn new(stages: Vec<Stage>) -> NewRequest {
        NewRequest {
            call: Call::Lifecycle { user_id: "00u1".into(), op: portico_vocab::LifecycleOp::Deactivate },
            target_label: "t@x (00u1)".into(),
            target_sub: Some("00u1".into()),
            summary: "Deactivate".into(),
            reason: "left".into(),
            requester: person("req"),
            stages,
            ttl_hours: 1,
            policy_version: "test".into(),
            escalation: None,
            break_glass_review_due: None,
            schedule: Schedule::default(),
        }
    }

    fn stage(required: u32) -> Stage {
        Stage { approvers: vec!["admin".into()], required }
    }

    fn lease(owner: &str) -> Lease {
        Lease { owner: owner.into(), length: Duration::seconds(60) }
    }

    async fn one_open_request_per_target_and_action(db: &dyn Store) {
        let first = create(db, new(vec![stage(1)]), t0()).await.expect("created");
        let dup = create(db, new(vec![stage(1)]), t0()).await.expect_err("duplicate");
        assert!(matches!(dup, RequestError::Duplicate(ref id) if *id == first.id), "{dup}");
        cancel(db, &first.id, "req", t0()).await.expect("cancelled");
        create(db, new(vec![stage(1)]), t0()).await.expect("a closed request does not block a new one");
    }

    async fn stages_and_n_of_m(db: &dyn Store) {
        let r = create(db, new(vec![stage(2), stage(1)]), t0()).await.expect("created");
        let (d, r1) = decide(db, &r.id, &decider("a"), true, "", t0(), |_| Ok(())).await.expect("a");
        assert_eq!((d, r1.stage, r1.status), (Decided::Waiting, 0, Status::Pending));
        assert!(matches!(
            decide(db, &r.id, &decider("a"), true, "", t0(), |_| Ok(())).await,
            Err(RequestError::AlreadyDecided)
        ));
        let (d, r2) = decide(db, &r.id, &decider("b"), true, "", t0(), |_| Ok(())).await.expect("b");
        assert_eq!((d, r2.stage, r2.status), (Decided::Waiting, 1, Status::Pending));
        let (d, r3) = decide(db, &r.id, &decider("c"), true, "ok", t0(), |_| Ok(())).await.expect("c");
        assert_eq!((d, r3.status), (Decided::Approved, Status::Approved));
        assert!(matches!(
            decide(db, &r.id, &decider("d"), false, "", t0(), |_| Ok(())).await,
            Err(RequestError::NotPending(Status::Approved))
        ));
        assert!(matches!(cancel(db, &r.id, "req", t0()).await, Err(RequestError::NotPending(Status::Approved))));
    }

    async fn eligibility_is_judged_at_the_stage_inside_the_transaction(db: &dyn Store) {
        let r = create(db, new(vec![stage(1), stage(1)]), t0()).await.expect("created");
        // An approver of stage 1 only, who checked while the request was at stage 1…
        let first_stage_only =
            |req: &Request| if req.stage == 0 { Ok(()) } else { Err("not at this stage".to_string()) };
        // …but someone else's approval moved it to stage 2 first.
        decide(db, &r.id, &decider("a"), true, "", t0(), |_| Ok(())).await.expect("stage 1 done");
        let late = decide(db, &r.id, &decider("b"), true, "", t0(), first_stage_only).await;
        assert!(matches!(late, Err(RequestError::Ineligible(ref m)) if m == "not at this stage"), "{late:?}");
        let now = get(db, &r.id).await.expect("get").expect("row");
        assert_eq!((now.stage, now.status, now.decisions.len()), (1, Status::Pending, 1), "nothing recorded");
    }

    async fn rejection_cancellation_and_expiry_are_final(db: &dyn Store) {
        let r = create(db, new(vec![stage(1)]), t0()).await.expect("created");
        assert!(matches!(cancel(db, &r.id, "someone", t0()).await, Err(RequestError::NotRequester)));
        let (d, r1) = decide(db, &r.id, &decider("a"), false, "no", t0(), |_| Ok(())).await.expect("rejected");
        assert_eq!((d, r1.status), (Decided::Rejected, Status::Rejected));
        assert_eq!(r1.decisions[0].comment, "no");

        let r = create(db, new(vec![stage(1)]), t0()).await.expect("created again");
        let late = t0() + Duration::hours(1);
        assert!(matches!(
            decide(db, &r.id, &decider("a"), true, "", late, |_| Ok(())).await,
            Err(RequestError::Expired)
        ));
        assert_eq!(get(db, &r.id).await.expect("get").expect("row").status, Status::Expired);
    }

    async fn expire_due_moves_only_pending_past_their_time(db: &dyn Store) {
        create(db, new(vec![stage(1)]), t0()).await.expect("created");
        assert!(expire_due(db, t0() + Duration::minutes(59)).await.expect("sweep").is_empty());
        let moved = expire_due(db, t0() + Duration::hours(1)).await.expect("sweep");
        assert_eq!(moved.len(), 1);
        assert_eq!(moved[0].status, Status::Expired);
    }

    /// Reminded once at half its life; at its deadline escalated once instead of expiring; then
    /// it lives the escalation's hours and expires.
    async fn reminders_and_escalation_happen_once(db: &dyn Store) {
        let mut n = new(vec![stage(1)]);
        n.escalation = Some(crate::policy::Escalation { to: "manager".into(), fallback: None, hours: 24 });
        let r = create(db, n, t0()).await.expect("created");
        assert_eq!(r.remind_at.as_deref(), Some(stamp(t0() + Duration::minutes(30)).as_str()));
        assert!(db.remind_due(t0() + Duration::minutes(29)).await.expect("remind").is_empty());
        assert_eq!(db.remind_due(t0() + Duration::minutes(30)).await.expect("remind"), [r.id.clone()]);
        assert!(db.remind_due(t0() + Duration::minutes(31)).await.expect("remind").is_empty(), "once");

        let deadline = t0() + Duration::hours(1);
        assert!(db.escalation_due(deadline - Duration::seconds(1)).await.expect("due").is_empty());
        assert_eq!(db.escalation_due(deadline).await.expect("due"), [r.id.clone()]);
        assert!(expire_due(db, deadline).await.expect("sweep").is_empty(), "it escalates instead");
        // Until the escalation runs, its approvers may still decide it.
        let (d, _) = decide(db, &r.id, &decider("a"), false, "no", deadline, |_| Ok(())).await.expect("late decision");
        assert_eq!(d, Decided::Rejected);

        let r = create(
            db,
            {
                let mut n = new(vec![stage(1)]);
                n.escalation = Some(crate::policy::Escalation { to: "manager".into(), fallback: None, hours: 24 });
                n
            },
            t0(),
        )
        .await
        .expect("again");
        let boss = person("boss");
        let until = deadline + Duration::hours(24);
        assert!(db.escalate_request(&r.id, std::slice::from_ref(&boss), until, deadline).await.expect("escalate"));
        assert!(!db.escalate_request(&r.id, &[], until, deadline).await.expect("escalate"), "once");
        let escalated = get(db, &r.id).await.expect("get").expect("row");
        assert_eq!(escalated.escalated_to, [boss]);
        assert_eq!(escalated.expires_at, stamp(until));
        assert!(db.escalation_due(until).await.expect("due").is_empty());
        assert!(expire_due(db, until - Duration::seconds(1)).await.expect("sweep").is_empty());
        assert_eq!(expire_due(db, until).await.expect("sweep").len(), 1, "then it expires");
    }

    /// An approved request, claimed by `a` at `t0`.
    async fn claimed(db: &dyn Store) -> Request {
        let r = create(db, new(vec![stage(1)]), t0()).await.expect("created");
        decide(db, &r.id, &decider("x"), true, "", t0(), |_| Ok(())).await.expect("approved");
        let got = claim(db, &lease("a"), t0()).await.expect("claim").expect("one due");
        assert_eq!(got.status, Status::Executing);
        got
    }

    async fn a_claim_is_one_owners_until_its_lease_runs_out(db: &dyn Store) {
        let r = claimed(db).await;
        assert!(claim(db, &lease("b"), t0()).await.expect("claim").is_none(), "one claimant");
        // While the lease runs, nobody takes it back: the call may be in flight.
        assert!(take_back_expired(db, t0() + Duration::seconds(59)).await.expect("sweep").is_empty());
        assert!(!finish(db, &r.id, "b", Status::Done, "", None, None, t0()).await, "only the owner finishes");
        // The owner renews; the lease moves with it.
        let later = t0() + Duration::seconds(50);
        assert!(renew(db, &r.id, &lease("a"), later).await.expect("renew"));
        assert!(take_back_expired(db, t0() + Duration::seconds(100)).await.expect("sweep").is_empty());
        // It stops renewing (killed): once the lease is over, another process takes it back.
        let after = later + Duration::seconds(60);
        assert_eq!(take_back_expired(db, after).await.expect("sweep"), vec![r.id.clone()]);
        let back = get(db, &r.id).await.expect("get").expect("row");
        assert_eq!((back.status, back.uncertain), (Status::Approved, true));
        let again = claim(db, &lease("b"), after).await.expect("claim").expect("due again");
        assert_eq!(again.attempts, 2);
        // The first owner wakes up late: it can neither renew nor finish what is b's now.
        assert!(!renew(db, &r.id, &lease("a"), after).await.expect("renew"));
        assert!(!finish(db, &r.id, "a", Status::Done, "", None, Some(b"x"), after).await);
        assert!(!has_secret(db, &r.id).await.expect("n"), "a refused finish stores nothing");
        assert!(finish(db, &r.id, "b", Status::Done, "done", None, Some(b"sealed"), after).await);
        assert!(has_secret(db, &r.id).await.expect("n"));
        assert!(sweep_secrets(db, after + Duration::hours(23)).await.expect("sweep") == 0);
        assert_eq!(take_secret(db, &r.id).await.expect("take").as_deref(), Some(&b"sealed"[..]));
        assert_eq!(take_secret(db, &r.id).await.expect("take"), None, "once");
    }

    async fn a_retry_waits_and_releases_the_claim(db: &dyn Store) {
        let r = claimed(db).await;
        let next = t0() + Duration::seconds(30);
        assert!(retry_later(db, &r.id, "a", next, false, "busy", None, t0()).await.expect("retry"));
        assert!(claim(db, &lease("b"), t0()).await.expect("claim").is_none(), "not before its time");
        assert_eq!(next_due(db).await.expect("next").as_deref(), Some(stamp(next).as_str()));
        assert!(claim(db, &lease("b"), next).await.expect("claim").is_some());
    }

    /// Eight approvers of a one-approval request decide at the same moment: exactly one of them
    /// approves it, the others find it decided.
    async fn simultaneous_approvals_approve_once(db: &dyn Store) {
        let r = create(db, new(vec![stage(1)]), t0()).await.expect("created");
        let all = (0..8).map(|i| {
            let (id, who) = (r.id.clone(), person(&format!("a{i}")));
            async move {
                decide(
                    db,
                    &id,
                    &Decider { person: who, signed_in_at: None, on_behalf_of: None },
                    true,
                    "",
                    t0(),
                    |_| Ok(()),
                )
                .await
            }
        });
        let results = futures_util::future::join_all(all).await;
        let approved = results.iter().filter(|r| matches!(r, Ok((Decided::Approved, _)))).count();
        let late = results.iter().filter(|r| matches!(r, Err(RequestError::NotPending(Status::Approved)))).count();
        assert_eq!((approved, late), (1, 7), "{results:?}");
        assert_eq!(get(db, &r.id).await.expect("get").expect("row").decisions.len(), 1);
    }

    /// Claimants racing over forty approved requests take each one exactly once.
    async fn racing_claims_take_each_request_once(db: &dyn Store) {
        for i in 0..40 {
            let mut n = new(vec![stage(1)]);
            n.call = Call::Lifecycle { user_id: format!("00u{i}"), op: portico_vocab::LifecycleOp::Suspend };
            let r = create(db, n, t0()).await.expect("created");
            decide(db, &r.id, &decider("x"), true, "", t0(), |_| Ok(())).await.expect("approved");
        }
        let claimants = (0..8).map(|i| async move {
            let mut mine = Vec::new();
            while let Some(r) = claim(db, &lease(&format!("p{i}")), t0()).await.expect("claim") {
                mine.push(r.id);
            }
            mine
        });
        let mut ids: Vec<String> = futures_util::future::join_all(claimants).await.concat();
        ids.sort();
        let n = ids.len();
        ids.dedup();
        assert_eq!((n, ids.len()), (40, 40), "every request claimed once");
    }

    fn scheduled(at: DateTime<Utc>, approved: bool) -> NewRequest {
        let mut n = new(if approved { vec![] } else { vec![stage(1)] });
        n.schedule = Schedule { run_at: Some(at), approved, zone: Some("Europe/Berlin".into()), ..Schedule::default() };
        n
    }

    /// Scheduled by someone who may run it: not taken before its time, taken at it; until then
    /// it can be cancelled (once), and never after it started.
    async fn a_scheduled_action_waits_for_its_time(db: &dyn Store) {
        let at = t0() + Duration::days(10);
        let r = create(db, scheduled(at, true), t0()).await.expect("created");
        assert_eq!(
            (r.status, r.run_at.clone(), r.zone.as_deref()),
            (Status::Approved, Some(stamp(at)), Some("Europe/Berlin"))
        );
        assert!(claim(db, &lease("a"), at - Duration::seconds(1)).await.expect("claim").is_none(), "not before");
        assert!(!db.claim_request(&r.id, &lease("a"), at - Duration::seconds(1)).await.expect("claim one"));
        let up = db.upcoming(&Upcoming { target_subs: Some(vec!["00u1".into()]), ..Upcoming::default() }).await;
        assert_eq!(up.expect("upcoming").iter().map(|r| r.id.clone()).collect::<Vec<_>>(), [r.id.clone()]);
        assert!(
            db.upcoming(&Upcoming { target_subs: Some(vec![]), ..Upcoming::default() }).await.expect("none").is_empty()
        );
        assert_eq!(claim(db, &lease("a"), at).await.expect("claim").map(|r| r.id), Some(r.id.clone()), "at its time");
        assert!(!db.cancel_open(&r.id, at).await.expect("cancel"), "started: no longer cancellable");

        let mut other = scheduled(at, true);
        other.call = Call::Lifecycle { user_id: "00u2".into(), op: portico_vocab::LifecycleOp::Deactivate };
        let r = create(db, other, t0()).await.expect("another");
        assert!(db.cancel_open(&r.id, t0()).await.expect("cancel"));
        assert!(!db.cancel_open(&r.id, t0()).await.expect("cancel again"), "once");
        assert!(
            claim(db, &lease("a"), at + Duration::days(1)).await.expect("claim").is_none(),
            "a cancelled one never runs"
        );
    }

    /// Approved before its time it waits for the time; approved after it, it is due at once; the
    /// approvers have the policy's hours after the time.
    async fn a_scheduled_request_runs_at_its_time_or_at_a_late_approval(db: &dyn Store) {
        let at = t0() + Duration::days(2);
        let r = create(db, scheduled(at, false), t0()).await.expect("created");
        assert_eq!(r.expires_at, stamp(at + Duration::hours(1)), "decidable until an hour after its time");
        decide(db, &r.id, &decider("a"), true, "", t0(), |_| Ok(())).await.expect("approved early");
        assert!(
            claim(db, &lease("a"), at - Duration::minutes(1)).await.expect("claim").is_none(),
            "not before its time"
        );
        assert!(db.claim_request(&r.id, &lease("a"), at).await.expect("claim at its time"));

        let mut late = scheduled(at, false);
        late.call = Call::Lifecycle { user_id: "00u2".into(), op: portico_vocab::LifecycleOp::Suspend };
        let r = create(db, late, t0()).await.expect("created");
        let after = at + Duration::minutes(30);
        decide(db, &r.id, &decider("a"), true, "", after, |_| Ok(())).await.expect("approved late");
        assert_eq!(claim(db, &lease("a"), after).await.expect("claim").map(|r| r.id), Some(r.id), "runs at once");
    }

    /// A grant's end is its own open request beside the grant; it is reminded once, and moving
    /// it (an extension) asks for the reminder again.
    async fn a_grants_end_is_reminded_once_and_can_move(db: &dyn Store) {
        let grant = Call::Membership {
            user_id: "00u1".into(),
            group_id: "g".into(),
            group_name: "G".into(),
            add: true,
            ends: None,
        };
        let mut add = new(vec![]);
        add.call = grant.clone();
        add.schedule.approved = true;
        create(db, add, t0()).await.expect("the grant");
        let end_at = t0() + Duration::hours(8);
        let end = || {
            let mut end = new(vec![]);
            end.call = grant.ending().expect("an end");
            end.schedule = Schedule {
                run_at: Some(end_at),
                approved: true,
                purpose: Purpose::GrantEnd,
                remind_at: Some(end_at - Duration::hours(2)),
                ..Schedule::default()
            };
            end
        };
        let e = create(db, end(), t0()).await.expect("its end, beside the open grant");
        assert_eq!(e.purpose, Purpose::GrantEnd);
        let again = create(db, end(), t0()).await.expect_err("one open end per grant");
        assert!(matches!(again, RequestError::Duplicate(ref id) if *id == e.id), "{again}");
        assert!(db.grant_end_reminders_due(end_at - Duration::hours(3)).await.expect("early").is_empty());
        assert_eq!(db.grant_end_reminders_due(end_at - Duration::hours(2)).await.expect("due"), [e.id.clone()]);
        assert!(db.grant_end_reminders_due(end_at).await.expect("again").is_empty(), "once");
        let later = end_at + Duration::days(1);
        assert!(db.reschedule(&e.id, later, later - Duration::hours(2), t0()).await.expect("extend"));
        assert!(claim(db, &lease("a"), end_at).await.expect("claim").is_none_or(|r| r.id != e.id), "moved");
        assert_eq!(db.grant_end_reminders_due(later).await.expect("due again"), [e.id.clone()]);
        let ups = db.upcoming(&Upcoming { grant_ends: Some(true), ..Upcoming::default() }).await.expect("list");
        assert_eq!(ups.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), [e.id]);
    }

    crate::db::testing::on_both_backends!(
        a_scheduled_action_waits_for_its_time,
        a_scheduled_request_runs_at_its_time_or_at_a_late_approval,
        a_grants_end_is_reminded_once_and_can_move,
        one_open_request_per_target_and_action,
        stages_and_n_of_m,
        eligibility_is_judged_at_the_stage_inside_the_transaction,
        rejection_cancellation_and_expiry_are_final,
        expire_due_moves_only_pending_past_their_time,
        a_claim_is_one_owners_until_its_lease_runs_out,
        a_retry_waits_and_releases_the_claim,
        simultaneous_approvals_approve_once,
        racing_claims_take_each_request_once,
        reminders_and_escalation_happen_once,
    );

    #[test]
    fn dedupe_keys_separate_groups_but_not_repeats() {
        let a = Call::Membership {
            user_id: "u".into(),
            group_id: "g1".into(),
            group_name: "G".into(),
            add: true,
            ends: None,
        };
        let b = Call::Membership {
            user_id: "u".into(),
            group_id: "g2".into(),
            group_name: "G".into(),
            add: true,
            ends: None,
        };
        assert_ne!(a.dedupe_key(), b.dedupe_key());
        let c = Call::Lifecycle { user_id: "u".into(), op: portico_vocab::LifecycleOp::Suspend };
        assert_eq!(c.dedupe_key(), "suspend|u");
        assert_eq!(c.audit_action(), "person.suspend");
    }
}
