use crate::{
    command::{Command, finished, live, send},
    groups::{
        GroupRow, GroupView,
        server::{get_group, group_members, search_groups},
    },
    jobs::{BulkBar, Pick, SelectAll, server::choices_for_selection},
    layout::{Loaded, Placeholder},
    people::{PeopleQuery, PersonRow, server::search_people},
    ui::{ActionButton, Confirm, KindBadge, Press, StatusBadge},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

/// A group: what it is, whether it can be changed here (and why not), its members.
#[component]
pub fn GroupPage() -> impl IntoView {
    let params = use_params_map();
    let group = Resource::new(move || params.get().get("id").unwrap_or_default(), get_group);
    view! {
        <Loaded resource=group let:g>
            {view! { <GroupDetail view=g /> }.into_any()}
        </Loaded>
    }
}

#[component]
fn GroupDetail(view: GroupView) -> impl IntoView {
    let g = view.group.clone();
    let query = use_query_map();
    let after = query.get_untracked().get("after").unwrap_or_default();
    let gid = g.id.clone();
    let members = Resource::new(|| (), move |_| group_members(gid.clone(), after.clone()));
    let choices = Resource::new(|| (), |_| choices_for_selection());
    let can_members = view.can_manage_members;
    let gid = g.id.clone();
    let delete = Press::Confirm(
        Command::DeleteGroup { id: g.id.clone() },
        Confirm {
            title: format!("Delete {}?", g.name),
            message: "The group goes away; its members stay in Okta and keep their other groups. Apps assigned through this group are unassigned.".into(),
            confirm_label: "Delete".into(),
            danger: true,
            type_back: None,
        },
    );
    view! {
        <Title text=g.name.clone() />
        <section class="card person-head">
            <div class="who-line">
                <h1 data-testid="group-name">{g.name.clone()}</h1>
                <KindBadge kind=g.kind.clone() />
            </div>
            <p class="muted">{g.description.clone().unwrap_or_default()}</p>
            <p class="muted small" data-testid="group-count">{g.users_count.map(|n| format!("{n} members")).unwrap_or_default()}</p>
            {g.read_only.clone().map(|r| view! { <p class="notice" data-testid="read-only">"Read-only: " {r}</p> })}
            {view.can_manage.then(|| view! {
                <details class="manage">
                    <summary>"Rename or delete"</summary>
                    <RenameGroup id=g.id.clone() name=g.name.clone() description=g.description.clone().unwrap_or_default() />
                    <ActionButton label="Delete group".into() class="button danger".into() aria_label=None op=None press=delete />
                </details>
            })}
        </section>
        {can_members.then(|| view! {
            <section class="card">
                <h2>"Add members"</h2>
                <AddMembers group_id=g.id.clone() />
            </section>
        })}
        <section class="card table-card">
            <div class="count-row">
                <h2>"Members"</h2>
                <a class="small" rel="external" data-testid="members-csv" href=format!("/groups/{}/members.csv", g.id)>
                    "Export all members as CSV"
                </a>
            </div>
            <Loaded resource=members placeholder=Placeholder::Line loading="Loading members…" let:page>
                {
                    let next = page.next.clone();
                    let from = view! { <input type="hidden" name="from_group" value=gid.clone() /> }.into_any();
                    view! {
                        // Ticked members and the action bar: a plain form that opens the preview.
                        <form method="post" action="/api/jobs/plan" data-testid="bulk-form">
                        <BulkBar choices all=None hidden=from />
                        <table class="data" data-testid="members">
                            <thead><tr><SelectAll /><th scope="col">"Name"</th><th scope="col">"Username"</th><th scope="col">"Status"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                            <tbody>
                                {page.rows.into_iter().enumerate().map(|(n, r)| {
                                    let remove = Press::Now(Command::Membership { group_id: gid.clone(), user_ids: vec![r.id.clone()], add: false });
                                    let remove_label = format!("Remove {}", r.name);
                                    view! {
                                        <tr>
                                            <Pick n id=r.id.clone() name=r.name.clone() />
                                            <td><A href=format!("/people/{}", r.id)>{r.name.clone()}</A></td>
                                            <td class="mono">{r.login}</td>
                                            <td><StatusBadge status=r.status /></td>
                                            <td class="right">{can_members.then(|| view! {
                                                <ActionButton label="Remove".into() class="button ghost small".into()
                                                    aria_label=Some(remove_label) op=None press=remove />
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        </form>
                        {next.map(|n| view! { <nav class="pager"><A href=format!("?after={}", crate::people::encode(&n)) attr:class="button ghost">"Next page →"</A></nav> })}
                    }.into_any()
                }
            </Loaded>
        </section>
    }
}

/// Renaming a group (and its description).
#[island]
fn RenameGroup(id: String, name: String, description: String) -> impl IntoView {
    let live = live();
    let busy = RwSignal::new(false);
    let new_name = RwSignal::new(name.clone());
    let new_desc = RwSignal::new(description.clone());
    view! {
        <form class="filter-row" on:submit=move |ev| {
            ev.prevent_default();
            send(Command::RenameGroup { id: id.clone(), name: new_name.get_untracked(), description: new_desc.get_untracked() }, busy, |_| {}, finished);
        }>
            <label class="grow">"Name"<input required type="text" value=name disabled=move || !live.get() on:input=move |ev| new_name.set(event_target_value(&ev)) /></label>
            <label class="grow">"Description"<input type="text" value=description disabled=move || !live.get() on:input=move |ev| new_desc.set(event_target_value(&ev)) /></label>
            <button type="submit" class="button" disabled=move || !live.get() || busy.get()>"Save"</button>
        </form>
    }
}

/// The people picker on a group's page: several people can be chosen, then added at once.
#[island]
fn AddMembers(group_id: String) -> impl IntoView {
    let busy = RwSignal::new(false);
    let add = Callback::new(move |user_ids: Vec<String>| {
        send(Command::Membership { group_id: group_id.clone(), user_ids, add: true }, busy, |_| {}, finished)
    });
    view! { <PeoplePicker on_add=add /> }
}

/// Search as you type for a picker: the latest answer for what is typed now (an older answer
/// that arrives late is dropped). Nothing is asked for below `min` characters.
fn type_ahead<T: Clone + Send + Sync + 'static, F>(
    min: usize,
    search: impl Fn(String) -> F + Copy + Send + Sync + 'static,
) -> (RwSignal<String>, RwSignal<Vec<T>>, Callback<String>)
where
    F: std::future::Future<Output = Vec<T>> + 'static,
{
    let text = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<T>::new());
    let asked = StoredValue::new(0u64);
    let on_text = Callback::new(move |t: String| {
        text.set(t.clone());
        asked.update_value(|n| *n += 1);
        let mine = asked.get_value();
        if t.trim().chars().count() < min {
            rows.set(Vec::new());
            return;
        }
        leptos::task::spawn_local(async move {
            let found = search(t).await;
            if asked.get_value() == mine {
                rows.set(found);
            }
        });
    });
    (text, rows, on_text)
}

/// Search-as-you-type people picker; several people can be chosen, then added at once.
#[component]
pub fn PeoplePicker(on_add: Callback<Vec<String>>) -> impl IntoView {
    let live = live();
    let chosen = RwSignal::new(Vec::<(String, String)>::new());
    let (text, results, on_text) = type_ahead(2, |q: String| async move {
        search_people(PeopleQuery { q, ..Default::default() }, Some(8)).await.map(|p| p.rows).unwrap_or_default()
    });
    view! {
        <div class="picker">
            <label class="stack">"Find people"
                <input type="search" placeholder="Type at least two letters of a name or email" data-testid="people-picker"
                    disabled=move || !live.get() prop:value=move || text.get() on:input=move |ev| on_text.run(event_target_value(&ev)) />
            </label>
            {move || {
                    let rows: Vec<PersonRow> = results.get();
                    view! {
                        <ul class="options" role="listbox" aria-label="Matching people">
                            {rows.into_iter().map(|r| {
                                let (id, name) = (r.id.clone(), r.name.clone());
                                let already = { let id = id.clone(); move || chosen.get().iter().any(|(c, _)| *c == id) };
                                view! {
                                    <li role="option">
                                        <button type="button" class="option" disabled=already on:click=move |_| chosen.update(|c| c.push((id.clone(), name.clone())))>
                                            {r.name.clone()} <span class="muted small">{r.login.clone()}</span>
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }
            }}
            <ul class="chips">
                {move || chosen.get().into_iter().map(|(id, name)| view! {
                    <li class="chip">{name.clone()}
                        <button type="button" class="chip-x" aria-label=format!("Don't add {name}") on:click=move |_| chosen.update(|c| c.retain(|(i, _)| *i != id))>"×"</button>
                    </li>
                }).collect_view()}
            </ul>
            <button type="button" class="button" data-testid="add-members" disabled=move || chosen.get().is_empty()
                on:click=move |_| { on_add.run(chosen.get_untracked().into_iter().map(|(id, _)| id).collect()); chosen.set(Vec::new()); on_text.run(String::new()); }>
                {move || match chosen.get().len() { 0 => "Add".to_string(), 1 => "Add 1 person".into(), n => format!("Add {n} people") }}
            </button>
        </div>
    }
}

/// Group type-ahead for adding a person to a group (OKTA_GROUPs only).
#[component]
pub fn GroupPicker(on_pick: Callback<(String, String)>) -> impl IntoView {
    let live = live();
    let (text, results, on_text) =
        type_ahead(
            1,
            |q: String| async move { search_groups(q, String::new()).await.map(|p| p.rows).unwrap_or_default() },
        );
    view! {
        <div class="picker">
            <label class="stack">"Add to a group"
                <input type="search" placeholder="Type a group name" data-testid="group-picker" prop:value=move || text.get()
                    disabled=move || !live.get() on:input=move |ev| on_text.run(event_target_value(&ev)) />
            </label>
            {move || {
                    let rows: Vec<GroupRow> = results.get();
                    view! {
                        <ul class="options" role="listbox" aria-label="Matching groups">
                            {rows.into_iter().filter(|g| g.read_only.is_none()).take(8).map(|g| {
                                let (id, name) = (g.id.clone(), g.name.clone());
                                view! { <li role="option"><button type="button" class="option" on:click=move |_| { on_pick.run((id.clone(), name.clone())); on_text.run(String::new()); }>{g.name.clone()}</button></li> }
                            }).collect_view()}
                        </ul>
                    }
            }}
        </div>
    }
}
