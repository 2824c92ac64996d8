//! Portico's user interface: routes, pages and components, and the server functions behind them,
//! grouped by area (`me`, `people`, `groups`, `asa`, `approvals`, `audit`).
//!
//! Compiled twice: natively with `ssr` (server rendering and server function bodies) and to WASM
//! with `hydrate` (the browser side).
#![recursion_limit = "512"]

pub mod approvals;
pub mod asa;
pub mod audit;
pub mod error;
pub mod groups;
pub mod layout;
pub mod me;
pub mod people;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod ui;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{Route, Router, Routes},
    path,
};

/// The HTML document around the app (server side only).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    me::provide_me();
    ui::provide_toasts();
    // `/` jumps to the page's search box, as in most admin tools.
    let _ = window_event_listener(leptos::ev::keydown, |ev| {
        let typing = ev
            .target()
            .and_then(|t| leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::HtmlElement>(t).ok())
            .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if ev.key() == "/"
            && !typing
            && let Some(search) = document().get_element_by_id("search")
            && let Ok(input) = leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::HtmlElement>(search)
        {
            ev.prevent_default();
            let _ = input.focus();
        }
    });
    // Lets tests (and curious people) tell when the WASM has taken over the page.
    Effect::new(|_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });

    view! {
        <Title formatter=|page: String| format!("{page} · Portico") />
        // Every page is rendered whole on the server (SsrMode::Async): the browser never hydrates
        // a page whose streamed fragments are still being swapped in, and without JavaScript
        // every page is complete. The data is local and fast, so waiting for it costs little.
        <Router>
            <layout::TopBar />
            <ui::ToastHost />
            <main class="page">
                <Routes fallback=|| view! { <layout::NotFound /> }>
                    <Route path=path!("/") view=me::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/people") view=people::PeoplePage ssr=SsrMode::Async />
                    <Route path=path!("/people/new") view=people::NewPersonPage ssr=SsrMode::Async />
                    <Route path=path!("/people/:id") view=people::PersonPage ssr=SsrMode::Async />
                    <Route path=path!("/groups") view=groups::GroupsPage ssr=SsrMode::Async />
                    <Route path=path!("/groups/:id") view=groups::GroupPage ssr=SsrMode::Async />
                    <Route path=path!("/asa") view=asa::AsaUsersPage ssr=SsrMode::Async />
                    <Route path=path!("/asa/users/:name") view=asa::AsaUserPage ssr=SsrMode::Async />
                    <Route path=path!("/asa/groups") view=asa::AsaGroupsPage ssr=SsrMode::Async />
                    <Route path=path!("/asa/groups/:name") view=asa::AsaGroupPage ssr=SsrMode::Async />
                    <Route path=path!("/asa/drift") view=asa::DriftPage ssr=SsrMode::Async />
                    <Route path=path!("/audit") view=audit::AuditPage ssr=SsrMode::Async />
                    <Route path=path!("/inbox") view=approvals::InboxPage ssr=SsrMode::Async />
                    <Route path=path!("/requests") view=approvals::MyRequestsPage ssr=SsrMode::Async />
                    <Route path=path!("/requests/:id") view=approvals::RequestPage ssr=SsrMode::Async />
                    <Route path=path!("/my-people") view=approvals::MyPeoplePage ssr=SsrMode::Async />
                    <Route path=path!("/signed-out") view=layout::SignedOut ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}
