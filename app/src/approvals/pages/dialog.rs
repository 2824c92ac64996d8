//! The "Request" dialog behind action buttons: what it does, who approves, the reason.

use crate::{
    approvals::server::RequestAction,
    command::{Command, finished, send},
    error::PortalError,
    people::{Mode, Permit},
    ui::{Modal, Press},
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// What a request asks for, as the dialog sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// A bulk job's preview: the request is for its people who need approval.
    pub job: Option<String>,
    /// The viewer may break glass instead: run it now, reviewed afterwards by someone else.
    pub break_glass: bool,
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
            job: None,
            break_glass: false,
        }
    }

    fn command(self, reason: String, emergency: bool) -> Command {
        let Ask { action, target, group, add, status, changes, job, .. } = self;
        let asked = RequestAction { action, target, reason, group, add, status, changes };
        match job {
            Some(id) => Command::RequestJob { id, reason: asked.reason },
            None if emergency => Command::BreakGlass(asked),
            None => Command::Request(asked),
        }
    }
}

impl Permit {
    /// `now` when the policy lets the viewer run the change, else the request `ask` describes,
    /// with who approves and whether a reason is required filled in from the policy.
    pub fn press(&self, now: Press, ask: impl FnOnce() -> Ask) -> Press {
        if self.mode != Mode::Request {
            return now;
        }
        Press::Ask(Ask { approvers: self.approvers.clone(), reason_required: self.reason_required, ..ask() })
    }
}

/// Asks for an action that needs approval: says what it does and who approves, takes the
/// reason, and sends the request. `ask` holds the open dialog; `None` closes it. A failure keeps
/// the dialog and the reason typed; a success shows the page again with the request on it.
#[component]
pub fn RequestDialog(ask: RwSignal<Option<Ask>>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let error = RwSignal::new(None::<PortalError>);
    let busy = RwSignal::new(false);
    move || {
        ask.get().map(|a| {
            reason.set(String::new());
            let required = a.reason_required;
            let sent = a.clone();
            let glass = a.clone();
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
                                disabled=move || busy.get() || (required && reason.get().trim().is_empty())
                                on:click=move |_| {
                                    error.set(None);
                                    send(sent.clone().command(reason.get_untracked(), false), busy, move |e| error.set(Some(e)), finished);
                                }>
                                {move || if busy.get() { "Sending…" } else { "Send request" }}
                            </button>
                        </div>
                        {a.break_glass.then(|| view! {
                            <div class="break-glass">
                                <p class="small"><strong>"Emergency?"</strong>" Break glass to run it now without approval: the reviewers are told at once, \
                                    someone else must review it afterwards, and it needs a recent sign-in and a reason."</p>
                                <button type="button" class="button danger" data-testid="break-glass"
                                    disabled=move || busy.get() || reason.get().trim().is_empty()
                                    on:click=move |_| {
                                        error.set(None);
                                        send(glass.clone().command(reason.get_untracked(), true), busy, move |e| error.set(Some(e)), finished);
                                    }>"Break glass: run now"</button>
                            </div>
                        })}
                </Modal>
            }
        })
    }
}
