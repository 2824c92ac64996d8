//! The engine's jobs as the pages show them, and its errors as the portal's.

use crate::{
    error::PortalError,
    jobs::{ItemRow, JobCounts, JobRow, JobView},
};
use portico_core::jobs::{BulkAction, Item, Job, JobError, JobStatus, Planned, Tally};

/// Items per page of a job's preview or report.
pub const ITEMS_PAGE: u32 = 200;

pub fn job_error(e: JobError) -> PortalError {
    crate::ssr::fail(match e {
        JobError::NotFound => PortalError::not_found("job"),
        JobError::Invalid(words) => PortalError::bad_request(words),
        e @ (JobError::NotDraft(_) | JobError::Ended) => PortalError::conflict(e.to_string()),
        JobError::Denied(d) => return d.into(),
        JobError::Db(e) => {
            tracing::error!(error = %e, "jobs");
            PortalError::internal()
        }
    })
}

impl From<JobError> for PortalError {
    fn from(e: JobError) -> Self {
        job_error(e)
    }
}

/// The numbers of a job; the time left is the pace so far (by the portal's clock) carried on.
pub fn counts(job: &Job, tally: &Tally, now: chrono::DateTime<chrono::Utc>) -> JobCounts {
    let to_run = tally.planned(Planned::Run);
    let remaining = tally.remaining();
    let finished = to_run.saturating_sub(remaining);
    let elapsed = job
        .started_at
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| (now - t.to_utc()).num_milliseconds().max(0) as u64);
    let eta_seconds = match elapsed {
        Some(ms) if finished > 0 && remaining > 0 => {
            Some((ms * u64::from(remaining) / u64::from(finished)).div_ceil(1000))
        }
        _ => None,
    };
    JobCounts {
        total: tally.total,
        to_run,
        done: tally.done,
        failed: tally.failed,
        skipped: tally.skipped,
        cancelled: tally.cancelled,
        remaining,
        eta_seconds,
        ended: matches!(job.status, JobStatus::Done | JobStatus::Cancelled),
    }
}

pub fn item_row(i: Item) -> ItemRow {
    ItemRow {
        seq: i.seq,
        href: i.target_sub.as_ref().map(|s| format!("/people/{s}")),
        name: i.name,
        label: i.target_label,
        plan: i.plan.as_str().into(),
        plan_words: i.plan.words().into(),
        status: i.status.as_str().into(),
        status_words: i.status.words().into(),
        message: i.message.unwrap_or(i.plan_note),
    }
}

pub fn job_row(j: Job) -> JobRow {
    JobRow {
        id: j.id,
        summary: j.summary,
        author: j.author.login,
        status: j.status.as_str().into(),
        status_words: j.status.words().into(),
        created_at: j.created_at,
    }
}

/// Starting asks for the count typed back when the action cannot be undone from Portico.
pub fn dangerous(action: &BulkAction) -> bool {
    matches!(action, BulkAction::Lifecycle { op } if op.is_dangerous())
}

/// The request dialog for a preview's people who need approval.
pub fn ask(caller: &crate::ssr::Caller, job: &Job, tally: &Tally) -> Option<crate::approvals::Ask> {
    let n = tally.planned(Planned::NeedsApproval);
    if job.status != JobStatus::Draft || job.author.sub != caller.principal.sub || n == 0 {
        return None;
    }
    let action = job.action.policy_action();
    let people = if n == 1 { "person" } else { "people" };
    Some(crate::approvals::Ask {
        target: job.id.clone(),
        title: format!("Request approval: {} for {n} {people}", job.action.label()),
        effect: format!(
            "One request for the {n} {people} the preview says need approval; approvers see the preview and decide once."
        ),
        approvers: crate::people::server::views::approvers_words(caller, action),
        reason_required: caller.state.policy.rule(action).reason_required,
        job: Some(job.id.clone()),
        ..crate::approvals::Ask::empty(action)
    })
}

pub fn job_view(
    job: Job,
    tally: Tally,
    items: Vec<Item>,
    (mine, admin, needs_step_up): (bool, bool, bool),
    ask: Option<crate::approvals::Ask>,
    now: chrono::DateTime<chrono::Utc>,
) -> JobView {
    let next_after = (items.len() as u32 == ITEMS_PAGE).then(|| items.last().map(|i| i.seq)).flatten();
    let counts = counts(&job, &tally, now);
    JobView {
        can_start: mine && job.status == JobStatus::Draft && tally.planned(Planned::Run) > 0,
        needs_step_up,
        can_cancel: (mine || admin) && matches!(job.status, JobStatus::Draft | JobStatus::Waiting | JobStatus::Running),
        request_id: job.request_id.clone(),
        ask,
        dangerous: dangerous(&job.action),
        effect: job.action.effect(),
        by_plan: tally.by_plan.iter().map(|(p, n)| (p.as_str().to_string(), p.words().to_string(), *n)).collect(),
        items: items.into_iter().map(item_row).collect(),
        next_after,
        counts,
        id: job.id,
        summary: job.summary,
        action: job.action.label(),
        source: job.source,
        author: job.author.login,
        status: job.status.as_str().into(),
        status_words: job.status.words().into(),
        created_at: job.created_at,
        started_at: job.started_at,
        finished_at: job.finished_at,
    }
}
