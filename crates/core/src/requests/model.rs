//! What a request is: the stored call, its status, its decisions.

use crate::policy::{Escalation, Stage};
pub use portico_vocab::RequestStatus as Status;
use portico_vocab::{LifecycleOp, PolicyAction};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Added to a done request's result when a temporary password waits for its requester.
pub const TEMP_PASSWORD_WAITING: &str =
    "The temporary password waits for the requester, who can see it once on the request's page.";

/// The exact upstream call a request runs once approved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Call {
    /// An Okta lifecycle operation (`deactivate`, …) or `delete`.
    Lifecycle {
        user_id: String,
        op: LifecycleOp,
    },
    /// A partial profile update: these properties, these values (`null` clears).
    Profile {
        user_id: String,
        changes: Map<String, Value>,
    },
    Membership {
        user_id: String,
        group_id: String,
        group_name: String,
        add: bool,
        /// A time-bound grant's end: its removal is stored when the grant runs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ends: Option<Ends>,
    },
    AsaStatus {
        name: String,
        status: String,
    },
    AsaMembership {
        group: String,
        user: String,
        add: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ends: Option<Ends>,
    },
    /// The leaver playbook: running it stores its steps, each a request of its own that runs
    /// once, in order (see [`crate::requests::playbook`]). `on`: when the person is
    /// deactivated (RFC 3339); `delete_after_days`: then deleted (0: never).
    Offboard {
        user_id: String,
        on: String,
        new_manager: Option<Named>,
        delete_after_days: u32,
    },
    /// Undoes an offboarding whose deactivation has not run: its remaining steps are cancelled
    /// and what it took is given back.
    Restore {
        user_id: String,
        playbook_id: String,
    },
    /// Ends the person's Okta sessions and OAuth tokens, and their Portico sessions.
    ClearSessions {
        user_id: String,
    },
    /// Several Okta group memberships at once (those a playbook took, recorded to give back).
    Groups {
        user_id: String,
        groups: Vec<Named>,
        add: bool,
    },
    /// Gives these people a new manager (`profile.managerId`).
    Reassign {
        user_id: String,
        reports: Vec<Named>,
        manager: Named,
    },
    /// Takes away an application assigned to the person directly (one a group gives goes with
    /// the group).
    AppUnassign {
        user_id: String,
        app_id: String,
        app_name: String,
    },
    /// A bulk job's items that needed approval: approving the request releases the job, whose
    /// items then run one by one (see [`crate::jobs`]).
    Job {
        job_id: String,
        action: PolicyAction,
        count: u32,
    },
}

/// Something named by its id, with its name for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// When time-bound access ends: at a time, or a while after it is granted (a request's
/// approval may come later than it was asked for).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ends {
    /// An instant (RFC 3339, UTC).
    At(String),
    /// Minutes after the grant runs.
    After(u32),
}

impl Ends {
    /// The instant the access granted at `granted` ends.
    pub fn at(&self, granted: chrono::DateTime<chrono::Utc>) -> Option<chrono::DateTime<chrono::Utc>> {
        match self {
            Ends::At(t) => chrono::DateTime::parse_from_rfc3339(t).ok().map(|t| t.to_utc()),
            Ends::After(minutes) => Some(granted + chrono::Duration::minutes(i64::from(*minutes))),
        }
    }
}

impl Call {
    /// A time-bound grant's end, when the call is one.
    pub fn ends(&self) -> Option<&Ends> {
        match self {
            Call::Membership { add: true, ends, .. } | Call::AsaMembership { add: true, ends, .. } => ends.as_ref(),
            _ => None,
        }
    }

    /// The call that takes back what a grant gave (its end), when it is a grant.
    pub fn ending(&self) -> Option<Call> {
        match self.clone() {
            Call::Membership { user_id, group_id, group_name, add: true, .. } => {
                Some(Call::Membership { user_id, group_id, group_name, add: false, ends: None })
            }
            Call::AsaMembership { group, user, add: true, .. } => {
                Some(Call::AsaMembership { group, user, add: false, ends: None })
            }
            _ => None,
        }
    }

    /// About an ASA account (its target is the account; `target_sub` is its Okta person).
    pub fn is_asa(&self) -> bool {
        matches!(self, Call::AsaStatus { .. } | Call::AsaMembership { .. })
    }

    /// The policy action governing this call.
    pub fn action(&self) -> PolicyAction {
        match self {
            Call::Lifecycle { op, .. } => PolicyAction::Lifecycle(*op),
            Call::Profile { .. } => PolicyAction::Profile,
            Call::Membership { .. } => PolicyAction::Membership,
            Call::AsaStatus { .. } => PolicyAction::AsaStatus,
            Call::AsaMembership { .. } => PolicyAction::AsaGroup,
            Call::Job { action, .. } => *action,
            Call::Offboard { .. } | Call::Restore { .. } | Call::ClearSessions { .. } => PolicyAction::Offboard,
            Call::Groups { .. } => PolicyAction::Membership,
            Call::Reassign { .. } => PolicyAction::Profile,
            Call::AppUnassign { .. } => PolicyAction::AppAssignment,
        }
    }

    /// What the audit trail calls the action once it runs (the same names as direct actions).
    pub fn audit_action(&self) -> String {
        match self {
            Call::Lifecycle { op, .. } => op.audit_action(),
            Call::Profile { .. } => "person.profile".into(),
            Call::Membership { add, .. } => if *add { "group.member_add" } else { "group.member_remove" }.into(),
            Call::AsaStatus { .. } => "asa.user_status".into(),
            Call::AsaMembership { add, .. } => if *add { "asa.member_add" } else { "asa.member_remove" }.into(),
            Call::Job { .. } => "job.release".into(),
            Call::Offboard { .. } => "person.offboard".into(),
            Call::Restore { .. } => "person.restore".into(),
            Call::ClearSessions { .. } => "person.clear_sessions".into(),
            Call::Groups { add, .. } => if *add { "group.member_add" } else { "group.member_remove" }.into(),
            Call::Reassign { .. } => "person.reassign_reports".into(),
            Call::AppUnassign { .. } => "app.unassign".into(),
        }
    }

    /// The Okta user id or ASA user name the call acts on.
    pub fn target_id(&self) -> &str {
        match self {
            Call::Lifecycle { user_id, .. }
            | Call::Profile { user_id, .. }
            | Call::Membership { user_id, .. }
            | Call::Offboard { user_id, .. }
            | Call::Restore { user_id, .. }
            | Call::ClearSessions { user_id }
            | Call::Groups { user_id, .. }
            | Call::Reassign { user_id, .. }
            | Call::AppUnassign { user_id, .. } => user_id,
            Call::AsaStatus { name, .. } => name,
            Call::AsaMembership { user, .. } => user,
            Call::Job { job_id, .. } => job_id,
        }
    }

    /// Requests with the same key cannot be open at once ("one open request per target and
    /// action"; a membership change is an action on one group).
    pub fn dedupe_key(&self) -> String {
        match self {
            Call::Membership { user_id, group_id, .. } => format!("membership|{user_id}|{group_id}"),
            Call::AsaMembership { group, user, .. } => format!("asa_group|{user}|{group}"),
            Call::Job { job_id, .. } => format!("job|{job_id}"),
            Call::AppUnassign { user_id, app_id, .. } => format!("app|{user_id}|{app_id}"),
            other => format!("{}|{}", other.action(), other.target_id()),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionRecord {
    pub stage: u32,
    pub approver_sub: String,
    pub approver_login: String,
    pub approver_name: String,
    pub approve: bool,
    pub comment: String,
    pub at: String,
    /// When its maker last signed in (the provider's `auth_time`): the step-up it rested on.
    #[serde(default)]
    pub signed_in_at: Option<String>,
    /// Whose approval authority it used, when a delegate decided for someone away.
    #[serde(default)]
    pub on_behalf_of: Option<Person>,
}

impl DecisionRecord {
    /// Who decided, in the words the trail uses: "Xavier for Yvonne".
    pub fn maker(&self) -> String {
        match &self.on_behalf_of {
            Some(p) => format!("{} for {}", self.approver_name, p.name),
            None => self.approver_name.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: String,
    pub action: PolicyAction,
    pub target_id: String,
    /// `login (id)` for Okta people, `ASA name` for ASA users: the audit trail's target.
    pub target_label: String,
    /// The target's Okta user id, when the target is an Okta person.
    pub target_sub: Option<String>,
    /// What will change, in words.
    pub summary: String,
    pub call: Call,
    pub reason: String,
    pub requester_sub: String,
    pub requester_login: String,
    pub requester_name: String,
    /// The policy's stages when the request was made (later policy edits do not move it).
    pub stages: Vec<Stage>,
    /// Index of the stage waiting for decisions.
    pub stage: u32,
    pub status: Status,
    pub created_at: String,
    pub expires_at: String,
    pub updated_at: String,
    pub attempts: u32,
    pub uncertain: bool,
    /// The outcome, in words (Okta's message on failure).
    pub result: Option<String>,
    pub upstream_request_id: Option<String>,
    /// The approval policy's version when the request was made (none before versions existed).
    pub policy_version: Option<String>,
    pub decisions: Vec<DecisionRecord>,
    /// When its approvers are reminded (half its lifetime), and when they were.
    pub remind_at: Option<String>,
    pub reminded_at: Option<String>,
    /// The policy's rule for its deadline, kept with it (none: it expires).
    pub escalation: Option<Escalation>,
    /// When it was escalated, and to whom: they may decide it with the stage's authority.
    pub escalated_at: Option<String>,
    pub escalated_to: Vec<Person>,
    /// Run at once without approval (break-glass); reviewed afterwards by someone else.
    pub break_glass: bool,
    pub review_due_at: Option<String>,
    /// When the review was found overdue (once, audited).
    pub review_overdue_at: Option<String>,
    pub review: Option<Review>,
    /// Not before this time (a scheduled action, or a time-bound grant's end), and the time
    /// zone it was stated in.
    pub run_at: Option<String>,
    pub zone: Option<String>,
    pub purpose: Purpose,
    /// The request this one belongs to (a grant's end: the grant; a step: its playbook).
    pub parent_id: Option<String>,
    /// A step's place in its playbook (from 1).
    pub step: Option<u32>,
}

/// Why a request exists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Someone asked for the action.
    #[default]
    Action,
    /// The end of time-bound access, stored when it was granted: it runs whoever granted it
    /// (their authority was checked then), so access never outlives its time.
    GrantEnd,
    /// One step of a playbook (`parent_id`): steps run in their order, each once, on the
    /// authority of the playbook's request.
    Step,
    /// An access review's revocation (`parent_id`: the review item): it runs on the review's
    /// decision, after the approvals the policy asks of it.
    Revoke,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Action => "action",
            Purpose::GrantEnd => "grant_end",
            Purpose::Step => "step",
            Purpose::Revoke => "revoke",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        [Purpose::Action, Purpose::GrantEnd, Purpose::Step, Purpose::Revoke].into_iter().find(|p| p.as_str() == s)
    }
}

/// The after-action review of a break-glass action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub by: Person,
    /// Whether the reviewer found the emergency use justified.
    pub sound: bool,
    pub comment: String,
    pub at: String,
}

impl Request {
    /// Its target as the trail names it, without the id: `login (id)` gives the login.
    pub fn target_name(&self) -> &str {
        self.target_label.split(" (").next().unwrap_or(&self.target_label)
    }

    /// Who asked for it.
    pub fn requester(&self) -> Person {
        Person {
            sub: self.requester_sub.clone(),
            login: self.requester_login.clone(),
            name: self.requester_name.clone(),
        }
    }

    /// Everyone whose word is in a decision: its maker, and whoever they decided for (nobody's
    /// authority counts twice).
    pub fn decided_by(&self) -> Vec<String> {
        self.decisions
            .iter()
            .flat_map(|d| std::iter::once(d.approver_sub.clone()).chain(d.on_behalf_of.as_ref().map(|p| p.sub.clone())))
            .collect()
    }

    pub fn current_stage(&self) -> Option<&Stage> {
        self.stages.get(self.stage as usize)
    }

    /// Approvals so far at the current stage.
    pub fn approvals_at_stage(&self) -> u32 {
        self.decisions.iter().filter(|d| d.stage == self.stage && d.approve).count() as u32
    }

    pub fn approvers_line(&self) -> String {
        let names: Vec<&str> = self.decisions.iter().filter(|d| d.approve).map(|d| d.approver_login.as_str()).collect();
        if names.is_empty() { String::new() } else { format!("approved by {}", names.join(", ")) }
    }
}

/// A person as a request records them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub sub: String,
    pub login: String,
    pub name: String,
}

impl Person {
    /// The signed-in person, as a request records them.
    pub fn of(p: &crate::identity::Principal) -> Person {
        Person { sub: p.sub.clone(), login: p.login.clone(), name: p.name.clone() }
    }
}

/// Someone deciding a request, with what their decision rests on.
#[derive(Clone, Debug)]
pub struct Decider {
    pub person: Person,
    /// When they last signed in, as the provider said.
    pub signed_in_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The absent approver whose authority they use (out-of-office delegation).
    pub on_behalf_of: Option<Person>,
}

pub struct NewRequest {
    pub call: Call,
    pub target_label: String,
    pub target_sub: Option<String>,
    pub summary: String,
    pub reason: String,
    pub requester: Person,
    pub stages: Vec<Stage>,
    pub ttl_hours: u32,
    /// [`crate::policy::Policy::version`] of the policy that routed it.
    pub policy_version: String,
    /// The policy's rule for the deadline.
    pub escalation: Option<Escalation>,
    /// Break-glass: approved at once, its review due at this time.
    pub break_glass_review_due: Option<chrono::DateTime<chrono::Utc>>,
    /// When, and as what, it runs (default: once approved, as asked).
    pub schedule: Schedule,
}

/// When a new request runs and why it exists.
#[derive(Clone, Debug, Default)]
pub struct Schedule {
    /// Not before this time.
    pub run_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The zone the time was stated in (shown back as it was said).
    pub zone: Option<String>,
    pub purpose: Purpose,
    pub parent_id: Option<String>,
    /// Approved at creation: the policy lets its requester run it (only its time is deferred).
    pub approved: bool,
    /// When the people concerned are reminded; by default half way through an open request's life.
    pub remind_at: Option<chrono::DateTime<chrono::Utc>>,
    /// A step's place in its playbook.
    pub step: Option<u32>,
}

impl NewRequest {
    /// Work that follows from `parent` and needs no decision of its own (a grant's end, a
    /// playbook's step): about the same target, asked by the same person under the same policy,
    /// approved at its creation and scheduled by `schedule` (its `parent_id` set here).
    pub fn follow_up(parent: &Request, call: Call, summary: String, reason: String, schedule: Schedule) -> NewRequest {
        NewRequest {
            call,
            target_label: parent.target_label.clone(),
            target_sub: parent.target_sub.clone(),
            summary,
            reason,
            requester: parent.requester(),
            stages: Vec::new(),
            ttl_hours: 24,
            policy_version: parent.policy_version.clone().unwrap_or_default(),
            escalation: None,
            break_glass_review_due: None,
            schedule: Schedule { parent_id: Some(parent.id.clone()), approved: true, ..schedule },
        }
    }

    /// Runs without decisions (break-glass, or scheduled by someone who may run it).
    pub fn approved(&self) -> bool {
        self.break_glass_review_due.is_some() || self.schedule.approved
    }

    /// One open request per target and action; a grant's end is its own thing beside the grant.
    pub fn dedupe_key(&self) -> String {
        match self.schedule.purpose {
            Purpose::Action | Purpose::Revoke => self.call.dedupe_key(),
            Purpose::GrantEnd => format!("end|{}", self.call.dedupe_key()),
            Purpose::Step => format!(
                "step|{}|{}",
                self.schedule.parent_id.as_deref().unwrap_or_default(),
                self.schedule.step.unwrap_or_default()
            ),
        }
    }

    /// Its times from `now`: approvers have `ttl_hours` after it was asked or after its time,
    /// whichever is later (an approval after the time runs it at once, late); a reminder half way.
    pub fn times(&self, now: chrono::DateTime<chrono::Utc>) -> Times {
        let start = self.schedule.run_at.map_or(now, |t| t.max(now));
        let expires = start + chrono::Duration::hours(i64::from(self.ttl_hours));
        Times {
            status: if self.approved() { Status::Approved } else { Status::Pending },
            expires_at: expires,
            remind_at: self.schedule.remind_at.unwrap_or(now + (expires - now) / 2),
            next_attempt_at: self.approved().then_some(start),
        }
    }
}

/// A new request's stored times.
#[derive(Clone, Debug, PartialEq)]
pub struct Times {
    pub status: Status,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub remind_at: chrono::DateTime<chrono::Utc>,
    /// When the executor may take it (approved at creation only).
    pub next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("There is already an open request for this ({0}).")]
    Duplicate(String),
    #[error("No such request.")]
    NotFound,
    #[error("This request is {} now and can no longer be decided or cancelled.", .0.as_str())]
    NotPending(Status),
    #[error("This request expired before it was decided.")]
    Expired,
    #[error("You have already decided this request.")]
    AlreadyDecided,
    #[error("Only the requester can cancel a request.")]
    NotRequester,
    /// The approver may not decide the request as it stands (why, in words).
    #[error("{0}")]
    Ineligible(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

#[cfg(test)]
impl Request {
    /// A pending deactivation of Ed asked by Hal, for tests.
    pub fn sample() -> Request {
        Request {
            id: "R-1".into(),
            action: portico_vocab::LifecycleOp::Deactivate.into(),
            target_id: "00u1".into(),
            target_label: "ed@x (00u1)".into(),
            target_sub: Some("00u1".into()),
            summary: "Deactivate: Ed".into(),
            call: super::Call::Lifecycle { user_id: "00u1".into(), op: portico_vocab::LifecycleOp::Deactivate },
            reason: "Left".into(),
            requester_sub: "00uh".into(),
            requester_login: "hal@x".into(),
            requester_name: "Hal".into(),
            stages: vec![],
            stage: 0,
            status: super::Status::Pending,
            created_at: String::new(),
            expires_at: String::new(),
            updated_at: String::new(),
            attempts: 0,
            uncertain: false,
            result: None,
            upstream_request_id: None,
            policy_version: None,
            remind_at: None,
            reminded_at: None,
            escalation: None,
            escalated_at: None,
            escalated_to: vec![],
            break_glass: false,
            review_due_at: None,
            review_overdue_at: None,
            review: None,
            run_at: None,
            zone: None,
            purpose: super::Purpose::Action,
            parent_id: None,
            step: None,
            decisions: vec![],
        }
    }
}
