//! The ASA pages, one file each, and the small pieces they share.

mod drift;
mod group;
mod groups;
mod person_card;
mod user;
mod users;

pub use drift::DriftPage;
pub use group::AsaGroupPage;
pub use groups::AsaGroupsPage;
pub use person_card::PersonAsaCard;
pub use user::AsaUserPage;
pub use users::AsaUsersPage;

use crate::asa::ROLES;
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub(super) fn AsaStatus(status: String) -> impl IntoView {
    let class = match status.as_str() {
        "ACTIVE" => "badge status-active",
        "DISABLED" => "badge status-suspended",
        _ => "badge status-deprovisioned",
    };
    let label = match status.as_str() {
        "ACTIVE" => "Active",
        "DISABLED" => "Disabled",
        "DELETED" => "Deleted",
        _ => "Unknown",
    };
    view! { <span class=class>{label}</span> }
}

#[component]
pub(super) fn RoleChips(roles: Vec<String>) -> impl IntoView {
    view! {
        <ul class="chips inline-chips">
            {roles.into_iter().map(|r| {
                let label = ROLES.iter().find(|(k, _)| *k == r).map(|(_, l)| l.to_string()).unwrap_or(r.clone());
                view! { <li class=format!("chip asa-role-{}", r.replace('_', "-"))>{label}</li> }
            }).collect_view()}
        </ul>
    }
}

#[component]
pub(super) fn AsaNav() -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Server access">
            <A href="/asa" exact=true>"People"</A>
            <A href="/asa/groups">"Groups"</A>
            <A href="/asa/drift">"Drift with Okta"</A>
        </nav>
    }
}
