use crate::{
    approvals::{
        ReportRow, RequestView,
        server::{
            CancelRequest, DecideRequest, RequestAction, RevealTempPassword, get_request, inbox, my_people, my_requests,
        },
    },
    error::PortalError,
    layout::ErrorPanel,
    ui::{StatusBadge, error_text, on_result, use_toasts, when},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use portico_vocab::RequestStatus;

/// What a request asks for, as the dialog sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ask {
    pub action: portico_vocab::PolicyAction,
    pub target: String,
    /// "Request: Deactivate" and the like.
    pub title: String,
    /// What will happen, in words.
    pub effect: String,
    /// Who will approve, in words.
    pub approvers: String,
    pub reason_required: bool,
    pub group: Option<String>,
    pub add: Option<bool>,
    pub status: Option<String>,
    pub changes: Option<Vec<(String, String)>>,
}

impl Ask {
    /// A request for `action` with nothing else filled in.
    pub fn empty(action: portico_vocab::PolicyAction) -> Ask {
        Ask {
            action,
            target: String::new(),
            title: String::new(),
            effect: String::new(),
            approvers: String::new(),
            reason_required: false,
            group: None,
            add: None,
            status: None,
            changes: None,
        }
    }
}

/// Asks for an action that needs approval: says what it does and who approves, takes the
/// reason, and sends the request. `ask` holds the open dialog; `None` closes it.
#[component]
pub fn RequestDialog(ask: RwSignal<Option<Ask>>, #[prop(into)] on_sent: Callback<RequestView>) -> impl IntoView {
    let send = ServerAction::<RequestAction>::new();
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<PortalError>);
    let toasts = use_toasts();
    Effect::new(move |_| {
        if let Some(result) = send.value().get() {
            match result {
                Ok(req) => {
                    toasts.show(format!("Request {} sent for approval.", req.id), true);
                    error.set(None);
                    ask.set(None);
                    on_sent.run(req);
                }
                Err(e) => {
                    toasts.show(error_text(&e), false);
                    error.set(Some(e));
                }
            }
        }
    });
    move || {
        ask.get().map(|a| {
            reason.set(String::new());
            let required = a.reason_required;
            let sent = a.clone();
            view! {
                <div class="modal-backdrop">
                    <div class="modal" role="dialog" aria-modal="true" aria-labelledby="request-title" data-testid="request-dialog">
                        <h2 id="request-title">{a.title.clone()}</h2>
                        <p>{a.effect.clone()}</p>
                        <p class="muted small">"This needs approval from " {a.approvers.clone()} ". It runs once approved; you can follow it under My requests."</p>
                        <label class="stack">{if required { "Reason (required)" } else { "Reason" }}
                            <textarea name="reason" rows="3" maxlength="1000" data-testid="request-reason"
                                aria-invalid=move || error.get().and_then(|e| e.field("reason")).is_some().then_some("true")
                                on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                            {move || error.get().and_then(|e| e.field("reason")).map(|m| view! { <span class="field-error">{m}</span> })}
                        </label>
                        <div class="modal-buttons">
                            <button type="button" class="button ghost" on:click=move |_| { error.set(None); ask.set(None); }>"Cancel"</button>
                            <button type="button" class="button" data-testid="send-request"
                                disabled=move || send.pending().get() || (required && reason.get().trim().is_empty())
                                on:click=move |_| {
                                    let a = sent.clone();
                                    send.dispatch(RequestAction {
                                        action: a.action,
                                        target: a.target,
                                        reason: reason.get_untracked(),
                                        group: a.group,
                                        add: a.add,
                                        status: a.status,
                                        changes: a.changes,
                                    });
                                }>
                                {move || if send.pending().get() { "Sending…" } else { "Send request" }}
                            </button>
                        </div>
                    </div>
                </div>
            }
        })
    }
}

/// One request: what, about whom, why, where it stands, the decisions so far; approve/reject
/// for an approver, cancel for its requester.
#[component]
pub fn RequestCard(req: RequestView, #[prop(into)] on_change: Callback<()>) -> impl IntoView {
    let decide = ServerAction::<DecideRequest>::new();
    let cancel = ServerAction::<CancelRequest>::new();
    let reveal = ServerAction::<RevealTempPassword>::new();
    let shown = RwSignal::new(None::<String>);
    on_result(reveal.value(), move |p: String| shown.set(Some(p)));
    let comment = RwSignal::new(String::new());
    let toasts = use_toasts();
    on_result(decide.value(), move |r: RequestView| {
        let msg = match r.status {
            RequestStatus::Rejected => format!("Rejected {}.", r.id),
            RequestStatus::Approved | RequestStatus::Executing | RequestStatus::Done => {
                format!("Approved {}: it runs now.", r.id)
            }
            _ => format!("Approved {}; it waits for more approvals.", r.id),
        };
        toasts.show(msg, true);
        on_change.run(());
    });
    on_result(cancel.value(), move |r: RequestView| {
        toasts.show(format!("Cancelled {}.", r.id), true);
        on_change.run(());
    });
    let id = req.id.clone();
    let (id_a, id_r, id_c, id_s) = (id.clone(), id.clone(), id.clone(), id.clone());
    let status_class = format!("badge request-{}", req.status);
    let change = match (&req.target_status, &req.target_status_after) {
        (Some(now), Some(after)) if now != after => Some(format!("{} → {}", now.label(), after.label())),
        _ => None,
    };
    view! {
        <article class="card request" data-testid="request" data-request-id=id.clone() data-status=req.status.as_str()>
            <div class="section-head">
                <h2 class="request-title"><A href=format!("/requests/{id}")>{req.summary.clone()}</A></h2>
                <span class=status_class data-testid="request-status">{req.status.label()}</span>
            </div>
            <dl class="meta">
                <div><dt>"About"</dt><dd>{match req.target_href.clone() {
                    Some(h) => view! { <A href=h>{req.target_name.clone()}</A> }.into_any(),
                    None => view! { <span>{req.target_name.clone()}</span> }.into_any(),
                }} {req.target_status.clone().map(|s| view! { " " <StatusBadge status=s /> })}</dd></div>
                <div><dt>"Asked by"</dt><dd>{req.requester.clone()}</dd></div>
                <div><dt>"Asked"</dt><dd>{when(&Some(req.created_at.clone()))}</dd></div>
                {(req.status == RequestStatus::Pending).then(|| view! { <div><dt>"Expires"</dt><dd>{when(&Some(req.expires_at.clone()))}</dd></div> })}
                <div><dt>"Reference"</dt><dd><code>{id.clone()}</code></dd></div>
            </dl>
            <p class="reason" data-testid="request-reason-shown"><strong>"Why: "</strong>{if req.reason.is_empty() { "—".to_string() } else { req.reason.clone() }}</p>
            <p class="muted"><strong>{match req.status {
                RequestStatus::Pending | RequestStatus::Approved | RequestStatus::Executing => "What will change: ",
                RequestStatus::Done => "What it changed: ",
                _ => "What it would have changed: ",
            }}</strong>{change.map(|c| format!("{c}. "))}{req.effect.clone()}</p>
            {(!req.stage_line.is_empty()).then(|| view! { <p class="muted small">{req.stage_line.clone()}</p> })}
            {req.result.clone().map(|r| view! { <p class=if req.status == RequestStatus::Done { "result ok" } else if req.status == RequestStatus::Approved { "result" } else { "result bad" } data-testid="request-result">{r}</p> })}
            {(!req.decisions.is_empty()).then(|| view! {
                <ul class="decisions">
                    {req.decisions.iter().map(|d| view! {
                        <li>
                            <strong>{d.approver.clone()}</strong>
                            {if d.approve { " approved" } else { " rejected" }}
                            <span class="muted small">" · " {when(&Some(d.at.clone()))}</span>
                            {(!d.comment.is_empty()).then(|| view! { <span>": “" {d.comment.clone()} "”"</span> })}
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {req.can_decide.then(|| view! {
                <div class="decide">
                    <label class="stack">"Comment (required to reject)"
                        <textarea rows="2" maxlength="1000" data-testid="decision-comment" on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                    </label>
                    <div class="modal-buttons">
                        <button type="button" class="button danger" data-testid="reject"
                            disabled=move || decide.pending().get() || comment.get().trim().is_empty()
                            on:click=move |_| { decide.dispatch(DecideRequest { id: id_r.clone(), approve: false, comment: comment.get_untracked() }); }>
                            "Reject"
                        </button>
                        <button type="button" class="button" data-testid="approve"
                            disabled=move || decide.pending().get()
                            on:click=move |_| { decide.dispatch(DecideRequest { id: id_a.clone(), approve: true, comment: comment.get_untracked() }); }>
                            "Approve"
                        </button>
                    </div>
                </div>
            })}
            {req.can_reveal.then(|| view! {
                <div class="reveal" data-testid="reveal-box">
                    {move || match shown.get() {
                        Some(p) => view! {
                            <p>"Give this to the person; they must change it at sign-in. It is shown only now and is no longer kept."</p>
                            <p class="temp-password" data-testid="temp-password"><code>{p}</code></p>
                        }.into_any(),
                        None => {
                            let id = id_s.clone();
                            view! {
                                <p class="muted small">"A temporary password waits for you. It can be shown once."</p>
                                <button type="button" class="button" data-testid="reveal" disabled=move || reveal.pending().get()
                                    on:click=move |_| { reveal.dispatch(RevealTempPassword { id: id.clone() }); }>"Show the temporary password"</button>
                            }.into_any()
                        }
                    }}
                </div>
            })}
            {req.can_cancel.then(|| view! {
                <div class="modal-buttons">
                    <button type="button" class="button ghost" data-testid="cancel-request" disabled=move || cancel.pending().get()
                        on:click=move |_| { cancel.dispatch(CancelRequest { id: id_c.clone() }); }>"Cancel request"</button>
                </div>
            })}
        </article>
    }
}

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
        <Transition fallback=|| view! { <div class="card skeleton" aria-busy="true">"Loading…"</div> }>
            {move || Suspend::new(async move {
                match people.await {
                    Err(e) => view! { <ErrorPanel error=e /> }.into_any(),
                    Ok(rows) if rows.is_empty() => view! {
                        <div class="card"><p class="muted" data-testid="empty">"Nobody reports to you in Okta."</p></div>
                    }.into_any(),
                    Ok(rows) => view! {
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
                }
            })}
        </Transition>
    }
}
