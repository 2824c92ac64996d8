//! Scheduled work on the request table: cancelling or moving what has not run yet, the
//! reminders before a time-bound grant ends, the upcoming list, and claiming one request to run
//! it now. Each change is one guarded statement, written once for both backends.

use super::{Lease, Request};
use crate::db::sql::{pg_sql, pg_time, sqlite_sql};
use chrono::{DateTime, Utc};
use sqlx::{PgPool, SqlitePool};

/// Which scheduled requests to list (open ones with a time), soonest first.
#[derive(Clone, Debug, Default)]
pub struct Upcoming {
    /// Only about these Okta people (none: everyone).
    pub target_subs: Option<Vec<String>>,
    /// Only this policy action (`deactivate`, `membership`, …).
    pub action: Option<String>,
    /// Only grants' ends (`true`) or only scheduled actions (`false`).
    pub grant_ends: Option<bool>,
    pub limit: u32,
}

impl Upcoming {
    /// The query in `$n` placeholders, and its text values in order.
    fn sql(&self) -> (String, Vec<String>) {
        let mut sql = String::from(
            "SELECT * FROM requests WHERE run_at IS NOT NULL AND status IN ('pending', 'approved', 'executing')",
        );
        let mut binds: Vec<String> = Vec::new();
        if let Some(subs) = &self.target_subs {
            if subs.is_empty() {
                sql.push_str(" AND 1 = 0");
            } else {
                let marks: Vec<String> = (1..=subs.len()).map(|i| format!("${}", binds.len() + i)).collect();
                sql.push_str(&format!(" AND target_sub IN ({})", marks.join(", ")));
                binds.extend(subs.iter().cloned());
            }
        }
        if let Some(action) = &self.action {
            binds.push(action.clone());
            sql.push_str(&format!(" AND action = ${}", binds.len()));
        }
        match self.grant_ends {
            Some(true) => sql.push_str(" AND purpose = 'grant_end'"),
            Some(false) => sql.push_str(" AND purpose <> 'grant_end'"),
            None => {}
        }
        sql.push_str(&format!(
            " ORDER BY run_at, id LIMIT {}",
            if self.limit == 0 { 200 } else { self.limit.min(500) }
        ));
        (sql, binds)
    }
}

#[async_trait::async_trait]
pub trait ScheduleStore: Sync {
    /// Cancels a request that has not started: pending, or approved with a time and never
    /// attempted. False if it had moved on.
    async fn cancel_open(&self, id: &str, now: DateTime<Utc>) -> sqlx::Result<bool>;
    /// Moves a scheduled request that has not started to `run_at` (its reminder to `remind_at`,
    /// to be sent again). False if it had moved on.
    async fn reschedule(
        &self,
        id: &str,
        run_at: DateTime<Utc>,
        remind_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool>;
    /// Marks grants' ends whose reminder is due as reminded, once; their ids.
    async fn grant_end_reminders_due(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>>;
    /// Claims this one approved request if it is due: `approved → executing` for `lease.owner`.
    async fn claim_request(&self, id: &str, lease: &Lease, now: DateTime<Utc>) -> sqlx::Result<bool>;
    async fn upcoming(&self, f: &Upcoming) -> sqlx::Result<Vec<Request>>;
    /// A failed playbook step, to be tried again now (the steps after it wait for it). False if
    /// it was not a failed step.
    async fn retry_step(&self, id: &str, now: DateTime<Utc>) -> sqlx::Result<bool>;
    /// A playbook's steps (or a grant's end), whatever their state, in order.
    async fn children(&self, parent_id: &str) -> sqlx::Result<Vec<Request>>;
}

macro_rules! schedule_store {
    ($pool:ty, $sql:path, $time:path, $with_decisions:path) => {
        #[async_trait::async_trait]
        impl ScheduleStore for $pool {
            async fn cancel_open(&self, id: &str, now: DateTime<Utc>) -> sqlx::Result<bool> {
                let done = sqlx::query(&$sql(
                    "UPDATE requests SET status = 'cancelled', updated_at = $1 WHERE id = $2 \
                     AND (status = 'pending' OR (status = 'approved' AND run_at IS NOT NULL AND attempts = 0))",
                ))
                .bind($time(now))
                .bind(id)
                .execute(self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn reschedule(
                &self,
                id: &str,
                run_at: DateTime<Utc>,
                remind_at: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> sqlx::Result<bool> {
                let done = sqlx::query(&$sql(
                    "UPDATE requests SET run_at = $1, next_attempt_at = $1, remind_at = $2, reminded_at = NULL, \
                     updated_at = $3 WHERE id = $4 AND status = 'approved' AND attempts = 0",
                ))
                .bind($time(run_at))
                .bind($time(remind_at))
                .bind($time(now))
                .bind(id)
                .execute(self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn grant_end_reminders_due(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>> {
                sqlx::query_scalar(&$sql(
                    "UPDATE requests SET reminded_at = $1 WHERE status = 'approved' AND purpose = 'grant_end' \
                     AND reminded_at IS NULL AND remind_at <= $1 RETURNING id",
                ))
                .bind($time(now))
                .fetch_all(self)
                .await
            }

            async fn claim_request(&self, id: &str, lease: &Lease, now: DateTime<Utc>) -> sqlx::Result<bool> {
                let done = sqlx::query(&$sql(&format!(
                    "UPDATE requests SET status = 'executing', attempts = attempts + 1, claimed_by = $2, \
                     lease_until = $3, updated_at = $1 \
                     WHERE id = (SELECT r.id FROM requests r WHERE r.id = $4 AND {} ) \
                       AND status = 'approved' AND next_attempt_at <= $1",
                    super::READY
                )))
                .bind($time(now))
                .bind(&lease.owner)
                .bind($time(now + lease.length))
                .bind(id)
                .execute(self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn upcoming(&self, f: &Upcoming) -> sqlx::Result<Vec<Request>> {
                let (sql, binds) = f.sql();
                let sql = $sql(&sql);
                let mut q = sqlx::query(&sql);
                for b in &binds {
                    q = q.bind(b);
                }
                let rows = q.fetch_all(self).await?;
                $with_decisions(self, rows).await
            }

            async fn retry_step(&self, id: &str, now: DateTime<Utc>) -> sqlx::Result<bool> {
                let done = sqlx::query(&$sql(
                    "UPDATE requests SET status = 'approved', next_attempt_at = $1, updated_at = $1 \
                     WHERE id = $2 AND status = 'failed' AND purpose = 'step'",
                ))
                .bind($time(now))
                .bind(id)
                .execute(self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn children(&self, parent_id: &str) -> sqlx::Result<Vec<Request>> {
                let rows = sqlx::query(&$sql("SELECT * FROM requests WHERE parent_id = $1 ORDER BY step, created_at"))
                    .bind(parent_id)
                    .fetch_all(self)
                    .await?;
                $with_decisions(self, rows).await
            }
        }
    };
}

schedule_store!(SqlitePool, sqlite_sql, crate::clock::stamp, super::sqlite::with_decisions);
schedule_store!(PgPool, pg_sql, pg_time, super::postgres::with_decisions);
