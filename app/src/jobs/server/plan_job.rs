use crate::{error::PortalError, people::PeopleQuery};
use leptos::prelude::*;

/// Plans `verb` (a lifecycle operation, `group_add`/`group_remove` with `group`, or
/// `asa_enable`/`asa_disable`) over the people selected by `ids`, or, with `all`, everyone the
/// list's `query` matches (a manager without a role that views people: their own people). The
/// preview is kept as a draft job; a plain form comes to its page. Each selected person must be
/// one the caller may see (a refusal is audited and nothing is planned).
#[server(prefix = "/api", endpoint = "jobs/plan")]
pub async fn plan_job(
    verb: String,
    group: Option<String>,
    all: Option<String>,
    query: Option<PeopleQuery>,
    ids: Option<Vec<String>>,
    from_group: Option<String>,
) -> Result<String, PortalError> {
    use futures_util::{StreamExt, TryStreamExt};
    use portico_core::{authz::Action, jobs::BulkAction};
    let caller = crate::ssr::caller().await?;
    let okta = &caller.state.okta;
    let max = caller.state.config.jobs.max_items as usize;
    let group = match group.filter(|g| !g.is_empty()) {
        Some(id) => Some(okta.get_group(&id).await.map(|g| (g.id, g.name))?),
        None => None,
    };
    let action = BulkAction::parse(&verb, group).ok_or_else(|| {
        crate::ssr::fail(PortalError::bad_request("Choose an action (and, for a group action, the group)."))
    })?;
    let (people, source) = if all.is_some_and(|a| !a.is_empty()) {
        everyone_matching(&caller, &query.unwrap_or_default(), max).await?
    } else {
        let mut ids = ids.unwrap_or_default();
        ids.sort();
        ids.dedup();
        if ids.len() > max {
            return Err(crate::ssr::fail(PortalError::bad_request(format!("One job holds at most {max} people."))));
        }
        let people: Vec<portico_core::okta::User> = futures_util::stream::iter(ids)
            .map(|id: String| async move { okta.get_user(&id).await })
            .buffered(8)
            .try_collect()
            .await?;
        for user in &people {
            caller.require_person(user).await?;
        }
        let source = match from_group.filter(|g| !g.is_empty()) {
            Some(id) => {
                format!("a selection of the members of {}", okta.get_group(&id).await.map(|g| g.name).unwrap_or(id))
            }
            None if caller.can(Action::ViewPeople) => "a selection on the people list".to_string(),
            None => "a selection of their people".to_string(),
        };
        (people, source)
    };
    let job = portico_core::jobs::plan::draft(&caller, action, people, &source).await?;
    leptos_axum::redirect(&format!("/jobs/{}", job.id));
    Ok(job.id)
}

/// Everyone the list's filter matches, every page (at most `max` + 1, so too many is told).
#[cfg(feature = "ssr")]
async fn everyone_matching(
    caller: &portico_core::actor::Actor,
    query: &PeopleQuery,
    max: usize,
) -> Result<(Vec<portico_core::okta::User>, String), PortalError> {
    use portico_core::authz::Action;
    if !caller.can(Action::ViewPeople) {
        if caller.manages_anyone().await? {
            let people = caller.people().await?.into_iter().map(|(u, _)| u).collect();
            return Ok((people, "all of their people".into()));
        }
        caller.require(Action::ViewPeople, "act on people").await?;
    }
    let (search, sort) = crate::people::server::search_of(query)?;
    let mut people = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = caller.state.okta.search_users(search.as_deref(), sort, after.as_deref(), 200).await?;
        people.extend(page.items);
        match page.next {
            Some(n) if people.len() <= max => after = Some(n),
            _ => break,
        }
    }
    Ok((people, format!("people matching {}", search.as_deref().unwrap_or("everyone"))))
}
