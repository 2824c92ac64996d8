//! Requests for actions that need approval, as durable state in the portal's database.
//!
//! Every change of state is one guarded statement (`… WHERE id = ? AND status = ?`) or one
//! `BEGIN IMMEDIATE` transaction, so two approvers at the same moment, a restart, or a second
//! portal process can never move a request twice. The executor ([`worker`]) is the only code
//! that runs the stored upstream call, and it claims a request (`approved → executing`) before
//! touching Okta: that row is the outbox.

pub mod exec;
pub mod notify;
pub mod worker;

use crate::policy::Stage;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sqlx::{Row, SqlitePool, sqlite::SqliteRow};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS requests (
    id TEXT PRIMARY KEY,
    action TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    target_id TEXT NOT NULL,
    target_label TEXT NOT NULL,
    target_sub TEXT,
    summary TEXT NOT NULL,
    call TEXT NOT NULL,
    reason TEXT NOT NULL,
    requester_sub TEXT NOT NULL,
    requester_login TEXT NOT NULL,
    requester_name TEXT NOT NULL,
    stages TEXT NOT NULL,
    stage INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    uncertain INTEGER NOT NULL DEFAULT 0,
    result TEXT,
    upstream_request_id TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS one_open_request ON requests(dedupe_key)
    WHERE status IN ('pending', 'approved', 'executing');
CREATE INDEX IF NOT EXISTS requests_by_status ON requests(status, next_attempt_at);
CREATE INDEX IF NOT EXISTS requests_by_requester ON requests(requester_sub, created_at);
CREATE INDEX IF NOT EXISTS requests_by_target ON requests(target_id, created_at);
CREATE TABLE IF NOT EXISTS request_decisions (
    request_id TEXT NOT NULL REFERENCES requests(id),
    approver_sub TEXT NOT NULL,
    approver_login TEXT NOT NULL,
    approver_name TEXT NOT NULL,
    stage INTEGER NOT NULL,
    approve INTEGER NOT NULL,
    comment TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (request_id, approver_sub)
);
CREATE TABLE IF NOT EXISTS notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0
);
"#;

pub async fn migrate(db: &SqlitePool) -> sqlx::Result<()> {
    sqlx::raw_sql(SCHEMA).execute(db).await.map(|_| ())
}

/// Now, as stored: RFC 3339 UTC with milliseconds, so text order is time order.
pub fn now() -> String {
    stamp(chrono::Utc::now())
}

pub fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The exact upstream call a request runs once approved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Call {
    /// An Okta lifecycle operation (`deactivate`, …) or `delete`.
    Lifecycle {
        user_id: String,
        op: String,
    },
    /// A partial profile update: these properties, these values (`null` clears).
    Profile {
        user_id: String,
        changes: Map<String, Value>,
    },
    Membership {
        user_id: String,
        group_id: String,
        group_name: String,
        add: bool,
    },
    AsaStatus {
        name: String,
        status: String,
    },
    AsaMembership {
        group: String,
        user: String,
        add: bool,
    },
}

impl Call {
    /// The policy action governing this call.
    pub fn action(&self) -> &str {
        match self {
            Call::Lifecycle { op, .. } => op,
            Call::Profile { .. } => "profile",
            Call::Membership { .. } => "membership",
            Call::AsaStatus { .. } => "asa_status",
            Call::AsaMembership { .. } => "asa_group",
        }
    }

    /// What the audit trail calls the action once it runs (the same names as direct actions).
    pub fn audit_action(&self) -> String {
        match self {
            Call::Lifecycle { op, .. } => format!("person.{op}"),
            Call::Profile { .. } => "person.profile".into(),
            Call::Membership { add, .. } => if *add { "group.member_add" } else { "group.member_remove" }.into(),
            Call::AsaStatus { .. } => "asa.user_status".into(),
            Call::AsaMembership { add, .. } => if *add { "asa.member_add" } else { "asa.member_remove" }.into(),
        }
    }

    /// The Okta user id or ASA user name the call acts on.
    pub fn target_id(&self) -> &str {
        match self {
            Call::Lifecycle { user_id, .. } | Call::Profile { user_id, .. } | Call::Membership { user_id, .. } => {
                user_id
            }
            Call::AsaStatus { name, .. } => name,
            Call::AsaMembership { user, .. } => user,
        }
    }

    /// Requests with the same key cannot be open at once ("one open request per target and
    /// action"; a membership change is an action on one group).
    pub fn dedupe_key(&self) -> String {
        match self {
            Call::Membership { user_id, group_id, .. } => format!("membership|{user_id}|{group_id}"),
            Call::AsaMembership { group, user, .. } => format!("asa_group|{user}|{group}"),
            other => format!("{}|{}", other.action(), other.target_id()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for decisions.
    Pending,
    /// Every stage approved; waiting for the executor (or for a retry).
    Approved,
    /// Claimed by the executor; the upstream call may be in flight.
    Executing,
    Done,
    /// The upstream call failed for good (Okta's message is in `result`).
    Failed,
    Rejected,
    Cancelled,
    Expired,
    /// Refused at execution: the target's state no longer allows the action.
    Stale,
}

impl Status {
    pub const ALL: [Status; 9] = [
        Status::Pending,
        Status::Approved,
        Status::Executing,
        Status::Done,
        Status::Failed,
        Status::Rejected,
        Status::Cancelled,
        Status::Expired,
        Status::Stale,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Executing => "executing",
            Status::Done => "done",
            Status::Failed => "failed",
            Status::Rejected => "rejected",
            Status::Cancelled => "cancelled",
            Status::Expired => "expired",
            Status::Stale => "stale",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn is_open(self) -> bool {
        matches!(self, Status::Pending | Status::Approved | Status::Executing)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub stage: u32,
    pub approver_sub: String,
    pub approver_login: String,
    pub approver_name: String,
    pub approve: bool,
    pub comment: String,
    pub at: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: String,
    pub action: String,
    pub target_id: String,
    /// `login (id)` for Okta people, `ASA name` for ASA users: the audit trail's target.
    pub target_label: String,
    /// The target's Okta user id, when the target is an Okta person.
    pub target_sub: Option<String>,
    /// What will change, in words.
    pub summary: String,
    pub call: Call,
    pub reason: String,
    pub requester_sub: String,
    pub requester_login: String,
    pub requester_name: String,
    /// The policy's stages when the request was made (later policy edits do not move it).
    pub stages: Vec<Stage>,
    /// Index of the stage waiting for decisions.
    pub stage: u32,
    pub status: Status,
    pub created_at: String,
    pub expires_at: String,
    pub updated_at: String,
    pub attempts: u32,
    pub uncertain: bool,
    /// The outcome, in words (Okta's message on failure).
    pub result: Option<String>,
    pub upstream_request_id: Option<String>,
    pub decisions: Vec<DecisionRecord>,
}

impl Request {
    pub fn decided_by(&self) -> Vec<String> {
        self.decisions.iter().map(|d| d.approver_sub.clone()).collect()
    }

    pub fn current_stage(&self) -> Option<&Stage> {
        self.stages.get(self.stage as usize)
    }

    /// Approvals so far at the current stage.
    pub fn approvals_at_stage(&self) -> u32 {
        self.decisions.iter().filter(|d| d.stage == self.stage && d.approve).count() as u32
    }

    pub fn approvers_line(&self) -> String {
        let names: Vec<&str> = self.decisions.iter().filter(|d| d.approve).map(|d| d.approver_login.as_str()).collect();
        if names.is_empty() { String::new() } else { format!("approved by {}", names.join(", ")) }
    }
}

/// A person as a request records them.
#[derive(Clone, Debug)]
pub struct Person {
    pub sub: String,
    pub login: String,
    pub name: String,
}

pub struct NewRequest {
    pub call: Call,
    pub target_label: String,
    pub target_sub: Option<String>,
    pub summary: String,
    pub reason: String,
    pub requester: Person,
    pub stages: Vec<Stage>,
    pub ttl_hours: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("There is already an open request for this ({0}).")]
    Duplicate(String),
    #[error("No such request.")]
    NotFound,
    #[error("This request is {} now and can no longer be decided or cancelled.", .0.as_str())]
    NotPending(Status),
    #[error("This request expired before it was decided.")]
    Expired,
    #[error("You have already decided this request.")]
    AlreadyDecided,
    #[error("Only the requester can cancel a request.")]
    NotRequester,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

fn new_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("R-{}", &hex[..10].to_uppercase())
}

fn from_row(r: &SqliteRow) -> Result<Request, sqlx::Error> {
    let call: String = r.try_get("call")?;
    let stages: String = r.try_get("stages")?;
    let status: String = r.try_get("status")?;
    let decode = |what: &str, e: serde_json::Error| sqlx::Error::Decode(format!("request {what}: {e}").into());
    Ok(Request {
        id: r.try_get("id")?,
        action: r.try_get("action")?,
        target_id: r.try_get("target_id")?,
        target_label: r.try_get("target_label")?,
        target_sub: r.try_get("target_sub")?,
        summary: r.try_get("summary")?,
        call: serde_json::from_str(&call).map_err(|e| decode("call", e))?,
        reason: r.try_get("reason")?,
        requester_sub: r.try_get("requester_sub")?,
        requester_login: r.try_get("requester_login")?,
        requester_name: r.try_get("requester_name")?,
        stages: serde_json::from_str(&stages).map_err(|e| decode("stages", e))?,
        stage: r.try_get::<i64, _>("stage")? as u32,
        status: Status::parse(&status).ok_or_else(|| sqlx::Error::Decode(format!("status {status}").into()))?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        updated_at: r.try_get("updated_at")?,
        attempts: r.try_get::<i64, _>("attempts")? as u32,
        uncertain: r.try_get::<i64, _>("uncertain")? != 0,
        result: r.try_get("result")?,
        upstream_request_id: r.try_get("upstream_request_id")?,
        decisions: Vec::new(),
    })
}

async fn with_decisions(db: &SqlitePool, mut reqs: Vec<Request>) -> sqlx::Result<Vec<Request>> {
    for r in &mut reqs {
        let rows = sqlx::query("SELECT * FROM request_decisions WHERE request_id = ? ORDER BY at")
            .bind(&r.id)
            .fetch_all(db)
            .await?;
        r.decisions = rows
            .iter()
            .map(|d| {
                Ok(DecisionRecord {
                    stage: d.try_get::<i64, _>("stage")? as u32,
                    approver_sub: d.try_get("approver_sub")?,
                    approver_login: d.try_get("approver_login")?,
                    approver_name: d.try_get("approver_name")?,
                    approve: d.try_get::<i64, _>("approve")? != 0,
                    comment: d.try_get("comment")?,
                    at: d.try_get("at")?,
                })
            })
            .collect::<sqlx::Result<_>>()?;
    }
    Ok(reqs)
}

/// Stores a new pending request; refuses a second open one for the same target and action.
pub async fn create(db: &SqlitePool, new: NewRequest) -> Result<Request, RequestError> {
    let id = new_id();
    let now_t = chrono::Utc::now();
    let expires = stamp(now_t + chrono::Duration::hours(i64::from(new.ttl_hours)));
    let key = new.call.dedupe_key();
    let res = sqlx::query(
        "INSERT INTO requests (id, action, dedupe_key, target_id, target_label, target_sub, summary, call, reason, \
         requester_sub, requester_login, requester_name, stages, stage, status, created_at, expires_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'pending', ?, ?, ?)",
    )
    .bind(&id)
    .bind(new.call.action())
    .bind(&key)
    .bind(new.call.target_id())
    .bind(&new.target_label)
    .bind(&new.target_sub)
    .bind(&new.summary)
    .bind(serde_json::to_string(&new.call).unwrap_or_default())
    .bind(&new.reason)
    .bind(&new.requester.sub)
    .bind(&new.requester.login)
    .bind(&new.requester.name)
    .bind(serde_json::to_string(&new.stages).unwrap_or_default())
    .bind(stamp(now_t))
    .bind(&expires)
    .bind(stamp(now_t))
    .execute(db)
    .await;
    match res {
        Ok(_) => get(db, &id).await?.ok_or(RequestError::NotFound),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            let open: Option<String> = sqlx::query_scalar(
                "SELECT id FROM requests WHERE dedupe_key = ? AND status IN ('pending', 'approved', 'executing')",
            )
            .bind(&key)
            .fetch_optional(db)
            .await?;
            Err(RequestError::Duplicate(open.unwrap_or_default()))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn get(db: &SqlitePool, id: &str) -> sqlx::Result<Option<Request>> {
    let Some(row) = sqlx::query("SELECT * FROM requests WHERE id = ?").bind(id).fetch_optional(db).await? else {
        return Ok(None);
    };
    Ok(with_decisions(db, vec![from_row(&row)?]).await?.pop())
}

/// Which requests to list; empty fields are ignored. Newest first.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub requester_sub: Option<String>,
    pub statuses: Vec<Status>,
    pub target_ids: Vec<String>,
    pub limit: u32,
}

pub async fn list(db: &SqlitePool, f: &ListFilter) -> sqlx::Result<Vec<Request>> {
    let mut sql = String::from("SELECT * FROM requests WHERE 1 = 1");
    let mut binds: Vec<String> = Vec::new();
    if let Some(sub) = &f.requester_sub {
        sql.push_str(" AND requester_sub = ?");
        binds.push(sub.clone());
    }
    if !f.statuses.is_empty() {
        sql.push_str(&format!(" AND status IN ({})", vec!["?"; f.statuses.len()].join(", ")));
        binds.extend(f.statuses.iter().map(|s| s.as_str().to_string()));
    }
    if !f.target_ids.is_empty() {
        sql.push_str(&format!(" AND target_id IN ({})", vec!["?"; f.target_ids.len()].join(", ")));
        binds.extend(f.target_ids.iter().cloned());
    }
    sql.push_str(&format!(" ORDER BY created_at DESC LIMIT {}", if f.limit == 0 { 200 } else { f.limit }));
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(db).await?;
    let reqs = rows.iter().map(from_row).collect::<sqlx::Result<Vec<_>>>()?;
    with_decisions(db, reqs).await
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

/// Records one approver's decision and moves the request, atomically: concurrent decisions
/// serialize on SQLite's write lock (`BEGIN IMMEDIATE`), so only one of them can be the one that
/// approves it. Eligibility (policy, separation of duties) is checked by the caller first.
pub async fn decide(
    db: &SqlitePool,
    id: &str,
    approver: &Person,
    approve: bool,
    comment: &str,
) -> Result<(Decided, Request), RequestError> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let row = sqlx::query("SELECT * FROM requests WHERE id = ?").bind(id).fetch_optional(&mut *tx).await?;
    let req = from_row(&row.ok_or(RequestError::NotFound)?)?;
    if req.status != Status::Pending {
        return Err(RequestError::NotPending(req.status));
    }
    let now = now();
    if req.expires_at <= now {
        sqlx::query("UPDATE requests SET status = 'expired', updated_at = ? WHERE id = ? AND status = 'pending'")
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Err(RequestError::Expired);
    }
    let inserted = sqlx::query(
        "INSERT OR IGNORE INTO request_decisions \
         (request_id, approver_sub, approver_login, approver_name, stage, approve, comment, at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(&approver.sub)
    .bind(&approver.login)
    .bind(&approver.name)
    .bind(i64::from(req.stage))
    .bind(approve as i64)
    .bind(comment)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(RequestError::AlreadyDecided);
    }
    let outcome = if !approve {
        sqlx::query("UPDATE requests SET status = 'rejected', updated_at = ? WHERE id = ? AND status = 'pending'")
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        Decided::Rejected
    } else {
        let approvals: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM request_decisions WHERE request_id = ? AND stage = ? AND approve = 1",
        )
        .bind(id)
        .bind(i64::from(req.stage))
        .fetch_one(&mut *tx)
        .await?;
        let required = req.current_stage().map(|s| s.required).unwrap_or(1);
        if (approvals as u32) < required {
            Decided::Waiting
        } else if (req.stage as usize) + 1 < req.stages.len() {
            sqlx::query("UPDATE requests SET stage = stage + 1, updated_at = ? WHERE id = ? AND stage = ?")
                .bind(&now)
                .bind(id)
                .bind(i64::from(req.stage))
                .execute(&mut *tx)
                .await?;
            Decided::Waiting
        } else {
            sqlx::query(
                "UPDATE requests SET status = 'approved', next_attempt_at = ?, updated_at = ? \
                 WHERE id = ? AND status = 'pending'",
            )
            .bind(&now)
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            Decided::Approved
        }
    };
    tx.commit().await?;
    let req = get(db, id).await?.ok_or(RequestError::NotFound)?;
    Ok((outcome, req))
}

/// The requester withdraws a pending request.
pub async fn cancel(db: &SqlitePool, id: &str, requester_sub: &str) -> Result<Request, RequestError> {
    let req = get(db, id).await?.ok_or(RequestError::NotFound)?;
    if req.requester_sub != requester_sub {
        return Err(RequestError::NotRequester);
    }
    let done =
        sqlx::query("UPDATE requests SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'pending'")
            .bind(now())
            .bind(id)
            .execute(db)
            .await?;
    let req = get(db, id).await?.ok_or(RequestError::NotFound)?;
    if done.rows_affected() == 0 {
        return Err(RequestError::NotPending(req.status));
    }
    Ok(req)
}

/// Moves pending requests past their time to `expired`; returns those it moved.
pub async fn expire_due(db: &SqlitePool) -> sqlx::Result<Vec<Request>> {
    let now = now();
    let ids: Vec<String> =
        sqlx::query_scalar("UPDATE requests SET status = 'expired', updated_at = ? WHERE status = 'pending' AND expires_at <= ? RETURNING id")
            .bind(&now)
            .bind(&now)
            .fetch_all(db)
            .await?;
    let mut out = Vec::new();
    for id in ids {
        if let Some(r) = get(db, &id).await? {
            out.push(r);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn db() -> SqlitePool {
        let db =
            sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await.expect("db");
        migrate(&db).await.expect("schema");
        db
    }

    fn person(sub: &str) -> Person {
        Person { sub: sub.into(), login: format!("{sub}@x"), name: sub.into() }
    }

    fn new(stages: Vec<Stage>) -> NewRequest {
        NewRequest {
            call: Call::Lifecycle { user_id: "00u1".into(), op: "deactivate".into() },
            target_label: "t@x (00u1)".into(),
            target_sub: Some("00u1".into()),
            summary: "Deactivate".into(),
            reason: "left".into(),
            requester: person("req"),
            stages,
            ttl_hours: 1,
        }
    }

    fn stage(required: u32) -> Stage {
        Stage { approvers: vec!["admin".into()], required }
    }

    #[tokio::test]
    async fn one_open_request_per_target_and_action() {
        let db = db().await;
        let first = create(&db, new(vec![stage(1)])).await.expect("created");
        let dup = create(&db, new(vec![stage(1)])).await.expect_err("duplicate");
        assert!(matches!(dup, RequestError::Duplicate(ref id) if *id == first.id), "{dup}");
        cancel(&db, &first.id, "req").await.expect("cancelled");
        create(&db, new(vec![stage(1)])).await.expect("a closed request does not block a new one");
    }

    #[tokio::test]
    async fn stages_and_n_of_m() {
        let db = db().await;
        let r = create(&db, new(vec![stage(2), stage(1)])).await.expect("created");
        let (d, r1) = decide(&db, &r.id, &person("a"), true, "").await.expect("a");
        assert_eq!((d, r1.stage, r1.status), (Decided::Waiting, 0, Status::Pending));
        assert!(matches!(decide(&db, &r.id, &person("a"), true, "").await, Err(RequestError::AlreadyDecided)));
        let (d, r2) = decide(&db, &r.id, &person("b"), true, "").await.expect("b");
        assert_eq!((d, r2.stage, r2.status), (Decided::Waiting, 1, Status::Pending));
        let (d, r3) = decide(&db, &r.id, &person("c"), true, "ok").await.expect("c");
        assert_eq!((d, r3.status), (Decided::Approved, Status::Approved));
        assert!(matches!(
            decide(&db, &r.id, &person("d"), false, "").await,
            Err(RequestError::NotPending(Status::Approved))
        ));
        assert!(matches!(cancel(&db, &r.id, "req").await, Err(RequestError::NotPending(Status::Approved))));
    }

    #[tokio::test]
    async fn rejection_cancellation_and_expiry_are_final() {
        let db = db().await;
        let r = create(&db, new(vec![stage(1)])).await.expect("created");
        assert!(matches!(cancel(&db, &r.id, "someone").await, Err(RequestError::NotRequester)));
        let (d, r1) = decide(&db, &r.id, &person("a"), false, "no").await.expect("rejected");
        assert_eq!((d, r1.status), (Decided::Rejected, Status::Rejected));
        assert_eq!(r1.decisions[0].comment, "no");

        let r = create(&db, new(vec![stage(1)])).await.expect("created again");
        sqlx::query("UPDATE requests SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?")
            .bind(&r.id)
            .execute(&db)
            .await
            .expect("backdate");
        assert!(matches!(decide(&db, &r.id, &person("a"), true, "").await, Err(RequestError::Expired)));
        assert_eq!(get(&db, &r.id).await.expect("get").expect("row").status, Status::Expired);
    }

    #[tokio::test]
    async fn expire_due_moves_only_pending_past_their_time() {
        let db = db().await;
        let r = create(&db, new(vec![stage(1)])).await.expect("created");
        assert!(expire_due(&db).await.expect("sweep").is_empty());
        sqlx::query("UPDATE requests SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id = ?")
            .bind(&r.id)
            .execute(&db)
            .await
            .expect("backdate");
        let moved = expire_due(&db).await.expect("sweep");
        assert_eq!(moved.len(), 1);
        assert_eq!(moved[0].status, Status::Expired);
    }

    #[test]
    fn dedupe_keys_separate_groups_but_not_repeats() {
        let a = Call::Membership { user_id: "u".into(), group_id: "g1".into(), group_name: "G".into(), add: true };
        let b = Call::Membership { user_id: "u".into(), group_id: "g2".into(), group_name: "G".into(), add: true };
        assert_ne!(a.dedupe_key(), b.dedupe_key());
        let c = Call::Lifecycle { user_id: "u".into(), op: "suspend".into() };
        assert_eq!(c.dedupe_key(), "suspend|u");
        assert_eq!(c.audit_action(), "person.suspend");
    }
}
