use crate::{error::PortalError, people::LifecycleOutcome};
use leptos::prelude::*;
use portico_vocab::LifecycleOp;

/// Runs one lifecycle operation after re-reading the person: it must still be allowed in their
/// current status (a stale page cannot suspend someone already deactivated). `delete` needs the
/// person's login typed back. The call itself is `core::actions::lifecycle`, as for requests.
#[server(prefix = "/api", endpoint = "people/lifecycle")]
pub async fn run_lifecycle(
    id: String,
    op: LifecycleOp,
    confirm_login: Option<String>,
) -> Result<LifecycleOutcome, PortalError> {
    use crate::ssr::fail;
    let caller = crate::ssr::caller().await?;
    let user = caller.state.okta.get_user(&id).await?;
    let name = user.display_name();
    caller.authorize(op, Some(&user), &format!("run “{}” on {name}", op.label())).await?;
    if !user.allows(op) {
        return Err(fail(PortalError::bad_request(format!(
            "{name} is {} now, which does not allow this. The page shows their current state.",
            user.status.words()
        ))));
    }
    let login = user.field("login").unwrap_or_default().to_string();
    if op == LifecycleOp::Delete && !confirm_login.is_some_and(|c| c.trim().eq_ignore_ascii_case(&login)) {
        return Err(fail(PortalError::bad_request(format!("Type {login} to confirm the deletion."))));
    }
    let ran = portico_core::actions::lifecycle::run(&caller.state, &user, op, &caller.principal.login).await?;
    let person = match op {
        LifecycleOp::Delete => None,
        _ => Some(super::get_person::load(&caller, &id).await?),
    };
    let after = person.as_ref().map(|p| p.status.to_string());
    let before = ran.before.to_string();
    caller
        .audit_call(
            &op.audit_action(),
            &format!("{login} ({id})"),
            Some(&before),
            after.as_deref(),
            "",
            ran.request_id.as_deref(),
        )
        .await;
    Ok(LifecycleOutcome {
        person,
        message: ran.message,
        temp_password: ran.temp_password.map(|p| p.expose().to_string()),
    })
}
