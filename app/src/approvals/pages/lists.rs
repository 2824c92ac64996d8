//! "Waiting on me", "My requests" and one request's page: lists of cards that reload after each decision.

use super::RequestCard;
use crate::{
    approvals::server::{get_request, inbox, my_requests},
    layout::ErrorPanel,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

/// A list of requests that reloads after each decision.
#[component]
fn RequestList(
    title: &'static str,
    intro: &'static str,
    empty: &'static str,
    /// The caller's own requests, or those waiting on them.
    mine: bool,
) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let list = Resource::new(
        move || version.get(),
        move |_| async move { if mine { my_requests().await } else { inbox().await } },
    );
    view! {
        <Title text=title />
        <section class="hero">
            <h1>{title}</h1>
            <p class="muted">{intro}</p>
        </section>
        <Transition fallback=|| view! { <div class="card skeleton" aria-busy="true">"Loading…"</div> }>
            {move || Suspend::new(async move {
                match list.await {
                    Err(e) => view! { <ErrorPanel error=e /> }.into_any(),
                    Ok(items) if items.is_empty() => view! { <div class="card"><p class="muted" data-testid="empty">{empty}</p></div> }.into_any(),
                    Ok(items) => items
                        .into_iter()
                        .map(|r| view! { <RequestCard req=r on_change=move |_| version.update(|v| *v += 1) /> })
                        .collect_view()
                        .into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn InboxPage() -> impl IntoView {
    view! {
        <RequestList
            title="Waiting on me"
            intro="Requests you can approve or reject now, oldest first. Each shows who asked, why, the person's state now and what will change."
            empty="Nothing is waiting on you."
            mine=false
        />
    }
}

#[component]
pub fn MyRequestsPage() -> impl IntoView {
    view! {
        <RequestList
            title="My requests"
            intro="What you asked for and where each request stands. You can cancel a request while it waits for approval."
            empty="You have not asked for anything yet. Actions that need approval show a Request button on the person's page."
            mine=true
        />
    }
}

/// One request, where notification links land.
#[component]
pub fn RequestPage() -> impl IntoView {
    let params = use_params_map();
    let version = RwSignal::new(0u32);
    let req =
        Resource::new(move || (params.get().get("id").unwrap_or_default(), version.get()), |(id, _)| get_request(id));
    view! {
        <Title text="Request" />
        <Transition fallback=|| view! { <div class="card skeleton" aria-busy="true">"Loading…"</div> }>
            {move || Suspend::new(async move {
                match req.await {
                    Err(e) => view! { <ErrorPanel error=e /> }.into_any(),
                    Ok(r) => view! { <RequestCard req=r on_change=move |_| version.update(|v| *v += 1) /> }.into_any(),
                }
            })}
        </Transition>
        <p class="muted small"><A href="/inbox">"Waiting on me"</A> " · " <A href="/requests">"My requests"</A></p>
    }
}
