//! One request as a card: what, about whom, why, where it stands; approve, reject, cancel, reveal.

use crate::{
    approvals::RequestView,
    command::{Command, live, send},
    ui::{ActionButton, Press, StatusBadge, When},
};
use leptos::prelude::*;
use leptos_router::components::A;
use portico_vocab::RequestStatus;

/// One request: what, about whom, why, where it stands, the decisions so far; approve/reject
/// for an approver, cancel for its requester.
#[component]
pub fn RequestCard(req: RequestView) -> impl IntoView {
    let id = req.id.clone();
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
                <div><dt>"About"</dt><dd><crate::ui::MaybeLink href=req.target_href.clone() text=req.target_name.clone() /> {req.target_status.clone().map(|s| view! { " " <StatusBadge status=s /> })}</dd></div>
                <div><dt>"Asked by"</dt><dd>{req.requester.clone()}</dd></div>
                <div><dt>"Asked"</dt><dd><When at=Some(req.created_at.clone()) /></dd></div>
                {(req.status == RequestStatus::Pending).then(|| view! { <div><dt>"Expires"</dt><dd><When at=Some(req.expires_at.clone()) /></dd></div> })}
                {req.runs_at.clone().map(|at| view! { <div><dt>"Runs at"</dt><dd data-testid="request-runs-at">{at}</dd></div> })}
                <div><dt>"Reference"</dt><dd><code>{id.clone()}</code></dd></div>
            </dl>
            <p class="reason" data-testid="request-reason-shown"><strong>"Why: "</strong>{if req.reason.is_empty() { "—".to_string() } else { req.reason.clone() }}</p>
            <p class="muted"><strong>{match req.status {
                RequestStatus::Pending | RequestStatus::Approved | RequestStatus::Executing => "What will change: ",
                RequestStatus::Done => "What it changed: ",
                _ => "What it would have changed: ",
            }}</strong>{change.map(|c| format!("{c}. "))}{req.effect.clone()}</p>
            {(!req.stage_line.is_empty()).then(|| view! { <p class="muted small">{req.stage_line.clone()}</p> })}
            {(req.status == RequestStatus::Pending).then(|| view! {
                <p class="small" data-testid="approvers"><strong>"Can decide now: "</strong>{
                    if req.approvers.is_empty() { "nobody Portico can find — it will be escalated at its deadline".to_string() } else { req.approvers.join(", ") }
                }</p>
            })}
            {req.result.clone().map(|r| view! { <p class=if req.status == RequestStatus::Done { "result ok" } else if req.status == RequestStatus::Approved { "result" } else { "result bad" } data-testid="request-result">{r}</p> })}
            {req.break_glass.clone().map(|b| view! { <BreakGlassReview id=id.clone() b /> })}
            {(!req.decisions.is_empty()).then(|| view! {
                <ul class="decisions">
                    {req.decisions.iter().map(|d| view! {
                        <li>
                            <strong>{d.approver.clone()}</strong>
                            {if d.approve { " approved" } else { " rejected" }}
                            <span class="muted small">" · " <When at=Some(d.at.clone()) />
                                {d.signed_in_at.clone().map(|t| view! { " · signed in " <When at=Some(t) /> })}</span>
                            {(!d.comment.is_empty()).then(|| view! { <span>": “" {d.comment.clone()} "”"</span> })}
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {(req.can_decide && !req.needs_step_up).then(|| view! { <Decide id=id.clone() /> })}
            {(req.can_decide && req.needs_step_up).then(|| view! {
                <div class="decide" data-testid="step-up-needed">
                    <p class="muted">"Approving or rejecting needs a recent sign-in. Confirm it is you, then decide here."</p>
                    <crate::layout::StepUpLink />
                </div>
            })}
            {req.can_reveal.then(|| view! { <Reveal id=id.clone() /> })}
            {req.can_cancel.then(|| view! {
                <div class="modal-buttons">
                    <ActionButton label="Cancel request".into() class="button ghost".into() aria_label=None op=None
                        press=Press::Now(Command::CancelRequest { id: id.clone() }) />
                </div>
            })}
        </article>
    }
}

/// A break-glass action: run without approval; its after-action review, due, overdue or done,
/// and the review form for a reviewer (a plain form: it works before the WASM).
#[component]
fn BreakGlassReview(id: String, b: crate::approvals::BreakGlassView) -> impl IntoView {
    view! {
        <div class="break-glass" data-testid="break-glass">
            <p><strong>"Break-glass: "</strong>"run at once, without approval. "
                {match &b.review {
                    Some(r) => view! { <span data-testid="review-done">{r.clone()}</span> }.into_any(),
                    None => view! {
                        <span>"After-action review due " <When at=Some(b.review_due_at.clone()) />"."</span>
                        {b.overdue.then(|| view! { " " <span class="badge request-expired" data-testid="review-overdue">"Review overdue"</span> })}
                    }.into_any(),
                }}
            </p>
            {b.can_review.then(|| view! {
                <form method="post" action="/api/requests/review" class="stack" data-testid="review-form">
                    <input type="hidden" name="id" value=id.clone() />
                    <fieldset>
                        <legend>"Was the emergency use justified?"</legend>
                        <label><input type="radio" name="sound" value="true" required />" Justified"</label>
                        <label><input type="radio" name="sound" value="false" />" Not justified"</label>
                    </fieldset>
                    <label class="stack">"What you found (required)"
                        <textarea name="comment" rows="2" maxlength="1000" required></textarea>
                    </label>
                    <div><button type="submit" class="button">"Record the review"</button></div>
                </form>
            })}
        </div>
    }
}

/// Approve or reject, with a comment (required to reject).
#[island]
fn Decide(id: String) -> impl IntoView {
    let live = live();
    let busy = RwSignal::new(false);
    let comment = RwSignal::new(String::new());
    let decide = move |approve: bool| {
        let command = Command::Decide { id: id.clone(), approve, comment: comment.get_untracked() };
        send(command, busy, |_| {}, crate::command::finished);
    };
    let reject = decide.clone();
    view! {
        <div class="decide">
            <label class="stack">"Comment (required to reject)"
                <textarea rows="2" maxlength="1000" data-testid="decision-comment" disabled=move || !live.get()
                    on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
            </label>
            <div class="modal-buttons">
                <button type="button" class="button danger" data-testid="reject"
                    disabled=move || !live.get() || busy.get() || comment.get().trim().is_empty()
                    on:click=move |_| reject(false)>"Reject"</button>
                <button type="button" class="button" data-testid="approve"
                    disabled=move || !live.get() || busy.get()
                    on:click=move |_| decide(true)>"Approve"</button>
            </div>
        </div>
    }
}

/// The temporary password an approved request left for its requester, shown once.
#[island]
fn Reveal(id: String) -> impl IntoView {
    let live = live();
    let busy = RwSignal::new(false);
    let shown = RwSignal::new(None::<String>);
    view! {
        <div class="reveal" data-testid="reveal-box">
            {move || match shown.get() {
                Some(p) => view! {
                    <p>"Give this to the person; they must change it at sign-in. It is shown only now and is no longer kept."</p>
                    <p class="temp-password" data-testid="temp-password"><code>{p}</code></p>
                }.into_any(),
                None => {
                    let id = id.clone();
                    view! {
                        <p class="muted small">"A temporary password waits for you. It can be shown once."</p>
                        <button type="button" class="button" data-testid="reveal" disabled=move || !live.get() || busy.get()
                            on:click=move |_| send(Command::RevealTempPassword { id: id.clone() }, busy, |_| {}, move |d| shown.set(d.temp_password))>
                            "Show the temporary password"</button>
                    }.into_any()
                }
            }}
        </div>
    }
}
