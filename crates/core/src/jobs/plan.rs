//! The preview: what a bulk action would do to each person, decided the way a single action is
//! (the policy for the caller and that person, who is protected, what their status allows), and
//! kept as a draft job so the page, the start and the report all read the same items.

use super::{Author, BulkAction, Item, ItemStatus, Job, JobError, JobStatus, Planned};
use crate::{
    actions,
    actor::{Actor, person_label},
    asa::{AsaUser, drift},
    okta::{OktaError, User},
    policy::Decision,
    requests::Call,
};
use futures_util::StreamExt;
use std::collections::{HashMap, HashSet};

/// What the preview knows about the target before deciding each person.
enum Context {
    Lifecycle,
    /// The group's current members.
    Membership(HashSet<String>),
    /// ASA accounts by email (lower case).
    Asa(HashMap<String, AsaUser>),
}

/// Plans `action` over `people` for `actor` and keeps it as a draft job (nothing runs yet).
/// `source` says where the people came from, for the page and the trail.
pub async fn draft(actor: &Actor, action: BulkAction, people: Vec<User>, source: &str) -> Result<Job, JobError> {
    let state = &actor.state;
    let max = state.config.jobs.max_items as usize;
    if people.is_empty() {
        return Err(JobError::Invalid("Select at least one person.".into()));
    }
    if people.len() > max {
        return Err(JobError::Invalid(format!(
            "{} people selected; one job holds at most {max}. Narrow the filter.",
            people.len()
        )));
    }
    // Decided with the actor as Okta has them now, as every change is.
    let me = actor.now().await?;
    let context = context(state, &action).await?;
    let admin = me.roles.contains(&crate::Role::Admin);
    // People are decided a few at a time: a manager's scope and who is protected may each need
    // a read from Okta.
    let (me, action_ref, context) = (&me, &action, &context);
    let decided: Vec<Item> = futures_util::stream::iter(people.into_iter().enumerate())
        .map(|(i, user)| async move { decide(me, admin, action_ref, context, i as u32 + 1, &user).await })
        .buffered(8)
        .collect()
        .await;
    let n = decided.len();
    let id = format!("J-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let items: Vec<Item> = decided.into_iter().map(|i| Item { job_id: id.clone(), ..i }).collect();
    let job = Job {
        id,
        summary: format!("{}: {n} {}", action.label(), if n == 1 { "person" } else { "people" }),
        action,
        source: source.to_string(),
        author: Author {
            sub: me.principal.sub.clone(),
            login: me.principal.login.clone(),
            name: me.principal.name.clone(),
        },
        status: JobStatus::Draft,
        request_id: None,
        created_at: crate::clock::stamp(state.clock.now()),
        started_at: None,
        finished_at: None,
    };
    state.db().insert_job(&job, &items, state.clock.now()).await?;
    Ok(job)
}

async fn context(state: &crate::AppState, action: &BulkAction) -> Result<Context, JobError> {
    let okta_error = |e: OktaError| JobError::Invalid(format!("Okta: {e}"));
    Ok(match action {
        BulkAction::Lifecycle { .. } => Context::Lifecycle,
        BulkAction::Membership { group_id, .. } => {
            let group = state.okta.get_group(group_id).await.map_err(okta_error)?;
            if let Some(reason) = group.kind.read_only_reason() {
                return Err(JobError::Invalid(reason));
            }
            let mut members = HashSet::new();
            let mut after: Option<String> = None;
            loop {
                let page = state.okta.group_members(group_id, after.as_deref(), 200).await.map_err(okta_error)?;
                members.extend(page.items.into_iter().map(|u| u.id));
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            Context::Membership(members)
        }
        BulkAction::AsaStatus { .. } => {
            let asa =
                state.asa.as_deref().ok_or_else(|| JobError::Invalid("Server access is not configured.".into()))?;
            let accounts = drift::people_accounts(asa).await.map_err(|e| JobError::Invalid(format!("ASA: {e}")))?;
            Context::Asa(
                accounts.into_iter().filter_map(|a| a.email().map(|e| (e.to_lowercase(), a.clone()))).collect(),
            )
        }
    })
}

/// One person's item: who may do it first, then what their state allows.
async fn decide(me: &Actor, admin: bool, action: &BulkAction, context: &Context, seq: u32, user: &User) -> Item {
    let name = user.display_name();
    let (plan, note, call, label, target_id) = match what_happens(action, context, user) {
        Err((plan, note)) => (plan, note, None, person_label(user), user.id.clone()),
        Ok((call, label)) => {
            let target = call.target_id().to_string();
            match me.decide_for(action.policy_action(), user).await {
                Decision::Refuse => {
                    (Planned::NotAllowed, "Not one of your people, or not with your role.".into(), None, label, target)
                }
                _ if !admin && !me.may_change(&user.id).await => (
                    Planned::NotAllowed,
                    "Holds a Portico role or a protected group: only an admin can change them.".into(),
                    None,
                    label,
                    target,
                ),
                Decision::Request => {
                    (Planned::NeedsApproval, "Your role needs an approval for this.".into(), Some(call), label, target)
                }
                Decision::Run => (Planned::Run, String::new(), Some(call), label, target),
            }
        }
    };
    Item {
        job_id: String::new(),
        seq,
        target_id,
        target_label: label,
        target_sub: Some(user.id.clone()),
        name,
        call,
        plan,
        plan_note: note,
        status: ItemStatus::Planned,
        message: None,
        upstream_id: None,
        attempts: 0,
        uncertain: false,
    }
}

/// The call the action makes for this person and how the trail names its target, or why it
/// would do nothing for them.
fn what_happens(action: &BulkAction, context: &Context, user: &User) -> Result<(Call, String), (Planned, String)> {
    let label = person_label(user);
    match (action, context) {
        (BulkAction::Lifecycle { op }, _) => {
            if user.likely_allows(*op) {
                return Ok((Call::Lifecycle { user_id: user.id.clone(), op: *op }, label));
            }
            if actions::lifecycle::applied(*op, Some(user)) == Some(true) {
                return Err((Planned::NoChange, format!("Already {}.", user.status.words())));
            }
            Err((Planned::NotApplicable, format!("{} now, which does not allow this.", capital(&user.status.words()))))
        }
        (BulkAction::Membership { group_id, group_name, add }, Context::Membership(members)) => {
            if members.contains(&user.id) == *add {
                let words = if *add { "Already a member" } else { "Not a member" };
                return Err((Planned::NoChange, format!("{words} of {group_name}.")));
            }
            let call = Call::Membership {
                user_id: user.id.clone(),
                group_id: group_id.clone(),
                group_name: group_name.clone(),
                add: *add,
                ends: None,
            };
            Ok((call, label))
        }
        (BulkAction::AsaStatus { enable }, Context::Asa(accounts)) => {
            let email = user.field("email").unwrap_or_default().to_lowercase();
            let Some(account) = accounts.get(&email) else {
                return Err((Planned::NotApplicable, "Has no ASA account.".into()));
            };
            let status = if *enable { "ACTIVE" } else { "DISABLED" };
            if account.status == status {
                let words = if *enable { "enabled" } else { "disabled" };
                return Err((Planned::NoChange, format!("ASA account {} is already {words}.", account.name)));
            }
            Ok((Call::AsaStatus { name: account.name.clone(), status: status.into() }, format!("ASA {}", account.name)))
        }
        _ => Err((Planned::NotApplicable, "Not planned.".into())),
    }
}

/// `s` with its first letter in capitals.
pub(super) fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}
