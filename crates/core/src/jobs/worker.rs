//! The job runner: one task per process keeping up to `jobs.concurrency` items in flight.
//! Items are claimed with a lease (renewed while they run), run through the same calls as
//! requests ([`crate::requests::exec`]) on a client that leaves `jobs.reserve` calls per
//! rate-limit window for people, and each outcome is recorded by its holder only, with one audit
//! entry per item. Items whose holder stopped are taken back (uncertain) by any process.

use super::{Item, ItemStatus, Job, store::ItemEnd};
use crate::{
    AppState,
    actor::Actor,
    audit,
    policy::Decision,
    requests::{
        Call, Lease,
        exec::{self, Outcome},
    },
    upstream::Fault,
};
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::task::JoinSet;

/// How long the author's standing, read from Okta, is trusted for a job's next items.
const AUTHOR_FRESH: Duration = Duration::from_secs(30);

/// A job as the runner knows it: the job, and its author as Okta had them a moment ago (`None`:
/// no longer active, so the job's items no longer run).
#[derive(Clone)]
struct Running {
    job: Arc<Job>,
    author: Option<Arc<Actor>>,
    read: Instant,
}

/// The runner loop: runs until the task is dropped (its items in flight with it; their leases
/// then run out and another process, or the next start, takes them back).
pub async fn run(state: AppState) {
    let state = AppState { okta: state.okta.for_jobs(state.config.jobs.reserve), ..state };
    let lease = Lease {
        owner: state.instance.clone(),
        length: chrono::Duration::seconds(i64::from(state.config.approvals.lease_seconds)),
    };
    let slots = state.config.jobs.concurrency.max(1) as usize;
    let poll = Duration::from_millis(state.config.approvals.poll_ms.max(50));
    let mut in_flight: JoinSet<String> = JoinSet::new();
    let mut known: HashMap<String, Running> = HashMap::new();
    let every = lease.length.to_std().unwrap_or(Duration::from_secs(60)) / 3;
    let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    let mut tidied: Option<Instant> = None;
    loop {
        if tidied.is_none_or(|t| t.elapsed() >= poll) {
            tidied = Some(Instant::now());
            tidy(&state).await;
        }
        let free = slots.saturating_sub(in_flight.len());
        if free > 0 {
            match state.db().claim_items(&lease, state.clock.now(), free as u32).await {
                Ok(items) => {
                    for item in items {
                        let running = match running(&state, &mut known, &item.job_id).await {
                            Ok(r) => r,
                            Err(outcome) => {
                                record(&state, &lease, None, &item, outcome).await;
                                continue;
                            }
                        };
                        let (state, lease) = (state.clone(), lease.clone());
                        in_flight.spawn(async move {
                            let outcome = attempt(&state, &running, &item).await;
                            record(&state, &lease, Some(&running), &item, outcome).await;
                            item.job_id
                        });
                    }
                }
                Err(e) => tracing::error!(error = %e, "could not claim job items"),
            }
        }
        let wait = if in_flight.len() < slots { next_wait(&state, poll).await } else { poll };
        tokio::select! {
            Some(done) = in_flight.join_next(), if !in_flight.is_empty() => {
                if let Ok(job_id) = done
                    && let Err(e) = super::finish_if_complete(&state, &job_id).await
                {
                    tracing::error!(job = %job_id, error = %e, "could not complete a job");
                }
            }
            _ = beat.tick() => {
                if let Err(e) = state.db().renew_items(&lease, state.clock.now()).await {
                    tracing::warn!(error = %e, "could not renew the leases on job items");
                }
            }
            _ = state.job_wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Takes back items whose holder stopped, and completes jobs with nothing left to run.
async fn tidy(state: &AppState) {
    match state.db().take_back_items(state.clock.now()).await {
        Ok(jobs) if !jobs.is_empty() => {
            tracing::warn!(?jobs, "taking back job items whose runner stopped (lease expired)");
        }
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "could not take back job items"),
    }
    // A job whose request was rejected, expired or cancelled never runs.
    for (id, request_id) in state.db().waiting_jobs().await.unwrap_or_default() {
        let Ok(Some(req)) = crate::requests::get(state.db(), &request_id).await else { continue };
        use crate::requests::Status;
        if matches!(req.status, Status::Rejected | Status::Expired | Status::Cancelled | Status::Failed | Status::Stale)
            && let Ok(true) = state.db().cancel_job(&id, state.clock.now()).await
        {
            let detail = format!("request {request_id} was {}", req.status.as_str());
            audit::record(
                state.db(),
                &state.clock,
                audit::AuditEvent {
                    op_id: id.clone(),
                    actor: "portico".into(),
                    action: "job.cancel".into(),
                    target: id.clone(),
                    result: "ok".into(),
                    detail,
                    ..Default::default()
                },
            )
            .await;
        }
    }
    for id in state.db().idle_jobs().await.unwrap_or_default() {
        if let Err(e) = super::finish_if_complete(state, &id).await {
            tracing::error!(job = %id, error = %e, "could not complete a job");
        }
    }
}

async fn next_wait(state: &AppState, poll: Duration) -> Duration {
    let Some(at) = state.db().next_item_due().await.unwrap_or(None) else { return poll };
    let ms = (at - state.clock.now()).num_milliseconds().max(0) as u64;
    poll.min(Duration::from_millis(ms))
}

/// The job and its author's standing, read again when older than [`AUTHOR_FRESH`].
async fn running(state: &AppState, known: &mut HashMap<String, Running>, job_id: &str) -> Result<Running, Outcome> {
    if let Some(r) = known.get(job_id)
        && r.read.elapsed() < AUTHOR_FRESH
    {
        return Ok(r.clone());
    }
    let job = match state.db().job(job_id).await {
        Ok(Some(j)) => j,
        Ok(None) => return Err(Outcome::Failed { message: "The job is gone.".into(), request_id: None }),
        Err(e) => {
            return Err(Outcome::Retry { message: format!("database: {e}"), request_id: None, uncertain: false });
        }
    };
    let author =
        Actor::current(state, &job.author.sub, &job.author.login, &job.id).await.map_err(exec::okta_outcome)?;
    let r = Running { job: Arc::new(job), author: author.map(Arc::new), read: Instant::now() };
    known.retain(|_, r| r.read.elapsed() < AUTHOR_FRESH);
    known.insert(job_id.to_string(), r.clone());
    Ok(r)
}

/// One item: the author's authority over this person as Okta has them now, then the call.
async fn attempt(state: &AppState, running: &Running, item: &Item) -> Outcome {
    let Some(call) = &item.call else {
        return Outcome::Stale("Nothing to run for this person.".into());
    };
    let Some(author) = &running.author else {
        return Outcome::Stale(format!(
            "{} is no longer active in Okta, so their job no longer runs; it was not run.",
            running.job.author.login
        ));
    };
    if let Some(settled) =
        exec::settle(state, call, item.uncertain, &format!("{} ({})", running.job.action.label(), item.name)).await
    {
        return settled;
    }
    let user = match &item.target_sub {
        Some(id) => match state.okta.get_user(id).await {
            Ok(u) => Some(u),
            Err(e) if e.fault == Fault::NotFound => {
                return Outcome::Stale(format!("{} no longer exists in Okta; nothing was done.", item.name));
            }
            Err(e) => return exec::okta_outcome(e),
        },
        None => None,
    };
    if let Some(user) = &user {
        if !author.may_change(&user.id).await {
            return Outcome::Stale(format!(
                "{} now holds a Portico role or a protected group, and only an admin can change them; it was not run.",
                user.display_name()
            ));
        }
        // An approved job's people may be ones the author could only ask for; anyone else's
        // scope or role must still let them run it.
        let decision = author.decide_for(running.job.action.policy_action(), user).await;
        let approved = running.job.request_id.is_some();
        if !(decision == Decision::Run || (approved && decision == Decision::Request)) {
            return Outcome::Stale(format!(
                "{} may no longer do this to {} (their roles or scope changed); it was not run.",
                running.job.author.login,
                user.display_name()
            ));
        }
    }
    let known = match call {
        Call::Lifecycle { .. } | Call::Membership { .. } => user,
        _ => None,
    };
    exec::perform(state, call, known, false).await
}

/// Records an item's outcome (if this process still holds it) and its audit entry.
async fn record(state: &AppState, lease: &Lease, running: Option<&Running>, item: &Item, outcome: Outcome) {
    let now = state.clock.now();
    let (status, message, upstream, before, after, result) = match outcome {
        Outcome::Done { message, before, after, request_id, temp_password: _ } => {
            (ItemStatus::Done, message, request_id, before, after, "ok")
        }
        Outcome::AlreadyDone(message) => (ItemStatus::Done, message, None, None, None, "ok"),
        Outcome::Stale(message) => (ItemStatus::Skipped, message, None, None, None, "refused"),
        Outcome::Failed { message, request_id } => (ItemStatus::Failed, message, request_id, None, None, "failed"),
        Outcome::Retry { message, request_id, uncertain } => {
            match crate::requests::next_attempt(&state.config, item.attempts, now) {
                Err(gave_up) => (ItemStatus::Failed, format!("{message} {gave_up}"), request_id, None, None, "failed"),
                Ok(next) => {
                    let note = format!("Attempt {} failed: {message}. Retrying.", item.attempts);
                    if let Err(e) = state.db().retry_item(item, &lease.owner, next, uncertain, &note, now).await {
                        tracing::error!(job = %item.job_id, seq = item.seq, error = %e, "could not schedule a retry");
                    }
                    return;
                }
            }
        }
    };
    let end = ItemEnd { status, message: &message, upstream_id: upstream.as_deref() };
    match state.db().finish_item(item, &lease.owner, &end, now).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::error!(job = %item.job_id, seq = item.seq, "lost the claim on a job item while running it");
            return;
        }
        Err(e) => {
            tracing::error!(job = %item.job_id, seq = item.seq, error = %e, "could not record a job item");
            return;
        }
    }
    let (actor, summary) = match running {
        Some(r) => (r.job.author.login.clone(), r.job.summary.clone()),
        None => ("portico".to_string(), String::new()),
    };
    audit::record(
        state.db(),
        &state.clock,
        audit::AuditEvent {
            op_id: format!("{}#{}", item.job_id, item.seq),
            actor,
            action: item.call.as_ref().map(Call::audit_action).unwrap_or_else(|| "job.item".into()),
            target: item.target_label.clone(),
            before,
            after,
            result: result.into(),
            detail: format!("job {} ({summary}): {message}", item.job_id),
            upstream_id: upstream,
            ..Default::default()
        },
    )
    .await;
}
