//! The portal's own database: versioned migrations, applied at start.
//!
//! One directory per backend (`migrations/sqlite/`, `migrations/postgres/`, the same tables and
//! columns in each backend's types); each file is applied once and recorded in
//! `_sqlx_migrations`, so every process on a database sees the same schema and an old data
//! directory upgrades in place. The session table belongs to tower-sessions' store, which
//! creates it itself.

use crate::{
    audit::AuditStore, budget::BudgetStore, requests::RequestStore, requests::notify::NotificationStore,
    sessions::SignIns, views::ViewStore,
};
use chrono::{DateTime, Utc};
use portico_clock::stamp;
use sqlx::{PgPool, SqlitePool, migrate::Migrator};
use std::sync::Arc;

/// The portal's database, whichever backend it is on; cheap to clone.
pub type Db = Arc<dyn Store>;

/// Everything the portal keeps: each part is its own trait (sign-ins, the audit trail,
/// notifications, requests, the shared rate-limit budget, saved views, bulk jobs), implemented once
/// per backend in that part's module.
#[async_trait::async_trait]
pub trait Store:
    SignIns
    + AuditStore
    + NotificationStore
    + RequestStore
    + BudgetStore
    + ViewStore
    + crate::jobs::JobStore
    + crate::requests::away::DelegationStore
    + crate::requests::DeadlineStore
    + crate::requests::ScheduleStore
    + crate::reviews::ReviewStore
    + Send
    + Sync
    + 'static
{
    /// `sqlite` or `postgres`, as health and metrics name it.
    fn backend(&self) -> &'static str;
    /// Whether the database answers a query now.
    async fn ping(&self) -> bool;
    /// Work waiting: requests approved or executing, and notifications not yet delivered.
    async fn queues(&self) -> sqlx::Result<Queues>;
    /// Tells every process on this database (itself included) what happened (PostgreSQL:
    /// `NOTIFY`). On SQLite nothing: processes sharing a file poll for work, and it is one
    /// process's file otherwise.
    async fn announce(&self, signal: Signal);
    /// Calls `on` with every signal announced, until the task is dropped (PostgreSQL: `LISTEN`,
    /// reconnecting after a lost connection, with a [`Signal::Reconnected`] each time it listens
    /// again). On SQLite it returns at once.
    async fn listen(&self, on: Arc<dyn Fn(Signal) + Send + Sync>);
}

/// What one replica tells the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Work is due now (a request approved, a notification queued).
    Work,
    /// Okta was written to: copies of lists shown to people are stale.
    Written,
    /// Listening (again): anything announced meanwhile was missed.
    Reconnected,
}

impl Signal {
    fn channel(self) -> Option<&'static str> {
        match self {
            Signal::Work => Some("portico_work"),
            Signal::Written => Some("portico_written"),
            Signal::Reconnected => None,
        }
    }
}

/// Counts of waiting work and the time the oldest of each began waiting ([`stamp`]s).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Queues {
    pub requests: i64,
    pub oldest_request: Option<String>,
    pub notifications: i64,
    pub oldest_notification: Option<String>,
}

const QUEUES: &str = "SELECT (SELECT COUNT(*) FROM requests WHERE status IN ('approved', 'executing')), \
    (SELECT MIN(updated_at) FROM requests WHERE status IN ('approved', 'executing')), \
    (SELECT COUNT(*) FROM notifications WHERE done = 0), \
    (SELECT MIN(next_at) FROM notifications WHERE done = 0)";

#[async_trait::async_trait]
impl Store for SqlitePool {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> bool {
        sqlx::query_scalar::<_, i64>("SELECT 1").fetch_one(self).await.is_ok()
    }

    async fn queues(&self) -> sqlx::Result<Queues> {
        let (requests, oldest_request, notifications, oldest_notification) =
            sqlx::query_as(QUEUES).fetch_one(self).await?;
        Ok(Queues { requests, oldest_request, notifications, oldest_notification })
    }

    async fn announce(&self, _signal: Signal) {}

    async fn listen(&self, _on: Arc<dyn Fn(Signal) + Send + Sync>) {}
}

#[async_trait::async_trait]
impl Store for PgPool {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> bool {
        sqlx::query_scalar::<_, i32>("SELECT 1").fetch_one(self).await.is_ok()
    }

    async fn queues(&self) -> sqlx::Result<Queues> {
        let (requests, oldest_request, notifications, oldest_notification): (
            i64,
            Option<DateTime<Utc>>,
            i64,
            Option<DateTime<Utc>>,
        ) = sqlx::query_as(QUEUES).fetch_one(self).await?;
        Ok(Queues {
            requests,
            oldest_request: oldest_request.map(stamp),
            notifications,
            oldest_notification: oldest_notification.map(stamp),
        })
    }

    async fn announce(&self, signal: Signal) {
        let Some(channel) = signal.channel() else { return };
        if let Err(e) = sqlx::query("SELECT pg_notify($1, '')").bind(channel).execute(self).await {
            // Work is still found at the next poll; copies of lists still end with their lifetime.
            tracing::warn!(error = %e, ?signal, "could not tell the other replicas");
        }
    }

    async fn listen(&self, on: Arc<dyn Fn(Signal) + Send + Sync>) {
        loop {
            let Err(e) = relay(self, on.as_ref()).await;
            tracing::warn!(error = %e, "lost the replicas' channel; listening again in a second");
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }
}

/// Listens on every [`Signal`]'s channel and relays each notification, until the connection fails.
async fn relay(db: &PgPool, on: &(dyn Fn(Signal) + Send + Sync)) -> sqlx::Result<std::convert::Infallible> {
    let signals = [Signal::Work, Signal::Written];
    let mut listener = sqlx::postgres::PgListener::connect_with(db).await?;
    listener.listen_all(signals.iter().filter_map(|s| s.channel())).await?;
    on(Signal::Reconnected);
    loop {
        let n = listener.recv().await?;
        if let Some(signal) = signals.into_iter().find(|s| s.channel() == Some(n.channel())) {
            on(signal);
        }
    }
}

pub static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

/// The PostgreSQL schema (the scale-out backend), applied the same way.
pub static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// Applies the PostgreSQL migrations this database has not seen yet.
pub async fn migrate_postgres(db: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    POSTGRES.run(db).await
}

/// Applies the migrations this database has not seen yet.
pub async fn migrate(db: &SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    adopt_unversioned(db).await?;
    MIGRATOR.run(db).await
}

/// Audit trails written before Okta's request ids were kept lack that column, which the first
/// migration's `CREATE TABLE IF NOT EXISTS` cannot add; it is added before the history starts.
async fn adopt_unversioned(db: &SqlitePool) -> sqlx::Result<()> {
    let (table, column): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'audit_events'), \
                (SELECT COUNT(*) FROM pragma_table_info('audit_events') WHERE name = 'upstream_id')",
    )
    .fetch_one(db)
    .await?;
    if table == 1 && column == 0 {
        sqlx::query("ALTER TABLE audit_events ADD COLUMN upstream_id TEXT").execute(db).await?;
    }
    Ok(())
}

/// Databases with Portico's schema for the stores' tests, one per backend. Keep what is
/// returned first alive while the pool is used: it is the database itself.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// A SQLite file in a temp dir (a file, not `:memory:`, so a pool's connections share it).
    pub async fn sqlite() -> (tempfile::TempDir, SqlitePool) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = SqlitePool::connect(&format!("sqlite://{}?mode=rwc", dir.path().join("p.sqlite").display()))
            .await
            .expect("sqlite");
        migrate(&db).await.expect("sqlite schema");
        (dir, db)
    }

    /// A throwaway PostgreSQL cluster (`portico_testkit::pg`), its `postgres` database migrated.
    pub async fn postgres() -> (portico_testkit::pg::PgCluster, PgPool) {
        let cluster = portico_testkit::pg::PgCluster::start().expect("a throwaway PostgreSQL cluster");
        let db = PgPool::connect(&cluster.url("postgres")).await.expect("connect");
        migrate_postgres(&db).await.expect("postgres schema");
        (cluster, db)
    }

    /// For each named `async fn(&dyn Store)`, a module with two tests: the body on SQLite and
    /// on a throwaway PostgreSQL.
    macro_rules! on_both_backends {
        ($($body:ident),* $(,)?) => {$(
            mod $body {
                #[tokio::test]
                async fn sqlite() {
                    let (_dir, db) = $crate::db::testing::sqlite().await;
                    super::$body(&db).await;
                }

                #[tokio::test]
                async fn postgres() {
                    let (_cluster, db) = $crate::db::testing::postgres().await;
                    super::$body(&db).await;
                    db.close().await;
                }
            }
        )*};
    }
    pub(crate) use on_both_backends;
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;

    /// A data directory made before migrations were versioned (the schema its code created
    /// inline, with a request claimed by a process that has since stopped) upgrades in place.
    #[tokio::test]
    async fn a_database_from_before_versioned_migrations_upgrades_in_place() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("portico.sqlite").display());
        let db = SqlitePool::connect(&url).await.expect("db");
        sqlx::raw_sql(include_str!("../tests/fixtures/unversioned.sql")).execute(&db).await.expect("old schema");
        migrate(&db).await.expect("upgrades");
        migrate(&db).await.expect("a second start applies nothing");
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(&db).await.expect("n");
        assert_eq!(applied as usize, MIGRATOR.iter().count());
        let row = sqlx::query("SELECT status, claimed_by, lease_until FROM requests WHERE id = 'R-OLD0000001'")
            .fetch_one(&db)
            .await
            .expect("the old request survives");
        assert_eq!(row.get::<String, _>("status"), "executing");
        assert_eq!(row.get::<Option<String>, _>("lease_until"), None, "no lease: taken back at the next start");
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_events").fetch_one(&db).await.expect("n");
        assert_eq!(events, 2, "the trail survives");
        let edit = sqlx::query("UPDATE audit_events SET actor = 'x'").execute(&db).await;
        assert!(edit.is_err(), "and stays append-only");
    }

    /// Every table and column, by backend: what the two schemas must agree on.
    async fn sqlite_columns(db: &SqlitePool) -> Vec<(String, String)> {
        sqlx::query_as(
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
        )
        .fetch_all(db)
        .await
        .map(sorted)
        .expect("sqlite columns")
    }

    async fn postgres_columns(db: &PgPool) -> Vec<(String, String)> {
        sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'",
        )
        .fetch_all(db)
        .await
        .map(sorted)
        .expect("postgres columns")
    }

    /// In Rust's order, not a collation's.
    fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
        v.sort();
        v
    }

    /// What one process announces reaches another on the same PostgreSQL, signal by signal.
    #[tokio::test]
    async fn announcements_reach_the_other_replicas() {
        let (_cluster, db) = testing::postgres().await;
        let (tx, mut heard) = tokio::sync::mpsc::unbounded_channel();
        let listening = tokio::spawn({
            let db = db.clone();
            async move {
                db.listen(Arc::new(move |s| {
                    let _ = tx.send(s);
                }))
                .await
            }
        });
        let wait = std::time::Duration::from_secs(30);
        // First the listener's own signal, once it listens: nothing announced after it is missed.
        assert_eq!(tokio::time::timeout(wait, heard.recv()).await.expect("heard"), Some(Signal::Reconnected));
        db.announce(Signal::Work).await;
        assert_eq!(tokio::time::timeout(wait, heard.recv()).await.expect("heard"), Some(Signal::Work));
        db.announce(Signal::Written).await;
        assert_eq!(tokio::time::timeout(wait, heard.recv()).await.expect("heard"), Some(Signal::Written));
        listening.abort();
        db.close().await;
    }

    /// On a real PostgreSQL (a throwaway cluster): the schema applies, a second start applies
    /// nothing, it has exactly SQLite's tables and columns, the audit trail refuses every change
    /// (rows and TRUNCATE), and only one request per action and target may be open at a time.
    #[tokio::test]
    async fn the_postgres_schema_is_sqlites_and_keeps_its_rules() {
        let (_cluster, pg) = testing::postgres().await;
        migrate_postgres(&pg).await.expect("a second start applies nothing");
        let (_dir, lite) = testing::sqlite().await;
        assert_eq!(postgres_columns(&pg).await, sqlite_columns(&lite).await);

        sqlx::query(
            "INSERT INTO audit_events (at, op_id, actor, action, target, result, detail) \
             VALUES (now(), 'op', 'ada', 'person.suspend', 'ed', 'ok', '')",
        )
        .execute(&pg)
        .await
        .expect("appends");
        for change in ["UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events", "TRUNCATE audit_events"] {
            let refused = sqlx::query(change).execute(&pg).await.expect_err(change);
            assert!(refused.to_string().contains("append-only"), "{change}: {refused}");
        }

        let open = |id: &'static str, status: &'static str| {
            sqlx::query(
                "INSERT INTO requests (id, action, dedupe_key, target_id, target_label, summary, call, reason, \
                 requester_sub, requester_login, requester_name, stages, status, created_at, expires_at, updated_at) \
                 VALUES ($1, 'deactivate', 'deactivate:ed', 'ed', 'Ed', 's', '{}', 'r', 'hal', 'hal', 'Hal', '[]', $2, now(), now(), now())",
            )
            .bind(id)
            .bind(status)
            .execute(&pg)
        };
        open("R-1", "done").await.expect("a finished request");
        open("R-2", "pending").await.expect("one open request");
        assert!(open("R-3", "approved").await.is_err(), "a second open request for the same thing");
        pg.close().await;
    }
}

/// One SQL text for both backends: written with PostgreSQL's `$n`, rewritten for SQLite; times
/// bound as each backend keeps them (text stamps on SQLite, `timestamptz` on PostgreSQL).
pub(crate) mod sql {
    /// `$n` as SQLite's `?n`.
    pub(crate) fn sqlite_sql(sql: &str) -> String {
        let mut out = String::with_capacity(sql.len());
        let mut chars = sql.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                out.push('?');
            } else {
                out.push(c);
            }
        }
        out
    }

    pub(crate) fn pg_sql(sql: &str) -> std::borrow::Cow<'_, str> {
        std::borrow::Cow::Borrowed(sql)
    }

    pub(crate) fn pg_time(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        t
    }

    #[cfg(test)]
    #[test]
    fn numbered_parameters_read_the_same_on_sqlite() {
        assert_eq!(sqlite_sql("a = $1 AND b = $12 OR $1"), "a = ?1 AND b = ?12 OR ?1");
        assert_eq!(sqlite_sql("'$' || x"), "'$' || x");
    }
}
