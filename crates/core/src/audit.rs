//! The audit trail: an append-only record (triggers refuse updates and deletes) of sign-ins,
//! every action and every refusal: who, on whom, what, status before and after, result, when.

use chrono::{DateTime, Utc};
use portico_clock::stamp;
use serde::{Deserialize, Serialize};
use sqlx::{PgPool, Row, SqlitePool};

/// One event as recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Its place in the trail (0 until written): pages are cut by it.
    #[serde(default)]
    pub id: i64,
    pub at: String,
    pub op_id: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// `ok`, `refused` or `failed`.
    pub result: String,
    pub detail: String,
    /// The upstream's id for the call (Okta's `X-Okta-Request-Id`), when one was made.
    #[serde(default)]
    pub upstream_id: Option<String>,
}

/// The hash an event carries: SHA-256 over the previous event's hash and this one's fields.
fn chain_hash(prev: &str, e: &AuditEvent) -> String {
    use sha2::{Digest, Sha256};
    let fields = serde_json::json!([
        e.at,
        e.op_id,
        e.actor,
        e.action,
        e.target,
        e.before,
        e.after,
        e.result,
        e.detail,
        e.upstream_id
    ]);
    let digest = Sha256::digest(format!("{prev}\n{fields}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends an event, chained to the one before it; the read of the last hash and the insert are
/// one transaction that excludes other writers (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: an
/// advisory lock), so processes writing at once still form one chain. Its time is kept as the
/// trail stores it (RFC 3339, milliseconds, UTC), so the hash reads back the same on every
/// backend. A failure to audit is logged loudly; the action it describes already ran.
pub async fn record(db: &dyn crate::db::Store, clock: &crate::clock::Clock, mut e: AuditEvent) {
    let at = DateTime::parse_from_rfc3339(&e.at).map(|t| t.with_timezone(&Utc)).unwrap_or_else(|_| clock.now());
    e.at = stamp(at);
    if let Err(err) = db.append(&e, at).await {
        tracing::error!(error = %err, action = %e.action, "could not write the audit trail");
    }
}

/// Where the trail is kept: the local SQLite file, or PostgreSQL. Each backend in its own SQL
/// and types (text stamps on SQLite, timestamptz on PostgreSQL); the functions of this module
/// work on either.
#[async_trait::async_trait]
pub trait AuditStore: Sync {
    /// Appends `e` (its `at` already normalised to `at`), chained to the last event.
    async fn append(&self, e: &AuditEvent, at: DateTime<Utc>) -> sqlx::Result<()>;
    /// Up to `limit` events after id `after`, oldest first, with their stored `prev_hash`, `hash`.
    async fn chain_after(
        &self,
        after: i64,
        limit: u32,
    ) -> sqlx::Result<Vec<(AuditEvent, Option<String>, Option<String>)>>;
    /// Newest first, at most `limit` events matching `q`.
    async fn search(&self, q: &AuditQuery, limit: u32) -> sqlx::Result<Vec<AuditEvent>>;
}

/// `%value%` for LIKE, with LIKE's own characters escaped by `\`.
fn like(v: &str) -> String {
    format!("%{}%", v.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
}

#[async_trait::async_trait]
impl AuditStore for SqlitePool {
    async fn append(&self, e: &AuditEvent, _at: DateTime<Utc>) -> sqlx::Result<()> {
        let mut tx = self.begin_with("BEGIN IMMEDIATE").await?;
        let prev: Option<String> =
            sqlx::query_scalar("SELECT hash FROM audit_events WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?
                .flatten();
        let prev = prev.unwrap_or_default();
        let hash = chain_hash(&prev, e);
        sqlx::query(
            "INSERT INTO audit_events (at, op_id, actor, action, target, before, after, result, detail, upstream_id, \
             prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )
        .bind(&e.at)
        .bind(&e.op_id)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.target)
        .bind(&e.before)
        .bind(&e.after)
        .bind(&e.result)
        .bind(&e.detail)
        .bind(&e.upstream_id)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    async fn chain_after(
        &self,
        after: i64,
        limit: u32,
    ) -> sqlx::Result<Vec<(AuditEvent, Option<String>, Option<String>)>> {
        let rows = sqlx::query("SELECT * FROM audit_events WHERE id > ? ORDER BY id LIMIT ?")
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(self)
            .await?;
        Ok(rows.iter().map(|r| (event_of(r, r.get("at")), r.get("prev_hash"), r.get("hash"))).collect())
    }

    async fn search(&self, q: &AuditQuery, limit: u32) -> sqlx::Result<Vec<AuditEvent>> {
        let mut sql = String::from("SELECT * FROM audit_events WHERE 1 = 1");
        if let Some(before) = q.before {
            sql.push_str(&format!(" AND id < {before}"));
        }
        let mut binds: Vec<String> = Vec::new();
        for (column, value) in [("actor", &q.actor), ("target", &q.target), ("action", &q.action)] {
            if !value.trim().is_empty() {
                sql.push_str(&format!(" AND {column} LIKE ? ESCAPE '\\'"));
                binds.push(like(value.trim()));
            }
        }
        if !q.from.is_empty() {
            sql.push_str(" AND at >= ?");
            binds.push(q.from.clone());
        }
        if !q.to.is_empty() {
            // Inclusive of the whole `to` day.
            sql.push_str(" AND at < ?");
            binds.push(format!("{}\u{ffff}", q.to));
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {limit}"));
        let mut query = sqlx::query(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(self).await?;
        Ok(rows.iter().map(|r| event_of(r, r.get("at"))).collect())
    }
}

/// An arbitrary constant naming the audit trail's advisory lock on PostgreSQL.
const AUDIT_LOCK: i64 = 0x0a0d17;

#[async_trait::async_trait]
impl AuditStore for PgPool {
    async fn append(&self, e: &AuditEvent, at: DateTime<Utc>) -> sqlx::Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(AUDIT_LOCK).execute(&mut *tx).await?;
        let prev: Option<String> =
            sqlx::query_scalar("SELECT hash FROM audit_events WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?
                .flatten();
        let prev = prev.unwrap_or_default();
        let hash = chain_hash(&prev, e);
        sqlx::query(
            "INSERT INTO audit_events (at, op_id, actor, action, target, before, after, result, detail, upstream_id, \
             prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(at)
        .bind(&e.op_id)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.target)
        .bind(&e.before)
        .bind(&e.after)
        .bind(&e.result)
        .bind(&e.detail)
        .bind(&e.upstream_id)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    async fn chain_after(
        &self,
        after: i64,
        limit: u32,
    ) -> sqlx::Result<Vec<(AuditEvent, Option<String>, Option<String>)>> {
        let rows = sqlx::query("SELECT * FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(self)
            .await?;
        Ok(rows
            .iter()
            .map(|r| (event_of(r, stamp(r.get::<DateTime<Utc>, _>("at"))), r.get("prev_hash"), r.get("hash")))
            .collect())
    }

    async fn search(&self, q: &AuditQuery, limit: u32) -> sqlx::Result<Vec<AuditEvent>> {
        let mut query = sqlx::QueryBuilder::<sqlx::Postgres>::new("SELECT * FROM audit_events WHERE TRUE");
        if let Some(before) = q.before {
            query.push(" AND id < ").push_bind(before);
        }
        // ILIKE: as case-insensitive as SQLite's LIKE.
        for (column, value) in [("actor", &q.actor), ("target", &q.target), ("action", &q.action)] {
            if !value.trim().is_empty() {
                query.push(format!(" AND {column} ILIKE ")).push_bind(like(value.trim())).push(" ESCAPE '\\'");
            }
        }
        // Days are UTC days, as the stamps SQLite compares are.
        if let Some(from) = day(&q.from) {
            query.push(" AND at >= ").push_bind(from);
        }
        if let Some(to) = day(&q.to) {
            query.push(" AND at < ").push_bind(to + chrono::Duration::days(1));
        }
        query.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(limit));
        let rows = query.build().fetch_all(self).await?;
        Ok(rows.iter().map(|r| event_of(r, stamp(r.get::<DateTime<Utc>, _>("at")))).collect())
    }
}

/// `YYYY-MM-DD` as the start of that day in UTC; nothing for anything else.
fn day(v: &str) -> Option<DateTime<Utc>> {
    let date = chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc())
}

/// What a check of the chain found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Events whose hash was checked.
    pub chained: u64,
    /// Events written before the chain began (not covered).
    pub unchained: u64,
    /// The first event whose stored hashes do not follow from the trail (edited, or the row
    /// before it removed): its id, and what is wrong.
    pub first_broken: Option<(i64, String)>,
}

/// Walks the whole trail in order and recomputes every hash.
pub async fn verify(db: &dyn crate::db::Store) -> sqlx::Result<Verified> {
    let mut out = Verified { chained: 0, unchained: 0, first_broken: None };
    let mut prev = String::new();
    let mut after: i64 = 0;
    loop {
        let rows = db.chain_after(after, 1000).await?;
        let Some(last) = rows.last() else { break };
        after = last.0.id;
        for (e, stored_prev, stored) in rows {
            let id = e.id;
            let Some(stored) = stored else {
                if out.chained > 0 {
                    out.first_broken = Some((id, "the event carries no hash, inside the chain".into()));
                    return Ok(out);
                }
                out.unchained += 1;
                continue;
            };
            if stored_prev.as_deref() != Some(prev.as_str()) {
                out.first_broken =
                    Some((id, "it does not follow the event before it (one was removed or changed)".into()));
                return Ok(out);
            }
            if chain_hash(&prev, &e) != stored {
                out.first_broken = Some((id, "its contents were changed after it was written".into()));
                return Ok(out);
            }
            out.chained += 1;
            prev = stored;
        }
    }
    Ok(out)
}

/// An event from a row of either backend; `at` as the trail writes it.
fn event_of<'r, R: Row>(r: &'r R, at: String) -> AuditEvent
where
    &'r str: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    AuditEvent {
        id: r.get("id"),
        at,
        op_id: r.get("op_id"),
        actor: r.get("actor"),
        action: r.get("action"),
        target: r.get("target"),
        before: r.get("before"),
        after: r.get("after"),
        result: r.get("result"),
        detail: r.get("detail"),
        upstream_id: r.get("upstream_id"),
    }
}

/// Filters for searching the trail; empty fields are ignored. `from`/`to` are `YYYY-MM-DD`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    pub actor: String,
    pub target: String,
    pub action: String,
    pub from: String,
    pub to: String,
    /// Only events older than this one (the page after the one that ended with it).
    pub before: Option<i64>,
}

/// Newest first, at most `limit` events.
pub async fn search(db: &dyn crate::db::Store, q: &AuditQuery, limit: u32) -> sqlx::Result<Vec<AuditEvent>> {
    db.search(q, limit).await
}

use crate::export::csv_field;

/// One page of the trail, newest first, and the cursor of the next (older) page, if any.
pub async fn page(
    db: &dyn crate::db::Store,
    q: &AuditQuery,
    size: u32,
) -> sqlx::Result<(Vec<AuditEvent>, Option<i64>)> {
    let mut events = search(db, q, size + 1).await?;
    let more = events.len() > size as usize;
    events.truncate(size as usize);
    let next = if more { events.last().map(|e| e.id) } else { None };
    Ok((events, next))
}

/// Every event matching `q`, as CSV, read and sent a thousand rows at a time: an export is the
/// whole filtered trail however long it is, in bounded memory.
pub fn csv_stream(
    db: crate::db::Db,
    q: AuditQuery,
) -> impl futures_util::Stream<Item = Result<String, sqlx::Error>> + Send + 'static {
    use futures_util::StreamExt;
    // (query for the next chunk, whether the header has gone out); `None` once done. Fused:
    // a body stream may be polled again after its end (the compression layer does).
    futures_util::stream::unfold(Some((q, false)), move |state| {
        let db = db.clone();
        async move {
            let (mut q, headed) = state?;
            let (events, next) = match page(&*db, &q, 1000).await {
                Ok(p) => p,
                Err(e) => return Some((Err(e), None)),
            };
            let mut chunk = to_csv(&events);
            if headed {
                chunk = chunk.split_once('\n').map(|(_, rows)| rows.to_string()).unwrap_or_default();
            }
            let rest = next.map(|before| {
                q.before = Some(before);
                (q, true)
            });
            Some((Ok(chunk), rest))
        }
    })
    .fuse()
}

pub fn to_csv(events: &[AuditEvent]) -> String {
    let mut out = String::from("time,reference,actor,action,target,before,after,result,detail,okta_request_id\n");
    for e in events {
        let fields = [
            &e.at,
            &e.op_id,
            &e.actor,
            &e.action,
            &e.target,
            e.before.as_deref().unwrap_or(""),
            e.after.as_deref().unwrap_or(""),
            &e.result,
            &e.detail,
            e.upstream_id.as_deref().unwrap_or(""),
        ];
        out.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn append_only_searchable_and_exported() {
        let db = SqlitePool::connect("sqlite::memory:").await.expect("db");
        crate::db::migrate(&db).await.expect("schema");
        let clock = crate::clock::Clock::system();
        for (actor, action) in [("ada", "suspend"), ("hal", "unlock"), ("ada", "sign_in")] {
            record(
                &db,
                &clock,
                AuditEvent {
                    op_id: "r".into(),
                    actor: actor.into(),
                    action: action.into(),
                    target: "ed".into(),
                    result: "ok".into(),
                    ..Default::default()
                },
            )
            .await;
        }
        let ada = search(&db, &AuditQuery { actor: "ada".into(), ..Default::default() }, 100).await.expect("search");
        assert_eq!(ada.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["sign_in", "suspend"]);
        assert!(sqlx::query("UPDATE audit_events SET actor = 'x'").execute(&db).await.is_err());
        assert!(sqlx::query("DELETE FROM audit_events").execute(&db).await.is_err());
        let csv = to_csv(&ada);
        assert_eq!(csv.lines().count(), 3);
        assert!(
            to_csv(&[AuditEvent { detail: "=cmd|' /C calc'!A0 \"x\"".into(), ..Default::default() }])
                .contains("\"'=cmd|' /C calc'!A0 \"\"x\"\"\"")
        );
    }

    #[tokio::test]
    async fn the_chain_finds_an_edited_or_removed_row() {
        let db = SqlitePool::connect("sqlite::memory:").await.expect("db");
        crate::db::migrate(&db).await.expect("schema");
        let clock = crate::clock::Clock::system();
        for i in 0..5 {
            let e =
                AuditEvent { actor: "ada".into(), action: format!("a{i}"), result: "ok".into(), ..Default::default() };
            record(&db, &clock, e).await;
        }
        assert_eq!(verify(&db).await.expect("verify"), Verified { chained: 5, unchained: 0, first_broken: None });
        // Behind the portal's back: lift the guard, edit row 3, put the guard back.
        let edit = "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET actor = 'mallory' WHERE id = 3; \
                    CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events \
                    BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;";
        sqlx::raw_sql(edit).execute(&db).await.expect("tamper");
        let found = verify(&db).await.expect("verify");
        assert_eq!(found.first_broken.as_ref().map(|b| b.0), Some(3), "{found:?}");
        assert!(found.first_broken.expect("broken").1.contains("changed"));
        // A removed row breaks the link of the one after it.
        let db = SqlitePool::connect("sqlite::memory:").await.expect("db");
        crate::db::migrate(&db).await.expect("schema");
        for i in 0..4 {
            record(&db, &clock, AuditEvent { action: format!("a{i}"), ..Default::default() }).await;
        }
        let remove = "DROP TRIGGER audit_events_no_delete; DELETE FROM audit_events WHERE id = 2;";
        sqlx::raw_sql(remove).execute(&db).await.expect("tamper");
        assert_eq!(verify(&db).await.expect("verify").first_broken.map(|b| b.0), Some(3));
    }

    #[tokio::test]
    async fn trails_from_before_upstream_ids_gain_the_column() {
        let db = SqlitePool::connect("sqlite::memory:").await.expect("db");
        sqlx::raw_sql(
            "CREATE TABLE audit_events (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, op_id TEXT NOT NULL, \
             actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL, before TEXT, after TEXT, \
             result TEXT NOT NULL, detail TEXT NOT NULL)",
        )
        .execute(&db)
        .await
        .expect("old schema");
        crate::db::migrate(&db).await.expect("migrates");
        crate::db::migrate(&db).await.expect("twice is fine");
        record(
            &db,
            &crate::clock::Clock::system(),
            AuditEvent { upstream_id: Some("okta-1".into()), ..Default::default() },
        )
        .await;
        let all = search(&db, &AuditQuery::default(), 10).await.expect("search");
        assert_eq!(all[0].upstream_id.as_deref(), Some("okta-1"));
        assert!(to_csv(&all).lines().next().expect("header").ends_with("okta_request_id"));
    }

    async fn actions(db: &dyn crate::db::Store, q: AuditQuery) -> Vec<String> {
        search(db, &q, 100).await.expect("search").into_iter().map(|e| e.action).collect()
    }

    /// What every backend must do alike: times kept to the millisecond, case-insensitive and
    /// literal text filters, UTC days, newest first, pages, an unbroken chain.
    async fn keeps_a_trail(db: &dyn crate::db::Store) {
        let clock = crate::clock::Clock::system();
        for (i, (actor, action)) in
            [("ada", "person.suspend"), ("hal", "person.unlock"), ("Ada", "sign_in")].into_iter().enumerate()
        {
            let e = AuditEvent {
                at: format!("2026-12-0{}T10:00:00.123+00:00", i + 4),
                op_id: format!("op{i}"),
                actor: actor.into(),
                action: action.into(),
                target: "ed_1%".into(),
                result: "ok".into(),
                ..Default::default()
            };
            record(db, &clock, e).await;
        }
        let all = search(db, &AuditQuery::default(), 10).await.expect("all");
        assert_eq!(all[0].at, "2026-12-06T10:00:00.123Z", "stored as the trail writes times");
        let q = |actor: &str, target: &str, from: &str, to: &str| AuditQuery {
            actor: actor.into(),
            target: target.into(),
            from: from.into(),
            to: to.into(),
            ..Default::default()
        };
        assert_eq!(actions(db, q("ADA", "", "", "")).await, ["sign_in", "person.suspend"]);
        assert_eq!(actions(db, q("", "_1%", "", "")).await.len(), 3, "% and _ are literal");
        assert!(actions(db, q("", "ex1", "", "")).await.is_empty(), "_ matches only _");
        assert_eq!(actions(db, q("", "", "2026-12-05", "")).await, ["sign_in", "person.unlock"]);
        assert_eq!(actions(db, q("", "", "", "2026-12-05")).await, ["person.unlock", "person.suspend"]);
        assert_eq!(actions(db, q("", "", "2026-12-05", "2026-12-05")).await, ["person.unlock"]);
        let (first, next) = page(db, &AuditQuery::default(), 2).await.expect("page");
        assert_eq!((first.len(), next), (2, Some(first[1].id)));
        let (rest, end) = page(db, &AuditQuery { before: next, ..Default::default() }, 2).await.expect("page 2");
        assert_eq!((rest.len(), end), (1, None));
        assert_eq!(verify(db).await.expect("verify"), Verified { chained: 3, unchained: 0, first_broken: None });
    }

    #[tokio::test]
    async fn a_trail_on_sqlite() {
        let db = SqlitePool::connect("sqlite::memory:").await.expect("db");
        crate::db::migrate(&db).await.expect("schema");
        keeps_a_trail(&db).await;
    }

    /// The same on a throwaway PostgreSQL cluster; there, too, an edit made behind the portal's
    /// back (the guard lifted by a superuser) breaks the chain where it happened.
    #[tokio::test]
    async fn a_trail_on_postgres() {
        let (_cluster, db) = crate::db::testing::postgres().await;
        keeps_a_trail(&db).await;
        let edit = "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change; \
                    UPDATE audit_events SET actor = 'mallory' WHERE id = 2; \
                    ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change;";
        sqlx::raw_sql(edit).execute(&db).await.expect("tamper");
        assert_eq!(verify(&db).await.expect("verify").first_broken.map(|b| b.0), Some(2));
        db.close().await;
    }
}
