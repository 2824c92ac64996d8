//! The "Request" dialog behind action buttons: what it does, who approves, the reason.

use crate::{
    approvals::server::RequestAction,
    error::PortalError,
    ui::{Modal, error_text, on_outcome, use_toasts},
};
use leptos::prelude::*;

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
/// reason, and sends the request with `send`. `ask` holds the open dialog; `None` closes it.
/// The page makes `send`, so what it shows can be keyed on `send.version()`.
#[component]
pub fn RequestDialog(ask: RwSignal<Option<Ask>>, send: ServerAction<RequestAction>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<PortalError>);
    let toasts = use_toasts();
    on_outcome(
        send.value(),
        move |req| {
            toasts.show(format!("Request {} sent for approval.", req.id), true);
            error.set(None);
            ask.set(None);
        },
        move |e| {
            toasts.show(error_text(&e), false);
            error.set(Some(e));
        },
    );
    move || {
        ask.get().map(|a| {
            reason.set(String::new());
            let required = a.reason_required;
            let sent = a.clone();
            view! {
                <Modal labelled_by="request-title" testid="request-dialog" on_close=move || { error.set(None); ask.set(None); }>
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
                </Modal>
            }
        })
    }
}
