//! One rate-limit budget per upstream (Okta, ASA), shared by every process on the database.
//!
//! Each answer's `X-Rate-Limit-Limit/Remaining/Reset` (or a 429's `Retry-After`) is an
//! observation of its bucket. A process keeps the newest observation per bucket, counts its own
//! calls since, and holds a call back while the bucket is spent until its reset, instead of
//! spending a request on a certain 429. Observations reach the database at most once per bucket
//! per second ([`share`], off the request path) and come back from it as often, so replicas pace
//! by what any of them last heard. Times are the portal's clock: a reset is kept as
//! `now + (reset − Date)`, so the upstream's clock need not agree with ours.

use crate::clock::stamp;
use chrono::{DateTime, Duration, Utc};
use reqwest::header::{self, HeaderMap};
use sqlx::{PgPool, Row, SqlitePool};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

/// What a bucket's headers said, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    pub upstream: String,
    pub bucket: String,
    pub limit: u32,
    pub remaining: u32,
    pub reset_at: DateTime<Utc>,
    pub observed_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
struct Bucket {
    seen: Observation,
    /// Calls this process sent since `seen`.
    used_since: u32,
    /// Not yet written to the database.
    dirty: bool,
}

/// One upstream's budget, as this process knows it.
pub struct Budget {
    upstream: &'static str,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Budget {
    pub fn new(upstream: &'static str) -> Arc<Budget> {
        Arc::new(Budget { upstream, buckets: Mutex::default() })
    }

    /// How long a call in `bucket` waits before it goes out: nothing while the bucket has more
    /// than `reserve` calls left (as last heard by any process, less this one's calls since),
    /// else until its reset. Counts the call when it may go at once. People's clicks reserve
    /// nothing; bulk jobs leave `jobs.reserve` calls per window for them.
    pub fn take(&self, bucket: &str, reserve: u32, now: DateTime<Utc>) -> std::time::Duration {
        let Ok(mut buckets) = self.buckets.lock() else { return std::time::Duration::ZERO };
        let Some(b) = buckets.get_mut(bucket) else { return std::time::Duration::ZERO };
        if b.seen.reset_at <= now || b.used_since.saturating_add(reserve) < b.seen.remaining {
            b.used_since += 1;
            return std::time::Duration::ZERO;
        }
        (b.seen.reset_at - now).to_std().unwrap_or_default()
    }

    /// Records what an answer in `bucket` said about it, if it said anything.
    pub fn observe(&self, bucket: &str, status: u16, headers: &HeaderMap, now: DateTime<Utc>) {
        let Some((limit, remaining, reset_at)) = read_headers(status, headers, now) else { return };
        let seen = Observation {
            upstream: self.upstream.to_string(),
            bucket: bucket.to_string(),
            limit,
            remaining,
            reset_at,
            observed_at: now,
        };
        if let Ok(mut buckets) = self.buckets.lock() {
            // Answers arrive out of order when calls overlap: within one window, the count left
            // only goes down, so an older answer's larger count does not undo the calls since.
            let seen = match buckets.get(bucket) {
                Some(b) if same_window(&b.seen, &seen) => {
                    Observation { remaining: seen.remaining.min(b.seen.remaining.saturating_sub(b.used_since)), ..seen }
                }
                _ => seen,
            };
            buckets.insert(bucket.to_string(), Bucket { seen, used_since: 0, dirty: true });
        }
    }

    /// Observations not yet shared; marks them shared.
    fn unshared(&self) -> Vec<Observation> {
        let Ok(mut buckets) = self.buckets.lock() else { return Vec::new() };
        buckets
            .values_mut()
            .filter(|b| b.dirty)
            .map(|b| {
                b.dirty = false;
                b.seen.clone()
            })
            .collect()
    }

    /// Takes what other processes heard, where it is newer than what this one knows.
    fn merge(&self, others: &[Observation]) {
        let Ok(mut buckets) = self.buckets.lock() else { return };
        for o in others.iter().filter(|o| o.upstream == self.upstream) {
            let newer = buckets.get(&o.bucket).is_none_or(|b| o.observed_at > b.seen.observed_at);
            if newer {
                buckets.insert(o.bucket.clone(), Bucket { seen: o.clone(), used_since: 0, dirty: false });
            }
        }
    }
}

/// Two observations of one window: the same limit, resets within the headers' one-second grain.
fn same_window(a: &Observation, b: &Observation) -> bool {
    a.limit == b.limit && (a.reset_at - b.reset_at).num_milliseconds().abs() <= 1500
}

/// `(limit, remaining, reset)` from `X-Rate-Limit-*` (the reset by the answer's own `Date`), or
/// from a 429's `Retry-After`; nothing when the answer says nothing about its budget.
fn read_headers(status: u16, headers: &HeaderMap, now: DateTime<Utc>) -> Option<(u32, u32, DateTime<Utc>)> {
    let num = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<i64>().ok());
    if let (Some(limit), Some(remaining), Some(reset)) =
        (num("x-rate-limit-limit"), num("x-rate-limit-remaining"), num("x-rate-limit-reset"))
    {
        let date = headers
            .get(header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|d| DateTime::parse_from_rfc2822(d).ok())
            .map(|d| d.timestamp())
            .unwrap_or_else(|| Utc::now().timestamp());
        let reset_at = now + Duration::seconds((reset - date).clamp(0, 3600));
        let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        return Some((count(limit), count(remaining), reset_at));
    }
    if status == 429 {
        let after = num("retry-after").unwrap_or(1).clamp(1, 3600);
        return Some((0, 0, now + Duration::seconds(after)));
    }
    None
}

/// Where observations are shared: the portal's database, in each backend's SQL.
#[async_trait::async_trait]
pub trait BudgetStore: Sync {
    /// Writes each observation unless the stored one for its bucket is newer.
    async fn save_observations(&self, seen: &[Observation]) -> sqlx::Result<()>;
    async fn observations(&self) -> sqlx::Result<Vec<Observation>>;
}

#[async_trait::async_trait]
impl BudgetStore for SqlitePool {
    async fn save_observations(&self, seen: &[Observation]) -> sqlx::Result<()> {
        for o in seen {
            sqlx::query(
                "INSERT INTO rate_limits (upstream, bucket, \"limit\", remaining, reset_at, observed_at) \
                 VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (upstream, bucket) DO UPDATE SET \"limit\" = excluded.\"limit\", \
                 remaining = excluded.remaining, reset_at = excluded.reset_at, observed_at = excluded.observed_at \
                 WHERE excluded.observed_at > rate_limits.observed_at",
            )
            .bind(&o.upstream)
            .bind(&o.bucket)
            .bind(i64::from(o.limit))
            .bind(i64::from(o.remaining))
            .bind(stamp(o.reset_at))
            .bind(stamp(o.observed_at))
            .execute(self)
            .await?;
        }
        Ok(())
    }

    async fn observations(&self) -> sqlx::Result<Vec<Observation>> {
        let rows = sqlx::query("SELECT * FROM rate_limits").fetch_all(self).await?;
        let time = |r: &sqlx::sqlite::SqliteRow, c: &str| -> sqlx::Result<DateTime<Utc>> {
            let t: String = r.try_get(c)?;
            DateTime::parse_from_rfc3339(&t).map(|t| t.to_utc()).map_err(|e| sqlx::Error::Decode(Box::new(e)))
        };
        rows.iter()
            .map(|r| {
                Ok(Observation {
                    upstream: r.try_get("upstream")?,
                    bucket: r.try_get("bucket")?,
                    limit: u32::try_from(r.try_get::<i64, _>("limit")?).unwrap_or(0),
                    remaining: u32::try_from(r.try_get::<i64, _>("remaining")?).unwrap_or(0),
                    reset_at: time(r, "reset_at")?,
                    observed_at: time(r, "observed_at")?,
                })
            })
            .collect()
    }
}

#[async_trait::async_trait]
impl BudgetStore for PgPool {
    async fn save_observations(&self, seen: &[Observation]) -> sqlx::Result<()> {
        for o in seen {
            sqlx::query(
                "INSERT INTO rate_limits (upstream, bucket, \"limit\", remaining, reset_at, observed_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (upstream, bucket) DO UPDATE SET \"limit\" = EXCLUDED.\"limit\", \
                 remaining = EXCLUDED.remaining, reset_at = EXCLUDED.reset_at, observed_at = EXCLUDED.observed_at \
                 WHERE EXCLUDED.observed_at > rate_limits.observed_at",
            )
            .bind(&o.upstream)
            .bind(&o.bucket)
            .bind(i32::try_from(o.limit).unwrap_or(i32::MAX))
            .bind(i32::try_from(o.remaining).unwrap_or(i32::MAX))
            .bind(o.reset_at)
            .bind(o.observed_at)
            .execute(self)
            .await?;
        }
        Ok(())
    }

    async fn observations(&self) -> sqlx::Result<Vec<Observation>> {
        let rows = sqlx::query("SELECT * FROM rate_limits").fetch_all(self).await?;
        rows.iter()
            .map(|r| {
                Ok(Observation {
                    upstream: r.try_get("upstream")?,
                    bucket: r.try_get("bucket")?,
                    limit: u32::try_from(r.try_get::<i32, _>("limit")?).unwrap_or(0),
                    remaining: u32::try_from(r.try_get::<i32, _>("remaining")?).unwrap_or(0),
                    reset_at: r.try_get("reset_at")?,
                    observed_at: r.try_get("observed_at")?,
                })
            })
            .collect()
    }
}

/// One exchange with the database: this process's new observations out, everyone's back in.
pub async fn exchange(db: &dyn crate::db::Store, budgets: &[Arc<Budget>]) -> sqlx::Result<()> {
    let mine: Vec<Observation> = budgets.iter().flat_map(|b| b.unshared()).collect();
    if !mine.is_empty() {
        db.save_observations(&mine).await?;
    }
    let all = db.observations().await?;
    for b in budgets {
        b.merge(&all);
    }
    Ok(())
}

/// Shares the budgets through the database once a second, until the task is dropped.
pub async fn share(db: crate::db::Db, budgets: Vec<Arc<Budget>>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = exchange(&*db, &budgets).await {
            tracing::warn!(error = %e, "could not share the rate-limit budget");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(t).expect("time").to_utc()
    }

    /// An answer sent at `date` saying `remaining` of 600 until 30 s after it.
    fn answer(remaining: u32) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::DATE, "Wed, 02 Dec 2026 09:00:00 GMT".parse().expect("v"));
        h.insert("x-rate-limit-limit", "600".parse().expect("v"));
        h.insert("x-rate-limit-remaining", remaining.to_string().parse().expect("v"));
        h.insert("x-rate-limit-reset", (at("2026-12-02T09:00:30Z").timestamp()).to_string().parse().expect("v"));
        h
    }

    #[test]
    fn a_spent_bucket_holds_calls_until_its_reset_by_our_clock() {
        let b = Budget::new("okta");
        // Our clock is an hour off Okta's: the reset is kept as 30 s from when we heard it.
        let now = at("2026-12-02T10:00:00Z");
        assert!(b.take("users", 0, now).is_zero(), "nothing known: the call goes");
        b.observe("users", 200, &answer(2), now);
        assert!(b.take("users", 0, now).is_zero());
        assert!(b.take("users", 0, now).is_zero());
        assert_eq!(b.take("users", 0, now), std::time::Duration::from_secs(30), "two left were ours");
        assert!(b.take("user", 0, now).is_zero(), "other buckets are their own");
        assert!(b.take("users", 0, now + Duration::seconds(30)).is_zero(), "refilled at the reset");
    }

    /// A job leaves `reserve` calls in each window for people; answers to overlapping calls
    /// that arrive out of order never raise the count left within a window.
    #[test]
    fn jobs_leave_the_reserve_and_late_answers_do_not_refill_a_window() {
        let b = Budget::new("okta");
        let now = at("2026-12-02T10:00:00Z");
        b.observe("users", 200, &answer(12), now);
        assert!(b.take("users", 10, now).is_zero(), "12 left, 10 kept: a job may take two");
        assert!(b.take("users", 10, now).is_zero());
        assert_eq!(b.take("users", 10, now), std::time::Duration::from_secs(30), "then it waits");
        assert!(b.take("users", 0, now).is_zero(), "a person's click still goes");
        b.observe("users", 200, &answer(9), now);
        b.observe("users", 200, &answer(11), now);
        assert!(b.take("users", 0, now).is_zero(), "the late answer's 11 is not believed: 9 left");
        for _ in 0..8 {
            assert!(b.take("users", 0, now).is_zero());
        }
        assert_eq!(b.take("users", 0, now), std::time::Duration::from_secs(30));
    }

    #[test]
    fn a_429_without_headers_holds_for_its_retry_after() {
        let b = Budget::new("asa");
        let now = at("2026-12-02T10:00:00Z");
        b.observe("users", 200, &HeaderMap::new(), now);
        assert!(b.take("users", 0, now).is_zero(), "an answer that says nothing changes nothing");
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().expect("v"));
        b.observe("users", 429, &h, now);
        assert_eq!(b.take("users", 0, now), std::time::Duration::from_secs(7));
    }

    /// Two replicas on one database: what one heard holds the other's calls, once exchanged; an
    /// older observation never replaces a newer one.
    async fn replicas_share_one_budget(db: &dyn crate::db::Store) {
        let now = at("2026-12-02T10:00:00Z");
        let (a, b) = (Budget::new("okta"), Budget::new("okta"));
        let asa = Budget::new("asa");
        a.observe("users", 200, &answer(0), now);
        exchange(db, std::slice::from_ref(&a)).await.expect("a shares");
        exchange(db, &[b.clone(), asa.clone()]).await.expect("b reads");
        assert_eq!(b.take("users", 0, now), std::time::Duration::from_secs(30), "b heard what a heard");
        assert!(asa.take("users", 0, now).is_zero(), "another upstream's buckets are its own");
        assert!(a.unshared().is_empty(), "shared once");

        let stale = Observation {
            upstream: "okta".into(),
            bucket: "users".into(),
            limit: 600,
            remaining: 600,
            reset_at: now,
            observed_at: now - Duration::seconds(5),
        };
        db.save_observations(&[stale]).await.expect("save");
        let stored = db.observations().await.expect("read");
        assert_eq!(stored.len(), 1);
        assert_eq!((stored[0].remaining, stored[0].observed_at), (0, now), "the newer one stays");
    }

    crate::db::testing::on_both_backends!(replicas_share_one_budget);
}
