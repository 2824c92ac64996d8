//! Requests on SQLite: text stamps (text order is time order), integers for flags, and
//! `BEGIN IMMEDIATE` to take the database's write lock before reading what a decision changes.

use super::*;
use sqlx::{Row, SqlitePool, sqlite::SqliteRow};

impl Fields for SqliteRow {
    fn text(&self, col: &str) -> sqlx::Result<String> {
        self.try_get(col)
    }
    fn opt_text(&self, col: &str) -> sqlx::Result<Option<String>> {
        self.try_get(col)
    }
    fn int(&self, col: &str) -> sqlx::Result<i64> {
        self.try_get(col)
    }
    fn flag(&self, col: &str) -> sqlx::Result<bool> {
        Ok(self.try_get::<i64, _>(col)? != 0)
    }
    fn time(&self, col: &str) -> sqlx::Result<String> {
        self.try_get(col)
    }
    fn opt_time(&self, col: &str) -> sqlx::Result<Option<String>> {
        self.try_get(col)
    }
    fn opt_flag(&self, col: &str) -> sqlx::Result<Option<bool>> {
        Ok(self.try_get::<Option<i64>, _>(col)?.map(|v| v != 0))
    }
    fn opt_int(&self, col: &str) -> sqlx::Result<Option<i64>> {
        self.try_get(col)
    }
}

async fn decisions(db: impl sqlx::SqliteExecutor<'_>, id: &str) -> sqlx::Result<Vec<DecisionRecord>> {
    let rows =
        sqlx::query("SELECT * FROM request_decisions WHERE request_id = ? ORDER BY at").bind(id).fetch_all(db).await?;
    rows.iter().map(decision_from_row).collect()
}

pub(super) async fn with_decisions(db: &SqlitePool, rows: Vec<SqliteRow>) -> sqlx::Result<Vec<Request>> {
    let mut reqs = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut r = from_row(row)?;
        r.decisions = decisions(db, &r.id).await?;
        reqs.push(r);
    }
    Ok(reqs)
}

/// The same status change, guarded by the status it leaves.
const TO_STATUS: &str = "UPDATE requests SET status = ?, updated_at = ? WHERE id = ? AND status = 'pending'";

#[async_trait::async_trait]
impl RequestStore for SqlitePool {
    async fn insert_request(&self, id: &str, new: &NewRequest, now: DateTime<Utc>) -> Result<(), RequestError> {
        let (key, times) = (new.dedupe_key(), new.times(now));
        let res = sqlx::query(
            "INSERT INTO requests (id, action, dedupe_key, target_id, target_label, target_sub, summary, call, reason, \
             requester_sub, requester_login, requester_name, stages, stage, status, created_at, expires_at, updated_at, \
             policy_version, remind_at, escalation, break_glass, review_due_at, next_attempt_at, \
             run_at, zone, purpose, parent_id, step) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        .bind(times.status.as_str())
        .bind(stamp(now))
        .bind(stamp(times.expires_at))
        .bind(stamp(now))
        .bind(&new.policy_version)
        .bind(stamp(times.remind_at))
        .bind(new.escalation.as_ref().and_then(|e| serde_json::to_string(e).ok()))
        .bind(i64::from(new.break_glass_review_due.is_some()))
        .bind(new.break_glass_review_due.map(stamp))
        .bind(times.next_attempt_at.map(stamp))
        .bind(new.schedule.run_at.map(stamp))
        .bind(&new.schedule.zone)
        .bind(new.schedule.purpose.as_str())
        .bind(&new.schedule.parent_id)
        .bind(new.schedule.step.map(i64::from))
        .execute(self)
        .await;
        match res {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                let open: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM requests WHERE dedupe_key = ? AND status IN ('pending', 'approved', 'executing')",
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
        let row = sqlx::query("SELECT * FROM requests WHERE id = ?").bind(id).fetch_optional(self).await?;
        Ok(with_decisions(self, row.into_iter().collect()).await?.pop())
    }

    async fn list_requests(&self, f: &ListFilter) -> sqlx::Result<Vec<Request>> {
        let (sql, binds) = f.sql(|_| "?".into());
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
        let now = stamp(now);
        let mut tx = self.begin_with("BEGIN IMMEDIATE").await?;
        let row = sqlx::query("SELECT * FROM requests WHERE id = ?").bind(id).fetch_optional(&mut *tx).await?;
        let mut req = from_row(&row.ok_or(RequestError::NotFound)?)?;
        req.decisions = decisions(&mut *tx, id).await?;
        let step = match judge(&req, decider, approve, &now, eligible)? {
            Move::Expire => {
                sqlx::query(TO_STATUS).bind("expired").bind(&now).bind(id).execute(&mut *tx).await?;
                tx.commit().await?;
                return Err(RequestError::Expired);
            }
            Move::Record(step) => step,
        };
        sqlx::query(
            "INSERT INTO request_decisions \
             (request_id, approver_sub, approver_login, approver_name, stage, approve, comment, at, \
              signed_in_at, for_sub, for_login, for_name) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&decider.person.sub)
        .bind(&decider.person.login)
        .bind(&decider.person.name)
        .bind(i64::from(req.stage))
        .bind(approve as i64)
        .bind(comment)
        .bind(&now)
        .bind(decider.signed_in_at.map(stamp))
        .bind(decider.on_behalf_of.as_ref().map(|p| &p.sub))
        .bind(decider.on_behalf_of.as_ref().map(|p| &p.login))
        .bind(decider.on_behalf_of.as_ref().map(|p| &p.name))
        .execute(&mut *tx)
        .await?;
        let change = match step {
            Step::Wait => None,
            Step::Reject => Some(sqlx::query(TO_STATUS).bind("rejected").bind(&now).bind(id)),
            Step::NextStage => Some(
                sqlx::query("UPDATE requests SET stage = stage + 1, updated_at = ? WHERE id = ? AND stage = ?")
                    .bind(&now)
                    .bind(id)
                    .bind(i64::from(req.stage)),
            ),
            Step::Approve => Some(
                sqlx::query(
                    "UPDATE requests SET status = 'approved', updated_at = ?1, \
                     next_attempt_at = CASE WHEN run_at > ?1 THEN run_at ELSE ?1 END \
                     WHERE id = ?2 AND status = 'pending'",
                )
                .bind(&now)
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
        let done = sqlx::query(TO_STATUS).bind("cancelled").bind(stamp(now)).bind(id).execute(self).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn expire_pending(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar(
            "UPDATE requests SET status = 'expired', updated_at = ?1 WHERE status = 'pending' AND expires_at <= ?1 \
             AND (escalation IS NULL OR escalated_at IS NOT NULL) RETURNING id",
        )
        .bind(stamp(now))
        .fetch_all(self)
        .await
    }

    async fn claim_due(&self, lease: &Lease, now: DateTime<Utc>) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar(&format!(
            "UPDATE requests SET status = 'executing', attempts = attempts + 1, claimed_by = ?2, lease_until = ?3, \
             updated_at = ?1 \
             WHERE id = (SELECT r.id FROM requests r WHERE r.status = 'approved' AND r.next_attempt_at <= ?1 \
                         AND {READY} ORDER BY r.next_attempt_at LIMIT 1) \
               AND status = 'approved' RETURNING id"
        ))
        .bind(stamp(now))
        .bind(&lease.owner)
        .bind(stamp(now + lease.length))
        .fetch_optional(self)
        .await
    }

    async fn renew_lease(&self, id: &str, lease: &Lease, now: DateTime<Utc>) -> sqlx::Result<bool> {
        let res =
            sqlx::query("UPDATE requests SET lease_until = ? WHERE id = ? AND status = 'executing' AND claimed_by = ?")
                .bind(stamp(now + lease.length))
                .bind(id)
                .bind(&lease.owner)
                .execute(self)
                .await?;
        Ok(res.rows_affected() == 1)
    }

    async fn finish_request(&self, id: &str, owner: &str, end: &Ending<'_>, now: DateTime<Utc>) -> sqlx::Result<bool> {
        let mut tx = self.begin().await?;
        let moved = sqlx::query(
            "UPDATE requests SET status = ?, result = ?, upstream_request_id = COALESCE(?, upstream_request_id), \
             claimed_by = NULL, lease_until = NULL, updated_at = ? \
             WHERE id = ? AND status = 'executing' AND claimed_by = ?",
        )
        .bind(end.to.as_str())
        .bind(end.result)
        .bind(end.request_id)
        .bind(stamp(now))
        .bind(id)
        .bind(owner)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if moved && let Some(sealed) = end.sealed {
            sqlx::query("INSERT OR REPLACE INTO request_secrets (request_id, sealed, created_at) VALUES (?, ?, ?)")
                .bind(id)
                .bind(sealed)
                .bind(stamp(now))
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
            "UPDATE requests SET status = 'approved', next_attempt_at = ?, uncertain = MAX(uncertain, ?), \
             result = ?, upstream_request_id = COALESCE(?, upstream_request_id), claimed_by = NULL, \
             lease_until = NULL, updated_at = ? \
             WHERE id = ? AND status = 'executing' AND claimed_by = ?",
        )
        .bind(stamp(next))
        .bind(uncertain as i64)
        .bind(end.result)
        .bind(end.request_id)
        .bind(stamp(now))
        .bind(id)
        .bind(owner)
        .execute(self)
        .await?;
        Ok(res.rows_affected() == 1)
    }

    async fn take_back_expired(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>> {
        sqlx::query_scalar(
            "UPDATE requests SET status = 'approved', uncertain = 1, next_attempt_at = ?1, claimed_by = NULL, \
             lease_until = NULL, updated_at = ?1 \
             WHERE status = 'executing' AND (lease_until IS NULL OR lease_until <= ?1) RETURNING id",
        )
        .bind(stamp(now))
        .fetch_all(self)
        .await
    }

    async fn next_request_due(&self) -> sqlx::Result<Option<String>> {
        sqlx::query_scalar(&format!(
            "SELECT MIN(t) FROM (SELECT MIN(next_attempt_at) AS t FROM requests r WHERE status = 'approved' AND {READY} \
             UNION ALL SELECT MIN(lease_until) FROM requests WHERE status = 'executing' \
             UNION ALL SELECT MIN(remind_at) FROM requests WHERE status = 'pending' AND reminded_at IS NULL \
             UNION ALL SELECT MIN(remind_at) FROM requests WHERE status = 'approved' AND purpose = 'grant_end' \
                                                             AND reminded_at IS NULL \
             UNION ALL SELECT MIN(expires_at) FROM requests WHERE status = 'pending' \
             UNION ALL SELECT MIN(review_due_at) FROM requests WHERE break_glass = 1 AND reviewed_at IS NULL \
                                                                 AND review_overdue_at IS NULL)"
        ))
        .fetch_one(self)
        .await
    }

    async fn has_secret(&self, id: &str) -> sqlx::Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM request_secrets WHERE request_id = ?")
            .bind(id)
            .fetch_one(self)
            .await?;
        Ok(n > 0)
    }

    async fn take_secret(&self, id: &str) -> sqlx::Result<Option<Vec<u8>>> {
        sqlx::query_scalar("DELETE FROM request_secrets WHERE request_id = ? RETURNING sealed")
            .bind(id)
            .fetch_optional(self)
            .await
    }

    async fn sweep_secrets(&self, created_before: DateTime<Utc>) -> sqlx::Result<u64> {
        let res = sqlx::query("DELETE FROM request_secrets WHERE created_at <= ?")
            .bind(stamp(created_before))
            .execute(self)
            .await?;
        Ok(res.rows_affected())
    }
}
