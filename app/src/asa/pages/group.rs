//! One ASA group: its roles and members (read-only when Okta pushes it).

use super::{AsaNav, AsaStatus, RoleChips};
use crate::{
    approvals::{Ask, RequestDialog},
    asa::{AsaUserRow, ROLES, server::asa_group},
    command::{Command, finished, live, send},
    layout::Loaded,
    people::{Mode, Permit, encode},
    ui::{ActionButton, Confirm, Press},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

/// An ASA group: roles (edit), members (add/remove), delete.
#[component]
pub fn AsaGroupPage() -> impl IntoView {
    let params = use_params_map();
    let group = Resource::new(move || params.get().get("name").unwrap_or_default(), asa_group);
    view! {
        <AsaNav />
        <Loaded resource=group let:v>
            {
                let g = v.group.clone();
                let permit = v.permit.clone();
                let request = permit.mode == Mode::Request;
                let members_editable = permit.mode != Mode::None && g.read_only.is_none();
                let gname = g.name.clone();
                let delete = Press::Confirm(
                    Command::DeleteAsaGroup { name: gname.clone() },
                    Confirm {
                        title: format!("Delete {gname}?"),
                        message: "The group leaves the ASA team and every project it was assigned to; its members lose the access it gave.".into(),
                        confirm_label: "Delete".into(),
                        danger: true,
                        type_back: None,
                    },
                );
                view! {
                    <Title text=gname.clone() />
                    <section class="card person-head">
                        <div class="who-line"><h1 data-testid="asa-group-name">{gname.clone()}</h1><RoleChips roles=g.roles.clone() /></div>
                        {g.read_only.clone().map(|r| view! { <p class="notice" data-testid="read-only">{r}</p> })}
                        {v.can_manage.then(|| view! {
                            <AsaRoles name=gname.clone() roles=g.roles.clone() />
                            <ActionButton label="Delete group".into() class="button danger".into() aria_label=None op=None press=delete />
                        })}
                    </section>
                    <section class="card table-card">
                        <h2>"Members"</h2>
                        {members_editable.then(|| view! { <AddAsaMember group=gname.clone() permit=permit.clone() /> })}
                        <table class="data" data-testid="asa-members">
                            <thead><tr><th scope="col">"User name"</th><th scope="col">"Status"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                            <tbody>
                                {v.members.into_iter().map(|u: AsaUserRow| {
                                    let press = asa_membership(&gname, &u.name, false, &permit);
                                    let remove_label = format!("Remove {}", u.name);
                                    view! {
                                        <tr>
                                            <td><A href=format!("/asa/users/{}", encode(&u.name))>{u.name.clone()}</A></td>
                                            <td><AsaStatus status=u.status.clone() /></td>
                                            <td class="right">{members_editable.then(|| view! {
                                                <ActionButton label=(if request { "Request removal" } else { "Remove" }).into() class="button ghost small".into()
                                                    aria_label=Some(remove_label) op=None press />
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </section>
                }.into_any()
            }
        </Loaded>
    }
}

/// Adding `user` to (or removing them from) `group`: at once, or as a request.
fn asa_membership(group: &str, user: &str, add: bool, permit: &Permit) -> Press {
    let user = user.trim();
    permit.press(Press::Now(Command::AsaMembership { group: group.into(), user: user.into(), add }), || {
        let (title, effect) = if add {
            (format!("Request: add {user} to {group}"), format!("{user} gains the server access {group} grants."))
        } else {
            (format!("Request: remove {user} from {group}"), format!("{user} loses the server access {group} grants."))
        };
        Ask {
            target: user.into(),
            title,
            effect,
            group: Some(group.into()),
            add: Some(add),
            ..Ask::empty(portico_vocab::PolicyAction::AsaGroup)
        }
    })
}

/// The group's roles as checkboxes; a failed save keeps them as edited.
#[island]
fn AsaRoles(name: String, roles: Vec<String>) -> impl IntoView {
    let live = live();
    let busy = RwSignal::new(false);
    let chosen = RwSignal::new(roles.clone());
    view! {
        <form class="filter-row" data-testid="roles-form" on:submit=move |ev| {
            ev.prevent_default();
            send(Command::SaveAsaGroup { name: name.clone(), roles: chosen.get_untracked(), create: false }, busy, |_| {}, finished);
        }>
            {ROLES.iter().map(|(key, label)| {
                let key = key.to_string();
                let on = roles.contains(&key);
                let k2 = key.clone();
                view! {
                    <label class="check"><input type="checkbox" checked=on disabled=move || !live.get()
                        prop:checked=move || chosen.get().contains(&key)
                        on:change=move |ev| { let on = event_target_checked(&ev); chosen.update(|r| { r.retain(|x| *x != k2); if on { r.push(k2.clone()); } }); } />" " {*label}</label>
                }
            }).collect_view()}
            <button type="submit" class="button" disabled=move || !live.get() || busy.get()>"Save roles"</button>
        </form>
    }
}

/// Adding a member by ASA user name, at once or as a request.
#[island]
fn AddAsaMember(group: String, permit: Permit) -> impl IntoView {
    let live = live();
    let busy = RwSignal::new(false);
    let ask = RwSignal::new(None::<Ask>);
    let user = RwSignal::new(String::new());
    let request = permit.mode == Mode::Request;
    view! {
        <RequestDialog ask />
        <form class="filter-row pad" on:submit=move |ev| {
            ev.prevent_default();
            match asa_membership(&group, &user.get_untracked(), true, &permit) {
                Press::Ask(a) => ask.set(Some(a)),
                Press::Now(command) | Press::Confirm(command, _) => send(command, busy, |_| {}, finished),
            }
        }>
            <label class="grow"><span class="sr-only">"ASA user name"</span><input type="text" placeholder="ASA user name, e.g. Sam.Sales"
                disabled=move || !live.get() on:input=move |ev| user.set(event_target_value(&ev)) /></label>
            <button type="submit" class="button" disabled=move || !live.get() || busy.get()>{if request { "Request: add member" } else { "Add member" }}</button>
        </form>
    }
}
