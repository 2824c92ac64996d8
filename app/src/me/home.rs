use crate::{layout::Loaded, me::use_me};
use leptos::prelude::*;
use leptos_meta::Title;

/// The landing page: who you are, and what you may do here.
#[component]
pub fn HomePage() -> impl IntoView {
    let me = use_me().0;
    view! {
        <Title text="Home" />
        <Loaded resource=me loading="Loading your profile…" let:me>
            {
                let has_roles = !me.roles.is_empty();
                view! {
                    <section class="hero">
                        <h1>"Welcome, " {me.name.clone()}</h1>
                        <p class="muted">"You are signed in to Portico."</p>
                    </section>
                    <section class="card" aria-labelledby="who">
                        <h2 id="who">"Your account"</h2>
                        <dl class="facts">
                            <dt>"Name"</dt><dd data-testid="me-name">{me.name.clone()}</dd>
                            <dt>"Login"</dt><dd>{me.login.clone()}</dd>
                            <dt>"Email"</dt><dd>{me.email.clone().unwrap_or_else(|| "—".into())}</dd>
                            <dt>"Okta user id"</dt><dd><code>{me.user_id.clone()}</code></dd>
                        </dl>
                    </section>
                    <section class="card" aria-labelledby="roles">
                        <h2 id="roles">"Your roles in Portico"</h2>
                        <Show
                            when=move || has_roles
                            fallback=|| view! {
                                <p class="muted">"You have no Portico role. An administrator can grant one by adding you to a role group."</p>
                            }
                        >
                            <ul class="chips" data-testid="me-roles">
                                {me.roles.iter().map(|r| view! { <li class=format!("chip role-{}", r.key)>{r.label.clone()}</li> }).collect_view()}
                            </ul>
                        </Show>
                        <p class="muted small">"From your groups: " {me.groups.join(", ")}</p>
                    </section>
                    <OpenReviews />
                    <section class="card" aria-labelledby="approvals">
                        <h2 id="approvals">"Requests and approvals"</h2>
                        <ManagerHint />
                        <p class="muted">"Actions that need someone's approval show a Request button; follow yours under "
                            <a href="/requests">"My requests"</a> "."</p>
                    </section>
                }
            }
        </Loaded>
    }
}

/// Break-glass actions waiting for their after-action review, overdue ones first and flagged:
/// for reviewers and auditors; nothing for anyone else.
#[component]
fn OpenReviews() -> impl IntoView {
    let open = Resource::new(|| (), |_| crate::approvals::server::open_reviews());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let mut open = open.await.unwrap_or_default();
                open.sort_by_key(|r| !r.break_glass.as_ref().is_some_and(|b| b.overdue));
                (!open.is_empty()).then(|| view! {
                    <section class="card" aria-labelledby="reviews-h" data-testid="open-reviews">
                        <h2 id="reviews-h">"Break-glass reviews"</h2>
                        <ul class="plain">
                            {open.into_iter().map(|r| {
                                let overdue = r.break_glass.as_ref().is_some_and(|b| b.overdue);
                                view! {
                                    <li>
                                        <a href=format!("/requests/{}", r.id)>{r.summary.clone()}</a>
                                        " by " {r.requester.clone()} " · "
                                        {if overdue {
                                            view! { <span class="badge request-expired" data-testid="overdue">"Review overdue"</span> }.into_any()
                                        } else {
                                            view! { <span class="muted small">"review due " <crate::ui::When at=r.break_glass.map(|b| b.review_due_at) /></span> }.into_any()
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Transition>
    }
}

/// For people who manage others in Okta: where their work is. Optional, so an unknown answer
/// (Okta unreachable) shows nothing rather than an error.
#[component]
fn ManagerHint() -> impl IntoView {
    let manages = Resource::new(|| (), |_| super::server::manages_people());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                manages.await.unwrap_or(false).then(|| view! {
                    <p data-testid="me-manager">"You manage people in Okta: you act on them, and approve what others ask for them, under "
                        <a href="/my-people">"My people"</a> " and " <a href="/inbox">"Waiting on me"</a> "."</p>
                })
            })}
        </Transition>
    }
}
