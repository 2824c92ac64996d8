use crate::error::PortalError;
use leptos::prelude::*;

/// The temporary password an approved "Expire password" produced, for its requester, once: the
/// sealed copy is deleted as it is read, and the reveal is audited.
#[server(prefix = "/api", endpoint = "requests/reveal")]
pub async fn reveal_temp_password(id: String) -> Result<String, PortalError> {
    use super::views::request_error;
    use crate::ssr::fail;
    use portico_core::requests::{self, RequestError};
    let caller = crate::ssr::caller().await?;
    let db = caller.state.db();
    let req = requests::get(db, &id)
        .await
        .map_err(|e| request_error(RequestError::Db(e)))?
        .ok_or_else(|| request_error(RequestError::NotFound))?;
    if req.requester_sub != caller.principal.sub {
        tracing::warn!(op_id = %caller.op_id, who = %caller.principal.login, request = %id, "refused: reveal");
        caller.refusal("request.reveal", &req.target_label, &format!("{id}: not the requester")).await;
        return Err(fail(PortalError::forbidden("see the temporary password of someone else's request")));
    }
    let sealed = requests::take_secret(db, &id).await.map_err(|e| request_error(RequestError::Db(e)))?;
    let Some(sealed) = sealed else {
        return Err(fail(PortalError::conflict(
            "The temporary password was already shown, or it is no longer kept (a day after the change). \
             Ask for the password to be expired again if it is lost.",
        )));
    };
    let Some(password) = caller.state.seal.open(&sealed, &id) else {
        tracing::error!(request = %id, "a sealed temporary password did not open: is server.secret_key the same on every replica?");
        return Err(fail(PortalError::internal()));
    };
    caller
        .audit(
            "request.reveal",
            &req.target_label,
            None,
            None,
            &format!("{id}: temporary password shown to the requester"),
        )
        .await;
    Ok(password.expose().to_string())
}
