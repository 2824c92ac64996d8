//! One ASA user: status changes (direct or requested) and their groups.

use super::{AsaNav, AsaStatus, RoleChips};
use crate::{
    approvals::Ask,
    asa::server::asa_user,
    command::Command,
    layout::Loaded,
    people::encode,
    ui::{ActionButton, Confirm, Press},
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
    let user = Resource::new(move || name.get(), asa_user);
    view! {
        <AsaNav />
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
                                let now = Press::Confirm(
                                    Command::AsaStatus { name: name.clone(), status: to.to_string() },
                                    Confirm {
                                        title: format!("{label_s} {name}?"),
                                        message: status_effect(&name, to),
                                        confirm_label: label_s.clone(),
                                        danger,
                                        type_back: None,
                                    },
                                );
                                let press = permit.press(now, || Ask {
                                    target: name.clone(),
                                    title: format!("Request: {label_s} {name}"),
                                    effect: status_effect(&name, to),
                                    status: Some(to.to_string()),
                                    ..Ask::empty(portico_vocab::PolicyAction::AsaStatus)
                                });
                                let label = if request { format!("Request: {label}") } else { label.to_string() };
                                view! { <ActionButton label class=class.into() aria_label=None op=None press /> }
                            }).collect_view()}
                        </div>
                    </section>
                    <section class="card">
                        <h2>"Groups"</h2>
                        <ul class="rows">
                            {v.groups.into_iter().map(|g| view! { <li><A href=format!("/asa/groups/{}", encode(&g.name))>{g.name.clone()}</A><RoleChips roles=g.roles /></li> }).collect_view()}
                        </ul>
                    </section>
                }.into_any()
            }
        </Loaded>
    }
}
