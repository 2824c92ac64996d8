//! Notifications on new requests, decisions and outcomes, queued in the database and delivered
//! by the executor, so a receiver that is down gets them later. Two channels: the webhook (one
//! JSON body that Slack's incoming webhooks accept as is — `text`, with a link to the request —
//! and that other receivers can read field by field: `event`, `request`), and email to the
//! people concerned ([`super::mail`]), one row per recipient.

use super::Request;
use crate::{AppState, clock::stamp};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use sqlx::{PgPool, Row, SqlitePool};
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
        "request.remind" => format!("Reminder: {link} still waits for a decision: {summary} ({target})."),
        "request.break_glass" => format!(
            "BREAK-GLASS: {actor_t} ran {link} at once, without approval: {summary} ({target}). Reason: “{reason}”. \
             Someone else must review it."
        ),
        "request.review_overdue" => {
            format!("The after-action review of break-glass {link} is overdue: {summary} ({target}).")
        }
        "request.review" => format!("{actor_t} reviewed break-glass {link}: {summary} ({target})."),
        "request.schedule" => format!("{actor_t} scheduled {link}: {summary} ({target})."),
        "request.grant_end" | "request.grant_extend" => format!("{link} is set: {summary} ({target})."),
        "request.grant_ending" => format!(
            "Time-bound access ends soon ({}): {summary} ({target}). Extend it in Portico if it is still needed: {link}",
            slack_text(&req.run_at_words().unwrap_or_default())
        ),
        "request.escalate" => format!(
            "{link} was not decided in time and is escalated to {}: {summary} ({target}).",
            slack_text(&req.escalated_to.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "))
        ),
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
            "break_glass": req.break_glass,
        }
    })
}

/// Where a notification goes (the `channel` column).
pub const WEBHOOK: &str = "webhook";
pub const EMAIL: &str = "email";

/// Queues `event`'s notifications: the webhook's, when one is configured, and a mail to each
/// person it concerns, when email is.
pub async fn enqueue(state: &AppState, req: &Request, event: &str, actor: &str) {
    let now = state.clock.now();
    if state.config.approvals.webhook_url.is_some() {
        let body = body(req, event, actor, state.config.server.public_url.as_str());
        if let Err(e) = state.db.enqueue(WEBHOOK, &body.to_string(), now).await {
            tracing::error!(error = %e, request = %req.id, "could not queue a notification");
        }
    }
    if state.config.email.is_some() {
        for mail in super::mail::compose(state, req, event, actor).await {
            let body = serde_json::to_string(&mail).unwrap_or_default();
            if let Err(e) = state.db.enqueue(EMAIL, &body, now).await {
                tracing::error!(error = %e, request = %req.id, "could not queue a mail");
            }
        }
    }
}

/// Whether any channel is configured (else nothing is queued or delivered).
pub fn any_channel(state: &AppState) -> bool {
    state.config.approvals.webhook_url.is_some() || state.config.email.is_some()
}

/// What became of a delivery attempt (the `done` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Not yet: tried again at `next`.
    Retry = 0,
    Delivered = 1,
    GaveUp = 2,
}

/// A claimed notification: `(id, body, attempts so far, channel)`.
pub type Due = (i64, String, i64, String);

/// Where notifications wait: the local SQLite file, or PostgreSQL, each in its own SQL and types.
#[async_trait::async_trait]
pub trait NotificationStore: Sync {
    async fn enqueue(&self, channel: &str, body: &str, at: DateTime<Utc>) -> sqlx::Result<()>;
    /// Claims up to `n` due notifications for `instance` until `lease_until`, in one statement,
    /// so two processes never hold the same one; a claim whose process stopped is free again once
    /// its lease ran out. Oldest first.
    async fn claim(
        &self,
        instance: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        n: u32,
    ) -> sqlx::Result<Vec<Due>>;
    /// Records an attempt, only while `instance` still holds the claim; how many rows it changed.
    async fn settle(
        &self,
        id: i64,
        instance: &str,
        outcome: Delivery,
        attempts: i64,
        next: DateTime<Utc>,
    ) -> sqlx::Result<u64>;
    /// When the next undelivered notification falls due (its time, or its claim running out).
    async fn next_due(&self) -> sqlx::Result<Option<String>>;
}

#[async_trait::async_trait]
impl NotificationStore for SqlitePool {
    async fn enqueue(&self, channel: &str, body: &str, at: DateTime<Utc>) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO notifications (channel, body, next_at) VALUES (?, ?, ?)")
            .bind(channel)
            .bind(body)
            .bind(stamp(at))
            .execute(self)
            .await
            .map(drop)
    }

    async fn claim(
        &self,
        instance: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        n: u32,
    ) -> sqlx::Result<Vec<Due>> {
        let rows = sqlx::query(
            "UPDATE notifications SET claimed_by = ?2, lease_until = ?3 \
             WHERE id IN (SELECT id FROM notifications WHERE done = 0 AND next_at <= ?1 \
                          AND (lease_until IS NULL OR lease_until <= ?1) ORDER BY id LIMIT ?4) \
             RETURNING id, body, attempts, channel",
        )
        .bind(stamp(now))
        .bind(instance)
        .bind(stamp(lease_until))
        .bind(i64::from(n))
        .fetch_all(self)
        .await?;
        Ok(oldest_first(
            rows.iter().map(|r| (r.get("id"), r.get("body"), r.get("attempts"), r.get("channel"))).collect(),
        ))
    }

    async fn settle(
        &self,
        id: i64,
        instance: &str,
        outcome: Delivery,
        attempts: i64,
        next: DateTime<Utc>,
    ) -> sqlx::Result<u64> {
        sqlx::query(
            "UPDATE notifications SET done = ?, attempts = ?, next_at = ?, claimed_by = NULL, lease_until = NULL \
             WHERE id = ? AND claimed_by = ?",
        )
        .bind(outcome as i64)
        .bind(attempts)
        .bind(stamp(next))
        .bind(id)
        .bind(instance)
        .execute(self)
        .await
        .map(|r| r.rows_affected())
    }

    async fn next_due(&self) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar("SELECT MIN(MAX(next_at, COALESCE(lease_until, next_at))) FROM notifications WHERE done = 0")
            .fetch_one(self)
            .await
    }
}

#[async_trait::async_trait]
impl NotificationStore for PgPool {
    async fn enqueue(&self, channel: &str, body: &str, at: DateTime<Utc>) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO notifications (channel, body, next_at) VALUES ($1, $2, $3)")
            .bind(channel)
            .bind(body)
            .bind(at)
            .execute(self)
            .await
            .map(drop)
    }

    async fn claim(
        &self,
        instance: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        n: u32,
    ) -> sqlx::Result<Vec<Due>> {
        // SKIP LOCKED: replicas claiming at the same moment take different rows instead of waiting.
        let rows = sqlx::query(
            "UPDATE notifications SET claimed_by = $2, lease_until = $3 \
             WHERE id IN (SELECT id FROM notifications WHERE done = 0 AND next_at <= $1 \
                          AND (lease_until IS NULL OR lease_until <= $1) ORDER BY id LIMIT $4 \
                          FOR UPDATE SKIP LOCKED) \
             RETURNING id, body, attempts, channel",
        )
        .bind(now)
        .bind(instance)
        .bind(lease_until)
        .bind(i64::from(n))
        .fetch_all(self)
        .await?;
        Ok(oldest_first(
            rows.iter()
                .map(|r| (r.get("id"), r.get("body"), i64::from(r.get::<i32, _>("attempts")), r.get("channel")))
                .collect(),
        ))
    }

    async fn settle(
        &self,
        id: i64,
        instance: &str,
        outcome: Delivery,
        attempts: i64,
        next: DateTime<Utc>,
    ) -> sqlx::Result<u64> {
        sqlx::query(
            "UPDATE notifications SET done = $1, attempts = $2, next_at = $3, claimed_by = NULL, lease_until = NULL \
             WHERE id = $4 AND claimed_by = $5",
        )
        .bind(outcome as i16)
        .bind(i32::try_from(attempts).unwrap_or(i32::MAX))
        .bind(next)
        .bind(id)
        .bind(instance)
        .execute(self)
        .await
        .map(|r| r.rows_affected())
    }

    async fn next_due(&self) -> sqlx::Result<Option<String>> {
        let due: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT MIN(GREATEST(next_at, COALESCE(lease_until, next_at))) FROM notifications WHERE done = 0",
        )
        .fetch_one(self)
        .await?;
        Ok(due.map(stamp))
    }
}

/// One delivery over its channel; why it failed, in words.
async fn send(state: &AppState, http: &reqwest::Client, channel: &str, body: String) -> Result<(), String> {
    match channel {
        WEBHOOK => {
            let url = state.config.approvals.webhook_url.clone().ok_or("no webhook is configured now")?;
            let res = http
                .post(url)
                .header("content-type", "application/json")
                .body(body)
                .timeout(Duration::from_secs(10))
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if res.status().is_success() { Ok(()) } else { Err(format!("the webhook answered {}", res.status())) }
        }
        EMAIL => {
            let config = state.config.email.as_ref().ok_or("no SMTP server is configured now")?;
            let mail: super::mail::Mail = serde_json::from_str(&body).map_err(|e| e.to_string())?;
            super::mail::send(config, &mail).await
        }
        other => Err(format!("unknown channel {other}")),
    }
}

fn oldest_first(mut due: Vec<Due>) -> Vec<Due> {
    due.sort_by_key(|d| d.0);
    due
}

/// When the next undelivered notification falls due (its time, or its claim running out).
pub async fn next_due(db: &dyn crate::db::Store) -> sqlx::Result<Option<String>> {
    db.next_due().await
}

/// Sends what is due, each notification by exactly one process; failed deliveries wait longer
/// each time, then are dropped with a log line.
pub async fn deliver_due(state: &AppState, http: &reqwest::Client) {
    if !any_channel(state) {
        return;
    }
    let now = state.clock.now();
    let lease = chrono::Duration::seconds(i64::from(state.config.approvals.lease_seconds));
    let due = match state.db.claim(&state.instance, now, now + lease, 20).await {
        Ok(due) => due,
        Err(e) => {
            tracing::error!(error = %e, "could not claim notifications");
            return;
        }
    };
    for (id, body, attempts, channel) in due {
        let attempts = attempts + 1;
        let sent = send(state, http, &channel, body).await;
        if let Err(why) = &sent {
            tracing::warn!(notification = id, %channel, attempt = attempts, %why, "could not deliver a notification");
        }
        let now = state.clock.now();
        let (outcome, next) = match sent {
            Ok(()) => (Delivery::Delivered, now),
            _ if attempts >= MAX_ATTEMPTS => {
                tracing::warn!(notification = id, %channel, "delivery failed; giving up");
                (Delivery::GaveUp, now)
            }
            _ => (Delivery::Retry, now + chrono::Duration::seconds(5 << attempts.min(10))),
        };
        if let Err(e) = state.db.settle(id, &state.instance, outcome, attempts, next).await {
            tracing::error!(notification = id, error = %e, "could not record a delivery");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requests::Status;

    fn done_req() -> Request {
        Request::sample()
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

    /// What every backend must do alike, at fixed times: claims exclusive until their lease
    /// runs out, attempts recorded only by the holder, retries due again later.
    async fn queues(db: &dyn crate::db::Store) {
        use chrono::TimeZone;
        let at = |s: i64| Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap() + chrono::Duration::seconds(s);
        let ids = |due: Vec<Due>| due.into_iter().map(|d| d.0).collect::<Vec<_>>();
        for body in ["a", "b", "c"] {
            db.enqueue(WEBHOOK, body, at(0)).await.unwrap();
        }
        let first = db.claim("p1", at(0), at(60), 2).await.unwrap();
        assert_eq!(first.iter().map(|d| (d.1.as_str(), d.2)).collect::<Vec<_>>(), [("a", 0), ("b", 0)]);
        assert_eq!(ids(db.claim("p2", at(0), at(60), 5).await.unwrap()), [3], "what p1 holds is not offered");
        assert!(db.claim("p2", at(30), at(90), 5).await.unwrap().is_empty(), "leases still run");
        assert_eq!(db.next_due().await.unwrap().as_deref(), Some("2026-12-06T09:01:00.000Z"));
        assert_eq!(db.settle(first[0].0, "p1", Delivery::Delivered, 1, at(1)).await.unwrap(), 1);
        assert_eq!(db.settle(first[1].0, "p1", Delivery::Retry, 1, at(10)).await.unwrap(), 1);
        assert_eq!(db.next_due().await.unwrap().as_deref(), Some("2026-12-06T09:00:10.000Z"));
        let again = db.claim("p3", at(61), at(121), 5).await.unwrap();
        assert_eq!(
            again.iter().map(|d| (d.1.as_str(), d.2)).collect::<Vec<_>>(),
            [("b", 1), ("c", 0)],
            "a retry, and a lease run out"
        );
        assert_eq!(
            db.settle(again[1].0, "p2", Delivery::Delivered, 1, at(62)).await.unwrap(),
            0,
            "p2 no longer holds it"
        );
        assert_eq!(db.settle(again[1].0, "p3", Delivery::GaveUp, 6, at(62)).await.unwrap(), 1);
    }

    /// Eight claimers at once over forty notifications: each is taken exactly once.
    async fn claims_race(db: &(impl NotificationStore + Clone + Send + 'static)) {
        use chrono::TimeZone;
        let t = Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap();
        for i in 0..40 {
            db.enqueue(EMAIL, &format!("n{i}"), t).await.unwrap();
        }
        let claimers = (0..8).map(|p| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = db.claim(&format!("p{p}"), t, t + chrono::Duration::seconds(60), 3).await.unwrap();
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got.into_iter().map(|d| d.1));
                }
            })
        });
        let mut all: Vec<String> = Vec::new();
        for c in claimers.collect::<Vec<_>>() {
            all.extend(c.await.unwrap());
        }
        all.sort();
        let mut expected: Vec<String> = (0..40).map(|i| format!("n{i}")).collect();
        expected.sort();
        assert_eq!(all, expected, "every notification claimed once, none twice");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_queue_on_sqlite() {
        let (_dir, db) = crate::db::testing::sqlite().await;
        queues(&db).await;
        sqlx::query("DELETE FROM notifications").execute(&db).await.expect("empty");
        claims_race(&db).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_queue_on_postgres() {
        let (_cluster, db) = crate::db::testing::postgres().await;
        queues(&db).await;
        sqlx::query("DELETE FROM notifications").execute(&db).await.expect("empty");
        claims_race(&db).await;
        db.close().await;
    }
}
