use crate::{
    jobs::{BulkBar, Pick, SelectAll, server::choices_for_selection},
    layout::Loaded,
    people::{
        PeopleQuery,
        server::{saved_views, search_people},
    },
    ui::{StatusBadge, When},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

/// The people list: one search box (as you type), structured filters, sortable columns and
/// cursor paging, all in the URL. Rendered on the server: a plain GET form. In the browser the
/// form is `data-live` (frontend's `live_forms`): typing and choosing refresh the results in place.
#[component]
pub fn PeoplePage() -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| {
        let p = params.get();
        PeopleQuery::from_pairs(|k| p.get(k))
    });
    let page = Resource::new(move || query.get(), |q| search_people(q, None));
    let views = Resource::new(|| (), |_| saved_views());
    let choices = Resource::new(|| (), |_| choices_for_selection());
    let me = crate::me::use_me().0;
    let is_admin = move || me.get().and_then(|r| r.ok()).is_some_and(|m| m.roles.iter().any(|r| r.key == "admin"));
    let show_more = move || {
        let q = query.get();
        !(q.title.is_empty()
            && q.manager.is_empty()
            && q.created_from.is_empty()
            && q.created_to.is_empty()
            && q.updated_from.is_empty()
            && q.updated_to.is_empty())
    };
    let header = move |col: &'static str, label: &'static str| {
        view! {
            <th scope="col" aria-sort=move || {
                let q = query.get();
                if q.sort == col { if q.order == "desc" { "descending" } else { "ascending" } } else { "none" }
            }>
                <A href=move || query.get().sorted_by(col).href() attr:class="sort">
                    {label}
                    <span class="arrow" aria-hidden="true">{move || {
                        let q = query.get();
                        if q.sort != col { "" } else if q.order == "desc" { " ▼" } else { " ▲" }
                    }}</span>
                </A>
            </th>
        }
    };

    view! {
        <Title text="People" />
        <div class="page-head">
            <h1>"People"</h1>
            <Transition fallback=|| ()>
                <Show when=is_admin>
                    <A href="/people/new" attr:class="button">"New person"</A>
                </Show>
            </Transition>
        </div>
        <form class="card filters" method="get" action="/people" role="search" data-live="results">
            <div class="filter-row">
                <label class="grow">
                    <span class="sr-only">"Search people"</span>
                    <input id="search" type="search" name="q" placeholder="Search by name, email or username  ( / )"
                        autocomplete="off" value=query.get_untracked().q />
                </label>
                <label>
                    <span class="sr-only">"Status"</span>
                    <select name="status">
                        <option value="" selected=move || query.get().status.is_empty()>"Any status"</option>
                        {portico_vocab::UserStatus::KNOWN.into_iter().map(|s| {
                            let v = s.as_str().to_string();
                            let selected = v.clone();
                            view! { <option value=v selected=move || query.get().status == selected>{s.label().to_string()}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    <span class="sr-only">"Department"</span>
                    <input type="text" name="department" placeholder="Department" value=move || query.get().department />
                </label>
                <button type="submit" class="button">"Search"</button>
            </div>
            <details class="more" open=show_more>
                <summary>"More filters"</summary>
                <div class="filter-grid">
                    <label>"Title"<input type="text" name="title" value=move || query.get().title /></label>
                    <label>"Manager (Okta user id)"<input type="text" name="manager" value=move || query.get().manager /></label>
                    <label>"Created from"<input type="date" name="created_from" value=move || query.get().created_from /></label>
                    <label>"Created before"<input type="date" name="created_to" value=move || query.get().created_to /></label>
                    <label>"Updated from"<input type="date" name="updated_from" value=move || query.get().updated_from /></label>
                    <label>"Updated before"<input type="date" name="updated_to" value=move || query.get().updated_to /></label>
                </div>
            </details>
            <input type="hidden" name="sort" value=move || query.get().sort />
            <input type="hidden" name="order" value=move || query.get().order />
            <Show when=move || query.get().has_filters()>
                <A href="/people" attr:class="clear">"Clear filters"</A>
            </Show>
        </form>
        <div id="results">
        <SavedViews views=views query=query.get_untracked() />
        <Loaded resource=page loading="Loading people…" let:p>
            {
                let count = p.rows.len();
                let next = p.next.clone();
                let paged = !query.get_untracked().after.is_empty();
                let filter = query.get_untracked();
                let hidden = hidden_filter(&filter);
                let all = (count > 0).then(|| if next.is_some() || paged { "all matching".to_string() } else { format!("all {count} matching") });
                view! {
                    // The rows' boxes and the action bar: a plain form that opens the preview.
                    <form method="post" action="/api/jobs/plan" class="card table-card" data-testid="bulk-form">
                        <div class="count-row">
                            <p class="muted small count" data-testid="people-count">
                                {match (count, next.is_some() || paged) {
                                    (0, _) => "No people match.".to_string(),
                                    (1, false) => "1 person".to_string(),
                                    (n, false) => format!("{n} people"),
                                    (n, true) => format!("Showing {n} people on this page"),
                                }}
                            </p>
                            // Inside the results, so the live search keeps it in step with the filter.
                            <a class="small" rel="external" data-testid="people-csv" href=query.get_untracked().export_href()>
                                "Export all matching as CSV"
                            </a>
                        </div>
                        <BulkBar choices all hidden=hidden />
                        <table class="data">
                            <thead><tr>
                                <SelectAll />
                                {header("name", "Name")}
                                {header("login", "Username")}
                                {header("status", "Status")}
                                {header("department", "Department")}
                                {header("title", "Title")}
                                {header("lastLogin", "Last sign-in")}
                            </tr></thead>
                            <tbody>
                                {p.rows.into_iter().enumerate().map(|(n, r)| view! {
                                    <tr>
                                        <Pick n id=r.id.clone() name=r.name.clone() />
                                        <td><A href=format!("/people/{}", r.id)>{r.name}</A></td>
                                        <td class="mono">{r.login}</td>
                                        <td><StatusBadge status=r.status /></td>
                                        <td>{r.department}</td>
                                        <td>{r.title}</td>
                                        <td class="muted"><When at=r.last_login.clone() /></td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        <Show when={let more = next.is_some(); move || paged || more}>
                            <nav class="pager" aria-label="Pages">
                                <Show when=move || paged>
                                    <A href=move || query.get().with_after("").href()>"← First page"</A>
                                </Show>
                                {next.clone().map(|n| view! {
                                    <A href=move || query.get().with_after(&n).href() attr:class="button ghost">"Next page →"</A>
                                })}
                            </nav>
                        </Show>
                    </form>
                }
                .into_any()
            }
        </Loaded>
        </div>
    }
}

/// The list's filter as hidden `query[…]` fields, so a form can carry it (without the cursor).
fn hidden_filter(query: &PeopleQuery) -> AnyView {
    PeopleQuery::KEYS
        .iter()
        .zip(query.fields())
        .filter(|(k, _)| **k != "after")
        .map(|(k, v)| view! { <input type="hidden" name=format!("query[{k}]") value=v.to_string() /> })
        .collect_view()
        .into_any()
}

/// The caller's saved views (each a link, with a delete button) and a form that keeps the filter
/// shown as a new one. Plain forms posting to the server functions, which come back to the list:
/// no WASM. Inside the results, so the live search keeps the form's filter in step.
#[component]
fn SavedViews(
    views: Resource<Result<Vec<crate::people::SavedViewRow>, crate::error::PortalError>>,
    query: PeopleQuery,
) -> impl IntoView {
    let hidden = hidden_filter(&query);
    view! {
        <section class="saved-views" aria-label="Saved views">
            <Transition fallback=|| ()>
                {move || views.get().and_then(|r| r.ok()).map(|list| view! {
                    <ul class="chips" data-testid="saved-views">
                        {list.into_iter().map(|v| {
                            let label = format!("Delete the view {}", v.name);
                            view! {
                                <li class="chip">
                                    <a href=v.href rel="external">{v.name}</a>
                                    <form method="post" action="/api/people/views/delete">
                                        <input type="hidden" name="id" value=v.id />
                                        <button type="submit" class="chip-x" aria-label=label title="Delete">"×"</button>
                                    </form>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })}
            </Transition>
            <form method="post" action="/api/people/views/save" class="save-view" data-testid="save-view">
                {hidden}
                <label>
                    <span class="sr-only">"Name for this view"</span>
                    <input type="text" name="name" placeholder="Name this view" required maxlength="80" />
                </label>
                <button type="submit" class="button ghost">"Save view"</button>
            </form>
        </section>
    }
}
