//! The ASA team's groups.

use super::{AsaNav, RoleChips};
use crate::{
    asa::server::asa_groups,
    command::{Command, finished, live, send},
    layout::Loaded,
    people::encode,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// ASA groups with their roles; create (admins).
#[component]
pub fn AsaGroupsPage() -> impl IntoView {
    let groups = Resource::new(|| (), |_| asa_groups(String::new()));
    let me = crate::me::use_me().0;
    let is_admin = move || me.get().and_then(|r| r.ok()).is_some_and(|m| m.roles.iter().any(|r| r.key == "admin"));
    view! {
        <Title text="ASA groups" />
        <div class="page-head"><h1>"Server access (ASA)"</h1></div>
        <AsaNav />
        <Transition fallback=|| ()>
            <Show when=is_admin>
                <NewAsaGroup />
            </Show>
        </Transition>
        <Loaded resource=groups let:list>
            {view! {
                        <div class="card table-card">
                            <table class="data">
                                <thead><tr><th scope="col">"Group"</th><th scope="col">"Roles"</th><th scope="col">"Managed"</th></tr></thead>
                                <tbody>
                                    {list.into_iter().map(|g| view! {
                                        <tr>
                                            <td><A href=format!("/asa/groups/{}", encode(&g.name))>{g.name.clone()}</A></td>
                                            <td><RoleChips roles=g.roles /></td>
                                            <td class="muted">{if g.read_only.is_some() { "From Okta" } else { "In ASA" }}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any()}
        </Loaded>
    }
}

/// Creating an ASA group (admins): on success, its page.
#[island]
fn NewAsaGroup() -> impl IntoView {
    let live = live();
    let busy = RwSignal::new(false);
    let name = RwSignal::new(String::new());
    view! {
        <details class="card new-group">
            <summary>"New ASA group"</summary>
            <form class="filter-row" on:submit=move |ev| {
                ev.prevent_default();
                send(Command::SaveAsaGroup { name: name.get_untracked(), roles: vec!["access_user".into()], create: true }, busy, |_| {}, finished);
            }>
                <label class="grow">"Name"<input required type="text" disabled=move || !live.get() on:input=move |ev| name.set(event_target_value(&ev)) /></label>
                <button type="submit" class="button" disabled=move || !live.get() || busy.get()>"Create"</button>
            </form>
        </details>
    }
}
