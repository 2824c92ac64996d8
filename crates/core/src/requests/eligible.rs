//! Who may decide a request: the one check a decision makes ([`may_decide`]), and the people it
//! admits now ([`approvers`]), found by asking that same check of everyone the stage's rules
//! could mean, as Okta has them now.

use super::{Call, Person, Request, Status};
use crate::{
    AppState,
    actor::Actor,
    okta::{OktaError, User},
    policy::{ApprovalCheck, Ineligible, check_approver},
};
use std::collections::{BTreeMap, HashMap};

/// How someone stands to what a request changes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Relation {
    /// They manage the request's person.
    pub manages: bool,
    /// They are one of a bulk job's people: nobody decides a change to themselves.
    pub in_job: bool,
}

/// The actor's [`Relation`] to the request (`target`: its person, read now). Whether they manage
/// the person is looked up only when the policy could make it matter.
pub async fn relation(actor: &Actor, req: &Request, target: Option<&User>) -> Relation {
    let manages = match target {
        Some(user) if actor.state.policy.mentions_manager(req.action) => actor.manages(user).await,
        _ => false,
    };
    let in_job = match &req.call {
        // Unreadable counts as included: refuse rather than let someone approve their own change.
        Call::Job { job_id, .. } => actor.state.db.job_includes(job_id, &actor.principal.sub).await.unwrap_or(true),
        _ => false,
    };
    Relation { manages, in_job }
}

/// Whether the actor may approve or reject `req` as it stands; the reason when not. The store
/// asks this again inside the decision's transaction, of the request as read there.
pub fn may_decide(actor: &Actor, req: &Request, rel: &Relation) -> Result<(), String> {
    if req.status != Status::Pending {
        return Err(format!("This request is {} now.", req.status.label().to_lowercase()));
    }
    if rel.in_job {
        return Err("You are one of the people in this job, so you cannot decide it.".into());
    }
    let Some(stage) = req.current_stage() else { return Err("This request has no approval stage.".into()) };
    let decided = req.decided_by();
    let check = ApprovalCheck {
        requester_sub: &req.requester_sub,
        target_sub: req.target_sub.as_deref(),
        stage,
        decided: &decided,
    };
    match check_approver(&actor.state.policy, req.action, &check, &actor.who(rel.manages)) {
        Ok(()) => Ok(()),
        // Separation of duties holds for everyone; an escalation names who else may decide.
        Err(Ineligible::NotAllowedToAct | Ineligible::NotAnApprover) if escalated_to(req, &actor.principal.sub) => {
            Ok(())
        }
        Err(e) => Err(e.message().to_string()),
    }
}

/// The request was escalated to this person.
pub fn escalated_to(req: &Request, sub: &str) -> bool {
    req.escalated_at.is_some() && req.escalated_to.iter().any(|p| p.sub == sub)
}

/// The request's person, read now (none for ASA targets, jobs, or when unreadable).
pub async fn target_user(state: &AppState, req: &Request) -> Option<User> {
    state.okta.get_user(req.target_sub.as_deref()?).await.ok()
}

/// [`may_decide`] with the relation found as needed: a role that already allows it needs no
/// read of the person; managing them is looked up only when the roles alone do not do.
pub async fn eligibility(actor: &Actor, req: &Request, target: Option<&User>) -> Result<(), String> {
    standing(actor, req, target).await.map(drop)
}

/// [`eligibility`], with the relation that made it so.
async fn standing(actor: &Actor, req: &Request, target: Option<&User>) -> Result<Relation, String> {
    let in_job = matches!(req.call, Call::Job { .. }) && relation(actor, req, None).await.in_job;
    let plain = Relation { manages: false, in_job };
    match may_decide(actor, req, &plain) {
        Ok(()) => Ok(plain),
        Err(why) if in_job || !actor.state.policy.mentions_manager(req.action) => Err(why),
        Err(why) => {
            let read;
            let user = match target {
                Some(u) => Some(u),
                None => {
                    read = target_user(&actor.state, req).await;
                    read.as_ref()
                }
            };
            match user {
                Some(u) if actor.manages(u).await => {
                    let rel = Relation { manages: true, in_job };
                    may_decide(actor, req, &rel).map(|()| rel)
                }
                _ => Err(why),
            }
        }
    }
}

/// Whose approval authority a decision uses.
pub enum Authority {
    /// The decider's own.
    Own(Relation),
    /// An away approver's, who named the decider their delegate.
    For { delegator: Box<Actor>, away: Person, rel: Relation, delegate_in_job: bool },
}

impl Authority {
    /// The approver the decision is made for, when not the decider.
    pub fn on_behalf_of(&self) -> Option<Person> {
        match self {
            Authority::Own(_) => None,
            Authority::For { away, .. } => Some(away.clone()),
        }
    }
}

/// Separation of duties for the person deciding, whoever's authority they use.
fn as_a_person(sub: &str, req: &Request, in_job: bool) -> Result<(), String> {
    let why = if in_job {
        return Err("You are one of the people in this job, so you cannot decide it.".into());
    } else if req.requester_sub == sub {
        Ineligible::OwnRequest
    } else if req.target_sub.as_deref() == Some(sub) {
        Ineligible::AboutThemselves
    } else if req.decided_by().iter().any(|d| d == sub) {
        Ineligible::AlreadyDecided
    } else {
        return Ok(());
    };
    Err(why.message().to_string())
}

/// What the actor may decide `req` with: their own authority, else that of an approver away
/// who named them (the first whose authority holds as Okta has them now). Separation of duties
/// holds for the actor as a person either way: a delegate never decides their own request.
pub async fn authority(actor: &Actor, req: &Request, target: Option<&User>) -> Result<Authority, String> {
    let own_why = match standing(actor, req, target).await {
        Ok(rel) => return Ok(Authority::Own(rel)),
        Err(why) => why,
    };
    let delegations = super::away::to(&actor.state, &actor.principal.sub).await;
    if delegations.is_empty() {
        return Err(own_why);
    }
    let delegate_in_job = matches!(req.call, Call::Job { .. }) && relation(actor, req, None).await.in_job;
    as_a_person(&actor.principal.sub, req, delegate_in_job)?;
    for d in delegations {
        let Ok(Some(delegator)) =
            Actor::current(&actor.state, &d.delegator.sub, &d.delegator.login, &actor.op_id).await
        else {
            continue;
        };
        if let Ok(rel) = standing(&delegator, req, target).await {
            return Ok(Authority::For { delegator: Box::new(delegator), away: d.delegator, rel, delegate_in_job });
        }
    }
    Err(own_why)
}

/// [`authority`] asked again of the request as it stands (inside the decision's transaction).
pub fn recheck(actor: &Actor, authority: &Authority, req: &Request) -> Result<(), String> {
    match authority {
        Authority::Own(rel) => may_decide(actor, req, rel),
        Authority::For { delegator, rel, delegate_in_job, .. } => {
            as_a_person(&actor.principal.sub, req, *delegate_in_job)?;
            may_decide(delegator, req, rel)
        }
    }
}

/// Someone who may decide a request now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approver {
    pub sub: String,
    pub login: String,
    pub name: String,
    /// Their Okta profile's email, where mail about the request goes.
    pub email: Option<String>,
}

/// Reads shared by many requests' [`approvers`] (one page of cards): each person's standing and
/// each group's members are asked of Okta once.
#[derive(Default)]
pub struct Lookups {
    actors: HashMap<String, Option<Actor>>,
    members: HashMap<String, Vec<User>>,
}

impl Lookups {
    async fn actor(&mut self, state: &AppState, user: &User, op_id: &str) -> Result<Option<Actor>, OktaError> {
        if let Some(a) = self.actors.get(&user.id) {
            return Ok(a.clone());
        }
        let login = user.field("login").unwrap_or_default();
        let actor = Actor::current(state, &user.id, login, op_id).await?;
        self.actors.insert(user.id.clone(), actor.clone());
        Ok(actor)
    }

    async fn members(&mut self, state: &AppState, group_name: &str) -> Result<Vec<User>, OktaError> {
        if let Some(m) = self.members.get(group_name) {
            return Ok(m.clone());
        }
        let members = match state.group_ids.id(group_name) {
            Some(id) => state.okta.group_members(id, None, 200).await?.items,
            None => Vec::new(),
        };
        self.members.insert(group_name.to_string(), members.clone());
        Ok(members)
    }
}

/// Everyone who may decide `req` now, by name: each person the current stage's rules could mean
/// (role and policy groups' members; the person's manager, their manager with two delegation
/// levels, whoever configuration gives a group the person is in), kept when [`may_decide`] says
/// yes of them as Okta has them now.
pub async fn approvers(
    state: &AppState,
    req: &Request,
    target: Option<&User>,
    lookups: &mut Lookups,
    op_id: &str,
) -> Result<Vec<Approver>, OktaError> {
    let Some(stage) = req.current_stage().filter(|_| req.status == Status::Pending) else { return Ok(Vec::new()) };
    let roles = &state.config.roles;
    let mut candidates: BTreeMap<String, User> = BTreeMap::new();
    for p in req.escalated_to.iter().filter(|_| req.escalated_at.is_some()) {
        if let Ok(u) = state.okta.get_user(&p.sub).await {
            candidates.insert(u.id.clone(), u);
        }
    }
    for rule in &stage.approvers {
        let groups: Vec<String> = match rule.as_str() {
            "admin" => roles.admin_groups.clone(),
            "helpdesk" => roles.helpdesk_groups.clone(),
            "auditor" => roles.auditor_groups.clone(),
            "manager" => {
                for m in managers_of(state, target).await? {
                    candidates.insert(m.id.clone(), m);
                }
                Vec::new()
            }
            other => other.strip_prefix("group:").map(|g| vec![g.to_string()]).unwrap_or_default(),
        };
        for g in groups {
            for u in lookups.members(state, &g).await? {
                candidates.insert(u.id.clone(), u);
            }
        }
    }
    let mut out = Vec::new();
    for user in candidates.values() {
        let Some(actor) = lookups.actor(state, user, op_id).await? else { continue };
        let rel = relation(&actor, req, target).await;
        if may_decide(&actor, req, &rel).is_ok() {
            out.push(Approver {
                sub: actor.principal.sub.clone(),
                login: actor.principal.login.clone(),
                name: user.display_name(),
                email: user.field("email").filter(|e| !e.is_empty()).map(str::to_string),
            });
        }
    }
    // Delegates of those approvers who are away, each as a person in their own right.
    for d in super::away::to_anyone(state).await {
        let Some(away) = out.iter().find(|a| a.sub == d.delegator.sub).cloned() else { continue };
        let in_job = match &req.call {
            Call::Job { job_id, .. } => state.db.job_includes(job_id, &d.delegate.sub).await.unwrap_or(true),
            _ => false,
        };
        if as_a_person(&d.delegate.sub, req, in_job).is_err() || out.iter().any(|a| a.sub == d.delegate.sub) {
            continue;
        }
        let Ok(user) = state.okta.get_user(&d.delegate.sub).await else { continue };
        if lookups.actor(state, &user, op_id).await?.is_none() {
            continue;
        }
        out.push(Approver {
            sub: user.id.clone(),
            login: d.delegate.login.clone(),
            name: format!("{} for {}", user.display_name(), away.name),
            email: user.field("email").filter(|e| !e.is_empty()).map(str::to_string),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Whoever [`Actor::manages`] could admit for `target`: their manager, that manager's manager
/// (with two delegation levels), and people configuration gives one of the target's groups.
async fn managers_of(state: &AppState, target: Option<&User>) -> Result<Vec<User>, OktaError> {
    let Some(target) = target else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    if let Some(m) = target.field("managerId").filter(|m| !m.is_empty()) {
        let manager = state.okta.get_user(m).await?;
        if state.config.delegation.levels >= 2
            && let Some(mm) = manager.field("managerId").filter(|m| !m.is_empty())
        {
            out.push(state.okta.get_user(mm).await?);
        }
        out.push(manager);
    }
    let managed = &state.config.delegation.managed_groups;
    if !managed.is_empty() {
        let theirs = state.okta.user_groups(&target.id).await?;
        for (login, groups) in managed {
            if theirs.iter().any(|g| groups.contains(&g.name)) {
                out.push(state.okta.get_user(login).await?);
            }
        }
    }
    Ok(out)
}
