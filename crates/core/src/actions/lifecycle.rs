//! Lifecycle operations on an Okta person: the call (or calls) Okta needs for each, and the
//! outcome in one wording.

use crate::okta::{OktaError, User};
use crate::{AppState, secret::Secret};
use portico_vocab::{LifecycleOp, UserStatus};

/// What a lifecycle operation did.
#[derive(Debug)]
pub struct Ran {
    /// "{name} was suspended." — the same for direct runs and approved requests.
    pub message: String,
    pub before: UserStatus,
    /// The status Okta reports afterwards (none once deleted, or when the re-read failed).
    pub after: Option<UserStatus>,
    /// Okta's `X-Okta-Request-Id` for the call.
    pub request_id: Option<String>,
    /// Expire password: the temporary password Okta set, to be passed on once.
    pub temp_password: Option<Secret>,
}

/// Okta's path for the operation (`None` for delete, which is `DELETE /users/{id}`). Expiring a
/// password asks Okta for a temporary one, so the person can sign in to choose theirs — unless
/// `temp` is off (a bulk job, which hands nobody a password): then they choose a new one with
/// their current password at their next sign-in.
fn path(op: LifecycleOp, temp: bool) -> Option<&'static str> {
    match op {
        LifecycleOp::Delete => None,
        LifecycleOp::ExpirePassword if temp => Some("expire_password_with_temp_password"),
        other => Some(other.as_str()),
    }
}

/// Who a lifecycle operation is run for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum For {
    /// One person's change (direct or an approved request): an expiry hands back a temporary
    /// password, and the person is read again afterwards for the status Okta reports.
    One,
    /// An item of a bulk job: no temporary passwords (nobody could be handed thousands), and the
    /// status afterwards is the one the operation leads to, without another read (a job's pace is
    /// its calls per person).
    Job,
}

/// Runs `op` on `user`, whom the caller re-read and checked (`user.allows(op)`) just before;
/// `by` is who it is done for (the audit trail's actor). Someone deactivated, suspended or
/// deleted is signed out of Portico at once.
pub async fn run(state: &AppState, user: &User, op: LifecycleOp, by: &str) -> Result<Ran, OktaError> {
    run_for(state, user, op, by, For::One).await
}

/// [`run`], for one person or for a job's item.
pub async fn run_for(state: &AppState, user: &User, op: LifecycleOp, by: &str, to: For) -> Result<Ran, OktaError> {
    let okta = &state.okta;
    let name = user.display_name();
    let (request_id, temp_password) = match path(op, to == For::One) {
        None => (okta.delete_user(&user.id).await?, None),
        Some(path) => {
            let query = if op.sends_email() { vec![("sendEmail", "true".to_string())] } else { vec![] };
            let reply = okta.lifecycle(&user.id, path, &query).await?;
            let temp = reply.body.get("tempPassword").and_then(|t| t.as_str()).map(|t| Secret::new(t.to_string()));
            (reply.request_id, temp)
        }
    };
    if matches!(op, LifecycleOp::Deactivate | LifecycleOp::Suspend | LifecycleOp::Delete) {
        end_portico_sessions(state, &user.id, by, &format!("{name} was {} in Okta.", op.done())).await;
    }
    let after = match (op, to) {
        (LifecycleOp::Delete, _) => None,
        (_, For::Job) => op.status_after().or_else(|| Some(user.status.clone())),
        (_, For::One) => okta.get_user(&user.id).await.ok().map(|u| u.status),
    };
    Ok(Ran {
        message: format!("{name} was {}.", op.done()),
        before: user.status.clone(),
        after,
        request_id,
        temp_password,
    })
}

/// Ends every Portico session of the person (logged when it cannot: the next check against
/// Okta ends them anyway).
pub async fn end_portico_sessions(state: &AppState, sub: &str, by: &str, reason: &str) -> u64 {
    crate::sessions::end_all(state.db(), &state.clock, sub, by, reason).await.unwrap_or_else(|e| {
        tracing::error!(error = %e, person = sub, "could not end the person's Portico sessions");
        0
    })
}

/// Whether `op`'s effect is visible on `user` as re-read now: `Some(true)` if done, `Some(false)`
/// if not, `None` when Okta cannot show it (an email sent, factors reset). `gone`: the re-read
/// found no such user.
pub fn applied(op: LifecycleOp, user: Option<&User>) -> Option<bool> {
    let Some(user) = user else { return Some(op == LifecycleOp::Delete) };
    match op {
        LifecycleOp::Deactivate | LifecycleOp::Suspend | LifecycleOp::Unsuspend | LifecycleOp::Activate => {
            Some(op.status_after().as_ref() == Some(&user.status))
        }
        LifecycleOp::Unlock => Some(user.status != UserStatus::LockedOut),
        LifecycleOp::Delete => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_but_delete_has_an_okta_path() {
        for op in LifecycleOp::ALL {
            assert_eq!(path(op, true).is_none(), op == LifecycleOp::Delete, "{op}");
        }
        assert_eq!(path(LifecycleOp::ResetPassword, true), Some("reset_password"));
        assert_eq!(path(LifecycleOp::ExpirePassword, false), Some("expire_password"), "a job hands out no passwords");
    }
}
