use crate::{
    error::PortalError,
    people::{PeoplePage, PeopleQuery},
};
use leptos::prelude::*;

/// One page of people for the list's filters. Typed text and picked filters become an Okta
/// `search` expression with every value quoted and escaped.
#[server(prefix = "/api", endpoint = "people/search")]
pub async fn search_people(query: PeopleQuery, limit: Option<u32>) -> Result<PeoplePage, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ViewPeople, "view people").await?;
    let (search, sort) = search_of(&query)?;
    let limit = limit.unwrap_or(50).clamp(1, 200) as usize;
    let after = Some(query.after.as_str()).filter(|a| !a.is_empty());
    let page = caller.state.okta.search_users(search.as_deref(), sort, after, limit).await?;
    Ok(PeoplePage { rows: page.items.iter().map(super::views::row).collect(), next: page.next })
}

/// An Okta `search` expression (none: everyone the list shows) and a sort (attribute, descending).
#[cfg(feature = "ssr")]
pub type Search = (Option<String>, Option<(&'static str, bool)>);

/// The Okta search and sort the list's filters mean (the list and its CSV export).
#[cfg(feature = "ssr")]
pub fn search_of(query: &PeopleQuery) -> Result<Search, PortalError> {
    use portico_core::okta::search::{PeopleFilter, sort_attribute};
    let filter = PeopleFilter {
        text: query.q.clone(),
        status: query.status.clone(),
        department: query.department.clone(),
        title: query.title.clone(),
        manager_id: query.manager.clone(),
        created_from: query.created_from.clone(),
        created_to: query.created_to.clone(),
        updated_from: query.updated_from.clone(),
        updated_to: query.updated_to.clone(),
    };
    let search = filter.to_search().map_err(|e| crate::ssr::fail(PortalError::bad_request(e.0)))?;
    let sort = sort_attribute(&query.sort).map(|attr| (attr, query.order == "desc"));
    // Okta sorts only searches: sorting everyone means searching everyone (deprovisioned
    // included, as a search would).
    let search = match (search, sort) {
        (None, Some(_)) => Some("status pr".to_string()),
        (s, _) => s,
    };
    Ok((search, sort))
}
