use crate::{
    command::{Command, finished, live, send},
    groups::server::search_groups,
    layout::Loaded,
    me::use_me,
    ui::KindBadge,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

/// All groups, searchable by name, with type badges and member counts.
#[component]
pub fn GroupsPage() -> impl IntoView {
    let params = use_query_map();
    let q = Memo::new(move |_| params.get().get("q").unwrap_or_default());
    let after = Memo::new(move |_| params.get().get("after").unwrap_or_default());
    let groups = Resource::new(move || (q.get(), after.get()), |(q, a)| search_groups(q, a));
    let me = use_me().0;
    let is_admin = move || me.get().and_then(|r| r.ok()).is_some_and(|m| m.roles.iter().any(|r| r.key == "admin"));
    view! {
        <Title text="Groups" />
        <div class="page-head"><h1>"Groups"</h1></div>
        <form class="card filters" method="get" action="/groups" role="search" data-live="results">
            <div class="filter-row">
                <label class="grow">
                    <span class="sr-only">"Search groups"</span>
                    <input id="search" type="search" name="q" placeholder="Search groups by name  ( / )" autocomplete="off"
                        value=q.get_untracked() />
                </label>
                <button type="submit" class="button">"Search"</button>
            </div>
        </form>
        <Transition fallback=|| ()>
            <Show when=is_admin>
                <NewGroup />
            </Show>
        </Transition>
        <div id="results">
        <Loaded resource=groups loading="Loading groups…" let:list>
            {
                let next = list.next.clone();
                view! {
                    <div class="card table-card">
                        <p class="muted small count">{match list.rows.len() { 0 => "No groups match.".to_string(), 1 => "1 group".into(), n => format!("{n} groups") }}</p>
                        <table class="data">
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"Type"</th><th scope="col">"Members"</th><th scope="col">"Description"</th></tr></thead>
                            <tbody>
                                {list.rows.into_iter().map(|g| view! {
                                    <tr>
                                        <td><A href=format!("/groups/{}", g.id)>{g.name}</A></td>
                                        <td><KindBadge kind=g.kind /></td>
                                        <td class="num">{g.users_count.map(|n| n.to_string()).unwrap_or_default()}</td>
                                        <td class="muted">{g.description.unwrap_or_default()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        {next.map(|n| view! {
                            <nav class="pager"><A href=move || format!("/groups?q={}&after={}", crate::people::encode(&q.get()), crate::people::encode(&n)) attr:class="button ghost">"Next page →"</A></nav>
                        })}
                    </div>
                }.into_any()
            }
        </Loaded>
        </div>
    }
}

/// Creating a group (admins): on success, its page.
#[island]
fn NewGroup() -> impl IntoView {
    let live = live();
    let busy = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    view! {
        <details class="card new-group">
            <summary>"New group"</summary>
            <form class="filter-row" on:submit=move |ev| {
                ev.prevent_default();
                send(Command::CreateGroup { name: name.get_untracked(), description: description.get_untracked() }, busy, |_| {}, finished);
            }>
                <label class="grow">"Name"<input required type="text" disabled=move || !live.get() on:input=move |ev| name.set(event_target_value(&ev)) /></label>
                <label class="grow">"Description"<input type="text" disabled=move || !live.get() on:input=move |ev| description.set(event_target_value(&ev)) /></label>
                <button type="submit" class="button" disabled=move || !live.get() || busy.get()>"Create"</button>
            </form>
        </details>
    }
}
