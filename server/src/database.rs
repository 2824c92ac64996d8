//! Opening the portal's database as `database.url` names it: a local SQLite file (the default;
//! sessions in a file of their own) or PostgreSQL shared by every replica (sessions in its
//! `tower_sessions` schema). Migrations are applied here, at start, by whichever process comes
//! first; the others find them applied.

use anyhow::Context;
use portico_core::{
    Config,
    config::DatabaseUrl,
    db::{self, Db},
};
use sqlx::{
    PgPool,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use std::{path::PathBuf, str::FromStr, sync::Arc, time::Duration};
use tower_sessions::{
    session::{Id, Record},
    session_store::{self, ExpiredDeletion, SessionStore},
};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

/// The portal's database and its session store, migrated.
pub async fn open(config: &Config) -> anyhow::Result<(Db, Sessions)> {
    match backend(config)? {
        DatabaseUrl::Postgres(url) => {
            let pool = postgres(config, url.expose()).await?;
            let sessions = PostgresStore::new(pool.clone());
            sessions.migrate().await.context("creating the session table")?;
            Ok((Arc::new(pool), Sessions::Postgres(sessions)))
        }
        DatabaseUrl::Sqlite(file) => {
            let db = open_sqlite(config).await?;
            let dir = file.as_deref().and_then(|f| f.parent()).map(PathBuf::from);
            let dir = dir.unwrap_or_else(|| config.server.data_dir.clone());
            let sessions = SqliteStore::new(sqlite(&dir.join("sessions.sqlite"), SqliteSynchronous::Normal).await?);
            sessions.migrate().await.context("creating the session table")?;
            Ok((Arc::new(db), Sessions::Sqlite(sessions)))
        }
    }
}

fn backend(config: &Config) -> anyhow::Result<DatabaseUrl> {
    config.database.backend().map_err(|e| anyhow::anyhow!(e))
}

/// The portal's database on SQLite, at full durability (requests and the audit trail), migrated.
pub async fn open_sqlite(config: &Config) -> anyhow::Result<sqlx::SqlitePool> {
    let DatabaseUrl::Sqlite(file) = backend(config)? else {
        anyhow::bail!("database.url names PostgreSQL, not a SQLite file");
    };
    let file = file.unwrap_or_else(|| config.server.data_dir.join("portico.sqlite"));
    let db = sqlite(&file, SqliteSynchronous::Full).await?;
    db::migrate(&db).await.context("migrating the portal database")?;
    Ok(db)
}

/// Any database `database.url` names, migrated, for the commands that read it (`audit verify`).
pub async fn open_store(config: &Config) -> anyhow::Result<Db> {
    Ok(match backend(config)? {
        DatabaseUrl::Postgres(url) => Arc::new(postgres(config, url.expose()).await?),
        DatabaseUrl::Sqlite(_) => Arc::new(open_sqlite(config).await?),
    })
}

async fn postgres(config: &Config, url: &str) -> anyhow::Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(config.database.max_connections)
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await
        .context("cannot connect to PostgreSQL (database.url)")?;
    db::migrate_postgres(&pool).await.context("migrating the portal database on PostgreSQL")?;
    Ok(pool)
}

/// Sessions live in their own file on `synchronous=NORMAL`: losing the last moment of session
/// writes in a power cut costs a sign-in, while the requests and the audit trail keep SQLite's
/// full durability.
async fn sqlite(path: &std::path::Path, synchronous: SqliteSynchronous) -> anyhow::Result<sqlx::SqlitePool> {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(synchronous)
        .busy_timeout(Duration::from_secs(5));
    SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open the database {}", path.display()))
}

/// Where sessions are stored, by backend.
#[derive(Clone, Debug)]
pub enum Sessions {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Sessions {
    /// Whether replicas may share this store: then no process keeps its own copy of a session
    /// (see `recent_sessions`), so a session changed on one replica is read the same on all.
    pub fn shared(&self) -> bool {
        matches!(self, Sessions::Postgres(_))
    }

    /// Deletes expired sessions every ten minutes.
    pub async fn delete_expired_forever(self) {
        let mut interval = tokio::time::interval(Duration::from_secs(600));
        loop {
            interval.tick().await;
            if let Err(e) = self.delete_expired().await {
                tracing::warn!(error = %e, "could not delete expired sessions");
            }
        }
    }
}

#[async_trait::async_trait]
impl SessionStore for Sessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.create(record).await,
            Sessions::Postgres(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.save(record).await,
            Sessions::Postgres(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Sessions::Sqlite(s) => s.load(id).await,
            Sessions::Postgres(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.delete(id).await,
            Sessions::Postgres(s) => s.delete(id).await,
        }
    }
}

#[async_trait::async_trait]
impl ExpiredDeletion for Sessions {
    async fn delete_expired(&self) -> session_store::Result<()> {
        match self {
            Sessions::Sqlite(s) => s.delete_expired().await,
            Sessions::Postgres(s) => s.delete_expired().await,
        }
    }
}
