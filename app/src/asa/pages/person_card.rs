//! The ASA account on an Okta person's page.

use super::AsaStatus;
use crate::{asa::server::asa_for_person, people::encode};
use leptos::prelude::*;
use leptos_router::components::A;

/// On an Okta person's page: their ASA account (matched by email) and its status.
#[component]
pub fn PersonAsaCard(email: String) -> impl IntoView {
    let account = Resource::new(|| (), move |_| asa_for_person(email.clone()));
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(Some(u)) => view! {
                        <p class="small" data-testid="person-asa">"Server access (ASA): "
                            <A href=format!("/asa/users/{}", encode(&u.name))>{u.name.clone()}</A>" " <AsaStatus status=u.status /></p>
                    }.into_any(),
                    Ok(None) => view! { <p class="small muted" data-testid="person-asa">"No server access (ASA) account."</p> }.into_any(),
                    Err(_) => ().into_any(),
                }
            })}
        </Transition>
    }
}
