//! "While I'm away": name someone to decide your requests until a date, and see whom you
//! decide for. Plain forms: they work before (and without) the WASM.

use crate::{
    approvals::server::away,
    layout::{FormError, Loaded},
    ui::When,
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn AwayPage() -> impl IntoView {
    let me = Resource::new(|| (), |_| away());
    view! {
        <Title text="While I'm away" />
        <section class="hero">
            <h1>"While I’m away"</h1>
            <p class="muted">
                "Name someone to approve or reject, in your place, the requests that would wait on you. \
                 They decide with your approval authority and each decision is recorded as theirs, made for you; \
                 they still never decide their own requests or ones about themselves."
            </p>
        </section>
        <FormError />
        <Loaded resource=me let:a>
            <section class="card" aria-labelledby="away-h" data-testid="away">
                <h2 id="away-h">"Your delegate"</h2>
                {match (a.delegate.clone(), a.until.clone()) {
                    (Some(name), Some(until)) => view! {
                        <p data-testid="away-now"><strong>{name}</strong>" decides for you until " <When at=Some(until) />"."</p>
                        <form method="post" action="/api/away/end">
                            <button type="submit" class="button ghost" data-testid="away-end">"I’m back: end it now"</button>
                        </form>
                    }.into_any(),
                    _ => view! { <p class="muted" data-testid="away-none">"Nobody decides for you: requests wait on you."</p> }.into_any(),
                }}
                <form method="post" action="/api/away/set" class="stack away-form" data-testid="away-form">
                    <h3>{if a.delegate.is_some() { "Name someone else, or a new date" } else { "Name a delegate" }}</h3>
                    <label class="stack">"Who decides for you (their login or email)"
                        <input type="text" name="delegate" required maxlength="200" autocomplete="off"
                            value=a.delegate_login.clone().unwrap_or_default() />
                    </label>
                    <label class="stack">"Until the end of (UTC)"
                        <input type="date" name="until" required />
                    </label>
                    <div><button type="submit" class="button">"Name my delegate"</button></div>
                </form>
            </section>
            {(!a.deciding_for.is_empty()).then(|| view! {
                <section class="card" aria-labelledby="for-h">
                    <h2 id="for-h">"You decide for"</h2>
                    <ul data-testid="deciding-for">
                        {a.deciding_for.iter().map(|(name, until)| view! {
                            <li>{name.clone()}" until " <When at=Some(until.clone()) /></li>
                        }).collect_view()}
                    </ul>
                    <p class="muted small">"Their requests are in " <A href="/inbox">"Waiting on me"</A>"."</p>
                </section>
            })}
        </Loaded>
    }
}
