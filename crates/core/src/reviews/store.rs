//! Where campaigns and their items are kept. Every change is one guarded statement (a decision
//! only while undecided and its campaign open; an escalation once; closing only when nothing is
//! left undecided and unescalated), written once for both backends.

use crate::db::sql::{pg_sql, sqlite_sql};
use portico_vocab::{AccessKind, Campaign, ReviewItem, ReviewScope, Verdict};
use sqlx::{PgPool, Row, SqlitePool};

/// A campaign as stored, before its counts.
const CAMPAIGN: &str = "SELECT c.*, \
    (SELECT COUNT(*) FROM review_items i WHERE i.campaign_id = c.id) AS n_items, \
    (SELECT COUNT(*) FROM review_items i WHERE i.campaign_id = c.id AND i.verdict IS NOT NULL) AS n_decided, \
    (SELECT COUNT(*) FROM review_items i WHERE i.campaign_id = c.id AND i.verdict = 'revoke') AS n_revoked, \
    (SELECT COUNT(*) FROM review_items i WHERE i.campaign_id = c.id AND i.verdict IS NULL \
        AND i.escalated_at IS NOT NULL) AS n_escalated \
    FROM review_campaigns c";

fn decode(what: &str, e: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("review {what}: {e}").into())
}

fn campaign_of<R: Row>(r: &R) -> sqlx::Result<Campaign>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let scope: String = r.try_get("scope")?;
    let scope_of: String = r.try_get("scope_of")?;
    let count = |c: &str| r.try_get::<i64, _>(c).map(|n| n as u32);
    Ok(Campaign {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        scope: ReviewScope::parse(&scope).ok_or_else(|| decode("scope", &scope))?,
        scope_of: serde_json::from_str(&scope_of).map_err(|e| decode("scope_of", e))?,
        fallback_group: r.try_get("fallback_group")?,
        due_at: r.try_get("due_at")?,
        remind_at: r.try_get("remind_at")?,
        closed: r.try_get::<String, _>("status")? == "closed",
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        closed_by: r.try_get("closed_by")?,
        closed_at: r.try_get("closed_at")?,
        items: count("n_items")?,
        decided: count("n_decided")?,
        revoked: count("n_revoked")?,
        escalated: count("n_escalated")?,
    })
}

fn item_of<R: Row>(r: &R) -> sqlx::Result<ReviewItem>
where
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    Option<String>: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let kind: String = r.try_get("kind")?;
    let context: String = r.try_get("context")?;
    let verdict: Option<String> = r.try_get("verdict")?;
    let via = match (r.try_get::<Option<String>, _>("via_id")?, r.try_get::<Option<String>, _>("via_name")?) {
        (Some(id), Some(name)) => Some((id, name)),
        _ => None,
    };
    Ok(ReviewItem {
        id: r.try_get("id")?,
        campaign_id: r.try_get("campaign_id")?,
        person_id: r.try_get("person_id")?,
        person_name: r.try_get("person_name")?,
        kind: AccessKind::parse(&kind).ok_or_else(|| decode("kind", &kind))?,
        target_id: r.try_get("target_id")?,
        target_name: r.try_get("target_name")?,
        via,
        context: serde_json::from_str(&context).map_err(|e| decode("context", e))?,
        reviewer_id: r.try_get("reviewer_id")?,
        reviewer_name: r.try_get("reviewer_name")?,
        reviewer_why: r.try_get("reviewer_why")?,
        verdict: match verdict {
            Some(v) => Some(Verdict::parse(&v).ok_or_else(|| decode("verdict", &v))?),
            None => None,
        },
        comment: r.try_get("comment")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        escalated_at: r.try_get("escalated_at")?,
        escalated_from: r.try_get("escalated_from")?,
        request_id: r.try_get::<Option<String>, _>("request_id")?.filter(|id| !id.is_empty()),
    })
}

/// A decision to record.
pub struct Decision<'a> {
    pub verdict: Verdict,
    pub comment: &'a str,
    /// Who decided, as the evidence names them (`Name (login)`).
    pub by: &'a str,
    pub at: &'a str,
}

#[async_trait::async_trait]
pub trait ReviewStore: Sync {
    /// Stores a campaign and all its items at once; `reminders`: when reviewers are reminded.
    async fn insert_campaign(&self, c: &Campaign, reminders: &[String], items: &[ReviewItem]) -> sqlx::Result<()>;
    async fn campaigns(&self) -> sqlx::Result<Vec<Campaign>>;
    async fn campaign(&self, id: &str) -> sqlx::Result<Option<Campaign>>;
    /// The ids of campaigns with items these reviewers (user ids or `group:<name>`) review.
    async fn campaigns_reviewed_by(&self, reviewers: &[String]) -> sqlx::Result<Vec<String>>;
    async fn review_items(&self, campaign_id: &str) -> sqlx::Result<Vec<ReviewItem>>;
    async fn item(&self, id: &str) -> sqlx::Result<Option<ReviewItem>>;
    /// Records a decision on an undecided item of an open campaign. False if it was decided
    /// meanwhile or the campaign closed.
    async fn decide(&self, item_id: &str, d: &Decision<'_>) -> sqlx::Result<bool>;
    /// Links a revoke's request in place of `old` (none: the first), once.
    async fn set_request(&self, item_id: &str, old: Option<&str>, request_id: &str) -> sqlx::Result<bool>;
    /// Undecided, unescalated items of open campaigns whose due date has passed.
    async fn overdue(&self, now: &str) -> sqlx::Result<Vec<ReviewItem>>;
    /// Hands an undecided item to a new reviewer, once.
    async fn escalate(&self, item_id: &str, to_id: &str, to_name: &str, now: &str) -> sqlx::Result<bool>;
    /// Campaigns whose next reminder is due, each moved on to its following reminder by one
    /// guarded update (so each reminder is sent once, whichever process sees it first).
    async fn reminders_due(&self, now: &str) -> sqlx::Result<Vec<String>>;
    /// Closes an open campaign whose every item is decided or escalated. False otherwise.
    async fn close(&self, id: &str, by: &str, now: &str) -> sqlx::Result<bool>;
    /// Undecided items of open campaigns these reviewers review, not about `sub` themselves.
    async fn undecided_for(&self, reviewers: &[String], sub: &str) -> sqlx::Result<u32>;
    /// Requests about a person still open (pending, approved or running).
    async fn open_requests_about(&self, person_id: &str) -> sqlx::Result<u32>;
}

macro_rules! review_store {
    ($pool:ty, $sql:path) => {
        #[async_trait::async_trait]
        impl ReviewStore for $pool {
            async fn insert_campaign(
                &self,
                c: &Campaign,
                reminders: &[String],
                items: &[ReviewItem],
            ) -> sqlx::Result<()> {
                let mut tx = self.begin().await?;
                sqlx::query(&$sql(
                    "INSERT INTO review_campaigns (id, name, scope, scope_of, fallback_group, due_at, remind_at, \
                     reminders, status, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10)",
                ))
                .bind(&c.id)
                .bind(&c.name)
                .bind(c.scope.as_str())
                .bind(serde_json::to_string(&c.scope_of).unwrap_or_default())
                .bind(&c.fallback_group)
                .bind(&c.due_at)
                .bind(reminders.first())
                .bind(serde_json::to_string(reminders).unwrap_or_else(|_| "[]".into()))
                .bind(&c.created_by)
                .bind(&c.created_at)
                .execute(&mut *tx)
                .await?;
                for (seq, i) in items.iter().enumerate() {
                    sqlx::query(&$sql(
                        "INSERT INTO review_items (id, campaign_id, seq, person_id, person_name, kind, target_id, \
                         target_name, via_id, via_name, context, reviewer_id, reviewer_name, reviewer_why) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                    ))
                    .bind(&i.id)
                    .bind(&c.id)
                    .bind(seq as i64)
                    .bind(&i.person_id)
                    .bind(&i.person_name)
                    .bind(i.kind.as_str())
                    .bind(&i.target_id)
                    .bind(&i.target_name)
                    .bind(i.via.as_ref().map(|v| v.0.clone()))
                    .bind(i.via.as_ref().map(|v| v.1.clone()))
                    .bind(serde_json::to_string(&i.context).unwrap_or_default())
                    .bind(&i.reviewer_id)
                    .bind(&i.reviewer_name)
                    .bind(&i.reviewer_why)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await
            }

            async fn campaigns(&self) -> sqlx::Result<Vec<Campaign>> {
                let rows = sqlx::query(&$sql(&format!("{CAMPAIGN} ORDER BY c.created_at DESC, c.id")))
                    .fetch_all(self)
                    .await?;
                rows.iter().map(campaign_of).collect()
            }

            async fn campaign(&self, id: &str) -> sqlx::Result<Option<Campaign>> {
                let row = sqlx::query(&$sql(&format!("{CAMPAIGN} WHERE c.id = $1")))
                    .bind(id)
                    .fetch_optional(self)
                    .await?;
                row.as_ref().map(campaign_of).transpose()
            }

            async fn campaigns_reviewed_by(&self, reviewers: &[String]) -> sqlx::Result<Vec<String>> {
                if reviewers.is_empty() {
                    return Ok(Vec::new());
                }
                let marks: Vec<String> = (1..=reviewers.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT DISTINCT campaign_id FROM review_items WHERE reviewer_id IN ({})",
                    marks.join(", ")
                );
                let sql = $sql(&sql);
                let mut q = sqlx::query_scalar(&sql);
                for r in reviewers {
                    q = q.bind(r);
                }
                q.fetch_all(self).await
            }

            async fn review_items(&self, campaign_id: &str) -> sqlx::Result<Vec<ReviewItem>> {
                let rows = sqlx::query(&$sql("SELECT * FROM review_items WHERE campaign_id = $1 ORDER BY seq"))
                    .bind(campaign_id)
                    .fetch_all(self)
                    .await?;
                rows.iter().map(item_of).collect()
            }

            async fn item(&self, id: &str) -> sqlx::Result<Option<ReviewItem>> {
                let row = sqlx::query(&$sql("SELECT * FROM review_items WHERE id = $1"))
                    .bind(id)
                    .fetch_optional(self)
                    .await?;
                row.as_ref().map(item_of).transpose()
            }

            async fn decide(&self, item_id: &str, d: &Decision<'_>) -> sqlx::Result<bool> {
                let done = sqlx::query(&$sql(
                    "UPDATE review_items SET verdict = $1, comment = $2, decided_by = $3, decided_at = $4 \
                     WHERE id = $5 AND verdict IS NULL AND campaign_id IN \
                     (SELECT id FROM review_campaigns WHERE status = 'open')",
                ))
                .bind(d.verdict.as_str())
                .bind(d.comment)
                .bind(d.by)
                .bind(d.at)
                .bind(item_id)
                .execute(self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn set_request(&self, item_id: &str, old: Option<&str>, request_id: &str) -> sqlx::Result<bool> {
                let done = sqlx::query(&$sql(
                    "UPDATE review_items SET request_id = $1 WHERE id = $2 AND COALESCE(request_id, '') = $3",
                ))
                .bind(request_id)
                .bind(item_id)
                .bind(old.unwrap_or_default())
                .execute(self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn overdue(&self, now: &str) -> sqlx::Result<Vec<ReviewItem>> {
                let rows = sqlx::query(&$sql(
                    "SELECT i.* FROM review_items i JOIN review_campaigns c ON c.id = i.campaign_id \
                     WHERE c.status = 'open' AND c.due_at <= $1 AND i.verdict IS NULL AND i.escalated_at IS NULL \
                     ORDER BY i.campaign_id, i.seq",
                ))
                .bind(now)
                .fetch_all(self)
                .await?;
                rows.iter().map(item_of).collect()
            }

            async fn escalate(&self, item_id: &str, to_id: &str, to_name: &str, now: &str) -> sqlx::Result<bool> {
                let done = sqlx::query(&$sql(
                    "UPDATE review_items SET escalated_from = reviewer_name, reviewer_id = $1, reviewer_name = $2, \
                     reviewer_why = 'escalated', escalated_at = $3 \
                     WHERE id = $4 AND verdict IS NULL AND escalated_at IS NULL",
                ))
                .bind(to_id)
                .bind(to_name)
                .bind(now)
                .bind(item_id)
                .execute(self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn reminders_due(&self, now: &str) -> sqlx::Result<Vec<String>> {
                let due: Vec<(String, String, String)> = sqlx::query_as(&$sql(
                    "SELECT id, remind_at, reminders FROM review_campaigns \
                     WHERE status = 'open' AND remind_at IS NOT NULL AND remind_at <= $1",
                ))
                .bind(now)
                .fetch_all(self)
                .await?;
                let mut out = Vec::new();
                for (id, at, all) in due {
                    let all: Vec<String> = serde_json::from_str(&all).unwrap_or_default();
                    // Reminders that fell due together (the portal was down) are sent once.
                    let next = all.into_iter().find(|t| t.as_str() > now);
                    let moved = sqlx::query(&$sql(
                        "UPDATE review_campaigns SET remind_at = $1 WHERE id = $2 AND remind_at = $3",
                    ))
                    .bind(next)
                    .bind(&id)
                    .bind(&at)
                    .execute(self)
                    .await?;
                    if moved.rows_affected() == 1 {
                        out.push(id);
                    }
                }
                Ok(out)
            }

            async fn close(&self, id: &str, by: &str, now: &str) -> sqlx::Result<bool> {
                let done = sqlx::query(&$sql(
                    "UPDATE review_campaigns SET status = 'closed', closed_by = $1, closed_at = $2 \
                     WHERE id = $3 AND status = 'open' AND NOT EXISTS (SELECT 1 FROM review_items i \
                     WHERE i.campaign_id = $3 AND i.verdict IS NULL AND i.escalated_at IS NULL)",
                ))
                .bind(by)
                .bind(now)
                .bind(id)
                .execute(self)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn undecided_for(&self, reviewers: &[String], sub: &str) -> sqlx::Result<u32> {
                if reviewers.is_empty() {
                    return Ok(0);
                }
                let marks: Vec<String> = (2..=reviewers.len() + 1).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT COUNT(*) FROM review_items i JOIN review_campaigns c ON c.id = i.campaign_id \
                     WHERE c.status = 'open' AND i.verdict IS NULL AND i.person_id <> $1 AND i.reviewer_id IN ({})",
                    marks.join(", ")
                );
                let sql = $sql(&sql);
                let mut q = sqlx::query_scalar::<_, i64>(&sql).bind(sub);
                for r in reviewers {
                    q = q.bind(r);
                }
                Ok(q.fetch_one(self).await? as u32)
            }

            async fn open_requests_about(&self, person_id: &str) -> sqlx::Result<u32> {
                let n: i64 = sqlx::query_scalar(&$sql(
                    "SELECT COUNT(*) FROM requests WHERE target_sub = $1 \
                     AND status IN ('pending', 'approved', 'executing')",
                ))
                .bind(person_id)
                .fetch_one(self)
                .await?;
                Ok(n as u32)
            }
        }
    };
}

review_store!(SqlitePool, sqlite_sql);
review_store!(PgPool, pg_sql);
