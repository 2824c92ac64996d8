//! The executor: the one place approved requests run. It claims a request with a guarded update
//! (`approved → executing`), makes the call, and records the outcome with another
//! (`executing → done | failed | stale`, or back to `approved` with a later time to retry).
//! At start it takes back requests a previous process left `executing`, marking their outcome
//! uncertain so the next attempt first looks whether the change already happened.

use super::{Request, Status, exec, notify, now, stamp};
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
        &state.db,
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
}

/// Puts requests left `executing` by a stopped process back in the queue, outcome uncertain.
pub async fn recover(state: &AppState) -> sqlx::Result<u64> {
    let n = sqlx::query(
        "UPDATE requests SET status = 'approved', uncertain = 1, next_attempt_at = ?, updated_at = ? \
         WHERE status = 'executing'",
    )
    .bind(now())
    .bind(now())
    .execute(&state.db)
    .await?
    .rows_affected();
    if n > 0 {
        tracing::warn!(requests = n, "resuming requests interrupted by a restart");
    }
    Ok(n)
}

/// Claims the oldest due approved request (one statement, so one claimant wins).
async fn claim(state: &AppState) -> sqlx::Result<Option<Request>> {
    let now = now();
    let id: Option<String> = sqlx::query_scalar(
        "UPDATE requests SET status = 'executing', attempts = attempts + 1, updated_at = ?1 \
         WHERE id = (SELECT id FROM requests WHERE status = 'approved' AND next_attempt_at <= ?1 \
                     ORDER BY next_attempt_at LIMIT 1) \
           AND status = 'approved' RETURNING id",
    )
    .bind(&now)
    .fetch_optional(&state.db)
    .await?;
    match id {
        Some(id) => super::get(&state.db, &id).await,
        None => Ok(None),
    }
}

/// `executing → to`, with the outcome's words; false if something else moved it first.
async fn finish(state: &AppState, id: &str, to: Status, result: &str, request_id: Option<&str>) -> bool {
    sqlx::query(
        "UPDATE requests SET status = ?, result = ?, upstream_request_id = COALESCE(?, upstream_request_id), \
         updated_at = ? WHERE id = ? AND status = 'executing'",
    )
    .bind(to.as_str())
    .bind(result)
    .bind(request_id)
    .bind(now())
    .bind(id)
    .execute(&state.db)
    .await
    .map(|r| r.rows_affected() == 1)
    .unwrap_or(false)
}

/// Runs one claimed request to its next state.
async fn handle(state: &AppState, req: Request) {
    let outcome = exec::attempt(state, &req).await;
    let op_id = format!("{}#{}", req.id, req.attempts);
    let by = req.approvers_line();
    let requested = format!(
        "requested by {}{}",
        req.requester_login,
        if by.is_empty() { String::new() } else { format!(", {by}") }
    );
    match outcome {
        exec::Outcome::Done { message, before, after, request_id } => {
            if finish(state, &req.id, Status::Done, &message, request_id.as_deref()).await {
                audit::record(
                    &state.db,
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
            if finish(state, &req.id, Status::Done, &message, None).await {
                after_finish(state, &req.id, "request.execute", &op_id, "ok", &message).await;
            }
        }
        exec::Outcome::Stale(message) => {
            if finish(state, &req.id, Status::Stale, &message, None).await {
                after_finish(state, &req.id, "request.stale", &op_id, "refused", &message).await;
            }
        }
        exec::Outcome::Failed { message, request_id } => {
            if finish(state, &req.id, Status::Failed, &message, request_id.as_deref()).await {
                let detail = match &request_id {
                    Some(r) => format!("{message} (Okta request {r})"),
                    None => message.clone(),
                };
                after_finish(state, &req.id, "request.fail", &op_id, "failed", &detail).await;
            }
        }
        exec::Outcome::Retry { message, request_id, uncertain } => {
            let max = state.config.approvals.max_attempts;
            if req.attempts >= max {
                let message = format!("{message} (gave up after {max} attempts)");
                if finish(state, &req.id, Status::Failed, &message, request_id.as_deref()).await {
                    after_finish(state, &req.id, "request.fail", &op_id, "failed", &message).await;
                }
                return;
            }
            let base = state.config.approvals.retry_base_ms;
            let wait = base.saturating_mul(1 << (req.attempts - 1).min(16));
            let next = stamp(chrono::Utc::now() + chrono::Duration::milliseconds(wait as i64));
            tracing::warn!(request = %req.id, attempt = req.attempts, %message, "approved call failed; will retry");
            let _ = sqlx::query(
                "UPDATE requests SET status = 'approved', next_attempt_at = ?, uncertain = MAX(uncertain, ?), \
                 result = ?, upstream_request_id = COALESCE(?, upstream_request_id), updated_at = ? \
                 WHERE id = ? AND status = 'executing'",
            )
            .bind(next)
            .bind(uncertain as i64)
            .bind(format!("Attempt {} failed: {message}. Retrying.", req.attempts))
            .bind(request_id)
            .bind(now())
            .bind(&req.id)
            .execute(&state.db)
            .await;
        }
    }
}

async fn after_finish(state: &AppState, id: &str, name: &str, op_id: &str, result: &str, detail: &str) {
    if let Ok(Some(req)) = super::get(&state.db, id).await {
        event(state, &req, name, "portico", op_id, result, detail).await;
    }
}

/// One pass: expire what is overdue, run what is due, deliver notifications.
pub async fn tick(state: &AppState, http: &reqwest::Client) {
    match super::expire_due(&state.db).await {
        Ok(expired) => {
            for req in expired {
                event(state, &req, "request.expire", "portico", &req.id, "ok", "no decision in time").await;
            }
        }
        Err(e) => tracing::error!(error = %e, "could not expire requests"),
    }
    loop {
        match claim(state).await {
            Ok(Some(req)) => handle(state, req).await,
            Ok(None) => break,
            Err(e) => {
                tracing::error!(error = %e, "could not claim approved requests");
                break;
            }
        }
    }
    notify::deliver_due(state, http).await;
}

/// How long until something is due (a retry or a notification), at most `poll`.
async fn next_wait(state: &AppState, poll: Duration) -> Duration {
    let sql = if state.config.approvals.webhook_url.is_some() {
        "SELECT MIN(t) FROM (SELECT MIN(next_attempt_at) AS t FROM requests WHERE status = 'approved' \
         UNION ALL SELECT MIN(next_at) FROM notifications WHERE done = 0)"
    } else {
        "SELECT MIN(next_attempt_at) FROM requests WHERE status = 'approved'"
    };
    let next: Option<String> = sqlx::query_scalar(sql).fetch_one(&state.db).await.unwrap_or(None);
    let Some(at) = next.and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok()) else { return poll };
    let ms = (at.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_milliseconds().max(0) as u64;
    poll.min(Duration::from_millis(ms))
}

/// The executor loop: runs until the task is dropped.
pub async fn run(state: AppState) {
    if let Err(e) = recover(&state).await {
        tracing::error!(error = %e, "could not resume interrupted requests");
    }
    let http = reqwest::Client::new();
    let poll = Duration::from_millis(state.config.approvals.poll_ms.max(50));
    loop {
        tick(&state, &http).await;
        let wait = next_wait(&state, poll).await;
        let _ = tokio::time::timeout(wait, state.wake.notified()).await;
    }
}
