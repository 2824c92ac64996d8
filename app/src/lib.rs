//! Portico's user interface: routes, pages and components, and the server functions behind them,
//! grouped by area (`me`, `people`, `groups`, `asa`, `approvals`, `audit`).
//!
//! Compiled twice: natively with `ssr` (server rendering and server function bodies) and to WASM
//! with `hydrate` (the browser side). Pages are rendered on the server only (Leptos islands): the
//! browser receives and hydrates just the `#[island]` components — buttons, dialogs, forms,
//! pickers, toasts — so its WASM carries no router and no page. See ARCHITECTURE.md.
#![recursion_limit = "512"]

pub mod approvals;
pub mod asa;
pub mod audit;
pub mod command;
pub mod error;
pub mod groups;
pub mod jobs;
pub mod layout;
pub mod me;
pub mod people;
pub mod reviews;
pub mod schedule;
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
                <HydrationScripts options islands=true />
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
    view! {
        <Title formatter=|page: String| format!("{page} · Portico") />
        // Every page is rendered whole on the server (SsrMode::Async): without JavaScript every
        // page is complete, and islands never hydrate inside fragments still being swapped in.
        // The data is local and fast, so waiting for it costs little.
        <Router>
            <layout::TopBar />
            <main class="page">
                <layout::FormError />
                <Routes fallback=|| view! { <layout::NotFound /> }>
                    <Route path=path!("/") view=me::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/people") view=people::PeoplePage ssr=SsrMode::Async />
                    <Route path=path!("/people/new") view=people::NewPersonPage ssr=SsrMode::Async />
                    <Route path=path!("/people/:id") view=people::PersonPage ssr=SsrMode::Async />
                    <Route path=path!("/people/:id/schedule") view=schedule::SchedulePage ssr=SsrMode::Async />
                    <Route path=path!("/people/:id/offboard") view=schedule::OffboardPage ssr=SsrMode::Async />
                    <Route path=path!("/scheduled") view=schedule::ScheduledPage ssr=SsrMode::Async />
                    <Route path=path!("/reviews") view=reviews::ReviewsPage ssr=SsrMode::Async />
                    <Route path=path!("/reviews/new") view=reviews::NewReviewPage ssr=SsrMode::Async />
                    <Route path=path!("/reviews/:id") view=reviews::ReviewPage ssr=SsrMode::Async />
                    <Route path=path!("/reviews/:id/report") view=reviews::ReportPage ssr=SsrMode::Async />
                    <Route path=path!("/groups") view=groups::GroupsPage ssr=SsrMode::Async />
                    <Route path=path!("/groups/:id") view=groups::GroupPage ssr=SsrMode::Async />
                    <Route path=path!("/asa") view=asa::AsaUsersPage ssr=SsrMode::Async />
                    <Route path=path!("/asa/users/:name") view=asa::AsaUserPage ssr=SsrMode::Async />
                    <Route path=path!("/asa/groups") view=asa::AsaGroupsPage ssr=SsrMode::Async />
                    <Route path=path!("/asa/groups/:name") view=asa::AsaGroupPage ssr=SsrMode::Async />
                    <Route path=path!("/asa/drift") view=asa::DriftPage ssr=SsrMode::Async />
                    <Route path=path!("/audit") view=audit::AuditPage ssr=SsrMode::Async />
                    <Route path=path!("/jobs") view=jobs::JobsPage ssr=SsrMode::Async />
                    <Route path=path!("/jobs/:id") view=jobs::JobPage ssr=SsrMode::Async />
                    <Route path=path!("/inbox") view=approvals::InboxPage ssr=SsrMode::Async />
                    <Route path=path!("/away") view=approvals::AwayPage ssr=SsrMode::Async />
                    <Route path=path!("/requests") view=approvals::MyRequestsPage ssr=SsrMode::Async />
                    <Route path=path!("/requests/:id") view=approvals::RequestPage ssr=SsrMode::Async />
                    <Route path=path!("/my-people") view=approvals::MyPeoplePage ssr=SsrMode::Async />
                    <Route path=path!("/signed-out") view=layout::SignedOut ssr=SsrMode::Async />
                </Routes>
            </main>
            // After the page's other islands: a message carried over a reload shows once they are live.
            <ui::ToastHost />
        </Router>
    }
}
