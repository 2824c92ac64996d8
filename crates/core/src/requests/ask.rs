//! Turning what someone asks for into a request: the plan (the exact call, checked against the
//! target as it is now), the caller's standing (they may change this person; the policy lets
//! them run it, or only ask), and the request to store. Asking for approval, break-glass,
//! scheduling and time-bound grants all start here.

use super::{NewRequest, Person, Schedule};
use crate::{
    actions::plan::{Ask, Plan, PlanError, plan},
    actor::{Actor, Denied},
    policy::Decision,
};

/// Why an ask cannot become a request.
#[derive(Debug)]
pub enum AskError {
    Denied(Denied),
    Plan(PlanError),
    /// Said in words; `field` names the form field at fault, when one is.
    Invalid {
        message: String,
        field: Option<&'static str>,
    },
    Request(super::RequestError),
}

impl From<Denied> for AskError {
    fn from(d: Denied) -> Self {
        AskError::Denied(d)
    }
}

impl From<super::RequestError> for AskError {
    fn from(e: super::RequestError) -> Self {
        AskError::Request(e)
    }
}

impl From<PlanError> for AskError {
    fn from(e: PlanError) -> Self {
        AskError::Plan(e)
    }
}

impl AskError {
    pub fn invalid(message: impl Into<String>) -> AskError {
        AskError::Invalid { message: message.into(), field: None }
    }
}

/// An ask the caller may make, planned.
pub struct Routed {
    pub plan: Plan,
    /// `Run` (they may do it themselves) or `Request` (only by approval).
    pub decision: Decision,
    pub label: String,
}

/// Plans `ask` and decides what the caller may do with it: refused (audited) when they may
/// neither run nor request it, or when the person is protected from them.
pub async fn route(actor: &Actor, ask: Ask) -> Result<Routed, AskError> {
    let action = ask.action;
    let plan = plan(&actor.state, ask).await?;
    let label = plan.label.clone().or_else(|| plan.user.as_ref().map(crate::actor::person_label)).unwrap_or_default();
    if let Some(u) = &plan.user {
        actor.require_may_change(u).await?;
    }
    let decision = match &plan.user {
        Some(u) => actor.decide_for(action, u).await,
        None => actor.decide(action, false),
    };
    if decision == Decision::Refuse {
        tracing::warn!(op_id = %actor.op_id, who = %actor.principal.login, %action, "refused: may not request");
        actor.refusal(&format!("request.{action}"), &label, "not allowed to request this").await;
        return Err(Denied::NotAllowed("request this".into()).into());
    }
    Ok(Routed { plan, decision, label })
}

impl Routed {
    /// The request to store, with the caller as requester and the policy's stages and rules.
    /// The reason, trimmed, must fit, and be there when the policy wants one.
    pub fn request(&self, actor: &Actor, reason: &str, schedule: Schedule) -> Result<NewRequest, AskError> {
        let reason = reason.trim().to_string();
        if reason.chars().count() > 1000 {
            return Err(AskError::Invalid {
                message: "Keep the reason under 1000 characters.".into(),
                field: Some("reason"),
            });
        }
        let action = self.plan.call.action();
        let rule = actor.state.policy.rule(action).clone();
        if rule.reason_required && reason.is_empty() && !schedule.approved {
            return Err(AskError::Invalid {
                message: "Say why: this request needs a reason.".into(),
                field: Some("reason"),
            });
        }
        Ok(NewRequest {
            call: self.plan.call.clone(),
            target_label: self.label.clone(),
            target_sub: self.plan.user.as_ref().map(|u| u.id.clone()),
            summary: self.plan.summary.clone(),
            reason,
            requester: Person::of(&actor.principal),
            stages: if schedule.approved { Vec::new() } else { rule.stages.clone() },
            ttl_hours: rule.ttl_hours,
            escalation: if schedule.approved { None } else { rule.escalate.clone() },
            break_glass_review_due: None,
            policy_version: actor.state.policy.version(),
            schedule,
        })
    }
}
