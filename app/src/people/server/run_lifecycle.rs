use crate::{error::PortalError, people::LifecycleOutcome};
use leptos::prelude::*;

/// Runs one lifecycle operation after re-reading the person: it must still be allowed in their
/// current status (a stale page cannot suspend someone already deactivated). `delete` needs the
/// person's login typed back.
#[server(prefix = "/api", endpoint = "people/lifecycle")]
pub async fn run_lifecycle(
    id: String,
    op: String,
    confirm_login: Option<String>,
) -> Result<LifecycleOutcome, PortalError> {
    use crate::ssr::{fail, okta_error};
    let caller = crate::ssr::caller().await?;
    let link = portico_core::authz::lifecycle_link(&op)
        .ok_or_else(|| fail(PortalError::bad_request(format!("Unknown action {op}."))))?;
    let okta = &caller.state.okta;
    let user = okta.get_user(&id).await.map_err(okta_error)?;
    let label = super::views::action(&op, "").label;
    caller.authorize(&op, Some(&user), &format!("run “{label}” on {}", user.display_name())).await?;
    let name = user.display_name();
    if !user.has_link(link) {
        return Err(fail(PortalError::bad_request(format!(
            "{name} is {} now, which does not allow this. The page shows their current state.",
            crate::people::status_label(&user.status).to_lowercase()
        ))));
    }
    let login = user.field("login").unwrap_or_default().to_string();
    let mut temp_password = None;
    let (message, upstream) = match op.as_str() {
        "delete" => {
            if !confirm_login.is_some_and(|c| c.trim().eq_ignore_ascii_case(&login)) {
                return Err(fail(PortalError::bad_request(format!("Type {login} to confirm the deletion."))));
            }
            let upstream = okta.delete_user(&id).await.map_err(okta_error)?;
            caller
                .audit_call(
                    "person.delete",
                    &format!("{login} ({id})"),
                    Some(&user.status),
                    None,
                    "",
                    upstream.as_deref(),
                )
                .await;
            return Ok(LifecycleOutcome { person: None, message: format!("{name} was deleted."), temp_password: None });
        }
        "expire_password" => {
            let reply = okta.lifecycle(&id, "expire_password_with_temp_password", &[]).await.map_err(okta_error)?;
            temp_password = reply.body.get("tempPassword").and_then(|t| t.as_str()).map(str::to_string);
            (format!("{name}'s password has expired."), reply.request_id)
        }
        "reset_password" | "activate" | "reactivate" => {
            let reply = okta.lifecycle(&id, &op, &[("sendEmail", "true".into())]).await.map_err(okta_error)?;
            let message = match op.as_str() {
                "reset_password" => format!("Okta emailed {name} a password reset link."),
                "activate" => format!("{name} was activated."),
                _ => format!("Okta sent {name} a new activation email."),
            };
            (message, reply.request_id)
        }
        _ => {
            let reply = okta.lifecycle(&id, &op, &[]).await.map_err(okta_error)?;
            (format!("{name} was {}.", portico_core::authz::lifecycle_done(&op)), reply.request_id)
        }
    };
    let person = super::get_person::load(&caller, &id).await?;
    caller
        .audit_call(
            &format!("person.{op}"),
            &format!("{login} ({id})"),
            Some(&user.status),
            Some(&person.status),
            "",
            upstream.as_deref(),
        )
        .await;
    Ok(LifecycleOutcome { person: Some(person), message, temp_password })
}
