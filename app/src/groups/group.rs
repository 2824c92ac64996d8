use crate::{
    groups::{
        GroupView,
        server::{DeleteGroup, RenameGroup, get_group, group_members},
    },
    layout::{Loaded, Placeholder},
    people::server::{ChangeMembership, search_people},
    ui::{KindBadge, StatusBadge, use_toasts},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map, use_query_map},
};

/// A group: what it is, whether it can be changed here (and why not), its members.
#[component]
pub fn GroupPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.get().get("id").unwrap_or_default());
    // Made here, so the group (its member count, its name) reads again after each change.
    let change = ServerAction::<ChangeMembership>::new();
    let rename = ServerAction::<RenameGroup>::new();
    let renamed = crate::ui::successes(rename.value());
    let group = Resource::new(move || (id.get(), change.version().get() + renamed.get()), |(id, _)| get_group(id));
    view! {
        <Loaded resource=group let:g>
            {view! { <GroupDetail view=g change rename /> }.into_any()}
        </Loaded>
    }
}

#[component]
fn GroupDetail(
    view: GroupView,
    change: ServerAction<ChangeMembership>,
    rename: ServerAction<RenameGroup>,
) -> impl IntoView {
    let g = view.group.clone();
    let query = use_query_map();
    let after = Memo::new(move |_| query.get().get("after").unwrap_or_default());
    let gid = g.id.clone();
    let members =
        Resource::new(move || (after.get(), change.version().get()), move |(a, _)| group_members(gid.clone(), a));
    let toasts = use_toasts();
    crate::ui::on_result(change.value(), move |msg| toasts.show(msg, true));
    let can_members = view.can_manage_members;
    let gid_remove = g.id.clone();
    let gid_add = g.id.clone();
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
            <Show when=move || view.can_manage>
                <ManageGroup id=g.id.clone() name=g.name.clone() description=g.description.clone().unwrap_or_default() rename />
            </Show>
        </section>
        <Show when=move || can_members>
            <section class="card">
                <h2>"Add members"</h2>
                <PeoplePicker on_add={
                    let gid = gid_add.clone();
                    Callback::new(move |ids: Vec<String>| { change.dispatch(ChangeMembership { group_id: gid.clone(), user_ids: ids, add: true }); })
                } />
            </section>
        </Show>
        <section class="card table-card">
            <h2>"Members"</h2>
            <Loaded resource=members placeholder=Placeholder::Line loading="Loading members…" let:page>
                {
                    let gid = gid_remove.clone();
                    let next = page.next.clone();
                    view! {
                        <table class="data" data-testid="members">
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"Username"</th><th scope="col">"Status"</th><th></th></tr></thead>
                            <tbody>
                                {page.rows.into_iter().map(|r| {
                                    let (gid, uid, name) = (gid.clone(), r.id.clone(), r.name.clone());
                                    view! {
                                        <tr>
                                            <td><A href=format!("/people/{}", r.id)>{r.name.clone()}</A></td>
                                            <td class="mono">{r.login}</td>
                                            <td><StatusBadge status=r.status /></td>
                                            <td class="right">{can_members.then(|| view! {
                                                <button type="button" class="button ghost small" aria-label=format!("Remove {name}") on:click=move |_| {
                                                    change.dispatch(ChangeMembership { group_id: gid.clone(), user_ids: vec![uid.clone()], add: false });
                                                }>"Remove"</button>
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        {next.map(|n| view! { <nav class="pager"><A href=format!("?after={}", crate::people::encode(&n)) attr:class="button ghost">"Next page →"</A></nav> })}
                    }.into_any()
                }
            </Loaded>
        </section>
    }
}

#[component]
fn ManageGroup(id: String, name: String, description: String, rename: ServerAction<RenameGroup>) -> impl IntoView {
    let delete = ServerAction::<DeleteGroup>::new();
    let toasts = use_toasts();
    let navigate = use_navigate();
    let new_name = RwSignal::new(name.clone());
    let new_desc = RwSignal::new(description.clone());
    let confirm_delete = RwSignal::new(false);
    crate::ui::on_result(rename.value(), move |g| {
        toasts.show(format!("Saved {}.", g.name), true);
    });
    crate::ui::on_result(delete.value(), move |msg| {
        toasts.show(msg, true);
        navigate("/groups", Default::default());
    });
    let (rid, did) = (id.clone(), id.clone());
    view! {
        <details class="manage">
            <summary>"Rename or delete"</summary>
            <form class="filter-row" on:submit=move |ev| {
                ev.prevent_default();
                rename.dispatch(RenameGroup { id: rid.clone(), name: new_name.get_untracked(), description: new_desc.get_untracked() });
            }>
                <label class="grow">"Name"<input required type="text" prop:value=move || new_name.get() on:input=move |ev| new_name.set(event_target_value(&ev)) /></label>
                <label class="grow">"Description"<input type="text" prop:value=move || new_desc.get() on:input=move |ev| new_desc.set(event_target_value(&ev)) /></label>
                <button type="submit" class="button" disabled=move || rename.pending().get()>"Save"</button>
                <button type="button" class="button danger" on:click=move |_| confirm_delete.set(true)>"Delete group"</button>
            </form>
        </details>
        <Show when=move || confirm_delete.get()>
            <crate::ui::ConfirmDialog
                title=format!("Delete {name}?")
                message="The group goes away; its members stay in Okta and keep their other groups. Apps assigned through this group are unassigned.".to_string()
                confirm_label="Delete".to_string()
                danger=true
                busy=delete.pending()
                on_confirm={
                    let did = did.clone();
                    move |_| { delete.dispatch(DeleteGroup { id: did.clone() }); }
                }
                on_cancel=move |_| confirm_delete.set(false)
            />
        </Show>
    }
}

/// Search-as-you-type people picker; several people can be chosen, then added at once.
#[component]
pub fn PeoplePicker(on_add: Callback<Vec<String>>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<(String, String)>::new());
    let results = Resource::new(
        move || text.get(),
        |t| async move {
            if t.trim().len() < 2 {
                return Ok(crate::people::PeoplePage { rows: vec![], next: None });
            }
            search_people(crate::people::PeopleQuery { q: t, ..Default::default() }, Some(8)).await
        },
    );
    view! {
        <div class="picker">
            <label class="stack">"Find people"
                <input type="search" placeholder="Type at least two letters of a name or email" data-testid="people-picker"
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev)) />
            </label>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let rows = results.await.map(|p| p.rows).unwrap_or_default();
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
                })}
            </Transition>
            <ul class="chips">
                {move || chosen.get().into_iter().map(|(id, name)| view! {
                    <li class="chip">{name.clone()}
                        <button type="button" class="chip-x" aria-label=format!("Don't add {name}") on:click=move |_| chosen.update(|c| c.retain(|(i, _)| *i != id))>"×"</button>
                    </li>
                }).collect_view()}
            </ul>
            <button type="button" class="button" data-testid="add-members" disabled=move || chosen.get().is_empty()
                on:click=move |_| { on_add.run(chosen.get_untracked().into_iter().map(|(id, _)| id).collect()); chosen.set(Vec::new()); text.set(String::new()); }>
                {move || match chosen.get().len() { 0 => "Add".to_string(), 1 => "Add 1 person".into(), n => format!("Add {n} people") }}
            </button>
        </div>
    }
}

/// Group type-ahead for adding a person to a group (OKTA_GROUPs only).
#[component]
pub fn GroupPicker(on_pick: Callback<(String, String)>) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let results = Resource::new(
        move || text.get(),
        |t| async move {
            if t.trim().is_empty() {
                return Ok(crate::groups::GroupsList { rows: vec![], next: None });
            }
            crate::groups::server::search_groups(t, String::new()).await
        },
    );
    view! {
        <div class="picker">
            <label class="stack">"Add to a group"
                <input type="search" placeholder="Type a group name" data-testid="group-picker" prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev)) />
            </label>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let rows = results.await.map(|p| p.rows).unwrap_or_default();
                    view! {
                        <ul class="options" role="listbox" aria-label="Matching groups">
                            {rows.into_iter().filter(|g| g.read_only.is_none()).take(8).map(|g| {
                                let (id, name) = (g.id.clone(), g.name.clone());
                                view! { <li role="option"><button type="button" class="option" on:click=move |_| { on_pick.run((id.clone(), name.clone())); text.set(String::new()); }>{g.name.clone()}</button></li> }
                            }).collect_view()}
                        </ul>
                    }
                })}
            </Transition>
        </div>
    }
}
