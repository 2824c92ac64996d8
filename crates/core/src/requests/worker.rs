//! The executor: the one place approved requests run. It claims a request with a guarded update
//! (`approved → executing`), makes the call, and records the outcome with another
//! (`executing → done | failed | stale`, or back to `approved` with a later time to retry).
//! Each claim names this process and carries a lease it renews while the call is in flight; on
//! every pass it takes back requests whose lease ran out (their process stopped), marking their
//! outcome uncertain so the next attempt first looks whether the change already happened. A
//! second process, or the next one during a rolling restart, never re-runs a call in flight.

use super::{Lease, Request, Status, exec, notify, store};
use crate::{AppState, audit};
use std::time::Duration;

/// Records a request's event in the audit trail and queues its notification.
pub async fn event(state: &AppState, req: &Request, event: &str, actor: &str, op_id: &str, result: &str, detail: &str) {
    let detail = if detail.is_empty() {
        format!("{}: {}", req.id, req.summary)
    } else {
        format!("{}: {} — {detail}", req.id, req.summary)
    };
    audit::record(
        state.db(),
        &state.clock,
        audit::AuditEvent {
            op_id: op_id.into(),
            actor: actor.into(),
            action: event.into(),
            target: req.target_label.clone(),
            result: result.into(),
            detail,
            ..Default::default()
        },
    )
    .await;
    notify::enqueue(state, req, event, actor).await;
    state.wake.notify_one();
    state.db.announce(crate::db::Signal::Work).await;
}

/// This process's claim on the work it takes.
fn lease(state: &AppState) -> Lease {
    Lease {
        owner: state.instance.clone(),
        length: chrono::Duration::seconds(i64::from(state.config.approvals.lease_seconds)),
    }
}

/// Puts requests whose executor stopped renewing its lease back in the queue, outcome uncertain.
/// Run at start and on every pass, so a surviving replica finishes a crashed one's work.
pub async fn take_back(state: &AppState) -> sqlx::Result<usize> {
    let ids = store::take_back_expired(state.db(), state.clock.now()).await?;
    if !ids.is_empty() {
        tracing::warn!(requests = ?ids, "taking back requests whose executor stopped (lease expired)");
    }
    Ok(ids.len())
}

/// Makes one attempt, renewing the lease every third of its length while the call is in flight.
/// A lost lease (another process took it back) is logged; `finish` then refuses this outcome.
async fn attempt_leased(state: &AppState, req: &Request, lease: &Lease) -> exec::Outcome {
    let attempt = exec::attempt(state, req);
    tokio::pin!(attempt);
    let every = lease.length.to_std().unwrap_or(Duration::from_secs(60)) / 3;
    let mut beat = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            outcome = &mut attempt => return outcome,
            _ = beat.tick() => {
                match store::renew(state.db(), &req.id, lease, state.clock.now()).await {
                    Ok(true) => {}
                    Ok(false) => tracing::error!(request = %req.id, "lost the claim on a request while running it"),
                    Err(e) => tracing::warn!(request = %req.id, error = %e, "could not renew a request's lease"),
                }
            }
        }
    }
}

/// Runs one claimed request to its next state.
async fn handle(state: &AppState, req: Request, lease: &Lease) {
    let outcome = attempt_leased(state, &req, lease).await;
    let finish_sealed = |to: Status, result: String, request_id: Option<String>, sealed: Option<Vec<u8>>| {
        let (db, id, owner, now) = (state.db.clone(), req.id.clone(), lease.owner.clone(), state.clock.now());
        async move { store::finish(&*db, &id, &owner, to, &result, request_id.as_deref(), sealed.as_deref(), now).await }
    };
    let finish = |to: Status, result: String, request_id: Option<String>| finish_sealed(to, result, request_id, None);
    let op_id = format!("{}#{}", req.id, req.attempts);
    let by = req.approvers_line();
    let requested = format!(
        "requested by {}{}",
        req.requester_login,
        if by.is_empty() { String::new() } else { format!(", {by}") }
    );
    match outcome {
        exec::Outcome::Done { message, before, after, request_id, temp_password } => {
            // A temporary password waits, sealed, for the requester to see it once.
            let sealed = temp_password.as_ref().map(|p| state.seal.seal(p.expose(), &req.id));
            let message = match sealed {
                Some(_) => format!("{message} {}", super::TEMP_PASSWORD_WAITING),
                None => message,
            };
            let message = match super::scheduled::late_words(&req, state.clock.now()) {
                Some(late) => format!("{message} {late}"),
                None => message,
            };
            if finish_sealed(Status::Done, message.clone(), request_id.clone(), sealed).await {
                audit::record(
                    state.db(),
                    &state.clock,
                    audit::AuditEvent {
                        op_id: op_id.clone(),
                        actor: "portico".into(),
                        action: req.call.audit_action(),
                        target: req.target_label.clone(),
                        before,
                        after,
                        result: "ok".into(),
                        detail: format!("{}: {requested}", req.id),
                        upstream_id: request_id,
                        ..Default::default()
                    },
                )
                .await;
                after_finish(state, &req.id, "request.execute", &op_id, "ok", &message).await;
            }
        }
        exec::Outcome::AlreadyDone(message) => {
            if finish(Status::Done, message.clone(), None).await {
                after_finish(state, &req.id, "request.execute", &op_id, "ok", &message).await;
            }
        }
        exec::Outcome::Stale(message) => {
            if finish(Status::Stale, message.clone(), None).await {
                after_finish(state, &req.id, "request.stale", &op_id, "refused", &message).await;
            }
        }
        exec::Outcome::Failed { message, request_id } => {
            if finish(Status::Failed, message.clone(), request_id.clone()).await {
                let detail = match &request_id {
                    Some(r) => format!("{message} (Okta request {r})"),
                    None => message.clone(),
                };
                after_finish(state, &req.id, "request.fail", &op_id, "failed", &detail).await;
            }
        }
        exec::Outcome::Retry { message, request_id, uncertain } => {
            let now = state.clock.now();
            let next = match super::next_attempt(&state.config, req.attempts, now) {
                Ok(next) => next,
                Err(gave_up) => {
                    let message = format!("{message} {gave_up}");
                    if finish(Status::Failed, message.clone(), request_id.clone()).await {
                        after_finish(state, &req.id, "request.fail", &op_id, "failed", &message).await;
                    }
                    return;
                }
            };
            tracing::warn!(request = %req.id, attempt = req.attempts, %message, "approved call failed; will retry");
            let result = format!("Attempt {} failed: {message}. Retrying.", req.attempts);
            let res = store::retry_later(
                state.db(),
                &req.id,
                &lease.owner,
                next,
                uncertain,
                &result,
                request_id.as_deref(),
                now,
            )
            .await;
            if let Err(e) = res {
                tracing::error!(request = %req.id, error = %e, "could not schedule a retry");
            }
        }
    }
}

/// Runs this one approved request now, in the caller's task, if it is due and nobody has taken
/// it. When the executor took it first, waits (up to [`RUN_NOW_WAIT`]) while it runs there, so
/// the caller answers with what happened rather than "queued". The request as it stands afterwards.
pub async fn run_now(state: &AppState, id: &str) -> Option<Request> {
    let lease = lease(state);
    match state.db.claim_request(id, &lease, state.clock.now()).await {
        Ok(true) => {
            if let Ok(Some(req)) = super::get(state.db(), id).await {
                handle(state, req, &lease).await;
            }
        }
        Ok(false) => {
            let until = std::time::Instant::now() + RUN_NOW_WAIT;
            while std::time::Instant::now() < until {
                match super::get(state.db(), id).await {
                    Ok(Some(r)) if r.status == Status::Executing => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    _ => break,
                }
            }
        }
        Err(e) => tracing::error!(request = id, error = %e, "could not claim a request to run it now"),
    }
    super::get(state.db(), id).await.ok().flatten()
}

/// How long [`run_now`] waits for a run the executor took first (an Okta call's own timeout
/// bounds the run; past this the caller sees it still running).
const RUN_NOW_WAIT: Duration = Duration::from_secs(15);

async fn after_finish(state: &AppState, id: &str, name: &str, op_id: &str, result: &str, detail: &str) {
    if let Ok(Some(req)) = super::get(state.db(), id).await {
        event(state, &req, name, "portico", op_id, result, detail).await;
    }
}

/// One pass: expire what is overdue, run what is due, deliver notifications.
pub async fn tick(state: &AppState, http: &reqwest::Client) {
    if let Err(e) = take_back(state).await {
        tracing::error!(error = %e, "could not take back stopped work");
    }
    if let Err(e) = store::sweep_secrets(state.db(), state.clock.now()).await {
        tracing::error!(error = %e, "could not erase unclaimed request secrets");
    }
    super::moving::remind(state).await;
    super::moving::escalate(state).await;
    super::break_glass::mark_overdue(state).await;
    super::scheduled::remind_ending(state).await;
    crate::reviews::tick(state).await;
    match super::expire_due(state.db(), state.clock.now()).await {
        Ok(expired) => {
            for req in expired {
                event(state, &req, "request.expire", "portico", &req.id, "ok", "no decision in time").await;
            }
        }
        Err(e) => tracing::error!(error = %e, "could not expire requests"),
    }
    let lease = lease(state);
    loop {
        match store::claim(state.db(), &lease, state.clock.now()).await {
            Ok(Some(req)) => handle(state, req, &lease).await,
            Ok(None) => break,
            Err(e) => {
                tracing::error!(error = %e, "could not claim approved requests");
                break;
            }
        }
    }
    notify::deliver_due(state, http).await;
}

/// How long until something is due (a retry, a lease running out, a notification), at most `poll`.
async fn next_wait(state: &AppState, poll: Duration) -> Duration {
    let requests = store::next_due(state.db()).await.unwrap_or(None);
    let notes = if notify::any_channel(state) { notify::next_due(state.db()).await.unwrap_or(None) } else { None };
    let next = [requests, notes].into_iter().flatten().min();
    let Some(at) = next.and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok()) else { return poll };
    let ms = (at.with_timezone(&chrono::Utc) - state.clock.now()).num_milliseconds();
    // Still due after a pass: it could not be done (an escalation while Okta is unreachable);
    // try again in a second rather than at once.
    let ms = if ms <= 0 { 1000 } else { ms as u64 };
    poll.min(Duration::from_millis(ms))
}

/// The executor loop: runs until the task is dropped.
pub async fn run(state: AppState) {
    // A webhook receiver cannot bounce notifications (and their request details) elsewhere.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap_or_default();
    let poll = Duration::from_millis(state.config.approvals.poll_ms.max(50));
    loop {
        tick(&state, &http).await;
        let wait = next_wait(&state, poll).await;
        let _ = tokio::time::timeout(wait, state.wake.notified()).await;
    }
}
