//! Requests → what the browser gets, and who may decide them (server side only).

use crate::{
    approvals::{DecisionView, RequestView},
    error::PortalError,
    ssr::{Caller, fail},
};
use portico_core::{
    okta::User,
    policy::{ApprovalCheck, check_approver},
    requests::{Call, Request, RequestError, Status},
};

/// A store error as the person sees it.
pub fn request_error(e: RequestError) -> PortalError {
    fail(match e {
        RequestError::NotFound => PortalError::not_found("That request"),
        RequestError::Db(err) => {
            tracing::error!(error = %err, "request store failed");
            PortalError::internal()
        }
        RequestError::NotRequester => PortalError::forbidden("cancel someone else's request"),
        other => PortalError::conflict(other.to_string()),
    })
}

/// The Okta person a request is about, read now (none for ASA targets or when unreadable).
pub async fn target_user(caller: &Caller, req: &Request) -> Option<User> {
    let id = req.target_sub.as_deref()?;
    caller.state.okta.get_user(id).await.ok()
}

/// How the caller stands to what a request changes.
pub struct Relation {
    /// They manage the request's person (looked up only when the policy could make it matter).
    pub manages: bool,
    /// They are one of a bulk job's people: nobody decides a change to themselves.
    pub in_job: bool,
}

/// The caller's [`Relation`] to the request's target (for a job, to each of its people).
pub async fn relation(caller: &Caller, req: &Request, target: Option<&User>) -> Relation {
    let manages = match target {
        Some(user) if caller.state.policy.mentions_manager(req.action) => caller.manages(user).await,
        _ => false,
    };
    let in_job = match &req.call {
        // Unreadable counts as included: refuse rather than let someone approve their own change.
        Call::Job { job_id, .. } => caller.state.db.job_includes(job_id, &caller.principal.sub).await.unwrap_or(true),
        _ => false,
    };
    Relation { manages, in_job }
}

/// Whether the caller may approve or reject `req` as it stands; the reason when not. The store
/// asks this again inside the decision's transaction, of the request as read there.
pub fn may_decide(caller: &Caller, req: &Request, rel: &Relation) -> Result<(), String> {
    if req.status != Status::Pending {
        return Err(format!("This request is {} now.", req.status.label().to_lowercase()));
    }
    if rel.in_job {
        return Err("You are one of the people in this job, so you cannot decide it.".into());
    }
    let manages = rel.manages;
    let Some(stage) = req.current_stage() else { return Err("This request has no approval stage.".into()) };
    let decided = req.decided_by();
    let check = ApprovalCheck {
        requester_sub: &req.requester_sub,
        target_sub: req.target_sub.as_deref(),
        stage,
        decided: &decided,
    };
    check_approver(&caller.state.policy, req.action, &check, &caller.who(manages)).map_err(|e| e.message().to_string())
}

/// Whether the caller may approve or reject `req` now; the reason when not.
pub async fn eligibility(caller: &Caller, req: &Request, target: Option<&User>) -> Result<(), String> {
    may_decide(caller, req, &relation(caller, req, target).await)
}

pub fn view(caller: &Caller, req: &Request, target: Option<&User>, can_decide: bool) -> RequestView {
    let target_name = target
        .map(|u| u.display_name())
        .unwrap_or_else(|| req.target_label.split(" (").next().unwrap_or(&req.target_label).to_string());
    let (effect, after) = match &req.call {
        Call::Lifecycle { op, .. } => (op.consequence(&target_name, true), op.status_after()),
        Call::Profile { changes, .. } => (
            changes
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or("(cleared)")))
                .collect::<Vec<_>>()
                .join("; "),
            None,
        ),
        Call::Membership { group_name, add, .. } => (
            if *add {
                format!("{target_name} gains what {group_name} grants (apps, policies).")
            } else {
                format!("{target_name} loses what {group_name} grants (apps, policies).")
            },
            None,
        ),
        Call::AsaStatus { status, .. } => (format!("Their ASA account becomes {}.", status.to_lowercase()), None),
        Call::AsaMembership { group, add, .. } => (
            if *add {
                format!("They gain the server access {group} grants.")
            } else {
                format!("They lose the server access {group} grants.")
            },
            None,
        ),
        Call::Job { count, .. } => (
            format!(
                "{count} {}, each as the job's preview shows; approving once runs them all, one by one. \
                 A job's people are many, so it is approved by role, not by a manager.",
                if *count == 1 { "person" } else { "people" }
            ),
            None,
        ),
    };
    let stage_line = match req.current_stage() {
        Some(stage) if req.status == Status::Pending => format!(
            "Stage {} of {}: {} of {} approval{} from {}",
            req.stage + 1,
            req.stages.len(),
            req.approvals_at_stage(),
            stage.required,
            if stage.required == 1 { "" } else { "s" },
            portico_core::policy::describe_stage(stage)
        ),
        _ => String::new(),
    };
    RequestView {
        id: req.id.clone(),
        action: req.action,
        summary: req.summary.clone(),
        effect,
        target_name,
        // An ASA request is about the account (its Okta person is kept for separation of duties).
        target_href: match &req.call {
            Call::AsaStatus { name, .. } | Call::AsaMembership { user: name, .. } => Some(format!("/asa/users/{name}")),
            Call::Job { job_id, .. } => Some(format!("/jobs/{job_id}")),
            _ => req.target_sub.as_ref().map(|id| format!("/people/{id}")),
        },
        target_status: target.filter(|_| !req.call.is_asa()).map(|u| u.status.clone()),
        target_status_after: after,
        reason: req.reason.clone(),
        requester: req.requester_name.clone(),
        requester_login: req.requester_login.clone(),
        status: req.status,
        created_at: req.created_at.clone(),
        expires_at: req.expires_at.clone(),
        updated_at: req.updated_at.clone(),
        stage_line,
        result: req.result.clone(),
        decisions: req
            .decisions
            .iter()
            .map(|d| DecisionView {
                approver: d.approver_name.clone(),
                approve: d.approve,
                comment: d.comment.clone(),
                at: d.at.clone(),
            })
            .collect(),
        can_decide,
        can_cancel: req.status == Status::Pending && req.requester_sub == caller.principal.sub,
        can_reveal: false,
    }
}

/// [`view`], and whether a temporary password waits for the viewer (their own done request).
pub async fn view_with_secret(caller: &Caller, req: &Request, target: Option<&User>, can_decide: bool) -> RequestView {
    let mut v = view(caller, req, target, can_decide);
    v.can_reveal = req.status == Status::Done
        && req.requester_sub == caller.principal.sub
        && portico_core::requests::has_secret(caller.state.db(), &req.id).await.unwrap_or(false);
    v
}

/// Views of many requests, each open one with its target read now and the caller's right to
/// decide (closed ones are history: no upstream read).
pub async fn views(caller: &Caller, reqs: &[Request]) -> Vec<RequestView> {
    let mut out = Vec::with_capacity(reqs.len());
    for r in reqs {
        let target = if r.status.is_open() { target_user(caller, r).await } else { None };
        let can = r.status == Status::Pending && eligibility(caller, r, target.as_ref()).await.is_ok();
        out.push(view_with_secret(caller, r, target.as_ref(), can).await);
    }
    out
}
