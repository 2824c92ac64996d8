use crate::error::PortalError;
use leptos::prelude::*;

/// Adds `person` to a group for a while: `system` is `okta` (the group's id) or `asa` (the ASA
/// group's name, for their ASA account); it ends after `hours`, or at `until`
/// (`YYYY-MM-DDTHH:MM`) in `zone`. Run now when the caller may (its end is stored first), else
/// asked for approval. Extending an end is the same call with a later end. A plain form posts
/// here and comes back to its page.
#[server(prefix = "/api", endpoint = "schedule/grant")]
pub async fn grant_access(
    person: String,
    system: String,
    group: String,
    hours: Option<String>,
    until: Option<String>,
    zone: Option<String>,
    reason: String,
) -> Result<String, PortalError> {
    use crate::ssr::fail;
    use portico_core::{
        actions::plan::Ask,
        requests::{Ends, scheduled},
    };
    use portico_vocab::PolicyAction;
    let caller = crate::ssr::caller().await?.now().await?;
    let bad = |field: &str, m: String| {
        let mut e = PortalError::bad_request(m.clone());
        e.fields = vec![(field.into(), m)];
        fail(e)
    };
    let until = until.filter(|u| !u.trim().is_empty());
    let ends = match (until, hours.as_deref().map(str::trim).filter(|h| !h.is_empty())) {
        (Some(until), _) => {
            let zone = zone.unwrap_or_else(|| "UTC".into());
            let at = super::when(&until, &zone, "until")?;
            Ends::At(portico_core::clock::stamp(at))
        }
        (None, Some(h)) => match h.parse::<f64>() {
            Ok(h) if h > 0.0 && h <= 24.0 * 90.0 => Ends::After((h * 60.0).round() as u32),
            _ => return Err(bad("hours", "Give the hours as a number from 0.1 to 2160 (90 days).".into())),
        },
        (None, None) => return Err(bad("hours", "Say how long: a number of hours, or an end time.".into())),
    };
    let mut ask = match system.as_str() {
        "okta" => Ask::new(PolicyAction::Membership, person),
        "asa" => {
            // The ASA account is named by the person's Okta profile.
            let user = caller.state.okta.get_user(&person).await?;
            let account = super::schedule_options::asa_account(&caller, &user).await?;
            Ask::new(PolicyAction::AsaGroup, account.ok_or_else(|| bad("group", "They have no ASA account.".into()))?)
        }
        _ => return Err(bad("system", "Pick an Okta or an ASA group.".into())),
    };
    ask.group = Some(group);
    ask.add = Some(true);
    ask.ends = Some(ends);
    let req = scheduled::grant(&caller, ask, &reason).await?;
    use portico_vocab::RequestStatus;
    let result = req.result.clone().unwrap_or_default();
    match req.status {
        RequestStatus::Pending => Ok(format!("Request {} sent for approval: {}.", req.id, req.summary)),
        // It could not be granted: said as an error (the form shows it), with the request's reference.
        RequestStatus::Failed | RequestStatus::Stale => {
            Err(fail(PortalError::bad_request(format!("{} ({}) was not granted: {result}", req.summary, req.id))))
        }
        RequestStatus::Done => Ok(format!("{} ({}): {result}", req.summary, req.id)),
        _ => Ok(format!("{} ({}) runs now.", req.summary, req.id)),
    }
}
