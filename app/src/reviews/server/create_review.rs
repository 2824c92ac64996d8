use crate::error::PortalError;
use leptos::prelude::*;

/// Starts an access review (admins): `scope` is `managers`, `okta_groups` or `asa_groups`;
/// `scope_ids` the managers' or groups' ids (ASA groups by name); due at `due`
/// (`YYYY-MM-DDTHH:MM`) in `zone`; reviewers reminded `remind_hours` before it (hours, comma
/// separated: `72, 24`; empty: never). Its id.
#[server(prefix = "/api", endpoint = "reviews/create")]
pub async fn create_review(
    name: String,
    scope: String,
    scope_ids: Vec<String>,
    fallback_group: String,
    due: String,
    zone: String,
    remind_hours: String,
) -> Result<String, PortalError> {
    use portico_core::reviews;
    let caller = crate::ssr::caller().await?.now().await?;
    let scope = portico_vocab::ReviewScope::parse(&scope)
        .ok_or_else(|| crate::ssr::fail(PortalError::bad_request("Choose whose access to review.")))?;
    let due_at = crate::schedule::server::when(&due, &zone, "due")?;
    let remind_hours = remind_hours
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| h.parse::<u32>().ok().filter(|h| *h <= 24 * 90))
        .collect::<Option<Vec<u32>>>()
        .ok_or_else(|| {
            let m = "Say the reminders in hours before the due date, like 72, 24.".to_string();
            let mut e = PortalError::bad_request(m.clone());
            e.fields = vec![("remind_hours".into(), m)];
            crate::ssr::fail(e)
        })?;
    let ask = reviews::NewCampaign { name, scope, scope_ids, fallback_group, due_at, remind_hours };
    let campaign = reviews::create(&caller, ask).await?;
    leptos_axum::redirect(&format!("/reviews/{}", campaign.id));
    Ok(campaign.id)
}
