//! One ASA group: its roles and members (read-only when Okta pushes it).

use super::{AsaNav, AsaStatus, RoleChips};
use crate::{
    approvals::server::RequestAction,
    asa::{
        AsaUserRow, ROLES,
        server::{AsaMembership, DeleteAsaGroup, SaveAsaGroup, asa_group},
    },
    layout::Loaded,
    people::encode,
    ui::{on_result, successes, use_toasts},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map},
};

/// An ASA group: roles (edit), members (add/remove), delete.
#[component]
pub fn AsaGroupPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.get().get("name").unwrap_or_default());
    let save = ServerAction::<SaveAsaGroup>::new();
    let member = ServerAction::<AsaMembership>::new();
    let delete = ServerAction::<DeleteAsaGroup>::new();
    let send = ServerAction::<RequestAction>::new();
    // A failed save keeps the roles as edited, and a failed request keeps its dialog.
    let (saved, sent) = (successes(save.value()), successes(send.value()));
    let group =
        Resource::new(move || (name.get(), saved.get() + member.version().get() + sent.get()), |(n, _)| asa_group(n));
    let toasts = use_toasts();
    let navigate = use_navigate();
    for value in [save.value(), member.value()] {
        on_result(value, move |msg| toasts.show(msg, true));
    }
    on_result(delete.value(), move |msg| {
        toasts.show(msg, true);
        navigate("/asa/groups", Default::default());
    });
    let new_member = RwSignal::new(String::new());
    let confirm_delete = RwSignal::new(false);
    let ask = RwSignal::new(None::<crate::approvals::Ask>);
    view! {
        <AsaNav />
        <crate::approvals::RequestDialog ask send />
        <Loaded resource=group let:v>
            {
                let g = v.group.clone();
                let roles = RwSignal::new(g.roles.clone());
                let editable = v.can_manage;
                let permit = v.permit.clone();
                let request = permit.mode == crate::people::Mode::Request;
                let members_editable = permit.mode != crate::people::Mode::None && g.read_only.is_none();
                let gname = g.name.clone();
                // A membership change: at once, or as a request.
                let change = {
                    let (gname, permit) = (gname.clone(), permit.clone());
                    Callback::new(move |(user, add): (String, bool)| {
                        if request {
                            ask.set(Some(crate::approvals::Ask {
                                target: user.trim().to_string(),
                                title: if add { format!("Request: add {} to {gname}", user.trim()) } else { format!("Request: remove {user} from {gname}") },
                                effect: if add { format!("{} gains the server access {gname} grants.", user.trim()) } else { format!("{user} loses the server access {gname} grants.") },
                                approvers: permit.approvers.clone(),
                                reason_required: permit.reason_required,
                                group: Some(gname.clone()),
                                add: Some(add),
                                ..crate::approvals::Ask::empty(portico_vocab::PolicyAction::AsaGroup)
                            }));
                        } else {
                            member.dispatch(AsaMembership { group: gname.clone(), user, add });
                        }
                    })
                };
                let (save_name, del_name) = (gname.clone(), gname.clone());
                view! {
                    <Title text=gname.clone() />
                    <section class="card person-head">
                        <div class="who-line"><h1 data-testid="asa-group-name">{gname.clone()}</h1><RoleChips roles=g.roles.clone() /></div>
                        {g.read_only.clone().map(|r| view! { <p class="notice" data-testid="read-only">{r}</p> })}
                        <Show when=move || editable>
                            <form class="filter-row" data-testid="roles-form" on:submit={
                                let save_name = save_name.clone();
                                move |ev| { ev.prevent_default(); save.dispatch(SaveAsaGroup { name: save_name.clone(), roles: roles.get_untracked(), create: false }); }
                            }>
                                {ROLES.iter().map(|(key, label)| {
                                    let key = key.to_string();
                                    let k2 = key.clone();
                                    view! {
                                        <label class="check"><input type="checkbox" prop:checked=move || roles.get().contains(&key)
                                            on:change=move |ev| { let on = event_target_checked(&ev); roles.update(|r| { r.retain(|x| *x != k2); if on { r.push(k2.clone()); } }); } />" " {*label}</label>
                                    }
                                }).collect_view()}
                                <button type="submit" class="button">"Save roles"</button>
                                <button type="button" class="button danger" on:click=move |_| confirm_delete.set(true)>"Delete group"</button>
                            </form>
                        </Show>
                    </section>
                    <Show when=move || confirm_delete.get()>
                        <crate::ui::ConfirmDialog
                            title=format!("Delete {del_name}?")
                            message="The group leaves the ASA team and every project it was assigned to; its members lose the access it gave.".to_string()
                            confirm_label="Delete".to_string()
                            danger=true
                            busy=delete.pending()
                            on_confirm={
                                let del_name = del_name.clone();
                                move |_| { delete.dispatch(DeleteAsaGroup { name: del_name.clone() }); }
                            }
                            on_cancel=move |_| confirm_delete.set(false)
                        />
                    </Show>
                    <section class="card table-card">
                        <h2>"Members"</h2>
                        <Show when=move || members_editable>
                            <form class="filter-row pad" on:submit=move |ev| { ev.prevent_default(); change.run((new_member.get_untracked(), true)); }>
                                <label class="grow"><span class="sr-only">"ASA user name"</span><input type="text" placeholder="ASA user name, e.g. Sam.Sales" on:input=move |ev| new_member.set(event_target_value(&ev)) /></label>
                                <button type="submit" class="button">{if request { "Request: add member" } else { "Add member" }}</button>
                            </form>
                        </Show>
                        <table class="data" data-testid="asa-members">
                            <thead><tr><th scope="col">"User name"</th><th scope="col">"Status"</th><th></th></tr></thead>
                            <tbody>
                                {v.members.into_iter().map(|u: AsaUserRow| {
                                    let un = u.name.clone();
                                    let remove_label = format!("Remove {}", u.name);
                                    view! {
                                        <tr>
                                            <td><A href=format!("/asa/users/{}", encode(&u.name))>{u.name.clone()}</A></td>
                                            <td><AsaStatus status=u.status.clone() /></td>
                                            <td class="right">{members_editable.then(|| view! {
                                                <button type="button" class="button ghost small" aria-label=remove_label.clone() on:click=move |_| change.run((un.clone(), false))>{if request { "Request removal" } else { "Remove" }}</button>
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
