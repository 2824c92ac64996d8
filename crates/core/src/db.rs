//! The portal's own database: versioned migrations, applied at start.
//!
//! One directory per backend (`migrations/sqlite/`); each file is applied once and recorded in
//! `_sqlx_migrations`, so every process on a database sees the same schema and an old data
//! directory upgrades in place. The session table belongs to tower-sessions' store, which
//! creates it itself.

use sqlx::{SqlitePool, migrate::Migrator};

pub static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

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
}
