//! Every change the browser can ask for, as one typed vocabulary. Islands build a [`Command`],
//! [`send`] it, and end the way every change ends: a failure is a toast that stays (and is handed
//! back so a form can show it by the field); a success is [`finish`]ed — the server renders the
//! page again and the message is shown there. Each variant is one server function; the server
//! decides, from current state, whether the caller may run it.

use crate::{
    approvals::{RequestView, server as approvals},
    asa::server as asa,
    error::PortalError,
    groups::server as groups,
    jobs::server as jobs,
    people::{NewPerson, server as people},
    ui::{error_text, finish, toast},
};
use leptos::prelude::*;
use portico_vocab::{LifecycleOp, RequestStatus};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Command {
    /// `confirm_login` is the login typed back, which `delete` needs.
    Lifecycle {
        id: String,
        op: LifecycleOp,
        confirm_login: Option<String>,
    },
    UpdateProfile {
        id: String,
        changes: Vec<(String, String)>,
    },
    CreatePerson {
        person: NewPerson,
    },
    ClearSessions {
        id: String,
        revoke_tokens: bool,
    },
    RevokeConsent {
        id: String,
        client_id: String,
    },
    Membership {
        group_id: String,
        user_ids: Vec<String>,
        add: bool,
    },
    CreateGroup {
        name: String,
        description: String,
    },
    RenameGroup {
        id: String,
        name: String,
        description: String,
    },
    DeleteGroup {
        id: String,
    },
    AsaStatus {
        name: String,
        status: String,
    },
    AsaMembership {
        group: String,
        user: String,
        add: bool,
    },
    SaveAsaGroup {
        name: String,
        roles: Vec<String>,
        create: bool,
    },
    DeleteAsaGroup {
        name: String,
    },
    FixDrift {
        asa_name: String,
    },
    /// Asks for an action that needs approval (the server function's own arguments).
    Request(approvals::RequestAction),
    /// Runs it now instead, as an emergency (break-glass), with the same arguments.
    BreakGlass(approvals::RequestAction),
    Decide {
        id: String,
        approve: bool,
        comment: String,
    },
    CancelRequest {
        id: String,
    },
    RevealTempPassword {
        id: String,
    },
    /// `confirm` is the number of people typed back, which deactivate and delete need.
    StartJob {
        id: String,
        confirm: Option<String>,
    },
    CancelJob {
        id: String,
    },
    /// Asks approval for a job's people who need it (one request for the set).
    RequestJob {
        id: String,
        reason: String,
    },
}

/// What a command did: the words for the person, a temporary password to show once, and where
/// to go when the page it was sent from no longer exists (a deleted person or group).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Done {
    pub message: String,
    pub temp_password: Option<String>,
    pub go: Option<String>,
}

impl Done {
    fn say(message: impl Into<String>) -> Done {
        Done { message: message.into(), ..Done::default() }
    }

    fn go(message: impl Into<String>, to: impl Into<String>) -> Done {
        Done { message: message.into(), go: Some(to.into()), ..Done::default() }
    }
}

impl Command {
    /// The command with what the person typed back to confirm it (`delete` needs the login; a
    /// job that deactivates or deletes, the number of people).
    pub fn typed_back(self, typed: Option<String>) -> Command {
        match self {
            Command::Lifecycle { id, op, .. } => Command::Lifecycle { id, op, confirm_login: typed },
            Command::StartJob { id, .. } => Command::StartJob { id, confirm: typed },
            other => other,
        }
    }

    /// Calls the server function this command names.
    pub async fn run(self) -> Result<Done, PortalError> {
        Ok(match self {
            Command::Lifecycle { id, op, confirm_login } => {
                let o = people::run_lifecycle(id, op, confirm_login).await?;
                Done {
                    go: o.person.is_none().then(|| "/people".into()),
                    message: o.message,
                    temp_password: o.temp_password,
                }
            }
            Command::UpdateProfile { id, changes } => {
                people::update_profile(id, changes).await?;
                Done::say("Profile saved.")
            }
            Command::CreatePerson { person } => {
                Done::go("Person created.", format!("/people/{}", people::create_person(person).await?))
            }
            Command::ClearSessions { id, revoke_tokens } => Done::say(people::clear_sessions(id, revoke_tokens).await?),
            Command::RevokeConsent { id, client_id } => Done::say(people::revoke_consent(id, client_id).await?),
            Command::Membership { group_id, user_ids, add } => {
                Done::say(people::change_membership(group_id, user_ids, add).await?)
            }
            Command::CreateGroup { name, description } => {
                let g = groups::create_group(name, description).await?;
                Done::go(format!("Created {}.", g.name), format!("/groups/{}", g.id))
            }
            Command::RenameGroup { id, name, description } => {
                Done::say(format!("Saved {}.", groups::rename_group(id, name, description).await?.name))
            }
            Command::DeleteGroup { id } => Done::go(groups::delete_group(id).await?, "/groups"),
            Command::AsaStatus { name, status } => Done::say(asa::set_asa_status(name, status).await?),
            Command::AsaMembership { group, user, add } => Done::say(asa::asa_membership(group, user, add).await?),
            Command::SaveAsaGroup { name, roles, create: true } => {
                let to = format!("/asa/groups/{}", crate::people::encode(&name));
                Done::go(asa::save_asa_group(name, roles, true).await?, to)
            }
            Command::SaveAsaGroup { name, roles, create: false } => {
                Done::say(asa::save_asa_group(name, roles, false).await?)
            }
            Command::DeleteAsaGroup { name } => Done::go(asa::delete_asa_group(name).await?, "/asa/groups"),
            Command::FixDrift { asa_name } => Done::say(asa::fix_drift(asa_name).await?),
            Command::Request(approvals::RequestAction { action, target, reason, group, add, status, changes }) => {
                let r = approvals::request_action(action, target, reason, group, add, status, changes).await?;
                Done::say(format!("Request {} sent for approval.", r.id))
            }
            Command::BreakGlass(approvals::RequestAction { action, target, reason, group, add, status, changes }) => {
                let r = approvals::break_glass(action, target, reason, group, add, status, changes).await?;
                Done::say(format!("Break-glass {} runs now; the reviewers have been told.", r.id))
            }
            Command::Decide { id, approve, comment } => {
                Done::say(decided(&approvals::decide_request(id, approve, comment).await?))
            }
            Command::CancelRequest { id } => {
                Done::say(format!("Cancelled {}.", approvals::cancel_request(id).await?.id))
            }
            Command::StartJob { id, confirm } => Done::say(jobs::start_job(id, confirm).await?),
            Command::CancelJob { id } => Done::say(jobs::cancel_job(id).await?),
            Command::RequestJob { id, reason } => {
                let (request, job) = jobs::request_job(id, reason).await?;
                Done::go(format!("Request {request} sent for approval."), format!("/jobs/{job}"))
            }
            Command::RevealTempPassword { id } => {
                Done { temp_password: Some(approvals::reveal_temp_password(id).await?), ..Done::default() }
            }
        })
    }
}

/// What an approver is told after deciding.
fn decided(r: &RequestView) -> String {
    match r.status {
        RequestStatus::Rejected => format!("Rejected {}.", r.id),
        RequestStatus::Approved | RequestStatus::Executing | RequestStatus::Done => {
            format!("Approved {}: it runs now.", r.id)
        }
        _ => format!("Approved {}; it waits for more approvals.", r.id),
    }
}

/// Sends `command` while `busy` is set. A failure becomes a toast that stays and is handed to
/// `on_err` (to show it by the field); a success goes to `on_done`, which is usually [`finished`].
pub fn send(
    command: Command,
    busy: RwSignal<bool>,
    on_err: impl FnOnce(PortalError) + 'static,
    on_done: impl FnOnce(Done) + 'static,
) {
    busy.set(true);
    leptos::task::spawn_local(async move {
        let result = command.run().await;
        busy.set(false);
        match result {
            Ok(done) => on_done(done),
            Err(e) => {
                toast(error_text(&e), false);
                on_err(e);
            }
        }
    });
}

/// The usual end of a success: the page again (or where `go` says), with the message.
pub fn finished(done: Done) {
    finish(&done.message, done.go.as_deref());
}

/// False until the island around it is live in the browser: controls are disabled until then, so
/// nothing looks clickable before a click can do what it says.
pub fn live() -> Signal<bool> {
    let live = RwSignal::new(false);
    Effect::new(move |_| live.set(true));
    live.into()
}
