use crate::{
    error::PortalError,
    people::{PeoplePage, PeopleQuery},
};
use leptos::prelude::*;

/// One page of people for the list's filters. Typed text and picked filters become an Okta
/// `search` expression with every value quoted and escaped.
#[server(prefix = "/api", endpoint = "people/search")]
pub async fn search_people(query: PeopleQuery, limit: Option<u32>) -> Result<PeoplePage, PortalError> {
    use crate::ssr::fail;
    use portico_core::{
        authz::Action,
        okta::search::{PeopleFilter, sort_attribute},
    };
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ViewPeople, "view people").await?;
    let filter = PeopleFilter {
        text: query.q,
        status: query.status,
        department: query.department,
        title: query.title,
        manager_id: query.manager,
        created_from: query.created_from,
        created_to: query.created_to,
        updated_from: query.updated_from,
        updated_to: query.updated_to,
    };
    let search = filter.to_search().map_err(|e| fail(PortalError::bad_request(e.0)))?;
    let sort = sort_attribute(&query.sort).map(|attr| (attr, query.order == "desc"));
    // Okta sorts only searches: sorting everyone means searching everyone (deprovisioned
    // included, as a search would).
    let search = match (search, sort) {
        (None, Some(_)) => Some("status pr".to_string()),
        (s, _) => s,
    };
    let limit = limit.unwrap_or(50).clamp(1, 200) as usize;
    let after = Some(query.after.as_str()).filter(|a| !a.is_empty());
    let page = caller.state.okta.search_users(search.as_deref(), sort, after, limit).await?;
    Ok(PeoplePage { rows: page.items.iter().map(super::views::row).collect(), next: page.next })
}
