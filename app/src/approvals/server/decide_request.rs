use crate::{approvals::RequestView, error::PortalError};
use leptos::prelude::*;

/// Approves or rejects a pending request (a rejection says why). Checked on the server: the
/// caller must be an approver of the current stage and pass separation of duties. The last
/// approval queues the stored call for the executor, which runs it once.
#[server(prefix = "/api", endpoint = "requests/decide")]
pub async fn decide_request(id: String, approve: bool, comment: String) -> Result<RequestView, PortalError> {
    use super::views::{request_error, target_user, view};
    use crate::ssr::fail;
    use portico_core::requests::eligible;
    use portico_core::requests::{self, Decided, Decider, Person, RequestError, worker};
    let caller = crate::ssr::caller().await?.now().await?;
    let state = &caller.state;
    let req = requests::get(state.db(), &id)
        .await
        .map_err(|e| request_error(RequestError::Db(e)))?
        .ok_or_else(|| request_error(RequestError::NotFound))?;
    let comment = comment.trim().to_string();
    if comment.chars().count() > 1000 {
        return Err(fail(PortalError::bad_request("Keep the comment under 1000 characters.")));
    }
    let target = target_user(&caller, &req).await;
    // Their own authority, or that of an approver away who named them.
    let authority = match eligible::authority(&caller, &req, target.as_ref()).await {
        Ok(a) => a,
        Err(why) if req.status == requests::Status::Pending => return Err(refused(&caller, &req, why).await),
        Err(why) => return Err(fail(PortalError::conflict(why))),
    };
    caller.require_step_up(if approve { "approve a request" } else { "reject a request" }).await?;
    if !approve && comment.is_empty() {
        let mut e = PortalError::bad_request("Say why you reject it: the requester will read it.");
        e.fields = vec![("comment".into(), "A comment is required to reject.".into())];
        return Err(fail(e));
    }
    let p = &caller.principal;
    let me =
        Decider { person: Person::of(p), signed_in_at: caller.signed_in_at(), on_behalf_of: authority.on_behalf_of() };
    let now = state.clock.now();
    let decided =
        requests::decide(state.db(), &id, &me, approve, &comment, now, |r| eligible::recheck(&caller, &authority, r))
            .await;
    let (decided, req) = match decided {
        Ok(r) => r,
        // The request moved on (another decision) between the check above and the transaction.
        Err(RequestError::Ineligible(why)) => return Err(refused(&caller, &req, why).await),
        Err(RequestError::Expired) => {
            if let Ok(Some(r)) = requests::get(state.db(), &id).await {
                worker::event(state, &r, "request.expire", "portico", &caller.op_id, "ok", "no decision in time").await;
            }
            return Err(request_error(RequestError::Expired));
        }
        Err(e) => return Err(request_error(e)),
    };
    let detail = match decided {
        Decided::Rejected => format!("rejected: {comment}"),
        Decided::Approved => format!(
            "final approval; queued to run{}",
            if comment.is_empty() { String::new() } else { format!(" — {comment}") }
        ),
        Decided::Waiting => format!(
            "approved; waiting for more approvals{}",
            if comment.is_empty() { String::new() } else { format!(" — {comment}") }
        ),
    };
    let event = if approve { "request.approve" } else { "request.reject" };
    // A delegate's decision is recorded as theirs, made for the approver away.
    let maker = match &me.on_behalf_of {
        Some(away) => format!("{} for {}", p.login, away.login),
        None => p.login.clone(),
    };
    worker::event(state, &req, event, &maker, &caller.op_id, "ok", &detail).await;
    Ok(view(&caller, &req, target.as_ref(), false))
}

/// A decision the caller may not make: logged, audited, and answered 403 with the reason.
#[cfg(feature = "ssr")]
async fn refused(caller: &crate::ssr::Caller, req: &portico_core::requests::Request, why: String) -> PortalError {
    let id = &req.id;
    tracing::warn!(op_id = %caller.op_id, who = %caller.principal.login, request = %id, %why, "refused decision");
    caller.refusal("request.decide", &req.target_label, &format!("{id}: {why}")).await;
    crate::ssr::fail(PortalError::forbidden("decide this request").with_message(why))
}
