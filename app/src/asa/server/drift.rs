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
    caller.authorize("asa_status", None, "change server access").await?;
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
    use super::views::{asa_error, client};
    use portico_core::asa::ServerAccess;
    use std::collections::HashMap;
    let asa = client(caller)?;
    let mut asa_users = Vec::new();
    let mut offset: Option<String> = None;
    loop {
        let (page, next) =
            asa.users(None, &["ACTIVE", "DISABLED"], false, offset.as_deref()).await.map_err(asa_error)?;
        asa_users.extend(page);
        match next {
            Some(n) => offset = Some(n),
            None => break,
        }
    }
    let okta = &caller.state.okta;
    let mut by_email: HashMap<String, portico_core::okta::User> = HashMap::new();
    let mut after: Option<String> = None;
    loop {
        let page =
            okta.search_users(Some("status pr"), None, after.as_deref(), 200).await.map_err(crate::ssr::okta_error)?;
        for u in page.items {
            if let Some(e) = u.field("email") {
                by_email.insert(e.to_lowercase(), u);
            }
        }
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let mut rows = Vec::new();
    for a in asa_users {
        let email = a.email().unwrap_or_default().to_lowercase();
        let okta_user = by_email.get(&email);
        let (problem, fix_to) = match (okta_user.map(|u| u.status.as_str()), a.status.as_str()) {
            (Some(s @ ("DEPROVISIONED" | "SUSPENDED")), "ACTIVE") => (
                format!("Can still reach servers although {} in Okta.", crate::people::status_label(s).to_lowercase()),
                "DISABLED",
            ),
            (None, "ACTIVE") => ("Active in ASA with no Okta account.".to_string(), "DISABLED"),
            (Some("ACTIVE"), "DISABLED") => ("Disabled in ASA although active in Okta.".to_string(), "ACTIVE"),
            _ => continue,
        };
        rows.push(DriftRow {
            okta_id: okta_user.map(|u| u.id.clone()),
            name: okta_user.map(|u| u.display_name()).unwrap_or_else(|| a.full_name()),
            email,
            okta_status: okta_user.map(|u| u.status.clone()),
            asa_name: a.name.clone(),
            asa_status: a.status.clone(),
            problem,
            fix_to: fix_to.to_string(),
        });
    }
    Ok(rows)
}
