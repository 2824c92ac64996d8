//! One ASA user: status changes (direct or requested) and their groups.

use super::{AsaNav, AsaStatus, RoleChips};
use crate::{
    approvals::server::RequestAction,
    asa::server::{SetAsaStatus, asa_user},
    layout::Loaded,
    people::encode,
    ui::{on_result, successes, use_toasts},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

/// What an ASA status change does to `name`, in words.
fn status_effect(name: &str, to: &str) -> String {
    match to {
        "DISABLED" => format!("{name} can no longer reach any server through ASA until enabled again."),
        "DELETED" => format!("{name} is deleted from the ASA team; the user name cannot be reused."),
        _ => format!("{name} can reach servers again, as their groups allow."),
    }
}

/// One ASA user: status, groups, and enable/disable/delete behind a confirmation.
#[component]
pub fn AsaUserPage() -> impl IntoView {
    let params = use_params_map();
    let name = Memo::new(move |_| params.get().get("name").unwrap_or_default());
    let set = ServerAction::<SetAsaStatus>::new();
    let send = ServerAction::<RequestAction>::new();
    let sent = successes(send.value());
    let user = Resource::new(move || (name.get(), set.version().get() + sent.get()), |(n, _)| asa_user(n));
    let toasts = use_toasts();
    let confirm = RwSignal::new(None::<(String, String)>);
    let ask = RwSignal::new(None::<crate::approvals::Ask>);
    on_result(set.value(), move |msg| {
        toasts.show(msg, true);
        confirm.set(None);
    });
    view! {
        <AsaNav />
        <crate::approvals::RequestDialog ask send />
        <Loaded resource=user let:v>
            {
                let u = v.user.clone();
                let permit = v.permit.clone();
                let request = permit.mode == crate::people::Mode::Request;
                let actions: Vec<(&str, &str)> = match (permit.mode != crate::people::Mode::None, u.status.as_str()) {
                    (false, _) => vec![],
                    (true, "ACTIVE") => vec![("DISABLED", "Disable"), ("DELETED", "Delete")],
                    (true, "DISABLED") => vec![("ACTIVE", "Enable"), ("DELETED", "Delete")],
                    (true, _) => vec![],
                };
                let asa_name = u.name.clone();
                view! {
                    <Title text=u.name.clone() />
                    <section class="card person-head">
                        <div class="who-line"><h1 data-testid="asa-name">{u.name.clone()}</h1><span data-testid="asa-status"><AsaStatus status=u.status.clone() /></span></div>
                        <p class="muted">{u.full_name.clone()} " · " {u.email.clone().unwrap_or_default()}</p>
                        <div class="actions">
                            {actions.into_iter().map(|(to, label)| {
                                let danger = to != "ACTIVE";
                                let label_s = label.to_string();
                                let (name, permit) = (asa_name.clone(), permit.clone());
                                let class = match (request, danger) {
                                    (true, _) => "button ghost request",
                                    (false, true) => "button danger",
                                    (false, false) => "button ghost",
                                };
                                view! {
                                    <button type="button" class=class data-mode=if request { "request" } else { "run" } on:click=move |_| {
                                        if request {
                                            ask.set(Some(crate::approvals::Ask {
                                                target: name.clone(),
                                                title: format!("Request: {label_s} {name}"),
                                                effect: status_effect(&name, to),
                                                approvers: permit.approvers.clone(),
                                                reason_required: permit.reason_required,
                                                status: Some(to.to_string()),
                                                ..crate::approvals::Ask::empty(portico_vocab::PolicyAction::AsaStatus)
                                            }));
                                        } else {
                                            confirm.set(Some((to.to_string(), label_s.clone())));
                                        }
                                    }>{if request { format!("Request: {label}") } else { label.to_string() }}</button>
                                }
                            }).collect_view()}
                        </div>
                    </section>
                    <section class="card">
                        <h2>"Groups"</h2>
                        <ul class="rows">
                            {v.groups.into_iter().map(|g| view! { <li><A href=format!("/asa/groups/{}", encode(&g.name))>{g.name.clone()}</A><RoleChips roles=g.roles /></li> }).collect_view()}
                        </ul>
                    </section>
                    {move || confirm.get().map(|(to, label)| {
                        let name = u.name.clone();
                        view! {
                            <crate::ui::ConfirmDialog
                                title=format!("{label} {name}?")
                                message=status_effect(&name, &to)
                                confirm_label=label.clone()
                                danger=to != "ACTIVE"
                                busy=set.pending()
                                on_confirm=move |_| { set.dispatch(SetAsaStatus { name: name.clone(), status: to.clone() }); }
                                on_cancel=move |_| confirm.set(None)
                            />
                        }
                    })}
                }.into_any()
            }
        </Loaded>
    }
}
