//! Storing and moving requests: every transition is one guarded statement or one
//! `BEGIN IMMEDIATE` transaction. Times come from the caller (the one clock), never from here.

use super::model::*;
use crate::clock::stamp;
use chrono::{DateTime, Duration, Utc};
use portico_vocab::PolicyAction;
use sqlx::{Row, SqlitePool, sqlite::SqliteRow};

fn new_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("R-{}", &hex[..10].to_uppercase())
}

fn from_row(r: &SqliteRow) -> Result<Request, sqlx::Error> {
    let call: String = r.try_get("call")?;
    let stages: String = r.try_get("stages")?;
    let status: String = r.try_get("status")?;
    let action: String = r.try_get("action")?;
    let decode = |what: &str, e: serde_json::Error| sqlx::Error::Decode(format!("request {what}: {e}").into());
    Ok(Request {
        id: r.try_get("id")?,
        action: PolicyAction::parse(&action).ok_or_else(|| sqlx::Error::Decode(format!("action {action}").into()))?,
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
        policy_version: r.try_get("policy_version")?,
        decisions: Vec::new(),
    })
}

fn decision_from_row(d: &SqliteRow) -> sqlx::Result<DecisionRecord> {
    Ok(DecisionRecord {
        stage: d.try_get::<i64, _>("stage")? as u32,
        approver_sub: d.try_get("approver_sub")?,
        approver_login: d.try_get("approver_login")?,
        approver_name: d.try_get("approver_name")?,
        approve: d.try_get::<i64, _>("approve")? != 0,
        comment: d.try_get("comment")?,
        at: d.try_get("at")?,
    })
}

async fn with_decisions(db: &SqlitePool, mut reqs: Vec<Request>) -> sqlx::Result<Vec<Request>> {
    for r in &mut reqs {
        let rows = sqlx::query("SELECT * FROM request_decisions WHERE request_id = ? ORDER BY at")
            .bind(&r.id)
            .fetch_all(db)
            .await?;
        r.decisions = rows.iter().map(decision_from_row).collect::<sqlx::Result<_>>()?;
    }
    Ok(reqs)
}

/// Stores a new pending request at `now`; refuses a second open one for the same target and action.
pub async fn create(db: &SqlitePool, new: NewRequest, now_t: DateTime<Utc>) -> Result<Request, RequestError> {
    let id = new_id();
    let expires = stamp(now_t + Duration::hours(i64::from(new.ttl_hours)));
    let key = new.call.dedupe_key();
    let res = sqlx::query(
        "INSERT INTO requests (id, action, dedupe_key, target_id, target_label, target_sub, summary, call, reason, \
         requester_sub, requester_login, requester_name, stages, stage, status, created_at, expires_at, updated_at, \
         policy_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'pending', ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(new.call.action().as_str())
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
    .bind(&new.policy_version)
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
/// approves it. `eligible` (policy, separation of duties) is asked inside the transaction, of the
/// request as it stands there: a decision counts at the stage it was checked against, so a
/// first-stage approver racing a stage change cannot complete the next stage.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    db: &SqlitePool,
    id: &str,
    approver: &Person,
    approve: bool,
    comment: &str,
    now: DateTime<Utc>,
    eligible: impl FnOnce(&Request) -> Result<(), String>,
) -> Result<(Decided, Request), RequestError> {
    let mut tx = db.begin_with("BEGIN IMMEDIATE").await?;
    let row = sqlx::query("SELECT * FROM requests WHERE id = ?").bind(id).fetch_optional(&mut *tx).await?;
    let mut req = from_row(&row.ok_or(RequestError::NotFound)?)?;
    if req.status != Status::Pending {
        return Err(RequestError::NotPending(req.status));
    }
    req.decisions = sqlx::query("SELECT * FROM request_decisions WHERE request_id = ? ORDER BY at")
        .bind(id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(decision_from_row)
        .collect::<sqlx::Result<_>>()?;
    let now = stamp(now);
    if req.expires_at <= now {
        sqlx::query("UPDATE requests SET status = 'expired', updated_at = ? WHERE id = ? AND status = 'pending'")
            .bind(&now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Err(RequestError::Expired);
    }
    eligible(&req).map_err(RequestError::Ineligible)?;
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
pub async fn cancel(
    db: &SqlitePool,
    id: &str,
    requester_sub: &str,
    now: DateTime<Utc>,
) -> Result<Request, RequestError> {
    let req = get(db, id).await?.ok_or(RequestError::NotFound)?;
    if req.requester_sub != requester_sub {
        return Err(RequestError::NotRequester);
    }
    let done =
        sqlx::query("UPDATE requests SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'pending'")
            .bind(stamp(now))
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
pub async fn expire_due(db: &SqlitePool, now: DateTime<Utc>) -> sqlx::Result<Vec<Request>> {
    let now = stamp(now);
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

/// A claim on work: which process holds it and for how long without renewing.
#[derive(Clone, Debug)]
pub struct Lease {
    /// This process's name in `claimed_by` (host, pid and a random part: unique per start).
    pub owner: String,
    pub length: Duration,
}

/// Claims the oldest due approved request for `lease.owner` (one statement, so one claimant
/// wins across every process on the database).
pub async fn claim(db: &SqlitePool, lease: &Lease, now: DateTime<Utc>) -> sqlx::Result<Option<Request>> {
    let id: Option<String> = sqlx::query_scalar(
        "UPDATE requests SET status = 'executing', attempts = attempts + 1, claimed_by = ?2, lease_until = ?3, \
         updated_at = ?1 \
         WHERE id = (SELECT id FROM requests WHERE status = 'approved' AND next_attempt_at <= ?1 \
                     ORDER BY next_attempt_at LIMIT 1) \
           AND status = 'approved' RETURNING id",
    )
    .bind(stamp(now))
    .bind(&lease.owner)
    .bind(stamp(now + lease.length))
    .fetch_optional(db)
    .await?;
    match id {
        Some(id) => get(db, &id).await,
        None => Ok(None),
    }
}

/// Renews the lease on a request this process is executing; false once it is no longer ours.
pub async fn renew(db: &SqlitePool, id: &str, lease: &Lease, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let res =
        sqlx::query("UPDATE requests SET lease_until = ? WHERE id = ? AND status = 'executing' AND claimed_by = ?")
            .bind(stamp(now + lease.length))
            .bind(id)
            .bind(&lease.owner)
            .execute(db)
            .await?;
    Ok(res.rows_affected() == 1)
}

/// `executing → to` with the outcome's words, only while this process holds the claim; false if
/// something else moved it first. `sealed`: a secret for the requester (a temporary password),
/// stored in the same transaction, so it exists exactly when the request says done.
#[allow(clippy::too_many_arguments)]
pub async fn finish(
    db: &SqlitePool,
    id: &str,
    owner: &str,
    to: Status,
    result: &str,
    request_id: Option<&str>,
    sealed: Option<&[u8]>,
    now: DateTime<Utc>,
) -> bool {
    let run = async {
        let mut tx = db.begin().await?;
        let moved = sqlx::query(
            "UPDATE requests SET status = ?, result = ?, upstream_request_id = COALESCE(?, upstream_request_id), \
             claimed_by = NULL, lease_until = NULL, updated_at = ? \
             WHERE id = ? AND status = 'executing' AND claimed_by = ?",
        )
        .bind(to.as_str())
        .bind(result)
        .bind(request_id)
        .bind(stamp(now))
        .bind(id)
        .bind(owner)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if moved && let Some(sealed) = sealed {
            sqlx::query("INSERT OR REPLACE INTO request_secrets (request_id, sealed, created_at) VALUES (?, ?, ?)")
                .bind(id)
                .bind(sealed)
                .bind(stamp(now))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok::<bool, sqlx::Error>(moved)
    };
    match run.await {
        Ok(moved) => moved,
        Err(e) => {
            tracing::error!(request = id, error = %e, "could not record a request's outcome");
            false
        }
    }
}

/// Whether a secret waits for the request's requester.
pub async fn has_secret(db: &SqlitePool, id: &str) -> sqlx::Result<bool> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM request_secrets WHERE request_id = ?").bind(id).fetch_one(db).await?;
    Ok(n > 0)
}

/// Takes the request's secret out, once: whoever's statement deletes it gets it.
pub async fn take_secret(db: &SqlitePool, id: &str) -> sqlx::Result<Option<Vec<u8>>> {
    sqlx::query_scalar("DELETE FROM request_secrets WHERE request_id = ? RETURNING sealed")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Erases secrets nobody came for within a day.
pub async fn sweep_secrets(db: &SqlitePool, now: DateTime<Utc>) -> sqlx::Result<u64> {
    let res = sqlx::query("DELETE FROM request_secrets WHERE created_at <= ?")
        .bind(stamp(now - Duration::hours(SECRET_HOURS)))
        .execute(db)
        .await?;
    Ok(res.rows_affected())
}

/// How long a secret waits for its requester.
pub const SECRET_HOURS: i64 = 24;

/// `executing → approved` for another attempt at `next`, only while this process holds the claim.
#[allow(clippy::too_many_arguments)]
pub async fn retry_later(
    db: &SqlitePool,
    id: &str,
    owner: &str,
    next: DateTime<Utc>,
    uncertain: bool,
    result: &str,
    request_id: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let res = sqlx::query(
        "UPDATE requests SET status = 'approved', next_attempt_at = ?, uncertain = MAX(uncertain, ?), \
         result = ?, upstream_request_id = COALESCE(?, upstream_request_id), claimed_by = NULL, \
         lease_until = NULL, updated_at = ? \
         WHERE id = ? AND status = 'executing' AND claimed_by = ?",
    )
    .bind(stamp(next))
    .bind(uncertain as i64)
    .bind(result)
    .bind(request_id)
    .bind(stamp(now))
    .bind(id)
    .bind(owner)
    .execute(db)
    .await?;
    Ok(res.rows_affected() == 1)
}

/// Takes back requests whose executor stopped renewing its lease (it crashed, or lost the
/// database): back to `approved`, outcome uncertain, so the next attempt first looks whether the
/// change already happened. A lease still running is left alone: its call may be in flight.
/// Rows claimed before leases existed have none and count as expired.
pub async fn take_back_expired(db: &SqlitePool, now: DateTime<Utc>) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "UPDATE requests SET status = 'approved', uncertain = 1, next_attempt_at = ?1, claimed_by = NULL, \
         lease_until = NULL, updated_at = ?1 \
         WHERE status = 'executing' AND (lease_until IS NULL OR lease_until <= ?1) RETURNING id",
    )
    .bind(stamp(now))
    .fetch_all(db)
    .await
}

/// When the next piece of request work falls due: a retry, or a lease running out.
pub async fn next_due(db: &SqlitePool) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT MIN(t) FROM (SELECT MIN(next_attempt_at) AS t FROM requests WHERE status = 'approved' \
         UNION ALL SELECT MIN(lease_until) FROM requests WHERE status = 'executing')",
    )
    .fetch_one(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Stage;

    async fn db() -> SqlitePool {
        let db =
            sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await.expect("db");
        crate::db::migrate(&db).await.expect("schema");
        db
    }

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").expect("time").with_timezone(&Utc)
    }

    fn person(sub: &str) -> Person {
        Person { sub: sub.into(), login: format!("{sub}@x"), name: sub.into() }
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
        }
    }

    fn stage(required: u32) -> Stage {
        Stage { approvers: vec!["admin".into()], required }
    }

    fn lease(owner: &str) -> Lease {
        Lease { owner: owner.into(), length: Duration::seconds(60) }
    }

    #[tokio::test]
    async fn one_open_request_per_target_and_action() {
        let db = db().await;
        let first = create(&db, new(vec![stage(1)]), t0()).await.expect("created");
        let dup = create(&db, new(vec![stage(1)]), t0()).await.expect_err("duplicate");
        assert!(matches!(dup, RequestError::Duplicate(ref id) if *id == first.id), "{dup}");
        cancel(&db, &first.id, "req", t0()).await.expect("cancelled");
        create(&db, new(vec![stage(1)]), t0()).await.expect("a closed request does not block a new one");
    }

    #[tokio::test]
    async fn stages_and_n_of_m() {
        let db = db().await;
        let r = create(&db, new(vec![stage(2), stage(1)]), t0()).await.expect("created");
        let (d, r1) = decide(&db, &r.id, &person("a"), true, "", t0(), |_| Ok(())).await.expect("a");
        assert_eq!((d, r1.stage, r1.status), (Decided::Waiting, 0, Status::Pending));
        assert!(matches!(
            decide(&db, &r.id, &person("a"), true, "", t0(), |_| Ok(())).await,
            Err(RequestError::AlreadyDecided)
        ));
        let (d, r2) = decide(&db, &r.id, &person("b"), true, "", t0(), |_| Ok(())).await.expect("b");
        assert_eq!((d, r2.stage, r2.status), (Decided::Waiting, 1, Status::Pending));
        let (d, r3) = decide(&db, &r.id, &person("c"), true, "ok", t0(), |_| Ok(())).await.expect("c");
        assert_eq!((d, r3.status), (Decided::Approved, Status::Approved));
        assert!(matches!(
            decide(&db, &r.id, &person("d"), false, "", t0(), |_| Ok(())).await,
            Err(RequestError::NotPending(Status::Approved))
        ));
        assert!(matches!(cancel(&db, &r.id, "req", t0()).await, Err(RequestError::NotPending(Status::Approved))));
    }

    #[tokio::test]
    async fn eligibility_is_judged_at_the_stage_inside_the_transaction() {
        let db = db().await;
        let r = create(&db, new(vec![stage(1), stage(1)]), t0()).await.expect("created");
        // An approver of stage 1 only, who checked while the request was at stage 1…
        let first_stage_only =
            |req: &Request| if req.stage == 0 { Ok(()) } else { Err("not at this stage".to_string()) };
        // …but someone else's approval moved it to stage 2 first.
        decide(&db, &r.id, &person("a"), true, "", t0(), |_| Ok(())).await.expect("stage 1 done");
        let late = decide(&db, &r.id, &person("b"), true, "", t0(), first_stage_only).await;
        assert!(matches!(late, Err(RequestError::Ineligible(ref m)) if m == "not at this stage"), "{late:?}");
        let now = get(&db, &r.id).await.expect("get").expect("row");
        assert_eq!((now.stage, now.status, now.decisions.len()), (1, Status::Pending, 1), "nothing recorded");
    }

    #[tokio::test]
    async fn rejection_cancellation_and_expiry_are_final() {
        let db = db().await;
        let r = create(&db, new(vec![stage(1)]), t0()).await.expect("created");
        assert!(matches!(cancel(&db, &r.id, "someone", t0()).await, Err(RequestError::NotRequester)));
        let (d, r1) = decide(&db, &r.id, &person("a"), false, "no", t0(), |_| Ok(())).await.expect("rejected");
        assert_eq!((d, r1.status), (Decided::Rejected, Status::Rejected));
        assert_eq!(r1.decisions[0].comment, "no");

        let r = create(&db, new(vec![stage(1)]), t0()).await.expect("created again");
        let late = t0() + Duration::hours(1);
        assert!(matches!(
            decide(&db, &r.id, &person("a"), true, "", late, |_| Ok(())).await,
            Err(RequestError::Expired)
        ));
        assert_eq!(get(&db, &r.id).await.expect("get").expect("row").status, Status::Expired);
    }

    #[tokio::test]
    async fn expire_due_moves_only_pending_past_their_time() {
        let db = db().await;
        create(&db, new(vec![stage(1)]), t0()).await.expect("created");
        assert!(expire_due(&db, t0() + Duration::minutes(59)).await.expect("sweep").is_empty());
        let moved = expire_due(&db, t0() + Duration::hours(1)).await.expect("sweep");
        assert_eq!(moved.len(), 1);
        assert_eq!(moved[0].status, Status::Expired);
    }

    /// An approved request, claimed by `a` at `t0`.
    async fn claimed(db: &SqlitePool) -> Request {
        let r = create(db, new(vec![stage(1)]), t0()).await.expect("created");
        decide(db, &r.id, &person("x"), true, "", t0(), |_| Ok(())).await.expect("approved");
        let got = claim(db, &lease("a"), t0()).await.expect("claim").expect("one due");
        assert_eq!(got.status, Status::Executing);
        got
    }

    #[tokio::test]
    async fn a_claim_is_one_owners_until_its_lease_runs_out() {
        let db = db().await;
        let r = claimed(&db).await;
        assert!(claim(&db, &lease("b"), t0()).await.expect("claim").is_none(), "one claimant");
        // While the lease runs, nobody takes it back: the call may be in flight.
        assert!(take_back_expired(&db, t0() + Duration::seconds(59)).await.expect("sweep").is_empty());
        assert!(!finish(&db, &r.id, "b", Status::Done, "", None, None, t0()).await, "only the owner finishes");
        // The owner renews; the lease moves with it.
        let later = t0() + Duration::seconds(50);
        assert!(renew(&db, &r.id, &lease("a"), later).await.expect("renew"));
        assert!(take_back_expired(&db, t0() + Duration::seconds(100)).await.expect("sweep").is_empty());
        // It stops renewing (killed): once the lease is over, another process takes it back.
        let after = later + Duration::seconds(60);
        assert_eq!(take_back_expired(&db, after).await.expect("sweep"), vec![r.id.clone()]);
        let back = get(&db, &r.id).await.expect("get").expect("row");
        assert_eq!((back.status, back.uncertain), (Status::Approved, true));
        let again = claim(&db, &lease("b"), after).await.expect("claim").expect("due again");
        assert_eq!(again.attempts, 2);
        // The first owner wakes up late: it can neither renew nor finish what is b's now.
        assert!(!renew(&db, &r.id, &lease("a"), after).await.expect("renew"));
        assert!(!finish(&db, &r.id, "a", Status::Done, "", None, Some(b"x"), after).await);
        assert!(!has_secret(&db, &r.id).await.expect("n"), "a refused finish stores nothing");
        assert!(finish(&db, &r.id, "b", Status::Done, "done", None, Some(b"sealed"), after).await);
        assert!(has_secret(&db, &r.id).await.expect("n"));
        assert!(sweep_secrets(&db, after + Duration::hours(23)).await.expect("sweep") == 0);
        assert_eq!(take_secret(&db, &r.id).await.expect("take").as_deref(), Some(&b"sealed"[..]));
        assert_eq!(take_secret(&db, &r.id).await.expect("take"), None, "once");
    }

    #[tokio::test]
    async fn a_retry_waits_and_releases_the_claim() {
        let db = db().await;
        let r = claimed(&db).await;
        let next = t0() + Duration::seconds(30);
        assert!(retry_later(&db, &r.id, "a", next, false, "busy", None, t0()).await.expect("retry"));
        assert!(claim(&db, &lease("b"), t0()).await.expect("claim").is_none(), "not before its time");
        assert_eq!(next_due(&db).await.expect("next").as_deref(), Some(stamp(next).as_str()));
        assert!(claim(&db, &lease("b"), next).await.expect("claim").is_some());
    }

    #[test]
    fn dedupe_keys_separate_groups_but_not_repeats() {
        let a = Call::Membership { user_id: "u".into(), group_id: "g1".into(), group_name: "G".into(), add: true };
        let b = Call::Membership { user_id: "u".into(), group_id: "g2".into(), group_name: "G".into(), add: true };
        assert_ne!(a.dedupe_key(), b.dedupe_key());
        let c = Call::Lifecycle { user_id: "u".into(), op: portico_vocab::LifecycleOp::Suspend };
        assert_eq!(c.dedupe_key(), "suspend|u");
        assert_eq!(c.audit_action(), "person.suspend");
    }
}
