use crate::{asa::DriftRow, error::PortalError};
use leptos::prelude::*;

/// People whose Okta and ASA states disagree: still active in ASA though deprovisioned or
/// suspended in Okta (or unknown to Okta), or disabled in ASA though active in Okta.
#[server(prefix = "/api", endpoint = "asa/drift")]
pub async fn drift() -> Result<Vec<DriftRow>, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ViewAsa, "view server access").await?;
    compute(&caller).await
}

/// Brings one ASA user in line with Okta. Re-computes the drift first, so a stale page cannot
/// change anyone who is no longer out of step; goes through the same permission as any change.
#[server(prefix = "/api", endpoint = "asa/drift-fix")]
pub async fn fix_drift(asa_name: String) -> Result<String, PortalError> {
    use crate::ssr::fail;
    use portico_core::asa::ServerAccess;
    let caller = crate::ssr::caller().await?;
    caller.authorize(portico_vocab::PolicyAction::AsaStatus, None, "change server access").await?;
    let rows = compute(&caller).await?;
    let Some(row) = rows.into_iter().find(|r| r.asa_name == asa_name) else {
        return Err(fail(PortalError::bad_request(format!("{asa_name} is no longer out of step with Okta."))));
    };
    super::views::client(&caller)?.set_status(&row.asa_name, &row.fix_to).await.map_err(super::views::asa_error)?;
    caller
        .audit("asa.drift_fix", &format!("ASA {asa_name}"), Some(&row.asa_status), Some(&row.fix_to), &row.problem)
        .await;
    let done = if row.fix_to == "ACTIVE" { "enabled" } else { "disabled" };
    Ok(format!("{} was {done} in ASA to match Okta.", row.asa_name))
}

#[cfg(feature = "ssr")]
async fn compute(caller: &crate::ssr::Caller) -> Result<Vec<DriftRow>, PortalError> {
    use portico_core::asa::drift::{self, DriftError};
    let rows = drift::find(&caller.state.okta, super::views::client(caller)?.as_ref()).await.map_err(|e| match e {
        DriftError::Okta(e) => crate::ssr::okta_error(e),
        DriftError::Asa(e) => super::views::asa_error(e),
    })?;
    Ok(rows
        .into_iter()
        .map(|d| DriftRow {
            okta_id: d.okta_id,
            name: d.name,
            email: d.email,
            okta_status: d.okta_status,
            asa_name: d.asa_name,
            asa_status: d.asa_status,
            problem: d.problem,
            fix_to: d.fix_to,
        })
        .collect())
}
