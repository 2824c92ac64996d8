//! Webhook notifications on new requests and decisions: one JSON body that Slack's incoming
//! webhooks accept as is (`text`, with a link to the request) and that other receivers can read
//! field by field (`event`, `request`). Queued in the database and delivered by the executor, so
//! a receiver that is down gets them later.

use super::Request;
use crate::{AppState, clock::stamp};
use serde_json::{Value, json};
use sqlx::Row;
use std::time::Duration;

/// Deliveries give up after this many attempts.
const MAX_ATTEMPTS: i64 = 6;

/// Text people typed (reasons, names, summaries) made inert for Slack's mrkdwn: `&`, `<` and `>`
/// are escaped, so a reason cannot plant a link, a mention or `<!channel>`.
pub fn slack_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The body for `event` about `req`; `actor` is who caused it.
pub fn body(req: &Request, event: &str, actor: &str, public_url: &str) -> Value {
    let url = format!("{}/requests/{}", public_url.trim_end_matches('/'), req.id);
    let link = format!("<{url}|{}>", req.id);
    let (actor_t, summary, target, reason) =
        (slack_text(actor), slack_text(&req.summary), slack_text(&req.target_label), slack_text(&req.reason));
    let text = match event {
        "request.create" => {
            format!("{actor_t} asks: {summary} ({target}). Reason: “{reason}”. Decide in Portico: {link}")
        }
        "request.approve" => format!("{actor_t} approved {link}: {summary} ({target})."),
        "request.reject" => format!("{actor_t} rejected {link}: {summary} ({target})."),
        "request.cancel" => format!("{actor_t} cancelled {link}: {summary} ({target})."),
        "request.expire" => format!("{link} expired undecided: {summary} ({target})."),
        _ => format!("{link} {}: {}", req.status.as_str(), slack_text(req.result.as_deref().unwrap_or(&req.summary))),
    };
    json!({
        "text": text,
        "event": event,
        "request": {
            "id": req.id,
            "url": url,
            "action": req.action,
            "summary": req.summary,
            "target": req.target_label,
            "status": req.status.as_str(),
            "reason": req.reason,
            "requester": req.requester_login,
            "actor": actor,
            "result": req.result,
        }
    })
}

/// Queues a notification when a webhook is configured.
pub async fn enqueue(state: &AppState, req: &Request, event: &str, actor: &str) {
    if state.config.approvals.webhook_url.is_none() {
        return;
    }
    let body = body(req, event, actor, state.config.server.public_url.as_str());
    let res = sqlx::query("INSERT INTO notifications (body, next_at) VALUES (?, ?)")
        .bind(body.to_string())
        .bind(state.clock.stamp())
        .execute(&state.db)
        .await;
    if let Err(e) = res {
        tracing::error!(error = %e, request = %req.id, "could not queue a notification");
    }
}

/// Claims up to `n` due notifications for this process (one statement, so two processes never
/// hold the same one); a claim whose process stopped is free again once its lease ran out.
async fn claim(state: &AppState, n: u32) -> sqlx::Result<Vec<(i64, String, i64)>> {
    let now = state.clock.now();
    let lease = chrono::Duration::seconds(i64::from(state.config.approvals.lease_seconds));
    let rows = sqlx::query(
        "UPDATE notifications SET claimed_by = ?2, lease_until = ?3 \
         WHERE id IN (SELECT id FROM notifications WHERE done = 0 AND next_at <= ?1 \
                      AND (lease_until IS NULL OR lease_until <= ?1) ORDER BY id LIMIT ?4) \
         RETURNING id, body, attempts",
    )
    .bind(stamp(now))
    .bind(&state.instance)
    .bind(stamp(now + lease))
    .bind(i64::from(n))
    .fetch_all(&state.db)
    .await?;
    let mut due: Vec<(i64, String, i64)> =
        rows.iter().map(|r| (r.get("id"), r.get("body"), r.get("attempts"))).collect();
    due.sort_by_key(|d| d.0);
    Ok(due)
}

/// When the next undelivered notification falls due (its time, or its claim running out).
pub async fn next_due(db: &sqlx::SqlitePool) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT MIN(MAX(next_at, COALESCE(lease_until, next_at))) FROM notifications WHERE done = 0")
        .fetch_one(db)
        .await
}

/// Sends what is due, each notification by exactly one process; failed deliveries wait longer
/// each time, then are dropped with a log line.
pub async fn deliver_due(state: &AppState, http: &reqwest::Client) {
    let Some(url) = state.config.approvals.webhook_url.clone() else { return };
    let due = match claim(state, 20).await {
        Ok(due) => due,
        Err(e) => {
            tracing::error!(error = %e, "could not claim notifications");
            return;
        }
    };
    for (id, body, attempts) in due {
        let attempts = attempts + 1;
        let sent = http
            .post(url.clone())
            .header("content-type", "application/json")
            .body(body)
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map(|r| r.status().is_success());
        let now = state.clock.now();
        let (done, next) = match sent {
            Ok(true) => (1, now),
            _ if attempts >= MAX_ATTEMPTS => {
                tracing::warn!(notification = id, "webhook delivery failed; giving up");
                (2, now)
            }
            _ => (0, now + chrono::Duration::seconds(5 << attempts.min(10))),
        };
        let res = sqlx::query(
            "UPDATE notifications SET done = ?, attempts = ?, next_at = ?, claimed_by = NULL, lease_until = NULL \
             WHERE id = ? AND claimed_by = ?",
        )
        .bind(done)
        .bind(attempts)
        .bind(stamp(next))
        .bind(id)
        .bind(&state.instance)
        .execute(&state.db)
        .await;
        if let Err(e) = res {
            tracing::error!(notification = id, error = %e, "could not record a delivery");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::{Call, Status};

    fn done_req() -> Request {
        Request {
            id: "R-1".into(),
            action: portico_vocab::LifecycleOp::Deactivate.into(),
            target_id: "00u1".into(),
            target_label: "ed@x (00u1)".into(),
            target_sub: Some("00u1".into()),
            summary: "Deactivate: Ed".into(),
            call: Call::Lifecycle { user_id: "00u1".into(), op: portico_vocab::LifecycleOp::Deactivate },
            reason: "Left".into(),
            requester_sub: "00uh".into(),
            requester_login: "hal@x".into(),
            requester_name: "Hal".into(),
            stages: vec![],
            stage: 0,
            status: Status::Pending,
            created_at: String::new(),
            expires_at: String::new(),
            updated_at: String::new(),
            attempts: 0,
            uncertain: false,
            result: None,
            upstream_request_id: None,
            policy_version: None,
            decisions: vec![],
        }
    }

    #[test]
    fn bodies_are_slack_ready_and_structured() {
        let req = done_req();
        let b = body(&req, "request.create", "hal@x", "https://portico.example/");
        let text = b["text"].as_str().expect("text");
        assert!(text.contains("<https://portico.example/requests/R-1|R-1>"), "{text}");
        assert!(text.contains("Left") && text.contains("Deactivate: Ed"), "{text}");
        assert_eq!(b["event"], "request.create");
        assert_eq!(b["request"]["url"], "https://portico.example/requests/R-1");
        assert_eq!(b["request"]["status"], "pending");
        let done = body(
            &Request { status: Status::Done, result: Some("Ed was deactivated.".into()), ..req },
            "request.execute",
            "portico",
            "https://portico.example",
        );
        assert!(done["text"].as_str().expect("text").contains("done: Ed was deactivated."), "{done}");
        // A reason cannot plant a link or a mention; the structured fields keep it as typed.
        let planted = Request { reason: "<!channel> see <https://evil.example|the form> & sign".into(), ..done_req() };
        let b = body(&planted, "request.create", "hal@x", "https://portico.example");
        let text = b["text"].as_str().expect("text");
        assert!(text.contains("&lt;!channel&gt; see &lt;https://evil.example|the form&gt; &amp; sign"), "{text}");
        assert!(!text.contains("<!channel>") && !text.contains("<https://evil"), "{text}");
        assert_eq!(b["request"]["reason"], "<!channel> see <https://evil.example|the form> & sign");
    }
}
