//! Requests → what the browser gets, and who may decide them (server side only).

use crate::{
    approvals::{DecisionView, RequestView},
    error::PortalError,
    ssr::{Caller, fail},
};
use portico_core::{
    okta::User,
    requests::{Call, Request, RequestError, Status, eligible},
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
    eligible::target_user(&caller.state, req).await
}

/// Whether the caller may decide `req` now: in their own right, or for an approver away.
pub async fn eligibility(caller: &Caller, req: &Request, target: Option<&User>) -> Result<(), String> {
    eligible::authority(caller, req, target).await.map(drop)
}

pub fn view(caller: &Caller, req: &Request, target: Option<&User>, can_decide: bool) -> RequestView {
    let target_name = target.map(|u| u.display_name()).unwrap_or_else(|| req.target_name().to_string());
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
        Call::Offboard { new_manager, delete_after_days, .. } => (
            format!(
                "The leaver playbook for {target_name}: suspended and signed out at once, server access disabled, \
                 groups removed (recorded){}; deactivated at its time{}. Each step runs once, in order, \
                 and can be undone until the deactivation.",
                new_manager.as_ref().map(|m| format!(", reports handed to {}", m.name)).unwrap_or_default(),
                if *delete_after_days > 0 {
                    format!(", deleted {delete_after_days} days later")
                } else {
                    String::new()
                }
            ),
            None,
        ),
        Call::Restore { playbook_id, .. } => (
            format!(
                "Stops {playbook_id} before its deactivation and gives back what it took: {target_name} is \
                 unsuspended, their groups and reports returned."
            ),
            None,
        ),
        Call::ClearSessions { .. } => (format!("{target_name} is signed out everywhere."), None),
        Call::AppUnassign { app_name, .. } => {
            (format!("{target_name} can no longer sign in to {app_name} through Okta."), None)
        }
        Call::Groups { groups, add, .. } => (
            format!(
                "{target_name} {} {}.",
                if *add { "is added back to" } else { "leaves" },
                groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
            None,
        ),
        Call::Reassign { reports, manager, .. } => (
            format!(
                "{} report to {} from now on.",
                reports.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", "),
                manager.name
            ),
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
                approver: d.maker(),
                approve: d.approve,
                comment: d.comment.clone(),
                at: d.at.clone(),
                signed_in_at: d.signed_in_at.clone(),
            })
            .collect(),
        can_decide,
        needs_step_up: can_decide && caller.step_up_lacks().is_some(),
        approvers: Vec::new(),
        break_glass: req.break_glass.then(|| {
            let me = &caller.principal.sub;
            let review_due_at = req.review_due_at.clone().unwrap_or_default();
            crate::approvals::BreakGlassView {
                overdue: req.review.is_none() && review_due_at <= portico_core::clock::stamp(caller.state.clock.now()),
                review: req.review.as_ref().map(|r| {
                    let verdict = if r.sound { "found it justified" } else { "found it not justified" };
                    format!("{} {verdict}: “{}”", r.by.name, r.comment)
                }),
                can_review: req.review.is_none()
                    && portico_core::requests::break_glass::reviews(caller)
                    && req.requester_sub != *me
                    && req.target_sub.as_deref() != Some(me.as_str()),
                review_due_at,
            }
        }),
        runs_at: req.run_at_words(),
        can_cancel: req.requester_sub == caller.principal.sub
            && (req.status == Status::Pending
                || (req.status == Status::Approved && req.run_at.is_some() && req.attempts == 0)),
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

/// Views of many requests, each open one with its target read now, the caller's right to
/// decide, and who may decide it now (closed ones are history: no upstream read).
pub async fn views(caller: &Caller, reqs: &[Request]) -> Vec<RequestView> {
    let mut lookups = eligible::Lookups::default();
    let mut out = Vec::with_capacity(reqs.len());
    for r in reqs {
        let target = if r.status.is_open() { target_user(caller, r).await } else { None };
        let can = r.status == Status::Pending && eligibility(caller, r, target.as_ref()).await.is_ok();
        let mut v = view_with_secret(caller, r, target.as_ref(), can).await;
        v.approvers = named_approvers(caller, r, target.as_ref(), &mut lookups).await;
        out.push(v);
    }
    out
}

/// Who may decide a pending request now, by name (the same check the decision makes). When
/// Okta cannot say, the list is left empty and the stage line still says who in words.
pub async fn named_approvers(
    caller: &Caller,
    req: &Request,
    target: Option<&User>,
    lookups: &mut eligible::Lookups,
) -> Vec<String> {
    match eligible::approvers(&caller.state, req, target, lookups, &caller.op_id).await {
        Ok(list) => list.into_iter().map(|a| a.name).collect(),
        Err(e) => {
            tracing::warn!(request = %req.id, error = %e, "could not list who may decide a request");
            Vec::new()
        }
    }
}

/// The pending requests the caller may decide now: the inbox, and the navigation's count. The
/// person is read only when the caller's roles alone do not decide it (see [`eligibility`]).
pub async fn waiting_on<'a>(caller: &Caller, pending: &'a [Request]) -> Vec<&'a Request> {
    let me = &caller.principal.sub;
    let mut out = Vec::new();
    for r in pending.iter().filter(|r| r.requester_sub != *me && !r.decided_by().contains(me)) {
        if eligibility(caller, r, None).await.is_ok() {
            out.push(r);
        }
    }
    out
}
