//! The app shell: top bar, error and not-found panels, the signed-out page.

use crate::{error::PortalError, me::use_me};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn TopBar() -> impl IntoView {
    let me = use_me().0;
    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">
                <span class="logo" aria-hidden="true">"◆"</span>
                "Portico"
            </A>
            <nav class="nav" aria-label="Main">
                <A href="/" exact=true>"Home"</A>
                // Only the areas this person's roles open (the server refuses the others anyway).
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        let nav = me.await.map(|me| me.nav).unwrap_or_default();
                        view! {
                            {nav.people.then(|| view! { <A href="/people">"People"</A> })}
                            {nav.groups.then(|| view! { <A href="/groups">"Groups"</A> })}
                            {nav.asa.then(|| view! { <A href="/asa">"Server access"</A> })}
                            <A href="/my-people">"My people"</A>
                            <A href="/inbox">"Waiting on me"{(nav.waiting > 0).then(|| view! {
                                " " <span class="nav-count" data-testid="waiting-count">{nav.waiting}</span>
                            })}</A>
                            <A href="/requests">"My requests"</A>
                            <A href="/jobs">"Jobs"</A>
                            {nav.people.then(|| view! { <A href="/scheduled">"Scheduled"</A> })}
                            {nav.reviews.then(|| view! { <A href="/reviews">"Reviews"{(nav.to_review > 0).then(|| view! {
                                " " <span class="nav-count" data-testid="review-count">{nav.to_review}</span>
                            })}</A> })}
                            {nav.audit.then(|| view! { <A href="/audit">"Audit"</A> })}
                        }
                    })}
                </Transition>
            </nav>
            <div class="account">
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        me.await.ok().map(|me| view! {
                            <span class="who" data-testid="topbar-name" title=me.login.clone()>{me.name.clone()}</span>
                            <form method="post" action="/auth/logout" class="inline">
                                <button type="submit" class="button ghost">"Sign out"</button>
                            </form>
                        })
                    })}
                </Transition>
            </div>
        </header>
    }
}

/// How a [`Loaded`] area looks while its first answer is on the way.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub enum Placeholder {
    /// A card-sized skeleton (a page's main area).
    #[default]
    Card,
    /// A muted line (a section inside a card).
    Line,
}

/// A server function's answer, shown the one way every page shows it: a placeholder while the
/// first answer loads (later reloads keep the old content until the new one arrives), the
/// [`ErrorPanel`] if it failed, else `children` with the value.
#[component]
pub fn Loaded<T, F, V>(
    resource: Resource<Result<T, PortalError>>,
    children: F,
    /// What the placeholder says.
    #[prop(default = "Loading…")]
    loading: &'static str,
    #[prop(optional)] placeholder: Placeholder,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let fallback = move || match placeholder {
        Placeholder::Card => view! { <div class="card skeleton" aria-busy="true">{loading}</div> }.into_any(),
        Placeholder::Line => view! { <p class="muted" aria-busy="true">{loading}</p> }.into_any(),
    };
    view! {
        <Transition fallback>
            {move || {
                let children = children.clone();
                Suspend::new(async move {
                    match resource.await {
                        Err(e) => view! { <ErrorPanel error=e /> }.into_any(),
                        Ok(value) => children(value).into_any(),
                    }
                })
            }}
        </Transition>
    }
}

/// Shows an error the way every page does: what happened, what to do, and the reference.
#[component]
pub fn ErrorPanel(error: PortalError) -> impl IntoView {
    let signed_out = error.kind == crate::error::ErrorKind::Unauthenticated;
    let step_up = error.kind == crate::error::ErrorKind::StepUp;
    view! {
        <div class="card error" role="alert">
            <p>{error.message.clone()}</p>
            {signed_out.then(|| view! { <p><a class="button" href="/auth/login" rel="external">"Sign in"</a></p> })}
            {step_up.then(|| view! { <p><StepUpLink /></p> })}
            {error.op_id.clone().filter(|id| !id.is_empty()).map(|id| view! { <p class="muted small">"Reference: " <code>{id}</code></p> })}
        </div>
    }
}

/// "Confirm it's you": signs in again at the provider (`step_up`: a recent sign-in is asked
/// for) and comes back to this page.
#[component]
pub fn StepUpLink() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    let href = move || {
        let here = format!("{}{}", location.pathname.get(), location.search.get());
        format!("/auth/login?step_up=1&next={}", crate::people::encode(&here))
    };
    view! { <a class="button primary" href=href rel="external" data-testid="step-up">"Confirm it’s you"</a> }
}

/// A plain form's failure: the server function sent the browser back to the page it came from
/// with the error in the address (`__err`); it is shown at the top of that page.
#[component]
pub fn FormError() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    move || {
        query.with(|q| q.get("__err")).map(|err| {
            let error = leptos::server_fn::error::ServerFnUrlError::<PortalError>::decode_err(&err);
            view! { <div data-testid="form-error"><ErrorPanel error /></div> }
        })
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <div class="card">
            <h1>"Page not found"</h1>
            <p class="muted">"There is nothing at this address. " <A href="/">"Go home"</A></p>
        </div>
    }
}

/// Where the provider sends people back after signing out.
#[component]
pub fn SignedOut() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let why = move || match query.get().get("why").as_deref() {
        Some("ended") => {
            "Your Portico session was ended: your Okta account is no longer active, or an administrator ended your sessions."
        }
        _ => "Your Portico session has ended.",
    };
    view! {
        <Title text="Signed out" />
        <div class="card narrow">
            <h1>"You are signed out"</h1>
            <p class="muted" data-testid="signed-out-why">{why}</p>
            <p><a class="button" href="/auth/login" rel="external">"Sign in again"</a></p>
        </div>
    }
}
