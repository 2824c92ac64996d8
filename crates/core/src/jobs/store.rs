//! Where jobs and their items are kept. Each statement is written once with `$n` parameters;
//! SQLite reads them as `?n` (numbered the same), and each backend binds times its own way
//! (text stamps on SQLite, timestamptz on PostgreSQL). Claims are one statement each, with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL so replicas never wait on, or share, an item; every
//! outcome is recorded only by the claim's holder.

use super::{Author, BulkAction, Item, ItemStatus, Job, JobStatus, Planned, Tally};
use crate::db::sql::{pg_sql, pg_time, sqlite_sql};
use crate::requests::{Call, Fields, Lease};
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row, SqlitePool};

#[async_trait::async_trait]
pub trait JobStore: Sync {
    /// Stores a draft and its items (one transaction).
    async fn insert_job(&self, job: &Job, items: &[Item], now: DateTime<Utc>) -> sqlx::Result<()>;
    async fn job(&self, id: &str) -> sqlx::Result<Option<Job>>;
    /// Newest first; only `author`'s when given.
    async fn jobs(&self, author: Option<&str>, limit: u32) -> sqlx::Result<Vec<Job>>;
    /// Items in order, after `after_seq`.
    async fn items(&self, job_id: &str, after_seq: u32, limit: u32) -> sqlx::Result<Vec<Item>>;
    async fn tally(&self, job_id: &str) -> sqlx::Result<Tally>;
    /// Draft → running (started), or waiting → running (its request approved): the planned
    /// items the author may run — and, once approved, those that waited for it — are queued, the
    /// rest skipped with what the preview found. False if it was not `from`.
    async fn run_job(&self, id: &str, from: JobStatus, now: DateTime<Utc>) -> sqlx::Result<bool>;
    /// Draft or running → cancelled; items not begun are cancelled. False if it had ended.
    async fn cancel_job(&self, id: &str, now: DateTime<Utc>) -> sqlx::Result<bool>;
    /// Running → done once nothing is waiting or running. True only for the call that moved it.
    async fn complete_job(&self, id: &str, now: DateTime<Utc>) -> sqlx::Result<bool>;
    /// Claims up to `n` due items of running jobs for `lease.owner`, oldest job first.
    async fn claim_items(&self, lease: &Lease, now: DateTime<Utc>, n: u32) -> sqlx::Result<Vec<Item>>;
    /// Extends every lease `lease.owner` holds.
    async fn renew_items(&self, lease: &Lease, now: DateTime<Utc>) -> sqlx::Result<u64>;
    /// Records an item's end, if `owner` still holds it.
    async fn finish_item(&self, item: &Item, owner: &str, end: &ItemEnd<'_>, now: DateTime<Utc>) -> sqlx::Result<bool>;
    /// Puts an item back in the queue for another attempt at `next`, if `owner` still holds it.
    async fn retry_item(
        &self,
        item: &Item,
        owner: &str,
        next: DateTime<Utc>,
        uncertain: bool,
        message: &str,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool>;
    /// Items whose lease ran out go back in the queue, outcome uncertain. Returns their jobs.
    async fn take_back_items(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>>;
    /// Running jobs with nothing waiting or running (to be completed).
    async fn idle_jobs(&self) -> sqlx::Result<Vec<String>>;
    /// When the next queued item is due (a retry), if any is waiting.
    async fn next_item_due(&self) -> sqlx::Result<Option<DateTime<Utc>>>;
    /// Draft → waiting for `request_id`; with `split`, the items needing approval move to that
    /// new job instead (waiting), and the draft keeps the rest. False if it was not a draft.
    async fn await_approval(
        &self,
        id: &str,
        request_id: &str,
        split: Option<&Job>,
        now: DateTime<Utc>,
    ) -> sqlx::Result<bool>;
    /// Jobs waiting for approval, with their requests.
    async fn waiting_jobs(&self) -> sqlx::Result<Vec<(String, String)>>;
    /// Whether the job would change the Okta person `sub` (one of its people it runs for).
    async fn job_includes(&self, id: &str, sub: &str) -> sqlx::Result<bool>;
}

/// How an item ended.
pub struct ItemEnd<'a> {
    pub status: ItemStatus,
    pub message: &'a str,
    pub upstream_id: Option<&'a str>,
}

fn decode(what: &str, e: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("job {what}: {e}").into())
}

fn job_from(r: &impl Fields) -> sqlx::Result<Job> {
    let action: BulkAction = serde_json::from_str(&r.text("action")?).map_err(|e| decode("action", e))?;
    let status = r.text("status")?;
    Ok(Job {
        id: r.text("id")?,
        action,
        summary: r.text("summary")?,
        source: r.text("source")?,
        author: Author { sub: r.text("author_sub")?, login: r.text("author_login")?, name: r.text("author_name")? },
        status: JobStatus::parse(&status).ok_or_else(|| decode("status", &status))?,
        request_id: r.opt_text("request_id")?,
        created_at: r.time("created_at")?,
        started_at: r.opt_time("started_at")?,
        finished_at: r.opt_time("finished_at")?,
    })
}

fn item_from(r: &impl Fields) -> sqlx::Result<Item> {
    let call: Option<Call> = match r.opt_text("call")? {
        Some(c) => Some(serde_json::from_str(&c).map_err(|e| decode("call", e))?),
        None => None,
    };
    let (plan, status) = (r.text("plan")?, r.text("status")?);
    Ok(Item {
        job_id: r.text("job_id")?,
        seq: r.int("seq")? as u32,
        target_id: r.text("target_id")?,
        target_label: r.text("target_label")?,
        target_sub: r.opt_text("target_sub")?,
        name: r.text("name")?,
        call,
        plan: Planned::parse(&plan).ok_or_else(|| decode("plan", &plan))?,
        plan_note: r.text("plan_note")?,
        status: ItemStatus::parse(&status).ok_or_else(|| decode("status", &status))?,
        message: r.opt_text("message")?,
        upstream_id: r.opt_text("upstream_id")?,
        attempts: r.int("attempts")? as u32,
        uncertain: r.flag("uncertain")?,
    })
}

const INSERT_JOB: &str = "INSERT INTO jobs (id, action, summary, source, author_sub, author_login, author_name, \
     status, created_at, updated_at, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)";
const INSERT_ITEM: &str = "INSERT INTO job_items (job_id, seq, target_id, target_label, target_sub, name, call, \
     plan, plan_note, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'planned')";
const START_JOB: &str =
    "UPDATE jobs SET status = 'running', started_at = $2, updated_at = $2 WHERE id = $1 AND status = 'draft'";
/// Queues the planned items whose plan is `$3` or `$4`; skips the rest with the preview's words.
const QUEUE_ITEMS: &str = "UPDATE job_items SET status = CASE WHEN plan IN ($3, $4) THEN 'pending' ELSE 'skipped' END, \
     message = CASE WHEN plan IN ($3, $4) THEN NULL ELSE plan_note END, \
     finished_at = CASE WHEN plan IN ($3, $4) THEN NULL ELSE $2 END \
     WHERE job_id = $1 AND status = 'planned'";
const RELEASE_JOB: &str =
    "UPDATE jobs SET status = 'running', started_at = $2, updated_at = $2 WHERE id = $1 AND status = 'waiting'";
const AWAIT_APPROVAL: &str =
    "UPDATE jobs SET status = 'waiting', request_id = $2, updated_at = $3 WHERE id = $1 AND status = 'draft'";
const TOUCH_DRAFT: &str = "UPDATE jobs SET updated_at = $2 WHERE id = $1 AND status = 'draft'";
const MOVE_WAITING_ITEMS: &str =
    "UPDATE job_items SET job_id = $2 WHERE job_id = $1 AND plan = 'needs_approval' AND status = 'planned'";
const CANCEL_JOB: &str = "UPDATE jobs SET status = 'cancelled', finished_at = $2, updated_at = $2 \
     WHERE id = $1 AND status IN ('draft', 'waiting', 'running')";
const CANCEL_ITEMS: &str = "UPDATE job_items SET status = 'cancelled', message = 'Cancelled before it ran.', \
     finished_at = $2 WHERE job_id = $1 AND status IN ('planned', 'pending')";
const COMPLETE_JOB: &str = "UPDATE jobs SET status = 'done', finished_at = $2, updated_at = $2 \
     WHERE id = $1 AND status = 'running' \
       AND NOT EXISTS (SELECT 1 FROM job_items WHERE job_id = $1 AND status IN ('pending', 'running'))";
const RENEW: &str = "UPDATE job_items SET lease_until = $2 WHERE claimed_by = $1 AND status = 'running'";
const FINISH_ITEM: &str = "UPDATE job_items SET status = $1, message = $2, upstream_id = COALESCE($3, upstream_id), \
     finished_at = $4, claimed_by = NULL, lease_until = NULL \
     WHERE job_id = $5 AND seq = $6 AND status = 'running' AND claimed_by = $7";
const RETRY_ITEM: &str = "UPDATE job_items SET status = 'pending', next_at = $1, uncertain = $2, message = $3, \
     claimed_by = NULL, lease_until = NULL \
     WHERE job_id = $4 AND seq = $5 AND status = 'running' AND claimed_by = $6";
const TAKE_BACK: &str = "UPDATE job_items SET status = 'pending', uncertain = TRUE, claimed_by = NULL, \
     lease_until = NULL, next_at = NULL WHERE status = 'running' AND lease_until < $1 RETURNING job_id";
const IDLE_JOBS: &str = "SELECT id FROM jobs WHERE status = 'running' \
     AND NOT EXISTS (SELECT 1 FROM job_items WHERE job_id = jobs.id AND status IN ('pending', 'running'))";
const TALLY: &str = "SELECT status, plan, COUNT(*) AS n FROM job_items WHERE job_id = $1 GROUP BY status, plan";
/// The due items to claim: queued, of a running job, due now; `$3` at most.
const DUE: &str = "SELECT id FROM job_items WHERE status = 'pending' AND (next_at IS NULL OR next_at <= $1) \
     AND job_id IN (SELECT id FROM jobs WHERE status = 'running') ORDER BY id LIMIT $3";

/// Inserts `job`'s row with this status and request, inside a macro-generated backend impl.
macro_rules! insert_job {
    ($sql:path, $time:path, $tx:expr, $job:expr, $status:expr, $request:expr, $now:expr) => {{
        let action = serde_json::to_string(&$job.action).map_err(|e| decode("action", e))?;
        sqlx::query(&$sql(INSERT_JOB))
            .bind(&$job.id)
            .bind(action)
            .bind(&$job.summary)
            .bind(&$job.source)
            .bind(&$job.author.sub)
            .bind(&$job.author.login)
            .bind(&$job.author.name)
            .bind($status.as_str())
            .bind($time($now))
            .bind($request)
            .execute($tx)
            .await?;
    }};
}

/// The same statements on each backend: `$n` is rewritten for SQLite, times bound as each keeps
/// them, and the claim's subquery locked (skipping locked rows) where the backend can.
macro_rules! job_store {
    ($pool:ty, $sql:path, $time:path, $lock:literal) => {
        #[async_trait::async_trait]
        impl JobStore for $pool {
            async fn insert_job(&self, job: &Job, items: &[Item], now: DateTime<Utc>) -> sqlx::Result<()> {
                let mut tx = self.begin().await?;
                insert_job!($sql, $time, &mut *tx, job, job.status, job.request_id.as_deref(), now);
                let insert = $sql(INSERT_ITEM);
                for item in items {
                    let call = match &item.call {
                        Some(c) => Some(serde_json::to_string(c).map_err(|e| decode("call", e))?),
                        None => None,
                    };
                    sqlx::query(&insert)
                        .bind(&item.job_id)
                        .bind(item.seq as i32)
                        .bind(&item.target_id)
                        .bind(&item.target_label)
                        .bind(&item.target_sub)
                        .bind(&item.name)
                        .bind(call)
                        .bind(item.plan.as_str())
                        .bind(&item.plan_note)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await
            }

            async fn job(&self, id: &str) -> sqlx::Result<Option<Job>> {
                let row = sqlx::query(&$sql("SELECT * FROM jobs WHERE id = $1")).bind(id).fetch_optional(self).await?;
                row.as_ref().map(job_from).transpose()
            }

            async fn jobs(&self, author: Option<&str>, limit: u32) -> sqlx::Result<Vec<Job>> {
                let rows = sqlx::query(&$sql(
                    "SELECT * FROM jobs WHERE ($1 IS NULL OR author_sub = $1) ORDER BY created_at DESC, id LIMIT $2",
                ))
                .bind(author)
                .bind(i64::from(limit))
                .fetch_all(self)
                .await?;
                rows.iter().map(job_from).collect()
            }

            async fn items(&self, job_id: &str, after_seq: u32, limit: u32) -> sqlx::Result<Vec<Item>> {
                let rows = sqlx::query(&$sql(
                    "SELECT * FROM job_items WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                ))
                .bind(job_id)
                .bind(after_seq as i32)
                .bind(i64::from(limit))
                .fetch_all(self)
                .await?;
                rows.iter().map(item_from).collect()
            }

            async fn tally(&self, job_id: &str) -> sqlx::Result<Tally> {
                let rows = sqlx::query(&$sql(TALLY)).bind(job_id).fetch_all(self).await?;
                let mut tally = Tally::default();
                for r in &rows {
                    let (status, plan): (String, String) = (r.try_get("status")?, r.try_get("plan")?);
                    let n: i64 = r.try_get("n")?;
                    let (Some(status), Some(plan)) = (ItemStatus::parse(&status), Planned::parse(&plan)) else {
                        return Err(decode("tally", status));
                    };
                    tally.add(status, plan, n as u32);
                }
                Ok(tally)
            }

            async fn run_job(&self, id: &str, from: JobStatus, now: DateTime<Utc>) -> sqlx::Result<bool> {
                // A draft queues what the author may run; an approved job, what waited for it too.
                let (moving, also) = match from {
                    JobStatus::Draft => (START_JOB, "run"),
                    JobStatus::Waiting => (RELEASE_JOB, "needs_approval"),
                    _ => return Ok(false),
                };
                let mut tx = self.begin().await?;
                let moved =
                    sqlx::query(&$sql(moving)).bind(id).bind($time(now)).execute(&mut *tx).await?.rows_affected() == 1;
                if moved {
                    sqlx::query(&$sql(QUEUE_ITEMS))
                        .bind(id)
                        .bind($time(now))
                        .bind("run")
                        .bind(also)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(moved)
            }

            async fn await_approval(
                &self,
                id: &str,
                request_id: &str,
                split: Option<&Job>,
                now: DateTime<Utc>,
            ) -> sqlx::Result<bool> {
                let Some(waiting) = split else {
                    let done = sqlx::query(&$sql(AWAIT_APPROVAL))
                        .bind(id)
                        .bind(request_id)
                        .bind($time(now))
                        .execute(self)
                        .await?;
                    return Ok(done.rows_affected() == 1);
                };
                let mut tx = self.begin().await?;
                let draft =
                    sqlx::query(&$sql(TOUCH_DRAFT)).bind(id).bind($time(now)).execute(&mut *tx).await?.rows_affected() == 1;
                if !draft {
                    return Ok(false);
                }
                insert_job!($sql, $time, &mut *tx, waiting, JobStatus::Waiting, Some(request_id), now);
                sqlx::query(&$sql(MOVE_WAITING_ITEMS)).bind(id).bind(&waiting.id).execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(true)
            }

            async fn waiting_jobs(&self) -> sqlx::Result<Vec<(String, String)>> {
                let rows = sqlx::query("SELECT id, request_id FROM jobs WHERE status = 'waiting' AND request_id IS NOT NULL")
                    .fetch_all(self)
                    .await?;
                rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("request_id")?))).collect()
            }

            async fn job_includes(&self, id: &str, sub: &str) -> sqlx::Result<bool> {
                let n: i64 = sqlx::query_scalar(&$sql("SELECT COUNT(*) FROM job_items WHERE job_id = $1 AND target_sub = $2 AND plan IN ('run', 'needs_approval')"))
                    .bind(id)
                    .bind(sub)
                    .fetch_one(self)
                    .await?;
                Ok(n > 0)
            }

            async fn cancel_job(&self, id: &str, now: DateTime<Utc>) -> sqlx::Result<bool> {
                let mut tx = self.begin().await?;
                let moved = sqlx::query(&$sql(CANCEL_JOB)).bind(id).bind($time(now)).execute(&mut *tx).await?.rows_affected()
                    == 1;
                if moved {
                    sqlx::query(&$sql(CANCEL_ITEMS)).bind(id).bind($time(now)).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(moved)
            }

            async fn complete_job(&self, id: &str, now: DateTime<Utc>) -> sqlx::Result<bool> {
                let done = sqlx::query(&$sql(COMPLETE_JOB)).bind(id).bind($time(now)).execute(self).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn claim_items(&self, lease: &Lease, now: DateTime<Utc>, n: u32) -> sqlx::Result<Vec<Item>> {
                // Materialized: the due rows are chosen (and locked) once, not again per row.
                let sql = format!(
                    "WITH due AS MATERIALIZED ({}{}) \
                     UPDATE job_items SET status = 'running', attempts = attempts + 1, claimed_by = $2, lease_until = $4 \
                     WHERE id IN (SELECT id FROM due) AND status = 'pending' RETURNING *",
                    DUE, $lock
                );
                let rows = sqlx::query(&$sql(&sql))
                    .bind($time(now))
                    .bind(&lease.owner)
                    .bind(i64::from(n))
                    .bind($time(now + lease.length))
                    .fetch_all(self)
                    .await?;
                let mut items = rows.iter().map(item_from).collect::<sqlx::Result<Vec<_>>>()?;
                items.sort_by(|a, b| (&a.job_id, a.seq).cmp(&(&b.job_id, b.seq)));
                Ok(items)
            }

            async fn renew_items(&self, lease: &Lease, now: DateTime<Utc>) -> sqlx::Result<u64> {
                let done =
                    sqlx::query(&$sql(RENEW)).bind(&lease.owner).bind($time(now + lease.length)).execute(self).await?;
                Ok(done.rows_affected())
            }

            async fn finish_item(
                &self,
                item: &Item,
                owner: &str,
                end: &ItemEnd<'_>,
                now: DateTime<Utc>,
            ) -> sqlx::Result<bool> {
                let done = sqlx::query(&$sql(FINISH_ITEM))
                    .bind(end.status.as_str())
                    .bind(end.message)
                    .bind(end.upstream_id)
                    .bind($time(now))
                    .bind(&item.job_id)
                    .bind(item.seq as i32)
                    .bind(owner)
                    .execute(self)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn retry_item(
                &self,
                item: &Item,
                owner: &str,
                next: DateTime<Utc>,
                uncertain: bool,
                message: &str,
                _now: DateTime<Utc>,
            ) -> sqlx::Result<bool> {
                let done = sqlx::query(&$sql(RETRY_ITEM))
                    .bind($time(next))
                    .bind(uncertain)
                    .bind(message)
                    .bind(&item.job_id)
                    .bind(item.seq as i32)
                    .bind(owner)
                    .execute(self)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn take_back_items(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<String>> {
                let mut jobs: Vec<String> =
                    sqlx::query_scalar(&$sql(TAKE_BACK)).bind($time(now)).fetch_all(self).await?;
                jobs.sort();
                jobs.dedup();
                Ok(jobs)
            }

            async fn idle_jobs(&self) -> sqlx::Result<Vec<String>> {
                sqlx::query_scalar(IDLE_JOBS).fetch_all(self).await
            }

            async fn next_item_due(&self) -> sqlx::Result<Option<DateTime<Utc>>> {
                let row = sqlx::query(
                    "SELECT MIN(next_at) AS next_at FROM job_items WHERE status = 'pending' AND next_at IS NOT NULL",
                )
                .fetch_one(self)
                .await?;
                Ok(row.opt_time("next_at")?.and_then(|t| DateTime::parse_from_rfc3339(&t).ok()).map(|t| t.to_utc()))
            }
        }
    };
}

job_store!(SqlitePool, sqlite_sql, crate::clock::stamp, "");
job_store!(PgPool, pg_sql, pg_time, " FOR UPDATE SKIP LOCKED");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Store, testing::on_both_backends};

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).expect("time")
    }

    fn draft(id: &str, n: u32) -> (Job, Vec<Item>) {
        let job = Job {
            id: id.into(),
            action: BulkAction::Lifecycle { op: portico_vocab::LifecycleOp::Suspend },
            summary: format!("Suspend {n} people"),
            source: "a selection".into(),
            author: Author { sub: "ada".into(), login: "ada@x".into(), name: "Ada".into() },
            status: JobStatus::Draft,
            request_id: None,
            created_at: String::new(),
            started_at: None,
            finished_at: None,
        };
        let items = (1..=n)
            .map(|seq| {
                let plan = if seq % 5 == 0 { Planned::NoChange } else { Planned::Run };
                Item {
                    job_id: id.into(),
                    seq,
                    target_id: format!("u{seq}"),
                    target_label: format!("p{seq}@x (u{seq})"),
                    target_sub: Some(format!("u{seq}")),
                    name: format!("P {seq}"),
                    call: (plan == Planned::Run).then(|| Call::Lifecycle {
                        user_id: format!("u{seq}"),
                        op: portico_vocab::LifecycleOp::Suspend,
                    }),
                    plan,
                    plan_note: if plan == Planned::Run { String::new() } else { "Already suspended.".into() },
                    status: ItemStatus::Planned,
                    message: None,
                    upstream_id: None,
                    attempts: 0,
                    uncertain: false,
                }
            })
            .collect();
        (job, items)
    }

    fn lease(owner: &str) -> Lease {
        Lease { owner: owner.into(), length: chrono::Duration::seconds(30) }
    }

    /// A draft runs nothing; started, its planned items queue and the rest are skipped with the
    /// preview's words; each queued item is claimed once, and the job completes once.
    async fn a_job_runs_each_item_once(db: &dyn Store) {
        let (job, items) = draft("J-1", 10);
        db.insert_job(&job, &items, t(0)).await.expect("insert");
        assert!(db.claim_items(&lease("a"), t(1), 50).await.expect("claim").is_empty(), "a draft runs nothing");
        let tally = db.tally("J-1").await.expect("tally");
        assert_eq!((tally.total, tally.planned, tally.planned(Planned::Run)), (10, 10, 8));

        assert!(db.run_job("J-1", JobStatus::Draft, t(2)).await.expect("start"));
        assert!(!db.run_job("J-1", JobStatus::Draft, t(2)).await.expect("again"), "started once");
        let tally = db.tally("J-1").await.expect("tally");
        assert_eq!((tally.pending, tally.skipped), (8, 2));
        let skipped = db.items("J-1", 4, 1).await.expect("items");
        assert_eq!(skipped[0].message.as_deref(), Some("Already suspended."));

        let first = db.claim_items(&lease("a"), t(3), 5).await.expect("claim");
        let second = db.claim_items(&lease("b"), t(3), 5).await.expect("claim");
        assert_eq!((first.len(), second.len()), (5, 3));
        assert!(first.iter().all(|i| i.attempts == 1 && i.status == ItemStatus::Running));
        let end = ItemEnd { status: ItemStatus::Done, message: "ok", upstream_id: Some("okta-1") };
        for item in &first {
            assert!(!db.finish_item(item, "b", &end, t(4)).await.expect("finish"), "only its holder records");
            assert!(db.finish_item(item, "a", &end, t(4)).await.expect("finish"));
        }
        assert!(!db.complete_job("J-1", t(5)).await.expect("complete"), "three still running");
        for item in &second {
            assert!(db.finish_item(item, "b", &end, t(4)).await.expect("finish"));
        }
        assert_eq!(db.idle_jobs().await.expect("idle"), vec!["J-1".to_string()]);
        assert!(db.complete_job("J-1", t(5)).await.expect("complete"));
        assert!(!db.complete_job("J-1", t(5)).await.expect("complete"), "once");
        let job = db.job("J-1").await.expect("job").expect("there");
        assert_eq!(job.status, JobStatus::Done);
        assert!(job.finished_at.is_some());
        let tally = db.tally("J-1").await.expect("tally");
        assert_eq!((tally.done, tally.skipped, tally.remaining()), (8, 2, 0));
    }

    /// A stopped holder's items come back uncertain after the lease; a retry waits its time; a
    /// cancelled job's queued items never run.
    async fn leases_retries_and_cancelling(db: &dyn Store) {
        let (job, items) = draft("J-2", 4);
        db.insert_job(&job, &items, t(0)).await.expect("insert");
        db.run_job("J-2", JobStatus::Draft, t(0)).await.expect("start");
        let held = db.claim_items(&lease("gone"), t(1), 2).await.expect("claim");
        assert_eq!(held.len(), 2);
        assert!(db.take_back_items(t(20)).await.expect("early").is_empty(), "a running lease is never taken");
        assert_eq!(db.renew_items(&lease("gone"), t(20)).await.expect("renew"), 2);
        assert!(db.take_back_items(t(40)).await.expect("still renewed").is_empty());
        assert_eq!(db.take_back_items(t(51)).await.expect("taken"), vec!["J-2".to_string()]);
        let again = db.claim_items(&lease("b"), t(52), 1).await.expect("claim");
        assert!(again[0].uncertain && again[0].attempts == 2, "{again:?}");
        let end = ItemEnd { status: ItemStatus::Done, message: "ok", upstream_id: None };
        assert!(!db.finish_item(&held[0], "gone", &end, t(53)).await.expect("late"), "the old holder records nothing");
        assert!(db.retry_item(&again[0], "b", t(70), true, "Okta was unavailable", t(53)).await.expect("retry"));
        assert_eq!(db.next_item_due().await.expect("due"), Some(t(70)));
        let due_now = db.claim_items(&lease("b"), t(60), 5).await.expect("claim");
        assert!(due_now.iter().all(|i| i.seq != again[0].seq), "a retry waits its time");

        assert!(db.cancel_job("J-2", t(61)).await.expect("cancel"));
        assert!(!db.cancel_job("J-2", t(61)).await.expect("cancel"), "once");
        assert!(db.claim_items(&lease("b"), t(90), 5).await.expect("claim").is_empty(), "nothing runs once cancelled");
        let tally = db.tally("J-2").await.expect("tally");
        assert_eq!(tally.cancelled, 1, "{tally:?}");
        assert_eq!(db.jobs(Some("ada"), 10).await.expect("jobs").len(), 1);
        assert!(db.jobs(Some("nobody"), 10).await.expect("jobs").is_empty());
    }

    /// Eight claimers over a hundred items: each item claimed exactly once.
    async fn simultaneous_claimers_share_the_items(db: &dyn Store) {
        let (job, items) = draft("J-3", 100);
        db.insert_job(&job, &items, t(0)).await.expect("insert");
        db.run_job("J-3", JobStatus::Draft, t(0)).await.expect("start");
        let claims = (0..8).map(|i| async move {
            let mut mine = Vec::new();
            loop {
                let got = db.claim_items(&lease(&format!("c{i}")), t(1), 3).await.expect("claim");
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|i| i.seq));
            }
        });
        let mut all: Vec<u32> = futures_util::future::join_all(claims).await.into_iter().flatten().collect();
        all.sort();
        let expected: Vec<u32> = (1..=100).filter(|s| s % 5 != 0).collect();
        assert_eq!(all, expected);
    }

    /// A preview that needs approval waits for its request: split when part of it may run at
    /// once; released once; its people are known for separation of duties.
    async fn approval_waits_then_releases_once(db: &dyn Store) {
        let (job, mut items) = draft("J-4", 6);
        for i in items.iter_mut().filter(|i| i.seq <= 3) {
            i.plan = Planned::NeedsApproval;
        }
        db.insert_job(&job, &items, t(0)).await.expect("insert");
        let split = Job { id: "J-5".into(), status: JobStatus::Waiting, ..job.clone() };
        assert!(db.await_approval("J-4", "R-1", Some(&split), t(1)).await.expect("split"));
        let waiting = db.job("J-5").await.expect("job").expect("there");
        assert_eq!((waiting.status, waiting.request_id.as_deref()), (JobStatus::Waiting, Some("R-1")));
        assert_eq!(db.tally("J-5").await.expect("tally").planned(Planned::NeedsApproval), 3);
        assert_eq!(db.tally("J-4").await.expect("tally").planned(Planned::NeedsApproval), 0);
        assert!(db.job_includes("J-5", "u2").await.expect("in"));
        assert!(!db.job_includes("J-5", "u4").await.expect("not in"));
        assert_eq!(db.waiting_jobs().await.expect("waiting"), vec![("J-5".to_string(), "R-1".to_string())]);
        assert!(db.claim_items(&lease("a"), t(2), 10).await.expect("claim").iter().all(|i| i.job_id != "J-5"));
        assert!(db.run_job("J-5", JobStatus::Waiting, t(3)).await.expect("release"));
        assert!(!db.run_job("J-5", JobStatus::Waiting, t(3)).await.expect("again"), "released once");
        assert_eq!(db.tally("J-5").await.expect("tally").pending, 3);
        // The whole of a preview that needs approval waits as it is.
        let (job, items) = draft("J-6", 2);
        db.insert_job(&job, &items, t(0)).await.expect("insert");
        assert!(db.await_approval("J-6", "R-2", None, t(1)).await.expect("wait"));
        assert!(!db.await_approval("J-6", "R-3", None, t(1)).await.expect("once"));
        assert!(db.cancel_job("J-6", t(2)).await.expect("cancel"));
    }

    on_both_backends!(
        approval_waits_then_releases_once,
        a_job_runs_each_item_once,
        leases_retries_and_cancelling,
        simultaneous_claimers_share_the_items
    );
}
