//! The org's SQLite database: schema and the queries the OIDC server needs.

use anyhow::Context;
use sqlx::{
    Row, SqlitePool,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions},
};
use std::{path::Path, str::FromStr, time::Duration};

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    transitioning_to_status TEXT,
    created TEXT NOT NULL,
    activated TEXT,
    status_changed TEXT,
    last_login TEXT,
    last_updated TEXT NOT NULL,
    password_changed TEXT,
    login TEXT NOT NULL UNIQUE COLLATE NOCASE,
    profile TEXT NOT NULL,
    password_hash TEXT,
    recovery_question TEXT,
    recovery_answer_hash TEXT,
    provider TEXT NOT NULL DEFAULT 'OKTA',
    type_id TEXT NOT NULL DEFAULT 'otyPortico0Default01',
    -- Wrong passwords since the last good sign-in or status change (lockout counts these).
    failed_sign_ins INTEGER NOT NULL DEFAULT 0
);
-- Sorted searches walk these instead of sorting every match (expressions match query::sort_expr).
CREATE INDEX IF NOT EXISTS users_by_last_name ON users(lower(coalesce(json_extract(profile, '$."lastName"'), '')), id);
CREATE INDEX IF NOT EXISTS users_by_first_name ON users(lower(coalesce(json_extract(profile, '$."firstName"'), '')), id);
CREATE INDEX IF NOT EXISTS users_by_login ON users(lower(coalesce(json_extract(profile, '$."login"'), '')), id);
CREATE INDEX IF NOT EXISTS users_by_status ON users(lower(coalesce(status, '')), id);
CREATE TABLE IF NOT EXISTS groups (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    name TEXT NOT NULL,
    profile TEXT NOT NULL,
    created TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    last_membership_updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS group_members (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX IF NOT EXISTS group_members_by_user ON group_members(user_id);
CREATE TABLE IF NOT EXISTS api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS grants (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    client_name TEXT NOT NULL,
    scope_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS grants_by_user ON grants(user_id);
CREATE TABLE IF NOT EXISTS refresh_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    client_name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refresh_tokens_by_user ON refresh_tokens(user_id);
CREATE TABLE IF NOT EXISTS service_apps (
    client_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    jwks TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created TEXT NOT NULL,
    require_dpop INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS signing_keys (
    kid TEXT PRIMARY KEY,
    private_pem TEXT NOT NULL,
    created TEXT NOT NULL
);
"#;

/// Opens `<data_dir>/devorg.sqlite`, creating it and its schema when missing.
pub async fn open(data_dir: &Path) -> anyhow::Result<SqlitePool> {
    std::fs::create_dir_all(data_dir).with_context(|| format!("embedded org: cannot create {}", data_dir.display()))?;
    let path = data_dir.join("devorg.sqlite");
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await
        .with_context(|| format!("embedded org: cannot open {}", path.display()))?;
    sqlx::raw_sql(SCHEMA).execute(&pool).await.context("embedded org: schema")?;
    sqlx::raw_sql(crate::api::logs::SCHEMA).execute(&pool).await.context("embedded org: system log")?;
    sqlx::raw_sql(crate::api::apps::SCHEMA).execute(&pool).await.context("embedded org: applications")?;
    sqlx::raw_sql(crate::api::owners::SCHEMA).execute(&pool).await.context("embedded org: group owners")?;
    // Service apps registered before DPoP existed here did not require it; people from before
    // lockout have no failed sign-ins counted.
    add_column(&pool, "service_apps", "require_dpop", "INTEGER NOT NULL DEFAULT 0").await?;
    add_column(&pool, "users", "failed_sign_ins", "INTEGER NOT NULL DEFAULT 0").await?;
    Ok(pool)
}

/// Adds `column` to a table created by an older version of the org, once.
async fn add_column(pool: &SqlitePool, table: &str, column: &str, ddl: &str) -> anyhow::Result<()> {
    let present: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = ?2")
        .bind(table)
        .bind(column)
        .fetch_one(pool)
        .await?;
    if present == 0 {
        sqlx::query(&format!("ALTER TABLE {table} ADD COLUMN {column} {ddl}"))
            .execute(pool)
            .await
            .with_context(|| format!("embedded org: {table}.{column}"))?;
    }
    Ok(())
}

/// What sign-in needs to know about a person.
pub struct SignInRecord {
    pub id: String,
    pub status: String,
    pub password_hash: Option<String>,
    /// The profile's JSON (the System Log names whom it locked out).
    pub profile: String,
}

pub async fn find_for_sign_in(db: &SqlitePool, login: &str) -> sqlx::Result<Option<SignInRecord>> {
    let row = sqlx::query("SELECT id, status, password_hash, profile FROM users WHERE login = ?1")
        .bind(login)
        .fetch_optional(db)
        .await?;
    Ok(row.map(|r| SignInRecord {
        id: r.get("id"),
        status: r.get("status"),
        password_hash: r.get("password_hash"),
        profile: r.get("profile"),
    }))
}

/// Counts a wrong password against `id`; at `lockout_attempts` (not 0) a person who could
/// sign in is moved to `LOCKED_OUT`. Whether this attempt locked them.
pub async fn failed_sign_in(db: &SqlitePool, id: &str, lockout_attempts: u32, now: &str) -> sqlx::Result<bool> {
    let failed: i64 = sqlx::query_scalar(
        "UPDATE users SET failed_sign_ins = failed_sign_ins + 1 WHERE id = ?1 RETURNING failed_sign_ins",
    )
    .bind(id)
    .fetch_one(db)
    .await?;
    if lockout_attempts == 0 || failed < i64::from(lockout_attempts) {
        return Ok(false);
    }
    let locked = sqlx::query(
        "UPDATE users SET status = 'LOCKED_OUT', status_changed = ?2, last_updated = ?2 \
         WHERE id = ?1 AND status IN ('ACTIVE', 'PASSWORD_EXPIRED')",
    )
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(locked.rows_affected() == 1)
}

/// A good sign-in starts the count again and is the person's `lastLogin`.
pub async fn signed_in(db: &SqlitePool, id: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET failed_sign_ins = 0, last_login = ?2 WHERE id = ?1")
        .bind(id)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

/// The claims the ID token and userinfo carry about a person.
#[derive(Clone, Debug)]
pub struct ClaimsRecord {
    pub id: String,
    pub login: String,
    pub name: String,
    pub email: Option<String>,
    pub groups: Vec<String>,
    /// ACTIVE in the org (an org session of anyone else no longer signs them in).
    pub active: bool,
}

pub async fn claims_for(db: &SqlitePool, user_id: &str) -> sqlx::Result<Option<ClaimsRecord>> {
    let Some(row) = sqlx::query("SELECT id, login, profile, status FROM users WHERE id = ?1")
        .bind(user_id)
        .fetch_optional(db)
        .await?
    else {
        return Ok(None);
    };
    let profile: serde_json::Value = serde_json::from_str(row.get::<&str, _>("profile")).unwrap_or_default();
    let text = |k: &str| profile.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let login: String = row.get("login");
    let name = text("displayName")
        .or_else(|| Some(format!("{} {}", text("firstName")?, text("lastName")?)))
        .unwrap_or_else(|| login.clone());
    let groups = sqlx::query_scalar(
        "SELECT g.name FROM groups g JOIN group_members m ON m.group_id = g.id \
         WHERE m.user_id = ?1 ORDER BY g.name",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    let active = row.get::<&str, _>("status") == "ACTIVE";
    Ok(Some(ClaimsRecord { id: row.get("id"), login, name, email: text("email"), groups, active }))
}

pub async fn record_sign_in(db: &SqlitePool, user_id: &str, at: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET last_login = ?2 WHERE id = ?1").bind(user_id).bind(at).execute(db).await?;
    Ok(())
}

/// Replaces the demo admin API token with a freshly minted one; only its hash is kept.
pub async fn replace_demo_api_token(db: &SqlitePool, token: &str, now: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO api_tokens (id, name, token_hash, user_id, created) VALUES (?1, 'demo', ?2, \
         (SELECT u.id FROM users u WHERE u.login = ?3), ?4) \
         ON CONFLICT(name) DO UPDATE SET token_hash = excluded.token_hash, created = excluded.created",
    )
    .bind(crate::ids::okta_id("00T"))
    .bind(crate::ids::sha256_hex(token))
    .bind(crate::seed::ADMIN_LOGIN)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}
