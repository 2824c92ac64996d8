use crate::{
    command::{Command, finished, live, send},
    layout::{Loaded, Placeholder},
    people::server::person_access,
    ui::{ActionButton, Press},
};
use leptos::prelude::*;

/// The applications assigned to the person.
#[component]
pub fn Apps(id: String) -> impl IntoView {
    let access = Resource::new(|| (), move |_| person_access(id.clone()));
    view! {
        <section class="card">
            <h2>"Applications"</h2>
            <Loaded resource=access placeholder=Placeholder::Line loading="Loading applications…" let:answer>
                {match answer {
                        a if a.apps.is_empty() => view! { <p class="muted">"No applications are assigned."</p> }.into_any(),
                        a => view! {
                            <ul class="rows" data-testid="apps">
                                {a.apps.into_iter().map(|app| view! { <li><strong>{app.label}</strong><span class="muted small mono">{app.app_name}</span></li> }).collect_view()}
                            </ul>
                        }.into_any(),
                    }}
            </Loaded>
        </section>
    }
}

/// Sessions (clear them) and what OAuth clients hold (revoke per client).
#[component]
pub fn Access(id: String) -> impl IntoView {
    let uid = id.clone();
    let access = Resource::new(|| (), move |_| person_access(uid.clone()));
    view! {
        <Loaded resource=access let:a>
            {
                let (sid, rid) = (id.clone(), id.clone());
                view! {
                    <section class="card">
                        <h2>"Sessions"</h2>
                        <p class="muted">"Ends every Okta session this person has, on every device, and every Portico session."</p>
                        {a.can_clear_sessions.then(|| view! {
                            <p class="small" data-testid="portico-sessions">{match a.portico_sessions.len() {
                                0 => "Not signed in to Portico.".into_any(),
                                n => {
                                    let since = a.portico_sessions.iter().enumerate().map(|(i, t)| view! {
                                        {(i > 0).then_some(", ")}<crate::ui::When at=Some(t.clone()) />
                                    }).collect_view();
                                    view! { "Signed in to Portico " {n} {if n == 1 { " time" } else { " times" }} " now (since " {since} ")." }.into_any()
                                }
                            }}</p>
                        })}
                        {a.can_clear_sessions.then(|| view! { <ClearSessions id=sid.clone() /> })}
                    </section>
                    <section class="card">
                        <h2>"Consents and tokens"</h2>
                        {if a.consents.is_empty() {
                            view! { <p class="muted">"No application holds consent or tokens for this person."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="rows" data-testid="consents">
                                    {a.consents.into_iter().map(|c| {
                                        let (rid, cid) = (rid.clone(), c.client_id.clone());
                                        let tokens = match c.tokens { 0 => "no refresh tokens".to_string(), 1 => "1 refresh token".into(), n => format!("{n} refresh tokens") };
                                        view! {
                                            <li>
                                                <strong>{c.client_name.clone()}</strong>
                                                <span class="muted small">{c.scopes.join(", ")} " · " {tokens}</span>
                                                {a.can_revoke.then(|| view! {
                                                    <ActionButton label="Revoke".into() class="button ghost small".into()
                                                        aria_label=Some(format!("Revoke {}", c.client_name)) op=None
                                                        press=Press::Now(Command::RevokeConsent { id: rid.clone(), client_id: cid.clone() }) />
                                                })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                }.into_any()
            }
        </Loaded>
    }
}

/// Ends every Okta and Portico session of the person, and by default their refresh tokens.
#[island]
fn ClearSessions(id: String) -> impl IntoView {
    let live = live();
    let busy = RwSignal::new(false);
    let also_tokens = RwSignal::new(true);
    view! {
        <div class="filter-row">
            <label class="check"><input type="checkbox" checked prop:checked=move || also_tokens.get() disabled=move || !live.get()
                on:change=move |ev| also_tokens.set(event_target_checked(&ev)) />" Also revoke their OAuth refresh tokens"</label>
            <button type="button" class="button" disabled=move || !live.get() || busy.get() on:click=move |_| {
                send(Command::ClearSessions { id: id.clone(), revoke_tokens: also_tokens.get_untracked() }, busy, |_| {}, finished);
            }>"Clear all sessions"</button>
        </div>
    }
}
