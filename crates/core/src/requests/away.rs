//! Out-of-office delegation: an approver names a delegate until a date; meanwhile the delegate
//! decides with the approver's authority (recorded "X for Y"), while separation of duties still
//! holds for the delegate as a person. One delegation per approver; naming another ends it.

use super::Person;
use crate::{
    actor::{Actor, person_label},
    db::sql::{pg_sql, pg_time, sqlite_sql},
    requests::Fields,
};
use chrono::{DateTime, Utc};
use sqlx::{PgPool, SqlitePool};

/// The longest a delegation may run.
pub const MAX_DAYS: i64 = 90;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delegation {
    pub id: String,
    pub delegator: Person,
    pub delegate: Person,
    pub until: String,
    pub created_at: String,
}

#[derive(Debug, thiserror::Error)]
pub enum AwayError {
    #[error("{0}")]
    Invalid(String),
    #[error("Okta could not be asked who that is: {0}")]
    Okta(crate::okta::OktaError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Where delegations are kept (both backends, one SQL text).
#[async_trait::async_trait]
pub trait DelegationStore: Sync {
    /// Ends the delegator's delegation (if any) and records this one, in one transaction.
    async fn set_delegation(&self, d: &Delegation, now: DateTime<Utc>) -> sqlx::Result<()>;
    /// Ends the delegator's delegation; false when there was none.
    async fn end_delegation(&self, delegator_sub: &str, now: DateTime<Utc>) -> sqlx::Result<bool>;
    /// Every delegation in force at `now`.
    async fn delegations_in_force(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<Delegation>>;
}

fn from_row(r: &impl Fields) -> sqlx::Result<Delegation> {
    Ok(Delegation {
        id: r.text("id")?,
        delegator: Person {
            sub: r.text("delegator_sub")?,
            login: r.text("delegator_login")?,
            name: r.text("delegator_name")?,
        },
        delegate: Person {
            sub: r.text("delegate_sub")?,
            login: r.text("delegate_login")?,
            name: r.text("delegate_name")?,
        },
        until: r.time("until_at")?,
        created_at: r.time("created_at")?,
    })
}

const END: &str =
    "UPDATE delegations SET ended_at = $2 WHERE delegator_sub = $1 AND ended_at IS NULL AND until_at > $2";

macro_rules! delegation_store {
    ($pool:ty, $sql:path, $time:path) => {
        #[async_trait::async_trait]
        impl DelegationStore for $pool {
            async fn set_delegation(&self, d: &Delegation, now: DateTime<Utc>) -> sqlx::Result<()> {
                let mut tx = self.begin().await?;
                sqlx::query(&$sql(END)).bind(&d.delegator.sub).bind($time(now)).execute(&mut *tx).await?;
                let until = DateTime::parse_from_rfc3339(&d.until)
                    .map_err(|e| sqlx::Error::Decode(e.into()))?
                    .with_timezone(&Utc);
                sqlx::query(&$sql(
                    "INSERT INTO delegations (id, delegator_sub, delegator_login, delegator_name, delegate_sub, \
                     delegate_login, delegate_name, until_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                ))
                .bind(&d.id)
                .bind(&d.delegator.sub)
                .bind(&d.delegator.login)
                .bind(&d.delegator.name)
                .bind(&d.delegate.sub)
                .bind(&d.delegate.login)
                .bind(&d.delegate.name)
                .bind($time(until))
                .bind($time(now))
                .execute(&mut *tx)
                .await?;
                tx.commit().await
            }

            async fn end_delegation(&self, delegator_sub: &str, now: DateTime<Utc>) -> sqlx::Result<bool> {
                let done = sqlx::query(&$sql(END)).bind(delegator_sub).bind($time(now)).execute(self).await?;
                Ok(done.rows_affected() > 0)
            }

            async fn delegations_in_force(&self, now: DateTime<Utc>) -> sqlx::Result<Vec<Delegation>> {
                let rows = sqlx::query(&$sql(
                    "SELECT * FROM delegations WHERE ended_at IS NULL AND until_at > $1 ORDER BY created_at, id",
                ))
                .bind($time(now))
                .fetch_all(self)
                .await?;
                rows.iter().map(from_row).collect()
            }
        }
    };
}

delegation_store!(SqlitePool, sqlite_sql, crate::clock::stamp);
delegation_store!(PgPool, pg_sql, pg_time);

/// The actor names `delegate` (a login or email) to decide for them until `until`. Audited.
pub async fn set(actor: &Actor, delegate: &str, until: DateTime<Utc>) -> Result<Delegation, AwayError> {
    let state = &actor.state;
    let now = state.clock.now();
    if until <= now {
        return Err(AwayError::Invalid("Choose a date in the future.".into()));
    }
    if until > now + chrono::Duration::days(MAX_DAYS) {
        return Err(AwayError::Invalid(format!("A delegation lasts at most {MAX_DAYS} days.")));
    }
    let delegate = delegate.trim();
    let found = state.okta.find_person(delegate).await.map_err(AwayError::Okta)?;
    let Some(user) = found else {
        return Err(AwayError::Invalid(format!("Nobody in Okta has the login or email {delegate}.")));
    };
    if user.id == actor.principal.sub {
        return Err(AwayError::Invalid("Name someone other than yourself.".into()));
    }
    if user.status != portico_vocab::UserStatus::Active {
        return Err(AwayError::Invalid(format!("{} is not active in Okta.", user.display_name())));
    }
    let p = &actor.principal;
    let d = Delegation {
        id: format!("D-{}", &uuid::Uuid::new_v4().simple().to_string()[..10].to_uppercase()),
        delegator: Person::of(p),
        delegate: Person {
            sub: user.id.clone(),
            login: user.field("login").unwrap_or_default().to_string(),
            name: user.display_name(),
        },
        until: crate::clock::stamp(until),
        created_at: crate::clock::stamp(now),
    };
    state.db.set_delegation(&d, now).await?;
    actor
        .audit(
            "delegation.set",
            &person_label(&user),
            None,
            None,
            &format!("decides for {} until {}", p.login, d.until),
        )
        .await;
    Ok(d)
}

/// The actor is back: their delegation ends now. Audited.
pub async fn end(actor: &Actor) -> Result<bool, AwayError> {
    let ended = actor.state.db.end_delegation(&actor.principal.sub, actor.state.clock.now()).await?;
    if ended {
        actor.audit("delegation.end", "-", None, None, "back: decides their own requests again").await;
    }
    Ok(ended)
}

/// The actor's own delegation in force, if any.
pub async fn mine(actor: &Actor) -> Result<Option<Delegation>, AwayError> {
    let all = actor.state.db.delegations_in_force(actor.state.clock.now()).await?;
    Ok(all.into_iter().find(|d| d.delegator.sub == actor.principal.sub))
}

/// Delegations in force that name `sub` as the delegate.
pub async fn to(state: &crate::AppState, sub: &str) -> Vec<Delegation> {
    to_anyone(state).await.into_iter().filter(|d| d.delegate.sub == sub).collect()
}

/// Every delegation in force (none when the store cannot say: nobody decides for anyone then).
pub async fn to_anyone(state: &crate::AppState) -> Vec<Delegation> {
    match state.db.delegations_in_force(state.clock.now()).await {
        Ok(all) => all,
        Err(e) => {
            tracing::warn!(error = %e, "could not read delegations");
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + h * 3600, 0).expect("time")
    }

    fn person(s: &str) -> Person {
        Person { sub: s.into(), login: format!("{s}@x"), name: s.into() }
    }

    fn delegation(id: &str, from: &str, to: &str, until: i64) -> Delegation {
        Delegation {
            id: id.into(),
            delegator: person(from),
            delegate: person(to),
            until: crate::clock::stamp(at(until)),
            created_at: String::new(),
        }
    }

    async fn one_in_force_per_approver_until_its_date(db: &dyn crate::db::Store) {
        db.set_delegation(&delegation("D-1", "ada", "bob", 48), at(0)).await.unwrap();
        db.set_delegation(&delegation("D-2", "maria", "bob", 24), at(0)).await.unwrap();
        let ids = |v: Vec<Delegation>| v.into_iter().map(|d| d.id).collect::<Vec<_>>();
        assert_eq!(ids(db.delegations_in_force(at(1)).await.unwrap()), ["D-1", "D-2"]);
        // Ada names someone else: the first ends.
        db.set_delegation(&delegation("D-3", "ada", "cy", 48), at(2)).await.unwrap();
        assert_eq!(ids(db.delegations_in_force(at(3)).await.unwrap()), ["D-2", "D-3"]);
        // Past its date, a delegation is over by itself.
        assert_eq!(ids(db.delegations_in_force(at(24)).await.unwrap()), ["D-3"]);
        assert!(db.end_delegation("ada", at(25)).await.unwrap());
        assert!(!db.end_delegation("ada", at(26)).await.unwrap(), "nothing left to end");
        assert!(db.delegations_in_force(at(26)).await.unwrap().is_empty());
    }

    crate::db::testing::on_both_backends!(one_in_force_per_approver_until_its_date);
}
