//! Running a request's stored call: re-read the target, refuse if its state no longer allows
//! the action, otherwise make the call once. After an attempt whose outcome is unknown (a crash
//! or a lost connection mid-call), first look whether the change already happened.

use super::{Call, Request};
use crate::{
    AppState, actions,
    actor::Actor,
    asa::{AsaError, ServerAccess},
    okta::{OktaError, User},
    policy::{Decision, approver_authority},
    upstream::Fault,
};
use portico_vocab::{GroupKind, LifecycleOp, UserStatus};

/// What an attempt came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done; `request_id` is Okta's id for the call.
    Done {
        message: String,
        before: Option<String>,
        after: Option<String>,
        request_id: Option<String>,
        /// Expire password: the temporary password, for the requester to see once.
        temp_password: Option<crate::Secret>,
    },
    /// An earlier attempt had already made the change; nothing was called this time.
    AlreadyDone(String),
    /// The target's state, or the authority of those who asked and approved, no longer allows
    /// the action; nothing was called.
    Stale(String),
    /// Worth another attempt (Okta unreachable, rate-limited, 5xx). `uncertain`: the call may
    /// have reached Okta.
    Retry {
        message: String,
        request_id: Option<String>,
        uncertain: bool,
    },
    Failed {
        message: String,
        request_id: Option<String>,
    },
}

/// A failed call's outcome, the same way for Okta and ASA: outages are retried (uncertain when
/// the call may have landed), refusals end the request with the upstream's words.
fn failed(fault: Fault, message: String, request_id: Option<String>) -> Outcome {
    if fault.is_retryable() {
        Outcome::Retry { message, request_id, uncertain: fault.may_have_landed() }
    } else {
        Outcome::Failed { message, request_id }
    }
}

pub fn okta_outcome(e: OktaError) -> Outcome {
    let message = if e.fault.may_have_landed() { e.summary.clone() } else { format!("Okta: {e}") };
    failed(e.fault, message, e.request_id)
}

fn asa_outcome(e: AsaError) -> Outcome {
    failed(e.fault(), format!("ASA: {}", e.message), None)
}

/// Whether the call's effect is already in place: `Some(true)`/`Some(false)` when the target
/// shows it, `None` when the effect cannot be observed (a password reset email, say).
async fn applied(state: &AppState, call: &Call) -> Result<Option<bool>, Outcome> {
    let okta = &state.okta;
    Ok(match call {
        Call::Lifecycle { user_id, op } => match okta.get_user(user_id).await {
            Ok(user) => actions::lifecycle::applied(*op, Some(&user)),
            Err(e) if e.fault == Fault::NotFound => actions::lifecycle::applied(*op, None),
            Err(e) => return Err(okta_outcome(e)),
        },
        Call::Profile { user_id, changes } => {
            let user = okta.get_user(user_id).await.map_err(okta_outcome)?;
            Some(changes.iter().all(|(k, v)| user.profile.get(k).unwrap_or(&serde_json::Value::Null) == v))
        }
        Call::Membership { user_id, group_id, add, .. } => {
            let groups = okta.user_groups(user_id).await.map_err(okta_outcome)?;
            Some(groups.iter().any(|g| &g.id == group_id) == *add)
        }
        Call::AsaStatus { name, status } => {
            let asa = asa(state)?;
            Some(asa.user(name).await.map_err(asa_outcome)?.status == *status)
        }
        Call::AsaMembership { group, user, add, .. } => {
            let asa = asa(state)?;
            let members = asa.members(group).await.map_err(asa_outcome)?;
            Some(members.iter().any(|m| &m.name == user) == *add)
        }
        // Releasing a job is one guarded update, and the playbook's own calls are safe to
        // repeat (steps already stored are found; signing out, memberships and managers are
        // set, not toggled): trying again is safe.
        Call::AppUnassign { app_id, user_id, .. } => {
            Some(okta.app_user(app_id, user_id).await.map_err(okta_outcome)?.is_none())
        }
        Call::Job { .. }
        | Call::Offboard { .. }
        | Call::Restore { .. }
        | Call::ClearSessions { .. }
        | Call::Groups { .. }
        | Call::Reassign { .. } => Some(false),
    })
}

fn asa(state: &AppState) -> Result<&crate::asa::AsaClient, Outcome> {
    state.asa.as_deref().ok_or_else(|| Outcome::Failed {
        message: "Server access (ASA) is not configured any more.".into(),
        request_id: None,
    })
}

/// Whether the people behind the request still hold what let them ask and decide: the requester
/// may still run or request the action on the target, and every approver is still allowed to
/// act and still an approver of the stage they approved at. Read from Okta now, not from the
/// sessions they had then.
async fn authority(state: &AppState, req: &Request) -> Result<(), Outcome> {
    let op_id = format!("{}#{}", req.id, req.attempts);
    // A job's people are checked one by one as its items run (the requester's scope over each);
    // here, that the requester is still active and every approver still holds the role that
    // approved it.
    let job = matches!(req.call, Call::Job { .. });
    let target = match req.target_sub.as_ref().filter(|_| !job) {
        Some(id) => match state.okta.get_user(id).await {
            Ok(u) => Some(u),
            Err(e) if e.fault == Fault::NotFound => None,
            Err(e) => return Err(okta_outcome(e)),
        },
        None => None,
    };
    let scope = |actor: Actor| {
        let target = target.clone();
        async move {
            let manages = match &target {
                Some(user) if state.policy.mentions_manager(req.action) => actor.manages(user).await,
                _ => false,
            };
            (actor, manages)
        }
    };
    let gone = |who: &str| {
        Outcome::Stale(format!(
            "{who} is no longer active in Okta, so their word no longer carries it; it was not run."
        ))
    };
    let Some(requester) =
        Actor::current(state, &req.requester_sub, &req.requester_login, &op_id).await.map_err(okta_outcome)?
    else {
        return Err(gone(&format!("The requester, {},", req.requester_login)));
    };
    let (requester, manages) = scope(requester).await;
    if let Some(user) = &target
        && !requester.roles.contains(&crate::Role::Admin)
        && crate::actor::is_protected(state, &user.id).await
    {
        return Err(Outcome::Stale(format!(
            "{} now holds a Portico role or is in a protected group, and only an admin can change them; it was not run.",
            user.display_name()
        )));
    }
    if req.break_glass && !super::break_glass::still_allowed(&requester) {
        return Err(Outcome::Stale(format!(
            "{} is no longer in the break-glass group, so their emergency action was not run.",
            req.requester_login
        )));
    }
    if !job && requester.decide(req.action, manages) == Decision::Refuse {
        return Err(Outcome::Stale(format!(
            "The requester, {}, may no longer ask for this (their roles or scope changed); it was not run.",
            req.requester_login
        )));
    }
    for d in req.decisions.iter().filter(|d| d.approve) {
        // A delegate's word rests on the away approver's authority, and on the delegate still
        // being someone Okta has active.
        let (sub, login) = match &d.on_behalf_of {
            Some(away) => {
                if Actor::current(state, &d.approver_sub, &d.approver_login, &op_id)
                    .await
                    .map_err(okta_outcome)?
                    .is_none()
                {
                    return Err(gone(&format!("The delegate {}", d.approver_login)));
                }
                (away.sub.as_str(), away.login.as_str())
            }
            None => (d.approver_sub.as_str(), d.approver_login.as_str()),
        };
        let Some(approver) = Actor::current(state, sub, login, &op_id).await.map_err(okta_outcome)? else {
            return Err(gone(&format!("The approver {login}")));
        };
        let (approver, manages) = scope(approver).await;
        let Some(stage) = req.stages.get(d.stage as usize) else { continue };
        if approver_authority(&state.policy, req.action, stage, &approver.who(manages)).is_err()
            && !super::eligible::escalated_to(req, sub)
        {
            return Err(Outcome::Stale(format!(
                "The approver {login} may no longer approve this (their roles or scope changed); it was not run."
            )));
        }
    }
    Ok(())
}

/// One attempt at the request's call.
pub async fn attempt(state: &AppState, req: &Request) -> Outcome {
    if let Some(settled) = settle(state, &req.call, req.uncertain, &req.summary).await {
        return settled;
    }
    // A grant's end runs whoever granted it: their authority was checked when it was granted,
    // and access must not outlive its time because they have left since. A playbook's step
    // rests on the playbook's request, checked again as each step runs.
    let checked = match (req.purpose, &req.parent_id) {
        (super::Purpose::GrantEnd, _) => Ok(()),
        (super::Purpose::Revoke, Some(item)) => crate::reviews::authority(state, item).await,
        (super::Purpose::Step, Some(parent)) => match super::get(state.db(), parent).await {
            Ok(Some(parent)) => authority(state, &parent).await,
            Ok(None) => Err(Outcome::Stale(format!("Its playbook {parent} is gone; it was not run."))),
            Err(e) => Err(Outcome::Retry { message: e.to_string(), request_id: None, uncertain: false }),
        },
        _ => authority(state, req).await,
    };
    if let Err(refused) = checked {
        return refused;
    }
    match &req.call {
        Call::Offboard { .. } => return super::playbook::start(state, req).await,
        Call::Restore { .. } => return super::playbook::restore(state, req).await,
        _ => {}
    }
    if let Some(ends) = req.call.ends() {
        let now = state.clock.now();
        let Some(end) = ends.at(now) else {
            return Outcome::Failed { message: "The access's end cannot be read.".into(), request_id: None };
        };
        if end <= now {
            return Outcome::Stale(format!(
                "The access was to end at {}, which has passed; it was not granted.",
                super::scheduled::in_zone(&crate::clock::stamp(end), req.zone.as_deref())
            ));
        }
        if let Err(why) = super::scheduled::store_end(state, req, end).await {
            return Outcome::Retry {
                message: format!("Could not store when the access ends: {why}"),
                request_id: None,
                uncertain: false,
            };
        }
    }
    perform(state, &req.call, None, true).await
}

/// After an attempt whose outcome is unknown: the outcome, if the target shows the change
/// already happened or cannot show it; `None` when the call should be made.
pub async fn settle(state: &AppState, call: &Call, uncertain: bool, summary: &str) -> Option<Outcome> {
    if !uncertain {
        return None;
    }
    match applied(state, call).await {
        Err(o) => Some(o),
        Ok(Some(true)) => Some(Outcome::AlreadyDone(format!(
            "Done: {summary} (an earlier attempt had already made the change; it was not run again)."
        ))),
        Ok(Some(false)) => None,
        Ok(None) => Some(Outcome::Failed {
            message: "The portal stopped while Okta was handling this, and Okta cannot show whether it \
                      happened. It was not run again: check the person, then request it again if needed."
                .into(),
            request_id: None,
        }),
    }
}

/// Makes `call` once, on the target as it is now: refused (`Stale`) when its state no longer
/// allows it. `known`: the Okta person it is about, when the caller has just read them.
/// `secrets`: one person's change (an expiry may hand back a temporary password, which a
/// request's requester sees once); off for a job's item ([`actions::lifecycle::For::Job`]).
pub async fn perform(state: &AppState, call: &Call, known: Option<User>, secrets: bool) -> Outcome {
    match call {
        Call::Lifecycle { user_id, op } => {
            let to = if secrets { actions::lifecycle::For::One } else { actions::lifecycle::For::Job };
            lifecycle(state, user_id, *op, known, to).await
        }
        Call::Profile { user_id, changes } => {
            let user = match state.okta.get_user(user_id).await {
                Ok(u) => u,
                Err(e) => return okta_outcome(e),
            };
            if user.status == UserStatus::Deprovisioned {
                return Outcome::Stale(format!(
                    "{} is deactivated now; their profile cannot change.",
                    user.display_name()
                ));
            }
            match state.okta.update_profile(user_id, changes).await {
                Ok(_) => Outcome::Done {
                    message: format!("Saved {}'s profile.", user.display_name()),
                    before: None,
                    after: None,
                    request_id: None,
                    temp_password: None,
                },
                Err(e) => okta_outcome(e),
            }
        }
        Call::Membership { user_id, group_id, group_name, add, .. } => {
            let okta = &state.okta;
            let group = match okta.get_group(group_id).await {
                Ok(g) => g,
                Err(e) if e.fault == Fault::NotFound => {
                    return Outcome::Stale(format!("The group {group_name} no longer exists."));
                }
                Err(e) => return okta_outcome(e),
            };
            if group.kind != GroupKind::OktaGroup {
                return Outcome::Stale(format!(
                    "{} is not an Okta group any more; its members cannot change here.",
                    group.name
                ));
            }
            let user = match known {
                Some(u) => u,
                None => match okta.get_user(user_id).await {
                    Ok(u) => u,
                    Err(e) => return okta_outcome(e),
                },
            };
            let res = if *add {
                okta.add_member(group_id, user_id).await
            } else {
                okta.remove_member(group_id, user_id).await
            };
            match res {
                Ok(request_id) => Outcome::Done {
                    message: if *add {
                        format!("Added {} to {}.", user.display_name(), group.name)
                    } else {
                        format!("Removed {} from {}.", user.display_name(), group.name)
                    },
                    before: None,
                    after: None,
                    request_id,
                    temp_password: None,
                },
                Err(e) => okta_outcome(e),
            }
        }
        Call::AsaStatus { name, status } => {
            let asa = match asa(state) {
                Ok(a) => a,
                Err(o) => return o,
            };
            let before = match asa.user(name).await {
                Ok(u) => u.status,
                Err(e) => return asa_outcome(e),
            };
            if before == "DELETED" {
                return Outcome::Stale(format!("{name} has been deleted from ASA."));
            }
            match asa.set_status(name, status).await {
                Ok(()) => Outcome::Done {
                    message: format!("{name} is {} in ASA.", status.to_lowercase()),
                    before: Some(before),
                    after: Some(status.clone()),
                    request_id: None,
                    temp_password: None,
                },
                Err(e) => asa_outcome(e),
            }
        }
        Call::Job { job_id, .. } => crate::jobs::release(state, job_id).await,
        Call::AppUnassign { user_id, app_id, app_name } => {
            match state.okta.app_user(app_id, user_id).await {
                Ok(Some(a)) if a.get("scope").and_then(serde_json::Value::as_str) == Some("GROUP") => {
                    return Outcome::Stale(format!(
                        "{app_name} now comes to them through a group; remove them from the group instead."
                    ));
                }
                Ok(Some(_)) => {}
                Ok(None) => return Outcome::AlreadyDone(format!("They no longer have {app_name}; nothing to take.")),
                Err(e) => return okta_outcome(e),
            }
            match state.okta.unassign_app(app_id, user_id).await {
                Ok(request_id) => Outcome::Done {
                    message: format!("Took {app_name} away."),
                    before: None,
                    after: None,
                    request_id,
                    temp_password: None,
                },
                Err(e) => okta_outcome(e),
            }
        }
        Call::Offboard { .. } | Call::Restore { .. } => {
            Outcome::Failed { message: "A playbook runs only as an approved request.".into(), request_id: None }
        }
        Call::ClearSessions { user_id } => super::playbook::sign_out(state, user_id).await,
        Call::Groups { user_id, groups, add } => super::playbook::memberships(state, user_id, groups, *add).await,
        Call::Reassign { reports, manager, .. } => super::playbook::reassign(state, reports, manager).await,
        Call::AsaMembership { group, user, add, .. } => {
            let asa = match asa(state) {
                Ok(a) => a,
                Err(o) => return o,
            };
            match asa.group(group).await {
                Ok(g) if g.managed_by_okta => {
                    return Outcome::Stale(format!("{group} is pushed from Okta now; change its members in Okta."));
                }
                Ok(_) => {}
                Err(e) if e.fault() == Fault::NotFound => {
                    return Outcome::Stale(format!("The ASA group {group} no longer exists."));
                }
                Err(e) => return asa_outcome(e),
            }
            let res = if *add { asa.add_member(group, user).await } else { asa.remove_member(group, user).await };
            match res {
                Ok(()) => Outcome::Done {
                    message: if *add {
                        format!("Added {user} to {group}.")
                    } else {
                        format!("Removed {user} from {group}.")
                    },
                    before: None,
                    after: None,
                    request_id: None,
                    temp_password: None,
                },
                Err(e) => asa_outcome(e),
            }
        }
    }
}

async fn lifecycle(
    state: &AppState,
    user_id: &str,
    op: LifecycleOp,
    known: Option<User>,
    to: actions::lifecycle::For,
) -> Outcome {
    let user = match known {
        Some(u) => u,
        None => match state.okta.get_user(user_id).await {
            Ok(u) => u,
            Err(e) if e.fault == Fault::NotFound => {
                return Outcome::Stale("The person no longer exists in Okta.".into());
            }
            Err(e) => return okta_outcome(e),
        },
    };
    if !user.allows(op) {
        return Outcome::Stale(format!(
            "{} is {} now, which does not allow this; it was not run.",
            user.display_name(),
            user.status.words()
        ));
    }
    match actions::lifecycle::run_for(state, &user, op, "portico", to).await {
        Ok(ran) => Outcome::Done {
            message: ran.message,
            before: Some(ran.before.to_string()),
            after: ran.after.map(|s| s.to_string()),
            request_id: ran.request_id,
            temp_password: ran.temp_password,
        },
        Err(e) => okta_outcome(e),
    }
}
