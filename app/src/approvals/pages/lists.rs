//! "Waiting on me", "My requests" and one request's page: lists of request cards.

use super::RequestCard;
use crate::{
    approvals::server::{get_request, inbox, my_requests},
    layout::Loaded,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};

/// A list of requests, each with what the viewer may do about it.
#[component]
fn RequestList(
    title: &'static str,
    intro: &'static str,
    empty: &'static str,
    /// The caller's own requests, or those waiting on them.
    mine: bool,
) -> impl IntoView {
    let list = Resource::new(|| (), move |_| async move { if mine { my_requests().await } else { inbox().await } });
    view! {
        <Title text=title />
        <section class="hero">
            <h1>{title}</h1>
            <p class="muted">{intro}</p>
        </section>
        <Loaded resource=list let:answer>
            {match answer {
                    items if items.is_empty() => view! { <div class="card"><p class="muted" data-testid="empty">{empty}</p></div> }.into_any(),
                    items => items
                        .into_iter()
                        .map(|r| view! { <RequestCard req=r /> })
                        .collect_view()
                        .into_any(),
                }}
        </Loaded>
    }
}

#[component]
pub fn InboxPage() -> impl IntoView {
    view! {
        <RequestList
            title="Waiting on me"
            intro="Requests you can approve or reject now, oldest first (yours, and those of anyone away who named you). Each shows who asked, why, the person's state now and what will change. Going away? Name a delegate under “While I’m away”."
            empty="Nothing is waiting on you."
            mine=false
        />
        <p class="muted small"><A href="/away">"While I’m away: name someone to decide for you"</A></p>
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
    let req = Resource::new(move || params.get().get("id").unwrap_or_default(), get_request);
    view! {
        <Title text="Request" />
        <Loaded resource=req let:r>
            {view! { <RequestCard req=r.clone() /> <crate::schedule::Checklist id=r.id.clone() /> }.into_any()}
        </Loaded>
        <p class="muted small"><A href="/inbox">"Waiting on me"</A> " · " <A href="/requests">"My requests"</A></p>
    }
}
