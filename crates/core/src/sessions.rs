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
use sqlx::{Row, SqlitePool};

/// Records a sign-in; its id goes into the session.
pub async fn record_sign_in(db: &SqlitePool, clock: &Clock, p: &Principal) -> sqlx::Result<String> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    sqlx::query("INSERT INTO sign_ins (id, sub, login, signed_in_at) VALUES (?, ?, ?, ?)")
        .bind(&id)
        .bind(&p.sub)
        .bind(&p.login)
        .bind(clock.stamp())
        .execute(db)
        .await?;
    Ok(id)
}

/// Why the sign-in ended, if it did.
pub async fn ended(db: &SqlitePool, id: &str) -> sqlx::Result<Option<String>> {
    let row = sqlx::query("SELECT ended_at, reason FROM sign_ins WHERE id = ?").bind(id).fetch_optional(db).await?;
    Ok(match row {
        None => Some("Your session is no longer known to Portico.".into()),
        Some(r) => {
            r.get::<Option<String>, _>("ended_at").map(|_| r.get::<Option<String>, _>("reason").unwrap_or_default())
        }
    })
}

/// Ends every live sign-in of the person with Okta id `sub`; returns how many ended.
pub async fn end_all(db: &SqlitePool, clock: &Clock, sub: &str, by: &str, reason: &str) -> sqlx::Result<u64> {
    let res =
        sqlx::query("UPDATE sign_ins SET ended_at = ?, ended_by = ?, reason = ? WHERE sub = ? AND ended_at IS NULL")
            .bind(clock.stamp())
            .bind(by)
            .bind(reason)
            .bind(sub)
            .execute(db)
            .await?;
    Ok(res.rows_affected())
}

/// A live sign-in, as the person page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignIn {
    pub id: String,
    pub signed_in_at: String,
}

/// The person's sign-ins that have not ended and are within the absolute lifetime.
pub async fn live(db: &SqlitePool, clock: &Clock, config: &Config, sub: &str) -> sqlx::Result<Vec<SignIn>> {
    let since =
        crate::clock::stamp(clock.now() - chrono::Duration::hours(i64::from(config.session.absolute_lifetime_hours)));
    let rows = sqlx::query(
        "SELECT id, signed_in_at FROM sign_ins WHERE sub = ? AND ended_at IS NULL AND signed_in_at > ? \
         ORDER BY signed_in_at DESC",
    )
    .bind(sub)
    .bind(since)
    .fetch_all(db)
    .await?;
    Ok(rows.iter().map(|r| SignIn { id: r.get("id"), signed_in_at: r.get("signed_in_at") }).collect())
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
