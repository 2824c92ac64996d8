//! Requests on PostgreSQL: timestamptz, `INTEGER` and `BOOLEAN` columns; a decision locks its
//! request (`SELECT … FOR UPDATE`) so concurrent deciders on any replica take turns, and a claim
//! skips rows another replica is claiming (`FOR UPDATE SKIP LOCKED`) instead of waiting on them.

use super::*;
use sqlx::{PgPool, Row, postgres::PgRow};

impl Fields for PgRow {
    fn text(&self, col: &str) -> sqlx::Result<String> {
        self.try_get(col)
    }
    fn opt_text(&self, col: &str) -> sqlx::Result<Option<String>> {
        self.try_get(col)
    }
    fn int(&self, col: &str) -> sqlx::Result<i64> {
        Ok(i64::from(self.try_get::<i32, _>(col)?))
    }
    fn flag(&self, col: &str) -> sqlx::Result<bool> {
        self.try_get(col)
    }
    fn time(&self, col: &str) -> sqlx::Result<String> {
        Ok(stamp(self.try_get::<DateTime<Utc>, _>(col)?))
    }
    fn opt_time(&self, col: &str) -> sqlx::Result<Option<String>> {
        Ok(self.try_get::<Option<DateTime<Utc>>, _>(col)?.map(stamp))
    }
    fn opt_flag(&self, col: &str) -> sqlx::Result<Option<bool>> {
        self.try_get(col)
    }
    fn opt_int(&self, col: &str) -> sqlx::Result<Option<i64>> {
        Ok(self.try_get::<Option<i32>, _>(col)?.map(i64::from))
    }
}

async fn decisions(db: impl sqlx::PgExecutor<'_>, id: &str) -> sqlx::Result<Vec<DecisionRecord>> {
    let rows =
        sqlx::query("SELECT * FROM request_decisions WHERE request_id = $1 ORDER BY at").bind(id).fetch_all(db).await?;
    rows.iter().map(decision_from_row).collect()
}

pub(super) async fn with_decisions(db: &PgPool, rows: Vec<PgRow>) -> sqlx::Result<Vec<Request>> {
    let mut reqs = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut r = from_row(row)?;
        r.decisions = decisions(db, &r.id).await?;
        reqs.push(r);
    }
    Ok(reqs)
}

/// The same status change, guarded by the status it leaves.
const TO_STATUS: &str = "UPDATE requests SET status = $1, updated_at = $2 WHERE id = $3 AND status = 'pending'";

/// Counts kept in `INTEGER` columns.
fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[async_trait::async_trait]
impl RequestStore for PgPool {
    async fn insert_request(&self, id: &str, new: &NewRequest, now: DateTime<Utc>) -> Result<(), RequestError> {
        let (key, times) = (new.dedupe_key(), new.times(now));
        let res = sqlx::query(
            "INSERT INTO requests (id, action, dedupe_key, target_id, target_label, target_sub, summary, call, reason, \
             requester_sub, requester_login, requester_name, stages, stage, status, created_at, expires_at, updated_at, \
             policy_version, remind_at, escalation, break_glass, review_due_at, next_attempt_at, \
             run_at, zone, purpose, parent_id, step) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 0, $19, $14, $15, $14, $16, $17, $18, \
                     $20, $21, $22, $23, $24, $25, $26, $27)",
        )
        .bind(id)
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
        .bind(now)
        .bind(times.expires_at)
        .bind(&new.policy_version)
        .bind(times.remind_at)
        .bind(new.escalation.as_ref().and_then(|e| serde_json::to_string(e).ok()))
        .bind(times.status.as_str())
        .bind(new.break_glass_review_due.is_some())
        .bind(new.break_glass_review_due)
        .bind(times.next_attempt_at)
        .bind(new.schedule.run_at)
        .bind(&new.schedule.zone)
        .bind(new.schedule.purpose.as_str())
        .bind(&new.schedule.parent_id)
        .bind(new.schedule.step.map(int))
        .execute(self)
        .await;
        match res {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                let open: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM requests WHERE dedupe_key = $1 AND status IN ('pending', 'approved', 'executing')",
                )
                .bind(&key)
                .fetch_optional(self)
                .await?;
                Err(RequestError::Duplicate(open.unwrap_or_default()))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn get_request(&self, id: &str) -> sqlx::Result<Option<Request>> {
        let row = sqlx::query("SELECT * FROM requests WHERE id = $1").bind(id).fetch_optional(self).await?;
        Ok(with_decisions(self, row.into_iter().collect()).await?.pop())
    }

    async fn list_requests(&self, f: &ListFilter) -> sqlx::Result<Vec<Request>> {
        let (sql, binds) = f.sql(|n| format!("${n}"));
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self).await?;
        with_decisions(self, rows).await
    }

    async fn decide_request(
        &self,
        id: &str,
        decider: &Decider,
        approve: bool,
        comment: &str,
        now: DateTime<Utc>,
        eligible: &Eligible<'_>,
    ) -> Result<Decided, RequestError> {
        let mut tx = self.begin().await?;
        let row =
            sqlx::query("SELECT * FROM requests WHERE id = $1 FOR UPDATE").bind(id).fetch_optional(&mut *tx).await?;
        let mut req = from_row(&row.ok_or(RequestError::NotFound)?)?;
        req.decisions = decisions(&mut *tx, id).await?;
        let step = match judge(&req, decider, approve, &stamp(now), eligible)? {
            Move::Expire => {
                sqlx::query(TO_STATUS).bind("expired").bind(now).bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                return Err(RequestError::Expired);
            }
            Move::Record(step) => step,
        };
        sqlx::query(
            "INSERT INTO request_decisions \
             (request_id, approver_sub, approver_login, approver_name, stage, approve, comment, at, \
              signed_in_at, for_sub, for_login, for_name) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(id)
        .bind(&decider.person.sub)
        .bind(&decider.person.login)
        .bind(&decider.person.name)
        .bind(int(req.stage))
        .bind(approve)
        .bind(comment)
        .bind(now)
        .bind(decider.signed_in_at)
        .bind(decider.on_behalf_of.as_ref().map(|p| &p.sub))
        .bind(decider.on_behalf_of.as_ref().map(|p| &p.login))
        .bind(decider.on_behalf_of.as_ref().map(|p| &p.name))
        .execute(&mut *tx)
        .await?;
        let change = match step {
            Step::Wait => None,
            Step::Reject => Some(sqlx::query(TO_STATUS).bind("rejected").bind(now).bind(id)),
            Step::NextStage => Some(
                sqlx::query("UPDATE requests SET stage = stage + 1, updated_at = $1 WHERE id = $2 AND stage = $3")
                    .bind(now)
                    .bind(id)
                    .bind(int(req.stage)),
            ),
            Step::Approve => Some(
                sqlx::query(
                    "UPDATE requests SET status = 'approved', updated_at = $1, \
                     next_attempt_at = GREATEST($1, run_at) \
                     WHERE id = $2 AND status = 'pending'",
                )
                .bind(now)
                .bind(id),
            ),
        };
        if let Some(change) = change {
            change.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(step.decided())
    }

    async fn cancel_pending(&self, id: &str, now: DateTime<Utc>) -> sqlx::Result<bool> {
        let done = sqlx::query(TO_STATUS).bind("cancelled").bind(now).bind(id).execute(self).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn expire_pending(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar(
            "UPDATE requests SET status = 'expired', updated_at = $1 WHERE status = 'pending' AND expires_at <= $1 \
             AND (escalation IS NULL OR escalated_at IS NOT NULL) RETURNING id",
        )
        .bind(now)
        .fetch_all(self)
        .await
    }

    async fn claim_due(&self, lease: &Lease, now: DateTime<Utc>) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar(&format!(
            "UPDATE requests SET status = 'executing', attempts = attempts + 1, claimed_by = $2, lease_until = $3, \
             updated_at = $1 \
             WHERE id = (SELECT r.id FROM requests r WHERE r.status = 'approved' AND r.next_attempt_at <= $1 \
                         AND {READY} ORDER BY r.next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED) \
               AND status = 'approved' RETURNING id"
        ))
        .bind(now)
        .bind(&lease.owner)
        .bind(now + lease.length)
        .fetch_optional(self)
        .await
    }

    async fn renew_lease(&self, id: &str, lease: &Lease, now: DateTime<Utc>) -> sqlx::Result<bool> {
        let res = sqlx::query(
            "UPDATE requests SET lease_until = $1 WHERE id = $2 AND status = 'executing' AND claimed_by = $3",
        )
        .bind(now + lease.length)
        .bind(id)
        .bind(&lease.owner)
        .execute(self)
        .await?;
        Ok(res.rows_affected() == 1)
    }

    async fn finish_request(&self, id: &str, owner: &str, end: &Ending<'_>, now: DateTime<Utc>) -> sqlx::Result<bool> {
        let mut tx = self.begin().await?;
        let moved = sqlx::query(
            "UPDATE requests SET status = $1, result = $2, upstream_request_id = COALESCE($3, upstream_request_id), \
             claimed_by = NULL, lease_until = NULL, updated_at = $4 \
             WHERE id = $5 AND status = 'executing' AND claimed_by = $6",
        )
        .bind(end.to.as_str())
        .bind(end.result)
        .bind(end.request_id)
        .bind(now)
        .bind(id)
        .bind(owner)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if moved && let Some(sealed) = end.sealed {
            sqlx::query(
                "INSERT INTO request_secrets (request_id, sealed, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (request_id) DO UPDATE SET sealed = EXCLUDED.sealed, created_at = EXCLUDED.created_at",
            )
            .bind(id)
            .bind(sealed)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    async fn retry_request(
        &self,
        id: &str,
        owner: &str,
        next: DateTime<Utc>,
        uncertain: bool,
        end: &Ending<'_>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool> {
        let res = sqlx::query(
            "UPDATE requests SET status = 'approved', next_attempt_at = $1, uncertain = uncertain OR $2, \
             result = $3, upstream_request_id = COALESCE($4, upstream_request_id), claimed_by = NULL, \
             lease_until = NULL, updated_at = $5 \
             WHERE id = $6 AND status = 'executing' AND claimed_by = $7",
        )
        .bind(next)
        .bind(uncertain)
        .bind(end.result)
        .bind(end.request_id)
        .bind(now)
        .bind(id)
        .bind(owner)
        .execute(self)
        .await?;
        Ok(res.rows_affected() == 1)
    }

    async fn take_back_expired(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar(
            "UPDATE requests SET status = 'approved', uncertain = TRUE, next_attempt_at = $1, claimed_by = NULL, \
             lease_until = NULL, updated_at = $1 \
             WHERE status = 'executing' AND (lease_until IS NULL OR lease_until <= $1) RETURNING id",
        )
        .bind(now)
        .fetch_all(self)
        .await
    }

    async fn next_request_due(&self) -> sqlx::Result<Option<String>> {
        let due: Option<DateTime<Utc>> = sqlx::query_scalar(&format!(
            "SELECT LEAST((SELECT MIN(next_attempt_at) FROM requests r WHERE status = 'approved' AND {READY}), \
                          (SELECT MIN(lease_until) FROM requests WHERE status = 'executing'), \
                          (SELECT MIN(remind_at) FROM requests WHERE status = 'pending' AND reminded_at IS NULL), \
                          (SELECT MIN(remind_at) FROM requests WHERE status = 'approved' \
                                                                 AND purpose = 'grant_end' AND reminded_at IS NULL), \
                          (SELECT MIN(expires_at) FROM requests WHERE status = 'pending'), \
                          (SELECT MIN(review_due_at) FROM requests WHERE break_glass AND reviewed_at IS NULL \
                                                                     AND review_overdue_at IS NULL))"
        ))
        .fetch_one(self)
        .await?;
        Ok(due.map(stamp))
    }

    async fn has_secret(&self, id: &str) -> sqlx::Result<bool> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM request_secrets WHERE request_id = $1)")
            .bind(id)
            .fetch_one(self)
            .await
    }

    async fn take_secret(&self, id: &str) -> sqlx::Result<Option<Vec<u8>>> {
        sqlx::query_scalar("DELETE FROM request_secrets WHERE request_id = $1 RETURNING sealed")
            .bind(id)
            .fetch_optional(self)
            .await
    }

    async fn sweep_secrets(&self, created_before: DateTime<Utc>) -> sqlx::Result<u64> {
        let res = sqlx::query("DELETE FROM request_secrets WHERE created_at <= $1")
            .bind(created_before)
            .execute(self)
            .await?;
        Ok(res.rows_affected())
    }
}
