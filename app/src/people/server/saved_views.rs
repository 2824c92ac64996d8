use crate::{
    error::PortalError,
    people::{PeopleQuery, SavedViewRow},
};
use leptos::prelude::*;

/// The caller's saved views of the people list, by name.
#[server(prefix = "/api", endpoint = "people/views")]
pub async fn saved_views() -> Result<Vec<SavedViewRow>, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ViewPeople, "view people").await?;
    let views = caller.state.db.views_of(&caller.principal.sub).await.map_err(|e| view_error(e.into()))?;
    Ok(views.into_iter().map(row).collect())
}

/// Keeps the list's filters and sort as the caller's view called `name` (a view of that name
/// gets the new filters). A plain form posts here too, and comes back to the list.
#[server(prefix = "/api", endpoint = "people/views/save")]
pub async fn save_view(name: String, query: PeopleQuery) -> Result<SavedViewRow, PortalError> {
    use portico_core::authz::Action;
    let caller = crate::ssr::caller().await?;
    caller.require(Action::ViewPeople, "view people").await?;
    // Only the list's own parameters, in their order, without a page cursor.
    let href = PeopleQuery { after: String::new(), ..query }.href();
    let query = href.split_once('?').map(|(_, q)| q.to_string()).unwrap_or_default();
    let now = caller.state.clock.now();
    let view = portico_core::views::save(caller.state.db(), &caller.principal.sub, &name, &query, now)
        .await
        .map_err(view_error)?;
    Ok(row(view))
}

/// Deletes one of the caller's views.
#[server(prefix = "/api", endpoint = "people/views/delete")]
pub async fn delete_view(id: String) -> Result<(), PortalError> {
    let caller = crate::ssr::caller().await?;
    let deleted = caller.state.db.delete_view(&caller.principal.sub, &id).await.map_err(|e| view_error(e.into()))?;
    if !deleted {
        return Err(crate::ssr::fail(PortalError::not_found("saved view")));
    }
    Ok(())
}

#[cfg(feature = "ssr")]
fn row(v: portico_core::views::SavedView) -> SavedViewRow {
    let href = if v.query.is_empty() { "/people".to_string() } else { format!("/people?{}", v.query) };
    SavedViewRow { id: v.id, name: v.name, href }
}

#[cfg(feature = "ssr")]
fn view_error(e: portico_core::views::ViewError) -> PortalError {
    use portico_core::views::ViewError;
    crate::ssr::fail(match e {
        ViewError::Db(e) => {
            tracing::error!(error = %e, "saved views");
            PortalError::internal()
        }
        other => PortalError::bad_request(other.to_string()),
    })
}
