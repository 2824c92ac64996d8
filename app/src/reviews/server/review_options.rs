use super::super::ReviewChoices;
use crate::error::PortalError;
use leptos::prelude::*;

/// What a new review can cover (admins): the managers (people someone reports to), the Okta
/// groups whose members can change, the ASA groups, and the time zones.
#[server(prefix = "/api", endpoint = "reviews/options")]
pub async fn review_options() -> Result<ReviewChoices, PortalError> {
    use portico_core::Role;
    let caller = crate::ssr::caller().await?.now().await?;
    if !caller.roles.contains(&Role::Admin) {
        caller.refusal("review.create", "options", "only admins start access reviews").await;
        return Err(portico_core::actor::Denied::NotAllowed("start an access review".into()).into());
    }
    let okta = &caller.state.okta;
    let mut managers = std::collections::BTreeMap::new();
    let mut after: Option<String> = None;
    loop {
        let page = okta.search_users(Some("profile.managerId pr"), None, after.as_deref(), 200).await?;
        for u in &page.items {
            if let Some(m) = u.field("managerId").filter(|m| !m.is_empty()) {
                managers.entry(m.to_string()).or_insert_with(String::new);
            }
        }
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let mut named = Vec::new();
    for id in managers.into_keys() {
        if let Ok(u) = okta.get_user(&id).await {
            named.push((id, u.display_name()));
        }
    }
    named.sort_by(|a, b| a.1.cmp(&b.1));
    let groups = okta.groups_to_show(None, None, 200).await?;
    let groups: Vec<(String, String)> = groups
        .items
        .into_iter()
        .filter(|g| g.kind == portico_vocab::GroupKind::OktaGroup)
        .map(|g| (g.id, g.name))
        .collect();
    let asa_groups = match &caller.state.asa {
        Some(asa) => {
            use portico_core::asa::ServerAccess;
            asa.groups(None).await.map(|gs| gs.into_iter().map(|g| g.name).collect()).unwrap_or_default()
        }
        None => Vec::new(),
    };
    Ok(ReviewChoices { managers: named, groups, asa_groups, zones: portico_core::requests::scheduled::zones() })
}
