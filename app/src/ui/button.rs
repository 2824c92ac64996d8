//! The action button: one island for every button that changes something — at once, after an
//! "Are you sure?", or as a request for approval.

use super::Modal;
use crate::{
    approvals::{Ask, RequestDialog},
    command::{Command, Done, finished, live, send},
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// "Are you sure?": what will happen, and the button that does it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirm {
    pub title: String,
    pub message: String,
    pub confirm_label: String,
    pub danger: bool,
    /// The person's login, to be typed back before a deletion.
    pub type_back: Option<String>,
}

/// What pressing the button does.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Press {
    Now(Command),
    Confirm(Command, Confirm),
    /// The policy asks for approval: the request dialog opens.
    Ask(Ask),
}

/// A button that changes something. `op` names a lifecycle operation for tests and styles.
#[island]
pub fn ActionButton(
    label: String,
    class: String,
    aria_label: Option<String>,
    op: Option<String>,
    press: Press,
) -> impl IntoView {
    let live = live();
    let busy = RwSignal::new(false);
    let confirming = RwSignal::new(None::<(Command, Confirm)>);
    let ask = RwSignal::new(None::<Ask>);
    let temp = RwSignal::new(None::<Done>);
    let mode = if matches!(press, Press::Ask(_)) { "request" } else { "run" };
    let run = move |command: Command| {
        send(
            command,
            busy,
            |_| {},
            move |done| {
                if done.temp_password.is_some() {
                    confirming.set(None);
                    temp.set(Some(done));
                } else {
                    finished(done);
                }
            },
        )
    };
    let press = StoredValue::new(press);
    let typed = RwSignal::new(String::new());
    view! {
        <button type="button" class=class aria-label=aria_label data-op=op data-mode=mode
            disabled=move || !live.get() || busy.get()
            on:click=move |_| match press.get_value() {
                Press::Now(command) => run(command),
                Press::Confirm(command, confirm) => { typed.set(String::new()); confirming.set(Some((command, confirm))); }
                Press::Ask(a) => ask.set(Some(a)),
            }>{label}</button>
        <RequestDialog ask />
        {move || confirming.get().map(|(command, c)| {
            let type_back = c.type_back.clone();
            let matches = {
                let type_back = type_back.clone();
                move || type_back.as_ref().is_none_or(|l| typed.get().trim().eq_ignore_ascii_case(l))
            };
            view! {
                <Modal labelled_by="confirm-title" on_close=move || confirming.set(None)>
                    <h2 id="confirm-title">{c.title.clone()}</h2>
                    <p>{c.message.clone()}</p>
                    {type_back.clone().map(|login| view! {
                        <label class="stack">"Type " <code>{login}</code> " to confirm"
                            <input type="text" autocomplete="off" on:input=move |ev| typed.set(event_target_value(&ev)) />
                        </label>
                    })}
                    <div class="modal-buttons">
                        <button type="button" class="button ghost" on:click=move |_| confirming.set(None)>"Cancel"</button>
                        <button type="button" class=if c.danger { "button danger" } else { "button" } data-testid="confirm"
                            disabled=move || busy.get() || !matches()
                            on:click=move |_| {
                                run(command.clone().typed_back(type_back.is_some().then(|| typed.get_untracked())));
                            }>
                            {let label = c.confirm_label.clone(); move || if busy.get() { "Working…".to_string() } else { label.clone() }}
                        </button>
                    </div>
                </Modal>
            }
        })}
        {move || temp.get().map(|done| view! {
            <Modal labelled_by="temp-title" on_close={let d = done.clone(); move || finished(d.clone())}>
                <h2 id="temp-title">"Temporary password"</h2>
                <p>"Give this to the person; they must change it at sign-in. It is shown only now."</p>
                <p class="temp-password" data-testid="temp-password"><code>{done.temp_password.clone()}</code></p>
                <div class="modal-buttons">
                    <button type="button" class="button" on:click={let d = done.clone(); move |_| finished(d.clone())}>"Done"</button>
                </div>
            </Modal>
        })}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Island props travel as JSON in the page (`data-props`); what the server renders must read
    /// back as the same press in the browser.
    #[test]
    fn a_press_survives_the_page() {
        let presses = [
            Press::Now(Command::FixDrift { asa_name: "Ed.Engineer".into() }),
            Press::Confirm(
                Command::Lifecycle { id: "00u1".into(), op: portico_vocab::LifecycleOp::Delete, confirm_login: None },
                Confirm {
                    title: "Delete?".into(),
                    message: "Gone.".into(),
                    confirm_label: "Delete".into(),
                    danger: true,
                    type_back: Some("ed@x".into()),
                },
            ),
            Press::Ask(Ask {
                target: "00u1".into(),
                changes: Some(vec![("title".into(), "“Lead”".into())]),
                ..Ask::empty(portico_vocab::PolicyAction::Profile)
            }),
        ];
        for press in presses {
            let json = leptos::serde_json::to_string(&press).unwrap();
            let back = leptos::serde_json::from_str::<Press>(&json).unwrap();
            assert_eq!(leptos::serde_json::to_string(&back).unwrap(), json);
        }
    }
}
