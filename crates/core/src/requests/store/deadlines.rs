//! The request work the clock brings — reminders, escalations, break-glass reviews — each a
//! guarded statement (so one process does it once), written once for both backends.

use super::{Person, Request, Review};
use crate::db::sql::{pg_sql, pg_time, sqlite_sql};
use chrono::{DateTime, Utc};
use sqlx::{PgPool, SqlitePool};

#[async_trait::async_trait]
pub trait DeadlineStore: Sync {
    /// Marks pending requests whose reminder is due as reminded; their ids.
    async fn remind_due(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>>;
    /// Pending requests past their deadline whose policy escalates and which are not escalated yet.
    async fn escalation_due(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>>;
    /// Escalates a request to `to` with a new deadline, once: false if it was no longer pending
    /// or someone escalated it first.
    async fn escalate_request(
        &self,
        id: &str,
        to: &[Person],
        until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool>;
    /// Records the after-action review of a break-glass request, once.
    async fn review_request(&self, id: &str, review: &Review, now: DateTime<Utc>) -> sqlx::Result<bool>;
    /// Marks unreviewed break-glass requests past their review time as overdue, once; their ids.
    async fn reviews_overdue(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>>;
    /// Break-glass requests still waiting for their review, the earliest due first.
    async fn open_reviews(&self) -> sqlx::Result<Vec<Request>>;
}

macro_rules! deadline_store {
    ($pool:ty, $sql:path, $time:path, $with_decisions:path) => {
        #[async_trait::async_trait]
        impl DeadlineStore for $pool {
            async fn remind_due(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>> {
                sqlx::query_scalar(&$sql(
                    "UPDATE requests SET reminded_at = $1 WHERE status = 'pending' AND reminded_at IS NULL \
                     AND remind_at <= $1 AND escalated_at IS NULL RETURNING id",
                ))
                .bind($time(now))
                .fetch_all(self)
                .await
            }

            async fn escalation_due(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>> {
                sqlx::query_scalar(&$sql(
                    "SELECT id FROM requests WHERE status = 'pending' AND expires_at <= $1 \
                     AND escalation IS NOT NULL AND escalated_at IS NULL ORDER BY expires_at",
                ))
                .bind($time(now))
                .fetch_all(self)
                .await
            }

            async fn escalate_request(
                &self,
                id: &str,
                to: &[Person],
                until: DateTime<Utc>,
                now: DateTime<Utc>,
            ) -> sqlx::Result<bool> {
                let done = sqlx::query(&$sql(
                    "UPDATE requests SET escalated_at = $1, escalated_to = $2, expires_at = $3, updated_at = $1 \
                     WHERE id = $4 AND status = 'pending' AND escalated_at IS NULL",
                ))
                .bind($time(now))
                .bind(serde_json::to_string(to).unwrap_or_default())
                .bind($time(until))
                .bind(id)
                .execute(self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn review_request(&self, id: &str, review: &Review, now: DateTime<Utc>) -> sqlx::Result<bool> {
                let done = sqlx::query(&$sql(
                    "UPDATE requests SET reviewed_at = $1, reviewer_sub = $2, reviewer_login = $3, \
                     reviewer_name = $4, review_sound = $5, review_comment = $6, updated_at = $1 \
                     WHERE id = $7 AND break_glass = TRUE AND reviewed_at IS NULL",
                ))
                .bind($time(now))
                .bind(&review.by.sub)
                .bind(&review.by.login)
                .bind(&review.by.name)
                .bind(review.sound)
                .bind(&review.comment)
                .bind(id)
                .execute(self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn reviews_overdue(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>> {
                sqlx::query_scalar(&$sql(
                    "UPDATE requests SET review_overdue_at = $1 WHERE break_glass = TRUE AND reviewed_at IS NULL \
                     AND review_due_at <= $1 AND review_overdue_at IS NULL RETURNING id",
                ))
                .bind($time(now))
                .fetch_all(self)
                .await
            }

            async fn open_reviews(&self) -> sqlx::Result<Vec<Request>> {
                let rows = sqlx::query(
                    "SELECT * FROM requests WHERE break_glass = TRUE AND reviewed_at IS NULL \
                     ORDER BY review_due_at LIMIT 200",
                )
                .fetch_all(self)
                .await?;
                $with_decisions(self, rows).await
            }
        }
    };
}

deadline_store!(SqlitePool, sqlite_sql, crate::clock::stamp, super::sqlite::with_decisions);
deadline_store!(PgPool, pg_sql, pg_time, super::postgres::with_decisions);
