//! A manager's people with their status and open requests.

use crate::{
    approvals::{ReportRow, server::my_people},
    layout::Loaded,
    ui::StatusBadge,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// A manager's people with their status and open requests.
#[component]
pub fn MyPeoplePage() -> impl IntoView {
    let people = Resource::new(|| (), |_| my_people());
    view! {
        <Title text="My people" />
        <section class="hero">
            <h1>"My people"</h1>
            <p class="muted">"The people you manage. Open one to act on them; actions that need approval become requests."</p>
        </section>
        <Loaded resource=people let:answer>
            {match answer {
                    rows if rows.is_empty() => view! {
                        <div class="card"><p class="muted" data-testid="empty">"Nobody reports to you in Okta."</p></div>
                    }.into_any(),
                    rows => view! {
                        <div class="card table-card">
                            <table class="data" data-testid="my-people">
                                <thead><tr><th scope="col">"Name"</th><th scope="col">"Title"</th><th scope="col">"Status"</th><th scope="col">"Why yours"</th><th scope="col">"Open requests"</th></tr></thead>
                                <tbody>
                                    {rows.into_iter().map(|r: ReportRow| view! {
                                        <tr>
                                            <td><A href=format!("/people/{}", r.id)>{r.name.clone()}</A><div class="muted small mono">{r.login.clone()}</div></td>
                                            <td>{r.title.clone()}</td>
                                            <td><StatusBadge status=r.status.clone() /></td>
                                            <td class="muted">{r.via.clone()}</td>
                                            <td>
                                                {r.open_requests.is_empty().then(|| view! { <span class="muted">"—"</span> })}
                                                {r.open_requests.clone().into_iter().map(|(id, s)| view! {
                                                    <div><A href=format!("/requests/{id}")>{s}</A></div>
                                                }).collect_view()}
                                            </td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }}
        </Loaded>
        <section class="card" aria-labelledby="upcoming-h">
            <h2 id="upcoming-h">"Upcoming changes for your people"</h2>
            <crate::schedule::Upcoming mine=true />
        </section>
    }
}
