//! Bulk jobs: one action over many people, run by the same engine as everything else.
//!
//! A job is planned first ([`plan::draft`]): each person becomes an item saying what the action
//! would do to them now (run, need approval, change nothing, not allowed by their status or the
//! caller's scope), and that draft is the preview. Starting it queues the items that will run;
//! [`worker`] claims them a few at a time with a lease (as the request executor claims requests),
//! re-checks the author's authority over each person against Okta now, makes the call through
//! [`crate::requests::exec`], and records the item's outcome once. A process that stops leaves
//! its items' leases to run out; any process then takes them back, marked uncertain, and the
//! next attempt first looks whether the change already happened. Jobs pace themselves on the
//! shared rate-limit budget, leaving `jobs.reserve` calls per window for people's clicks.

pub mod plan;
pub mod store;
pub mod worker;

use crate::{actor::Actor, audit, requests::Call};
use portico_vocab::{LifecycleOp, PolicyAction};
use serde::{Deserialize, Serialize};
pub use store::JobStore;

/// What every item of a job does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BulkAction {
    Lifecycle {
        op: LifecycleOp,
    },
    Membership {
        group_id: String,
        group_name: String,
        add: bool,
    },
    /// Enable (`true`) or disable the person's ASA account, found by their email.
    AsaStatus {
        enable: bool,
    },
}

impl BulkAction {
    pub fn policy_action(&self) -> PolicyAction {
        match self {
            BulkAction::Lifecycle { op } => PolicyAction::Lifecycle(*op),
            BulkAction::Membership { .. } => PolicyAction::Membership,
            BulkAction::AsaStatus { .. } => PolicyAction::AsaStatus,
        }
    }

    /// The action in words, as a heading says it ("Suspend", "Add to Engineering").
    pub fn label(&self) -> String {
        match self {
            BulkAction::Lifecycle { op: LifecycleOp::ExpirePassword } => "Expire password".into(),
            BulkAction::Lifecycle { op } => op.label().to_string(),
            BulkAction::Membership { group_name, add: true, .. } => format!("Add to {group_name}"),
            BulkAction::Membership { group_name, add: false, .. } => format!("Remove from {group_name}"),
            BulkAction::AsaStatus { enable: true } => "Enable in ASA".into(),
            BulkAction::AsaStatus { enable: false } => "Disable in ASA".into(),
        }
    }

    /// What it does to each person, said before it runs (the lifecycle operation's own words,
    /// except an expiry, which in a job hands out no temporary password).
    pub fn effect(&self) -> String {
        match self {
            BulkAction::Lifecycle { op: LifecycleOp::ExpirePassword } => {
                "Each person must choose a new password at their next sign-in, with their current one; nobody is \
                 handed a new one."
                    .into()
            }
            BulkAction::Lifecycle { op } => plan::capital(&op.consequence("each person", false)),
            BulkAction::Membership { group_name, add: true, .. } => {
                format!("Each person gains what {group_name} grants (apps, policies).")
            }
            BulkAction::Membership { group_name, add: false, .. } => {
                format!("Each person loses what {group_name} grants (apps, policies).")
            }
            BulkAction::AsaStatus { enable: true } => "Each person's ASA account is enabled.".into(),
            BulkAction::AsaStatus { enable: false } => {
                "Each person's ASA account is disabled: they can no longer reach servers.".into()
            }
        }
    }

    /// The choices a selection offers, by the form's value: every lifecycle operation, then the
    /// group and ASA actions. A group action needs the group as well.
    pub fn parse(verb: &str, group: Option<(String, String)>) -> Option<BulkAction> {
        Some(match verb {
            "group_add" | "group_remove" => {
                let (group_id, group_name) = group?;
                BulkAction::Membership { group_id, group_name, add: verb == "group_add" }
            }
            "asa_enable" => BulkAction::AsaStatus { enable: true },
            "asa_disable" => BulkAction::AsaStatus { enable: false },
            other => BulkAction::Lifecycle { op: LifecycleOp::parse(other)? },
        })
    }
}

/// A job's state: `draft` (the preview) → `running` → `done`; or `draft` → `waiting` (for the
/// approval its request asks) → `running` once approved; `cancelled` from any but `done`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Draft,
    Waiting,
    Running,
    Done,
    Cancelled,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Draft => "draft",
            JobStatus::Waiting => "waiting",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub const ALL: [JobStatus; 5] =
        [JobStatus::Draft, JobStatus::Waiting, JobStatus::Running, JobStatus::Done, JobStatus::Cancelled];

    pub fn parse(s: &str) -> Option<JobStatus> {
        JobStatus::ALL.into_iter().find(|j| j.as_str() == s)
    }

    pub fn words(self) -> &'static str {
        match self {
            JobStatus::Draft => "Preview",
            JobStatus::Waiting => "Waiting for approval",
            JobStatus::Running => "Running",
            JobStatus::Done => "Finished",
            JobStatus::Cancelled => "Cancelled",
        }
    }
}

/// What the preview found for one person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Planned {
    /// The caller may run it and it would change something.
    Run,
    /// The policy wants an approval for this caller and person.
    NeedsApproval,
    /// Already so: nothing would change.
    NoChange,
    /// Their status (or the group, or their missing ASA account) does not allow it.
    NotApplicable,
    /// Outside the caller's scope, or protected (a role holder changed only by an admin).
    NotAllowed,
}

impl Planned {
    pub const ALL: [Planned; 5] =
        [Planned::Run, Planned::NeedsApproval, Planned::NoChange, Planned::NotApplicable, Planned::NotAllowed];

    pub fn as_str(self) -> &'static str {
        match self {
            Planned::Run => "run",
            Planned::NeedsApproval => "needs_approval",
            Planned::NoChange => "no_change",
            Planned::NotApplicable => "not_applicable",
            Planned::NotAllowed => "not_allowed",
        }
    }

    pub fn parse(s: &str) -> Option<Planned> {
        Planned::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn words(self) -> &'static str {
        match self {
            Planned::Run => "Will run",
            Planned::NeedsApproval => "Needs approval",
            Planned::NoChange => "Already so",
            Planned::NotApplicable => "Not applicable",
            Planned::NotAllowed => "Not allowed",
        }
    }
}

/// Where an item is: `planned` (in a draft) → `pending` → `running` → `done` | `failed`, or
/// `skipped` (the preview or the re-check found it should not run) or `cancelled`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Planned,
    Pending,
    Running,
    Done,
    Failed,
    Skipped,
    Cancelled,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 7] = [
        ItemStatus::Planned,
        ItemStatus::Pending,
        ItemStatus::Running,
        ItemStatus::Done,
        ItemStatus::Failed,
        ItemStatus::Skipped,
        ItemStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Planned => "planned",
            ItemStatus::Pending => "pending",
            ItemStatus::Running => "running",
            ItemStatus::Done => "done",
            ItemStatus::Failed => "failed",
            ItemStatus::Skipped => "skipped",
            ItemStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<ItemStatus> {
        ItemStatus::ALL.into_iter().find(|i| i.as_str() == s)
    }

    pub fn words(self) -> &'static str {
        match self {
            ItemStatus::Planned => "Planned",
            ItemStatus::Pending => "Waiting",
            ItemStatus::Running => "Running",
            ItemStatus::Done => "Done",
            ItemStatus::Failed => "Failed",
            ItemStatus::Skipped => "Skipped",
            ItemStatus::Cancelled => "Cancelled",
        }
    }
}

/// Who made a job (the audit trail's actor for its items).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Author {
    pub sub: String,
    pub login: String,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: String,
    pub action: BulkAction,
    /// "Suspend 20 people".
    pub summary: String,
    /// Where the people came from, in words ("people matching status Active", "a selection").
    pub source: String,
    pub author: Author,
    pub status: JobStatus,
    /// The request that asks approval for it (its items needing approval).
    pub request_id: Option<String>,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
}

/// One person in a job.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub job_id: String,
    pub seq: u32,
    /// The Okta user id (the ASA name for an ASA action).
    pub target_id: String,
    /// How the audit trail names the target: `login (id)`, or `ASA name`.
    pub target_label: String,
    /// The Okta person the item is about.
    pub target_sub: Option<String>,
    pub name: String,
    /// The call to make (none when the preview found nothing to run).
    pub call: Option<Call>,
    pub plan: Planned,
    pub plan_note: String,
    pub status: ItemStatus,
    /// The outcome in words (Okta's message on failure).
    pub message: Option<String>,
    pub upstream_id: Option<String>,
    pub attempts: u32,
    pub uncertain: bool,
}

/// A job's items counted by status and by what the preview found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub total: u32,
    pub planned: u32,
    pub pending: u32,
    pub running: u32,
    pub done: u32,
    pub failed: u32,
    pub skipped: u32,
    pub cancelled: u32,
    /// By preview outcome, in [`Planned::ALL`]'s order.
    pub by_plan: Vec<(Planned, u32)>,
}

impl Tally {
    pub fn add(&mut self, status: ItemStatus, plan: Planned, n: u32) {
        self.total += n;
        *match status {
            ItemStatus::Planned => &mut self.planned,
            ItemStatus::Pending => &mut self.pending,
            ItemStatus::Running => &mut self.running,
            ItemStatus::Done => &mut self.done,
            ItemStatus::Failed => &mut self.failed,
            ItemStatus::Skipped => &mut self.skipped,
            ItemStatus::Cancelled => &mut self.cancelled,
        } += n;
        match self.by_plan.iter_mut().find(|(p, _)| *p == plan) {
            Some((_, c)) => *c += n,
            None => {
                self.by_plan.push((plan, n));
                self.by_plan.sort();
            }
        }
    }

    pub fn planned(&self, plan: Planned) -> u32 {
        self.by_plan.iter().find(|(p, _)| *p == plan).map(|(_, n)| *n).unwrap_or(0)
    }

    /// Items still to run.
    pub fn remaining(&self) -> u32 {
        self.pending + self.running
    }

    /// Items that reached an end.
    pub fn finished(&self) -> u32 {
        self.done + self.failed + self.skipped + self.cancelled
    }
}

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("No such job.")]
    NotFound,
    #[error("{0}")]
    Invalid(String),
    #[error("This job is {} now.", .0.words().to_lowercase())]
    NotDraft(JobStatus),
    #[error("This job has already ended.")]
    Ended,
    /// The caller is refused (already audited where it was decided).
    #[error("refused")]
    Denied(crate::actor::Denied),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

impl From<crate::actor::Denied> for JobError {
    fn from(d: crate::actor::Denied) -> Self {
        JobError::Denied(d)
    }
}

/// Whether the actor may see this job: its author, a role that reads the audit trail (an
/// auditor, an admin), or someone who approves (or approved) its request — the preview is what
/// they decide on.
pub async fn may_see(actor: &Actor, job: &Job) -> bool {
    if job.author.sub == actor.principal.sub || actor.can(crate::authz::Action::ViewAudit) {
        return true;
    }
    let Some(request_id) = &job.request_id else { return false };
    let Ok(Some(req)) = crate::requests::get(actor.state.db(), request_id).await else { return false };
    if req.decided_by().contains(&actor.principal.sub) {
        return true;
    }
    req.current_stage().is_some_and(|stage| {
        crate::policy::approver_authority(&actor.state.policy, req.action, stage, &actor.who(false)).is_ok()
    })
}

/// A job the actor may see, or `NotFound` (a job someone else ran is not confirmed to exist).
pub async fn visible(actor: &Actor, id: &str) -> Result<(Job, Tally), JobError> {
    let db = actor.state.db();
    let job = db.job(id).await?.ok_or(JobError::NotFound)?;
    if !may_see(actor, &job).await {
        return Err(JobError::NotFound);
    }
    let tally = db.tally(id).await?;
    Ok((job, tally))
}

/// Asks approval for the preview's items that need it, as one request for the whole set. When
/// the preview also holds items the author may run, those stay in this draft and the ones
/// needing approval move to a job of their own, which the request releases.
pub async fn request(actor: &Actor, id: &str, reason: &str) -> Result<crate::requests::Request, JobError> {
    use crate::requests::{self, NewRequest, Person};
    let state = &actor.state;
    let me = actor.now().await?;
    let (job, tally) = visible(&me, id).await?;
    if job.author.sub != me.principal.sub {
        return Err(JobError::NotFound);
    }
    if job.status != JobStatus::Draft {
        return Err(JobError::NotDraft(job.status));
    }
    let count = tally.planned(Planned::NeedsApproval);
    if count == 0 {
        return Err(JobError::Invalid("Nothing in this preview needs approval.".into()));
    }
    let reason = reason.trim();
    let action = job.action.policy_action();
    let rule = state.policy.rule(action).clone();
    if rule.reason_required && reason.is_empty() {
        return Err(JobError::Invalid("Say why: this request needs a reason.".into()));
    }
    let now = state.clock.now();
    // The items needing approval, in a job of their own unless they are all there is to run.
    let waiting = if tally.planned(Planned::Run) > 0 {
        Job {
            id: format!("J-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]),
            summary: format!("{}: {count} {}", job.action.label(), if count == 1 { "person" } else { "people" }),
            source: format!("the part of {} that needs approval", job.id),
            status: JobStatus::Waiting,
            created_at: crate::clock::stamp(now),
            ..job.clone()
        }
    } else {
        job.clone()
    };
    let p = &me.principal;
    let req = requests::create(
        state.db(),
        NewRequest {
            call: Call::Job { job_id: waiting.id.clone(), action, count },
            target_label: format!("{} ({count} {})", waiting.id, if count == 1 { "person" } else { "people" }),
            target_sub: None,
            summary: format!(
                "{}: {count} {} (job {})",
                job.action.label(),
                if count == 1 { "person" } else { "people" },
                waiting.id
            ),
            reason: reason.to_string(),
            requester: Person::of(p),
            stages: rule.stages.clone(),
            ttl_hours: rule.ttl_hours,
            escalation: rule.escalate.clone(),
            break_glass_review_due: None,
            policy_version: state.policy.version(),
            schedule: Default::default(),
        },
        now,
    )
    .await
    .map_err(|e| JobError::Invalid(e.to_string()))?;
    let split = (waiting.id != job.id).then_some(&waiting);
    if !state.db().await_approval(&job.id, &req.id, split, now).await? {
        return Err(JobError::NotDraft(JobStatus::Waiting));
    }
    crate::requests::worker::event(
        state,
        &req,
        "request.create",
        &p.login,
        &me.op_id,
        "ok",
        &format!("reason: {reason}"),
    )
    .await;
    Ok(req)
}

/// What an approved job request does: the job's items that were waiting are queued to run
/// (once: a second release finds nothing waiting).
pub async fn release(state: &crate::AppState, id: &str) -> crate::requests::exec::Outcome {
    use crate::requests::exec::Outcome;
    match state.db().run_job(id, JobStatus::Waiting, state.clock.now()).await {
        Ok(true) => {
            let n = state.db().tally(id).await.map(|t| t.pending).unwrap_or(0);
            state.job_wake.notify_one();
            state.db.announce(crate::db::Signal::Work).await;
            Outcome::Done {
                message: format!("Job {id} released: {n} to run. Its page shows each person's outcome."),
                before: None,
                after: None,
                request_id: None,
                temp_password: None,
            }
        }
        Ok(false) => Outcome::AlreadyDone(format!("Job {id} was already released.")),
        Err(e) => Outcome::Retry { message: format!("database: {e}"), request_id: None, uncertain: false },
    }
}

/// Starts the actor's draft: the items that will run are queued, the rest are skipped with what
/// the preview found. Audited with the counts.
pub async fn start(actor: &Actor, id: &str) -> Result<Tally, JobError> {
    let state = &actor.state;
    let (job, _) = visible(actor, id).await?;
    if job.author.sub != actor.principal.sub {
        return Err(JobError::NotFound);
    }
    if job.status != JobStatus::Draft {
        return Err(JobError::NotDraft(job.status));
    }
    if state.db().tally(id).await?.planned(Planned::Run) == 0 {
        return Err(JobError::Invalid("Nothing in this preview can run: see each person's reason.".into()));
    }
    actor.require_step_up("run a bulk job").await?;
    if !state.db().run_job(id, JobStatus::Draft, state.clock.now()).await? {
        return Err(JobError::NotDraft(JobStatus::Running));
    }
    let tally = state.db().tally(id).await?;
    actor
        .audit(
            "job.start",
            id,
            None,
            None,
            &format!("{}: {} to run, {} skipped; from {}", job.summary, tally.pending, tally.skipped, job.source),
        )
        .await;
    state.wake.notify_one();
    state.db.announce(crate::db::Signal::Work).await;
    Ok(tally)
}

/// Cancels a job the actor made (an admin: anyone's): items not yet begun never run; those in
/// flight finish. Audited.
pub async fn cancel(actor: &Actor, id: &str) -> Result<Tally, JobError> {
    let state = &actor.state;
    let (job, _) = visible(actor, id).await?;
    let admin = actor.roles.contains(&crate::Role::Admin);
    if job.author.sub != actor.principal.sub && !admin {
        actor.refusal("job.cancel", id, "only its author or an admin can cancel a job").await;
        return Err(JobError::Invalid("Only the person who started a job, or an admin, can cancel it.".into()));
    }
    if !state.db().cancel_job(id, state.clock.now()).await? {
        return Err(JobError::Ended);
    }
    let tally = state.db().tally(id).await?;
    actor
        .audit(
            "job.cancel",
            id,
            None,
            None,
            &format!("{}: {} done before, {} not run", job.summary, tally.done, tally.cancelled),
        )
        .await;
    Ok(tally)
}

/// Records the end of a job whose last item finished (once: the store moves it only once).
pub async fn finish_if_complete(state: &crate::AppState, id: &str) -> sqlx::Result<()> {
    if !state.db().complete_job(id, state.clock.now()).await? {
        return Ok(());
    }
    let (Some(job), tally) = (state.db().job(id).await?, state.db().tally(id).await?) else { return Ok(()) };
    audit::record(
        state.db(),
        &state.clock,
        audit::AuditEvent {
            op_id: id.into(),
            actor: "portico".into(),
            action: "job.finish".into(),
            target: id.into(),
            result: if tally.failed == 0 { "ok" } else { "failed" }.into(),
            detail: format!(
                "{} (by {}): {} done, {} failed, {} skipped",
                job.summary, job.author.login, tally.done, tally.failed, tally.skipped
            ),
            ..Default::default()
        },
    )
    .await;
    Ok(())
}

/// The report as CSV: one row per person, with the outcome and Okta's words.
pub fn report_header() -> &'static str {
    "seq,person_id,target,name,preview,status,message,okta_request_id\r\n"
}

pub fn report_row(item: &Item) -> String {
    use crate::export::csv_field;
    let fields = [
        item.seq.to_string(),
        item.target_sub.clone().unwrap_or_default(),
        item.target_label.clone(),
        item.name.clone(),
        item.plan.as_str().to_string(),
        item.status.as_str().to_string(),
        item.message.clone().unwrap_or_else(|| item.plan_note.clone()),
        item.upstream_id.clone().unwrap_or_default(),
    ];
    let mut row = fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(",");
    row.push_str("\r\n");
    row
}
