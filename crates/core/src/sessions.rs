//! Portico sessions that follow their person. Each sign-in is a row (`sign_ins`); the session
//! lives while its row is not ended. A session is checked against Okta at most every
//! `session.revalidate_seconds` (and an actor is re-read before every change): someone no longer
//! active is signed out, and roles come from their current groups, not the sign-in's claim.

use crate::{
    AppState, Principal,
    clock::Clock,
    config::{Config, MatchBy},
    okta::{OktaError, User, search::literal},
    upstream::Fault,
};
use chrono::{DateTime, Utc};
use portico_clock::stamp;
use sqlx::{PgPool, Row, SqlitePool};

/// Where sign-ins are kept: the local SQLite file, or PostgreSQL (the scale-out backend). Each
/// backend speaks its own SQL and types: text stamps on SQLite (text order is time order),
/// timestamptz on PostgreSQL. The functions below work on either.
#[async_trait::async_trait]
pub trait SignIns: Sync {
    async fn insert(&self, id: &str, p: &Principal, at: DateTime<Utc>) -> sqlx::Result<()>;
    /// `None`: no such sign-in; `Some(None)`: live; `Some(Some(reason))`: ended.
    async fn state(&self, id: &str) -> sqlx::Result<Option<Option<String>>>;
    async fn end_all(&self, sub: &str, by: &str, reason: &str, at: DateTime<Utc>) -> sqlx::Result<u64>;
    /// Live sign-ins of `sub` made after `since`, newest first.
    async fn live_since(&self, sub: &str, since: DateTime<Utc>) -> sqlx::Result<Vec<SignIn>>;
}

#[async_trait::async_trait]
impl SignIns for SqlitePool {
    async fn insert(&self, id: &str, p: &Principal, at: DateTime<Utc>) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO sign_ins (id, sub, login, signed_in_at) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(&p.sub)
            .bind(&p.login)
            .bind(stamp(at))
            .execute(self)
            .await
            .map(drop)
    }

    async fn state(&self, id: &str) -> sqlx::Result<Option<Option<String>>> {
        let row =
            sqlx::query("SELECT ended_at, reason FROM sign_ins WHERE id = ?").bind(id).fetch_optional(self).await?;
        Ok(row.map(|r| {
            r.get::<Option<String>, _>("ended_at").map(|_| r.get::<Option<String>, _>("reason").unwrap_or_default())
        }))
    }

    async fn end_all(&self, sub: &str, by: &str, reason: &str, at: DateTime<Utc>) -> sqlx::Result<u64> {
        sqlx::query("UPDATE sign_ins SET ended_at = ?, ended_by = ?, reason = ? WHERE sub = ? AND ended_at IS NULL")
            .bind(stamp(at))
            .bind(by)
            .bind(reason)
            .bind(sub)
            .execute(self)
            .await
            .map(|r| r.rows_affected())
    }

    async fn live_since(&self, sub: &str, since: DateTime<Utc>) -> sqlx::Result<Vec<SignIn>> {
        let rows = sqlx::query(
            "SELECT id, signed_in_at FROM sign_ins WHERE sub = ? AND ended_at IS NULL AND signed_in_at > ? \
             ORDER BY signed_in_at DESC",
        )
        .bind(sub)
        .bind(stamp(since))
        .fetch_all(self)
        .await?;
        Ok(rows.iter().map(|r| SignIn { id: r.get("id"), signed_in_at: r.get("signed_in_at") }).collect())
    }
}

#[async_trait::async_trait]
impl SignIns for PgPool {
    async fn insert(&self, id: &str, p: &Principal, at: DateTime<Utc>) -> sqlx::Result<()> {
        sqlx::query("INSERT INTO sign_ins (id, sub, login, signed_in_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(&p.sub)
            .bind(&p.login)
            .bind(at)
            .execute(self)
            .await
            .map(drop)
    }

    async fn state(&self, id: &str) -> sqlx::Result<Option<Option<String>>> {
        let row =
            sqlx::query("SELECT ended_at, reason FROM sign_ins WHERE id = $1").bind(id).fetch_optional(self).await?;
        Ok(row.map(|r| {
            r.get::<Option<DateTime<Utc>>, _>("ended_at")
                .map(|_| r.get::<Option<String>, _>("reason").unwrap_or_default())
        }))
    }

    async fn end_all(&self, sub: &str, by: &str, reason: &str, at: DateTime<Utc>) -> sqlx::Result<u64> {
        sqlx::query("UPDATE sign_ins SET ended_at = $1, ended_by = $2, reason = $3 WHERE sub = $4 AND ended_at IS NULL")
            .bind(at)
            .bind(by)
            .bind(reason)
            .bind(sub)
            .execute(self)
            .await
            .map(|r| r.rows_affected())
    }

    async fn live_since(&self, sub: &str, since: DateTime<Utc>) -> sqlx::Result<Vec<SignIn>> {
        let rows = sqlx::query(
            "SELECT id, signed_in_at FROM sign_ins WHERE sub = $1 AND ended_at IS NULL AND signed_in_at > $2 \
             ORDER BY signed_in_at DESC",
        )
        .bind(sub)
        .bind(since)
        .fetch_all(self)
        .await?;
        Ok(rows
            .iter()
            .map(|r| SignIn { id: r.get("id"), signed_in_at: stamp(r.get::<DateTime<Utc>, _>("signed_in_at")) })
            .collect())
    }
}

/// Records a sign-in; its id goes into the session.
pub async fn record_sign_in(db: &dyn crate::db::Store, clock: &Clock, p: &Principal) -> sqlx::Result<String> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    db.insert(&id, p, clock.now()).await?;
    Ok(id)
}

/// Why the sign-in ended, if it did.
pub async fn ended(db: &dyn crate::db::Store, id: &str) -> sqlx::Result<Option<String>> {
    Ok(match db.state(id).await? {
        None => Some("Your session is no longer known to Portico.".into()),
        Some(reason) => reason,
    })
}

/// Ends every live sign-in of the person with Okta id `sub`; returns how many ended.
pub async fn end_all(db: &dyn crate::db::Store, clock: &Clock, sub: &str, by: &str, reason: &str) -> sqlx::Result<u64> {
    db.end_all(sub, by, reason, clock.now()).await
}

/// A live sign-in, as the person page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignIn {
    pub id: String,
    pub signed_in_at: String,
}

/// The person's sign-ins that have not ended and are within the absolute lifetime.
pub async fn live(db: &dyn crate::db::Store, clock: &Clock, config: &Config, sub: &str) -> sqlx::Result<Vec<SignIn>> {
    let lifetime = chrono::Duration::hours(i64::from(config.session.absolute_lifetime_hours));
    db.live_since(sub, clock.now() - lifetime).await
}

/// How a signed-in person is found in Okta: by `sub` when the OpenID provider is the Okta org
/// itself (the embedded org, or an issuer on the Okta org's host), otherwise as configured.
pub fn match_by(config: &Config) -> MatchBy {
    if let Some(m) = config.session.match_by {
        return m;
    }
    match (&config.oidc, &config.okta) {
        (None, _) => MatchBy::Sub,
        (Some(o), Some(k)) if host(&o.issuer).is_some() && host(&o.issuer) == host(&k.org_url) => MatchBy::Sub,
        _ => MatchBy::Login,
    }
}

fn host(url: &str) -> Option<String> {
    url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_lowercase))
}

/// The Okta user the principal is, if Okta knows them.
pub async fn okta_user(state: &AppState, p: &Principal) -> Result<Option<User>, OktaError> {
    let found = match match_by(&state.config) {
        MatchBy::Sub => state.okta.get_user(&p.sub).await,
        MatchBy::Login => state.okta.get_user(&p.login).await,
        MatchBy::Email => {
            let Some(email) = &p.email else { return Ok(None) };
            let search = format!("profile.email eq {}", literal(email));
            return Ok(state.okta.search_users(Some(&search), None, None, 2).await?.items.into_iter().next());
        }
    };
    match found {
        Ok(u) => Ok(Some(u)),
        Err(e) if e.fault == Fault::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Where a signed-in person stands now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Still active: the principal with their current Okta groups.
    Current(Principal),
    /// No Okta user matches them: their roles come from the provider's claims alone.
    NotInOkta,
    /// No longer active in Okta; why, in words.
    Gone(String),
}

/// Checks the principal against Okta now.
pub async fn standing(state: &AppState, p: &Principal) -> Result<Standing, OktaError> {
    let Some(user) = okta_user(state, p).await? else { return Ok(Standing::NotInOkta) };
    if user.status != portico_vocab::UserStatus::Active {
        return Ok(Standing::Gone(format!(
            "Your Okta account is {} now, so your Portico session has ended.",
            user.status.words()
        )));
    }
    let groups = state.okta.user_groups(&user.id).await?;
    Ok(Standing::Current(Principal {
        group_ids: Some(groups.iter().map(|g| g.id.clone()).collect()),
        groups: groups.into_iter().map(|g| g.name).collect(),
        ..p.clone()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn person(sub: &str) -> Principal {
        Principal {
            sub: sub.into(),
            name: sub.into(),
            email: None,
            login: format!("{sub}@portico.example"),
            groups: vec![],
            group_ids: None,
            authn: None,
        }
    }

    /// What every backend must do alike, at fixed times.
    async fn keeps_sign_ins(db: &dyn crate::db::Store) {
        let at = |minute: i64| Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap() + chrono::Duration::minutes(minute);
        db.insert("a", &person("ed"), at(0)).await.unwrap();
        db.insert("b", &person("ed"), at(10)).await.unwrap();
        db.insert("c", &person("ivy"), at(5)).await.unwrap();
        assert_eq!(db.state("a").await.unwrap(), Some(None), "live");
        assert_eq!(db.state("nobody").await.unwrap(), None, "unknown");
        let newest_first = vec![
            SignIn { id: "b".into(), signed_in_at: "2026-12-06T09:10:00.000Z".into() },
            SignIn { id: "a".into(), signed_in_at: "2026-12-06T09:00:00.000Z".into() },
        ];
        assert_eq!(db.live_since("ed", at(-1)).await.unwrap(), newest_first);
        assert_eq!(db.live_since("ed", at(5)).await.unwrap().len(), 1, "older ones are past the lifetime");
        assert_eq!(db.end_all("ed", "portico", "Suspended in Okta.", at(20)).await.unwrap(), 2);
        assert_eq!(db.end_all("ed", "portico", "Again.", at(21)).await.unwrap(), 0, "only live ones end");
        assert_eq!(db.state("a").await.unwrap(), Some(Some("Suspended in Okta.".into())), "with the first reason");
        assert_eq!(db.state("c").await.unwrap(), Some(None), "someone else's stay");
        assert!(db.live_since("ed", at(-1)).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn sign_ins_on_sqlite() {
        let (_dir, db) = crate::db::testing::sqlite().await;
        keeps_sign_ins(&db).await;
    }

    #[tokio::test]
    async fn sign_ins_on_postgres() {
        let (_cluster, db) = crate::db::testing::postgres().await;
        keeps_sign_ins(&db).await;
        db.close().await;
    }
}
