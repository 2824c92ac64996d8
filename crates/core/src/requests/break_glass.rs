//! Break-glass: in an emergency, someone in `break_glass.group` runs an action the policy lets
//! them only request, at once, with a reason, after step-up. It is a request approved at its
//! creation, so the executor runs it exactly once like any other; the reviewers are told at
//! once, and someone other than the person who acted must review it within
//! `break_glass.review_hours`. An unreviewed one is marked overdue once (audited) and shown on
//! the home page until it is reviewed.

use super::{NewRequest, Person, Request, RequestError, Review, worker};
use crate::{AppState, actor::Actor, actor::Denied};

/// Whether the actor is in the break-glass group (as their session's current groups say).
pub fn may_break_glass(actor: &Actor) -> bool {
    actor.state.config.break_glass.group.as_deref().is_some_and(|g| actor.state.group_ids.holds(&actor.principal, g))
}

/// Whether the actor reviews break-glass actions (a member of the reviewer groups).
pub fn reviews(actor: &Actor) -> bool {
    let cfg = &actor.state.config;
    cfg.break_glass.reviewers(&cfg.roles).iter().any(|g| actor.state.group_ids.holds(&actor.principal, g))
}

#[derive(Debug, thiserror::Error)]
pub enum BreakGlassError {
    #[error("refused")]
    Denied(Denied),
    #[error("{0}")]
    Request(#[from] RequestError),
    #[error("{0}")]
    Invalid(String),
}

impl From<Denied> for BreakGlassError {
    fn from(d: Denied) -> Self {
        BreakGlassError::Denied(d)
    }
}

/// Runs `new` at once as break-glass: the actor (as Okta has them now) must be in the group and
/// have signed in recently; the reason is required. Audited and notified at once.
pub async fn run(actor: &Actor, mut new: NewRequest) -> Result<Request, BreakGlassError> {
    let state = &actor.state;
    if !may_break_glass(actor) {
        let label = new.target_label.clone();
        actor.refusal("request.break_glass", &label, "not in the break-glass group").await;
        return Err(Denied::NotAllowed("break glass".into()).into());
    }
    if new.reason.trim().is_empty() {
        return Err(BreakGlassError::Invalid("Say what the emergency is: break-glass always needs a reason.".into()));
    }
    actor.require_step_up("break glass").await?;
    let now = state.clock.now();
    new.break_glass_review_due = Some(now + chrono::Duration::hours(i64::from(state.config.break_glass.review_hours)));
    let req = super::create(state.db(), new, now).await?;
    let detail = format!("run at once without approval — reason: {}", req.reason);
    worker::event(state, &req, "request.break_glass", &actor.principal.login, &actor.op_id, "ok", &detail).await;
    Ok(req)
}

/// Records the after-action review: a reviewer other than the person who acted (and not the
/// person it was done to). Audited.
pub async fn review(actor: &Actor, id: &str, sound: bool, comment: &str) -> Result<Request, BreakGlassError> {
    let state = &actor.state;
    let req = super::find(state.db(), id).await?;
    if !req.break_glass {
        return Err(BreakGlassError::Invalid("This request was not a break-glass action.".into()));
    }
    let me = &actor.principal;
    let refuse = |why: &str| {
        let why = why.to_string();
        async move {
            actor.refusal("request.review", &req.target_label, &format!("{}: {why}", req.id)).await;
            BreakGlassError::Denied(Denied::NotAllowed(why))
        }
    };
    if !reviews(actor) {
        return Err(refuse("review break-glass actions").await);
    }
    if req.requester_sub == me.sub || req.target_sub.as_deref() == Some(me.sub.as_str()) {
        return Err(refuse("review a break-glass action you took or that was done to you").await);
    }
    if comment.trim().is_empty() {
        return Err(BreakGlassError::Invalid("Say what you found: the review needs a comment.".into()));
    }
    let review = Review { by: Person::of(me), sound, comment: comment.trim().to_string(), at: String::new() };
    if !state.db.review_request(id, &review, state.clock.now()).await.map_err(RequestError::Db)? {
        return Err(BreakGlassError::Invalid("This break-glass action was already reviewed.".into()));
    }
    let req = super::find(state.db(), id).await?;
    let verdict = if sound { "justified" } else { "not justified" };
    worker::event(
        state,
        &req,
        "request.review",
        &me.login,
        &actor.op_id,
        "ok",
        &format!("{verdict}: {}", review.comment),
    )
    .await;
    Ok(req)
}

/// Marks reviews past their time overdue, once each, in the audit trail (and tells the reviewers).
pub async fn mark_overdue(state: &AppState) {
    let ids = match state.db.reviews_overdue(state.clock.now()).await {
        Ok(ids) => ids,
        Err(e) => return tracing::error!(error = %e, "could not look for overdue reviews"),
    };
    for id in ids {
        if let Ok(Some(req)) = super::get(state.db(), &id).await {
            let detail = format!("after-action review overdue since {}", req.review_due_at.clone().unwrap_or_default());
            worker::event(state, &req, "request.review_overdue", "portico", &req.id, "failed", &detail).await;
        }
    }
}

/// The break-glass requester may still act at execution: still in the group as Okta has them now.
pub fn still_allowed(requester: &Actor) -> bool {
    may_break_glass(requester)
}
