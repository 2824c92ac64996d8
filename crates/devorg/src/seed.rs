//! Demo people and groups. Later features rely on their shape: an admin, a help-desk operator, an
//! auditor, two managers with direct reports (one report with a report of their own, for
//! two-level delegation), and people in every Okta user status.

use crate::ids::{okta_id, okta_time};
use anyhow::Context;
use chrono::{Duration, Utc};
use serde_json::json;
use sqlx::SqlitePool;
use std::collections::HashMap;

/// Every demo account's password (they are demo accounts: the password is printed at start).
pub const DEMO_PASSWORD: &str = "Portico-Demo-1";
pub const ADMIN_LOGIN: &str = "ada.admin@portico.example";
pub const DOMAIN: &str = "portico.example";

/// `(local part, first, last, status, title, department, manager local part, groups)`
type Person = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static [&'static str],
);

pub const PEOPLE: &[Person] = &[
    ("ada.admin", "Ada", "Admin", "ACTIVE", "IT Administrator", "IT", None, &["Portico Admins", "IT"]),
    (
        "hal.helpdesk",
        "Hal",
        "Helpdesk",
        "ACTIVE",
        "Help Desk Analyst",
        "IT",
        Some("ada.admin"),
        &["Portico Help Desk", "IT"],
    ),
    ("audrey.auditor", "Audrey", "Auditor", "ACTIVE", "Compliance Auditor", "Finance", None, &["Portico Auditors"]),
    (
        "maria.manager",
        "Maria",
        "Manager",
        "ACTIVE",
        "Engineering Manager",
        "Engineering",
        None,
        &["Engineering", "Managers"],
    ),
    (
        "ed.engineer",
        "Ed",
        "Engineer",
        "ACTIVE",
        "Senior Software Engineer",
        "Engineering",
        Some("maria.manager"),
        &["Engineering"],
    ),
    (
        "erin.engineer",
        "Erin",
        "Engineer",
        "SUSPENDED",
        "Software Engineer",
        "Engineering",
        Some("maria.manager"),
        &["Engineering"],
    ),
    (
        "eli.engineer",
        "Eli",
        "Engineer",
        "LOCKED_OUT",
        "Software Engineer",
        "Engineering",
        Some("maria.manager"),
        &["Engineering"],
    ),
    (
        "emma.engineer",
        "Emma",
        "Engineer",
        "PASSWORD_EXPIRED",
        "Site Reliability Engineer",
        "Engineering",
        Some("maria.manager"),
        &["Engineering"],
    ),
    (
        "ivy.intern",
        "Ivy",
        "Intern",
        "ACTIVE",
        "Engineering Intern",
        "Engineering",
        Some("ed.engineer"),
        &["Engineering"],
    ),
    (
        "marcus.manager",
        "Marcus",
        "Manager",
        "ACTIVE",
        "Sales Manager",
        "Sales",
        None,
        &["Sales", "Managers", "Salesforce Users"],
    ),
    (
        "sam.sales",
        "Sam",
        "Sales",
        "ACTIVE",
        "Account Executive",
        "Sales",
        Some("marcus.manager"),
        &["Sales", "Salesforce Users"],
    ),
    (
        "sara.sales",
        "Sara",
        "Sales",
        "RECOVERY",
        "Account Executive",
        "Sales",
        Some("marcus.manager"),
        &["Sales", "Salesforce Users"],
    ),
    ("steve.sales", "Steve", "Sales", "DEPROVISIONED", "Sales Engineer", "Sales", Some("marcus.manager"), &["Sales"]),
    (
        "sofia.sales",
        "Sofia",
        "Sales",
        "PROVISIONED",
        "Sales Development Rep",
        "Sales",
        Some("marcus.manager"),
        &["Sales"],
    ),
    ("stan.sales", "Stan", "Sales", "STAGED", "Sales Development Rep", "Sales", Some("marcus.manager"), &[]),
];

/// `(name, type, description)`
pub const GROUPS: &[(&str, &str, &str)] = &[
    ("Everyone", "BUILT_IN", "All users in your organization"),
    ("Portico Admins", "OKTA_GROUP", "Full administrators of Portico"),
    ("Portico Help Desk", "OKTA_GROUP", "Help desk operators"),
    ("Portico Auditors", "OKTA_GROUP", "Read-only access including the audit trail"),
    ("IT", "OKTA_GROUP", "Information technology"),
    ("Engineering", "OKTA_GROUP", "Product engineering"),
    ("Sales", "OKTA_GROUP", "Sales team"),
    ("Managers", "OKTA_GROUP", "People managers"),
    ("Salesforce Users", "APP_GROUP", "Imported from the Salesforce app"),
];

/// Seeds the demo org into an empty database; a database that has people is left alone.
pub async fn seed_if_empty(db: &SqlitePool, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(db).await?;
    if count > 0 {
        return Ok(());
    }
    let hash = crate::passwords::hash(DEMO_PASSWORD.into()).await?;
    let mut tx = db.begin().await?;

    let mut group_ids = HashMap::new();
    for (name, kind, description) in GROUPS {
        let id = okta_id("00g");
        let created = okta_time(now - Duration::days(400));
        sqlx::query(
            "INSERT INTO groups (id, type, name, profile, created, last_updated, last_membership_updated) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5)",
        )
        .bind(&id)
        .bind(kind)
        .bind(name)
        .bind(json!({ "name": name, "description": description }).to_string())
        .bind(&created)
        .execute(&mut *tx)
        .await?;
        group_ids.insert(*name, id);
    }

    let user_ids: HashMap<&str, String> = PEOPLE.iter().map(|p| (p.0, okta_id("00u"))).collect();
    for (i, (local, first, last, status, title, department, manager, groups)) in PEOPLE.iter().enumerate() {
        let id = &user_ids[local];
        let login = format!("{local}@{DOMAIN}");
        let created = now - Duration::days(300 - i as i64 * 7);
        let manager_id = manager.map(|m| user_ids[m].clone());
        let manager_name = manager.and_then(|m| PEOPLE.iter().find(|p| p.0 == m)).map(|p| format!("{} {}", p.1, p.2));
        let profile = json!({
            "firstName": first,
            "lastName": last,
            "displayName": format!("{first} {last}"),
            "login": login,
            "email": login,
            "secondEmail": null,
            "mobilePhone": null,
            "title": title,
            "department": department,
            "employeeNumber": format!("{:05}", 1001 + i),
            "managerId": manager_id,
            "manager": manager_name,
        });
        let activated = (*status != "STAGED").then(|| okta_time(created + Duration::hours(1)));
        let changed = okta_time(created + Duration::days(30));
        sqlx::query(
            "INSERT INTO users (id, status, created, activated, status_changed, last_updated, \
             password_changed, login, profile, password_hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?3, ?6, ?7, ?8)",
        )
        .bind(id)
        .bind(status)
        .bind(okta_time(created))
        .bind(activated)
        .bind(&changed)
        .bind(&login)
        .bind(profile.to_string())
        .bind(&hash)
        .execute(&mut *tx)
        .await
        .with_context(|| format!("seeding {login}"))?;
        for group in groups.iter().copied().chain(["Everyone"]) {
            sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES (?1, ?2)")
                .bind(&group_ids[group])
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
    }
    // Groups their managers own: an access review asks them about their members.
    for (group, owner) in GROUP_OWNERS {
        sqlx::query("INSERT INTO group_owners (group_id, user_id, last_updated) VALUES (?1, ?2, ?3)")
            .bind(&group_ids[group])
            .bind(&user_ids[owner])
            .bind(okta_time(now))
            .execute(&mut *tx)
            .await?;
    }
    seed_apps_and_consents(&mut tx, &user_ids, &group_ids, now).await?;
    tx.commit().await?;
    tracing::info!(people = PEOPLE.len(), groups = GROUPS.len(), "embedded org seeded");
    Ok(())
}

/// `(group, owner's login local part)`.
const GROUP_OWNERS: &[(&str, &str)] =
    &[("Engineering", "maria.manager"), ("Sales", "marcus.manager"), ("IT", "ada.admin")];

/// `(app name, instance id, label, groups that assign it, people assigned directly)`: some
/// apps come through a group, some are given person by person, so an access review has both.
type App = (&'static str, &'static str, &'static str, &'static [&'static str], &'static [&'static str]);

const APPS: &[App] = &[
    ("salesforce", "0oaPortico0Salesforce", "Salesforce", &["Sales"], &["maria.manager"]),
    ("slack", "0oaPortico0Slack00001", "Slack", &["Everyone"], &[]),
    ("github_enterprise", "0oaPortico0GitHub0001", "GitHub Enterprise", &["Engineering"], &["ada.admin"]),
    (
        "aws_console",
        "0oaPortico0AwsConsole",
        "AWS Console",
        &[],
        &["ed.engineer", "emma.engineer", "eli.engineer", "ada.admin"],
    ),
    ("jira", "0oaPortico0Jira000001", "Jira", &[], &["ed.engineer", "erin.engineer", "ivy.intern", "hal.helpdesk"]),
];

/// Days since each person last signed in (none: never). Erin and Eli have been away long
/// enough that a review flags them.
const LAST_SIGN_IN_DAYS: &[(&str, i64)] = &[
    ("ada.admin", 1),
    ("hal.helpdesk", 2),
    ("audrey.auditor", 12),
    ("maria.manager", 1),
    ("ed.engineer", 3),
    ("erin.engineer", 130),
    ("eli.engineer", 95),
    ("emma.engineer", 20),
    ("ivy.intern", 6),
    ("marcus.manager", 2),
    ("sam.sales", 4),
    ("sara.sales", 40),
    ("steve.sales", 200),
];

/// The apps and who has them, last sign-ins, and OAuth consents and refresh tokens for a few
/// people, so the portal's applications and consents tabs and access reviews have something to show.
async fn seed_apps_and_consents(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    user_ids: &HashMap<&str, String>,
    group_ids: &HashMap<&str, String>,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    let seeded = okta_time(now - Duration::days(200));
    for (i, (name, id, label, groups, people)) in APPS.iter().enumerate() {
        sqlx::query("INSERT INTO apps (id, name, label, created, sort_order) VALUES (?1, ?2, ?3, ?4, ?5)")
            .bind(id)
            .bind(name)
            .bind(label)
            .bind(&seeded)
            .bind(i as i64)
            .execute(&mut **tx)
            .await?;
        for (priority, group) in groups.iter().enumerate() {
            sqlx::query("INSERT INTO app_groups (app_id, group_id, priority, last_updated) VALUES (?1, ?2, ?3, ?4)")
                .bind(id)
                .bind(&group_ids[group])
                .bind(priority as i64)
                .bind(&seeded)
                .execute(&mut **tx)
                .await?;
        }
        for person in people.iter() {
            sqlx::query("INSERT INTO app_users (id, app_id, user_id, created) VALUES (?1, ?2, ?3, ?4)")
                .bind(okta_id("0ua"))
                .bind(id)
                .bind(&user_ids[person])
                .bind(&seeded)
                .execute(&mut **tx)
                .await?;
        }
    }
    for (person, days) in LAST_SIGN_IN_DAYS {
        sqlx::query("UPDATE users SET last_login = ?2 WHERE id = ?1")
            .bind(&user_ids[person])
            .bind(okta_time(now - Duration::days(*days)))
            .execute(&mut **tx)
            .await?;
    }
    for local in ["ada.admin", "ed.engineer", "sam.sales", "maria.manager"] {
        let uid = &user_ids[local];
        for (client, name, scope) in [
            ("0oaPortico0MobileApp1", "Expenses Mobile", "offline_access"),
            ("0oaPortico0Dashboard1", "Ops Dashboard", "okta.users.read.self"),
        ] {
            sqlx::query("INSERT INTO grants (id, user_id, client_id, client_name, scope_id, scope, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .bind(okta_id("oag"))
                .bind(uid)
                .bind(client)
                .bind(name)
                .bind(okta_id("scp"))
                .bind(scope)
                .bind(okta_time(now - Duration::days(20)))
                .execute(&mut **tx)
                .await?;
        }
        sqlx::query("INSERT INTO refresh_tokens (id, user_id, client_id, client_name, scopes, created, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
            .bind(okta_id("oar"))
            .bind(uid)
            .bind("0oaPortico0MobileApp1")
            .bind("Expenses Mobile")
            .bind(json!(["openid", "offline_access"]).to_string())
            .bind(okta_time(now - Duration::days(2)))
            .bind(okta_time(now + Duration::days(88)))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Deletes every person, group and consent and seeds the demo org again. The API tokens stay,
/// re-pointed at the new admin.
pub async fn reset(db: &SqlitePool, now: chrono::DateTime<Utc>) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    for table in [
        "group_owners",
        "group_members",
        "app_users",
        "app_groups",
        "apps",
        "grants",
        "refresh_tokens",
        "users",
        "groups",
        "system_log",
    ] {
        sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    seed_if_empty(db, now).await?;
    sqlx::query("UPDATE api_tokens SET user_id = (SELECT id FROM users WHERE login = ?1)")
        .bind(ADMIN_LOGIN)
        .execute(db)
        .await?;
    Ok(())
}

const FIRST: &[&str] = &[
    "Alex", "Blair", "Casey", "Dana", "Eden", "Farah", "Gabe", "Hana", "Ivan", "Jun", "Kai", "Lena", "Milo", "Nia",
    "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wes", "Xin", "Yara", "Zane",
];
const LAST: &[&str] = &[
    "Abbott", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Haddad", "Ito", "Jensen", "Kowalski", "Lopez",
    "Mensah", "Novak", "Okafor", "Patel", "Quispe", "Rossi", "Schmidt", "Tanaka", "Usman", "Varga", "Weber", "Xu",
    "Yilmaz", "Zhou",
];
const DEPARTMENTS: &[&str] =
    &["Engineering", "Sales", "Marketing", "Finance", "Support", "Legal", "Operations", "Design"];
const STATUSES: &[&str] = &[
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "ACTIVE",
    "SUSPENDED",
    "DEPROVISIONED",
    "LOCKED_OUT",
    "PASSWORD_EXPIRED",
    "STAGED",
    "PROVISIONED",
    "RECOVERY",
    "ACTIVE",
];

/// Adds `users` synthetic people (varied names, departments and statuses; each in `Everyone`
/// and two of the new groups) and `groups` OKTA_GROUPs, in batched multi-row inserts.
/// Synthetic people: everyone's title is "Specialist" and statuses cycle through every status,
/// unless `like` fixes a title and a status (a benchmark's own set of people).
#[derive(Clone, Debug, Default)]
pub struct Like {
    pub title: Option<String>,
    pub status: Option<String>,
}

pub async fn bulk(
    db: &SqlitePool,
    users: usize,
    groups: usize,
    like: &Like,
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    const BATCH: usize = 400;
    let hash = crate::passwords::hash(DEMO_PASSWORD.into()).await?;
    let stamp = okta_time(now);
    let run = crate::ids::random_token(4).to_lowercase();
    let mut tx = db.begin().await?;
    let mut group_ids = Vec::with_capacity(groups);
    for chunk in (0..groups).collect::<Vec<_>>().chunks(BATCH) {
        let mut qb = sqlx::QueryBuilder::new(
            "INSERT INTO groups (id, type, name, profile, created, last_updated, last_membership_updated) ",
        );
        qb.push_values(chunk, |mut b, i| {
            let id = okta_id("00g");
            let name = format!("Team {run}-{:04}", i + 1);
            b.push_bind(id.clone())
                .push_bind("OKTA_GROUP")
                .push_bind(name.clone())
                .push_bind(json!({ "name": name, "description": format!("Synthetic team {}", i + 1) }).to_string())
                .push_bind(stamp.clone())
                .push_bind(stamp.clone())
                .push_bind(stamp.clone());
            group_ids.push(id);
        });
        qb.build().execute(&mut *tx).await?;
    }
    let everyone: String = sqlx::query_scalar("SELECT id FROM groups WHERE type = 'BUILT_IN' AND name = 'Everyone'")
        .fetch_one(&mut *tx)
        .await?;
    for chunk in (0..users).collect::<Vec<_>>().chunks(BATCH) {
        let rows: Vec<(String, usize)> = chunk.iter().map(|&i| (okta_id("00u"), i)).collect();
        let mut qb = sqlx::QueryBuilder::new(
            "INSERT INTO users (id, status, created, activated, status_changed, last_updated, password_changed, login, \
             profile, password_hash) ",
        );
        qb.push_values(&rows, |mut b, (id, i)| {
            let i = *i;
            let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
            let login = format!("{}.{}.{run}{i}@bulk.example", first.to_lowercase(), last.to_lowercase());
            let status = like.status.as_deref().unwrap_or(STATUSES[i % STATUSES.len()]);
            let created = okta_time(now - Duration::minutes(i as i64));
            let profile = json!({
                "firstName": first, "lastName": last, "displayName": format!("{first} {last}"),
                "login": login, "email": login, "mobilePhone": null, "secondEmail": null,
                "department": DEPARTMENTS[i % DEPARTMENTS.len()], "title": like.title.as_deref().unwrap_or("Specialist"),
                "employeeNumber": format!("B{i:06}"),
            });
            b.push_bind(id.clone())
                .push_bind(status)
                .push_bind(created.clone())
                .push_bind((status != "STAGED").then(|| created.clone()))
                .push_bind(created.clone())
                .push_bind(created.clone())
                .push_bind(created)
                .push_bind(login)
                .push_bind(profile.to_string())
                .push_bind(hash.clone());
        });
        qb.build().execute(&mut *tx).await?;
        let mut members = Vec::with_capacity(rows.len() * 3);
        for (id, i) in &rows {
            members.push((everyone.clone(), id.clone()));
            if !group_ids.is_empty() {
                members.push((group_ids[i % group_ids.len()].clone(), id.clone()));
                let second = group_ids[(i * 7 + 3) % group_ids.len()].clone();
                if second != group_ids[i % group_ids.len()] {
                    members.push((second, id.clone()));
                }
            }
        }
        for part in members.chunks(BATCH) {
            let mut qb = sqlx::QueryBuilder::new("INSERT OR IGNORE INTO group_members (group_id, user_id) ");
            qb.push_values(part, |mut b, (g, u)| {
                b.push_bind(g.clone()).push_bind(u.clone());
            });
            qb.build().execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    tracing::info!(users, groups, "embedded org: bulk seed done");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_okta_status_is_seeded() {
        for status in [
            "STAGED",
            "PROVISIONED",
            "ACTIVE",
            "RECOVERY",
            "PASSWORD_EXPIRED",
            "LOCKED_OUT",
            "SUSPENDED",
            "DEPROVISIONED",
        ] {
            assert!(PEOPLE.iter().any(|p| p.3 == status), "{status} missing");
        }
    }

    #[test]
    fn managers_and_groups_refer_to_seeded_entries() {
        for p in PEOPLE {
            if let Some(m) = p.6 {
                assert!(PEOPLE.iter().any(|q| q.0 == m), "{m} unknown");
            }
            for g in p.7 {
                assert!(GROUPS.iter().any(|(name, _, _)| name == g), "{g} unknown");
            }
        }
        // Two levels of delegation exist: a report who manages someone.
        assert!(PEOPLE.iter().any(|p| p.6 == Some("ed.engineer")));
    }
}
