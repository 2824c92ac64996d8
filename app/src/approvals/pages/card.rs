//! One request as a card: what, about whom, why, where it stands; approve, reject, cancel, reveal.

use crate::{
    approvals::{
        RequestView,
        server::{CancelRequest, DecideRequest, RevealTempPassword},
    },
    ui::{StatusBadge, When, on_result, successes, use_toasts},
};
use leptos::prelude::*;
use leptos_router::components::A;
use portico_vocab::RequestStatus;

/// What a page of request cards can do to them. Made once per page, so the page's list reads
/// again whenever one of them succeeds (a failure keeps the comment typed) and each outcome is
/// told once, however many cards there are.
#[derive(Clone, Copy)]
pub struct Decisions {
    pub decide: ServerAction<DecideRequest>,
    pub cancel: ServerAction<CancelRequest>,
    succeeded: [ReadSignal<usize>; 2],
}

impl Decisions {
    pub fn for_page() -> Decisions {
        let (decide, cancel) = (ServerAction::<DecideRequest>::new(), ServerAction::<CancelRequest>::new());
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
        });
        on_result(cancel.value(), move |r: RequestView| toasts.show(format!("Cancelled {}.", r.id), true));
        Decisions { decide, cancel, succeeded: [successes(decide.value()), successes(cancel.value())] }
    }

    /// Changes each time a decision or a cancellation succeeds.
    pub fn version(&self) -> usize {
        self.succeeded.iter().map(|s| s.get()).sum()
    }
}

/// One request: what, about whom, why, where it stands, the decisions so far; approve/reject
/// for an approver, cancel for its requester.
#[component]
pub fn RequestCard(req: RequestView, decisions: Decisions) -> impl IntoView {
    let Decisions { decide, cancel, .. } = decisions;
    let reveal = ServerAction::<RevealTempPassword>::new();
    let shown = RwSignal::new(None::<String>);
    on_result(reveal.value(), move |p: String| shown.set(Some(p)));
    let comment = RwSignal::new(String::new());
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
                <div><dt>"Asked"</dt><dd><When at=Some(req.created_at.clone()) /></dd></div>
                {(req.status == RequestStatus::Pending).then(|| view! { <div><dt>"Expires"</dt><dd><When at=Some(req.expires_at.clone()) /></dd></div> })}
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
                            <span class="muted small">" · " <When at=Some(d.at.clone()) /></span>
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
