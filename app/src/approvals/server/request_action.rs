use crate::{approvals::RequestView, error::PortalError};
use leptos::prelude::*;
use portico_vocab::PolicyAction;

/// Asks for an action the policy lets the caller request but not run. The request stores the
/// exact upstream call; it runs once every approval stage has approved. `target` is an Okta user
/// id (an ASA user name for `asa_status` and `asa_group`); `group`, `add`, `status` and `changes`
/// complete the call for membership, ASA and profile actions.
#[server(prefix = "/api", endpoint = "requests/new")]
pub async fn request_action(
    action: PolicyAction,
    target: String,
    reason: String,
    group: Option<String>,
    add: Option<bool>,
    status: Option<String>,
    changes: Option<Vec<(String, String)>>,
) -> Result<RequestView, PortalError> {
    use super::views::{request_error, view};
    use crate::ssr::{fail, person_label};
    use portico_core::{
        asa::ServerAccess,
        policy::Decision,
        requests::{self, Call, NewRequest, Person, worker},
    };
    let caller = crate::ssr::caller().await?.now().await?;
    let bad = |m: String| fail(PortalError::bad_request(m));
    let reason = reason.trim().to_string();
    if reason.chars().count() > 1000 {
        return Err(bad("Keep the reason under 1000 characters.".into()));
    }
    let rule = caller.state.policy.rule(action).clone();
    let okta = &caller.state.okta;
    let asa_name = || target.trim().to_string();

    // The call, who it is about (for an ASA account, the Okta person it belongs to, so nobody
    // approves a request about their own server access), and what it does in words; refused
    // now if the target's current state does not allow it.
    let (call, user, summary, label) = match action {
        PolicyAction::Lifecycle(op) => {
            let user = okta.get_user(&target).await?;
            if !user.allows(op) {
                return Err(bad(format!(
                    "{} is {} now, which does not allow this.",
                    user.display_name(),
                    user.status.words()
                )));
            }
            let summary = format!("{}: {}", op.label(), user.display_name());
            (Call::Lifecycle { user_id: user.id.clone(), op }, Some(user), summary, None)
        }
        PolicyAction::Profile => {
            let user = okta.get_user(&target).await?;
            let changes = crate::people::server::views::profile_changes(changes.unwrap_or_default()).map_err(bad)?;
            if changes.is_empty() {
                return Err(bad("Change at least one field.".into()));
            }
            let fields: Vec<&str> = changes.keys().map(String::as_str).collect();
            let summary = format!("Edit profile: {} ({})", user.display_name(), fields.join(", "));
            (Call::Profile { user_id: user.id.clone(), changes }, Some(user), summary, None)
        }
        PolicyAction::Membership => {
            let user = okta.get_user(&target).await?;
            let group_id = group.clone().unwrap_or_default();
            let g = okta.get_group(&group_id).await?;
            if let Some(reason) = g.kind.read_only_reason() {
                return Err(bad(reason));
            }
            let add = add.unwrap_or(true);
            let summary = if add {
                format!("Add {} to {}", user.display_name(), g.name)
            } else {
                format!("Remove {} from {}", user.display_name(), g.name)
            };
            let call =
                Call::Membership { user_id: user.id.clone(), group_id: g.id.clone(), group_name: g.name.clone(), add };
            (call, Some(user), summary, None)
        }
        PolicyAction::AsaStatus => {
            let status = status.clone().unwrap_or_default();
            let verb = match status.as_str() {
                "ACTIVE" => "Enable",
                "DISABLED" => "Disable",
                "DELETED" => "Delete",
                other => return Err(bad(format!("Unknown ASA status {other}."))),
            };
            let asa = caller.state.asa.clone().ok_or_else(|| bad("Server access is not configured.".into()))?;
            let name = asa_name();
            let account = asa.user(&name).await.map_err(crate::asa::server::views::asa_error)?;
            let summary = format!("{verb} ASA user {name}");
            let person = portico_core::asa::drift::okta_person(okta, &account).await?;
            (Call::AsaStatus { name: name.clone(), status }, person, summary, Some(format!("ASA {name}")))
        }
        PolicyAction::AsaGroup => {
            let asa = caller.state.asa.clone().ok_or_else(|| bad("Server access is not configured.".into()))?;
            let (name, group) = (asa_name(), group.clone().unwrap_or_default());
            let g = asa.group(&group).await.map_err(crate::asa::server::views::asa_error)?;
            if g.managed_by_okta {
                return Err(bad(format!("{group} is pushed from Okta: change its members in Okta.")));
            }
            let account = asa.user(&name).await.map_err(crate::asa::server::views::asa_error)?;
            let person = portico_core::asa::drift::okta_person(okta, &account).await?;
            let add = add.unwrap_or(true);
            let summary = if add {
                format!("Add {name} to ASA group {group}")
            } else {
                format!("Remove {name} from ASA group {group}")
            };
            (Call::AsaMembership { group, user: name.clone(), add }, person, summary, Some(format!("ASA {name}")))
        }
    };
    let label = label.or_else(|| user.as_ref().map(person_label)).unwrap_or_default();

    if let Some(u) = &user {
        caller.require_may_change(u).await?;
    }
    let decision = match &user {
        Some(u) => caller.decide_for(action, u).await,
        None => caller.decide(action, false),
    };
    match decision {
        Decision::Request => {}
        Decision::Run => {
            return Err(bad("You may do this yourself; it needs no request.".into()));
        }
        Decision::Refuse => {
            tracing::warn!(op_id = %caller.op_id, who = %caller.principal.login, %action, "refused: may not request");
            caller.refusal(&format!("request.{action}"), &label, "not allowed to request this").await;
            return Err(fail(PortalError::forbidden("request this")));
        }
    }
    if rule.reason_required && reason.is_empty() {
        let mut e = PortalError::bad_request("Say why: this request needs a reason.");
        e.fields = vec![("reason".into(), "A reason is required.".into())];
        return Err(fail(e));
    }
    let p = &caller.principal;
    let req = requests::create(
        &caller.state.db,
        NewRequest {
            call,
            target_label: label,
            target_sub: user.as_ref().map(|u| u.id.clone()),
            summary,
            reason: reason.clone(),
            requester: Person { sub: p.sub.clone(), login: p.login.clone(), name: p.name.clone() },
            stages: rule.stages.clone(),
            ttl_hours: rule.ttl_hours,
            policy_version: caller.state.policy.version(),
        },
        caller.state.clock.now(),
    )
    .await
    .map_err(request_error)?;
    worker::event(&caller.state, &req, "request.create", &p.login, &caller.op_id, "ok", &format!("reason: {reason}"))
        .await;
    Ok(view(&caller, &req, user.as_ref(), false))
}
