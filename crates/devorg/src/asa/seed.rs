//! The ASA team's schema and demo data: the same people as the Okta seed, some deliberately out
//! of step with Okta (the drift the portal shows).

use sqlx::SqlitePool;
use uuid::Uuid;

pub const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS asa_users (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    name TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL,
    user_type TEXT NOT NULL,
    first_name TEXT, last_name TEXT, full_name TEXT, email TEXT,
    deleted_at TEXT
);
CREATE TABLE IF NOT EXISTS asa_groups (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    roles TEXT NOT NULL,
    federated_from_team TEXT,
    scim_managed INTEGER NOT NULL DEFAULT 0,
    deleted_at TEXT
);
CREATE TABLE IF NOT EXISTS asa_members (
    group_id TEXT NOT NULL REFERENCES asa_groups(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES asa_users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE TABLE IF NOT EXISTS asa_keys (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES asa_users(id) ON DELETE CASCADE,
    secret_hash TEXT NOT NULL,
    issued_at TEXT NOT NULL
);
"#;

/// `(okta local part, ASA status)`: who differs from Okta on purpose.
/// Okta: steve DEPROVISIONED, erin SUSPENDED, eli LOCKED_OUT. ASA: all ACTIVE; ed is DISABLED in
/// ASA while ACTIVE in Okta; stan (STAGED in Okta) has no ASA account at all.
const STATUS_IN_ASA: &[(&str, &str)] = &[("ed.engineer", "DISABLED")];
const NOT_IN_ASA: &[&str] = &["stan.sales", "sofia.sales"];

/// ASA user names are the Okta login's local part with dots, capitalised: `Ada.Admin`.
pub fn asa_name(local: &str) -> String {
    local
        .split('.')
        .map(|p| {
            let mut c = p.chars();
            c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(".")
}

pub async fn seed_if_empty(db: &SqlitePool) -> anyhow::Result<()> {
    sqlx::raw_sql(SCHEMA).execute(db).await?;
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM asa_users").fetch_one(db).await?;
    if n > 0 {
        return Ok(());
    }
    let mut tx = db.begin().await?;
    let mut seq = 0i64;
    let mut next = || {
        seq += 1;
        seq
    };
    let groups: [(&str, &[&str], bool); 5] = [
        ("everyone", &["access_user"], false),
        ("owners", &["access_admin", "access_user"], false),
        ("sre", &["access_user", "reporting_user"], false),
        ("auditors", &["reporting_user"], false),
        ("engineering", &["access_user"], true),
    ];
    let mut ids = std::collections::HashMap::new();
    for (name, roles, scim) in groups {
        let id = Uuid::new_v4().to_string();
        sqlx::query("INSERT INTO asa_groups (id, seq, name, roles, federated_from_team, scim_managed) VALUES (?1, ?2, ?3, ?4, NULL, ?5)")
            .bind(&id)
            .bind(next())
            .bind(name)
            .bind(serde_json::json!(roles).to_string())
            .bind(scim)
            .execute(&mut *tx)
            .await?;
        ids.insert(name, id);
    }
    let service = Uuid::new_v4().to_string();
    sqlx::query("INSERT INTO asa_users (id, seq, name, status, user_type) VALUES (?1, ?2, ?3, 'ACTIVE', 'service')")
        .bind(&service)
        .bind(next())
        .bind(super::SERVICE_USER)
        .execute(&mut *tx)
        .await?;
    let mut members = vec![("owners", service.clone()), ("everyone", service)];
    for (local, first, last, _status, _title, department, ..) in crate::seed::PEOPLE {
        if NOT_IN_ASA.contains(local) {
            continue;
        }
        let status = STATUS_IN_ASA.iter().find(|(l, _)| l == local).map(|(_, s)| *s).unwrap_or("ACTIVE");
        let id = Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO asa_users (id, seq, name, status, user_type, first_name, last_name, full_name, email) \
             VALUES (?1, ?2, ?3, ?4, 'human', ?5, ?6, ?7, ?8)",
        )
        .bind(&id)
        .bind(next())
        .bind(asa_name(local))
        .bind(status)
        .bind(first)
        .bind(last)
        .bind(format!("{first} {last}"))
        .bind(format!("{local}@{}", crate::seed::DOMAIN))
        .execute(&mut *tx)
        .await?;
        members.push(("everyone", id.clone()));
        match *department {
            "Engineering" => members.extend([("engineering", id.clone()), ("sre", id)]),
            "IT" if *local == "ada.admin" => members.push(("owners", id)),
            "Finance" => members.push(("auditors", id)),
            _ => {}
        }
    }
    for (group, user) in members {
        sqlx::query("INSERT OR IGNORE INTO asa_members (group_id, user_id) VALUES (?1, ?2)")
            .bind(&ids[group])
            .bind(user)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Mints the service user's API key (secret shown once, stored as a hash) at every start.
pub async fn replace_service_key(
    db: &SqlitePool,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<(String, String)> {
    let user: String =
        sqlx::query_scalar("SELECT id FROM asa_users WHERE name = ?1").bind(super::SERVICE_USER).fetch_one(db).await?;
    let key_id = Uuid::new_v4().to_string();
    let secret = crate::ids::random_token(64);
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM asa_keys WHERE user_id = ?1").bind(&user).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO asa_keys (id, user_id, secret_hash, issued_at) VALUES (?1, ?2, ?3, ?4)")
        .bind(&key_id)
        .bind(&user)
        .bind(crate::ids::sha256_hex(&secret))
        .bind(now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((key_id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_asa_style() {
        assert_eq!(asa_name("ada.admin"), "Ada.Admin");
        assert_eq!(asa_name("ivy.intern"), "Ivy.Intern");
    }
}
