//! Okta objects → the view models the browser gets (server side only).

use crate::people::{ActionView, Mode, PendingRequest, Permit, Person, PersonRow, ProfileField};
use crate::ssr::Caller;
use portico_core::{okta::User, policy::Decision, requests::Request};
use portico_vocab::{LifecycleOp, PolicyAction, UserStatus};

pub use portico_core::actions::plan::{PROFILE, profile_changes};

pub fn row(u: &User) -> PersonRow {
    PersonRow {
        id: u.id.clone(),
        name: u.display_name(),
        login: u.field("login").unwrap_or_default().to_string(),
        status: u.status.clone(),
        department: u.field("department").unwrap_or_default().to_string(),
        title: u.field("title").unwrap_or_default().to_string(),
        last_login: u.last_login.clone(),
    }
}

/// A lifecycle button for `op` on `name`, as a direct run (the words come from the vocabulary).
pub(crate) fn action(op: LifecycleOp, name: &str) -> ActionView {
    ActionView {
        op,
        label: op.label().into(),
        danger: op.is_dangerous(),
        confirm: op.consequence(name, false),
        mode: Mode::Run,
        reason_required: false,
        approvers: String::new(),
        break_glass: false,
    }
}

/// The policy's decision as the page shows it.
pub fn mode(d: Decision) -> Mode {
    match d {
        Decision::Run => Mode::Run,
        Decision::Request => Mode::Request,
        Decision::Refuse => Mode::None,
    }
}

/// Who approves `action`, in words ("the person's manager or an admin").
pub fn approvers_words(caller: &Caller, action: PolicyAction) -> String {
    caller
        .state
        .policy
        .rule(action)
        .stages
        .iter()
        .map(|s| {
            let who = portico_core::policy::describe_stage(s);
            if s.required > 1 { format!("{} approvals from {who}", s.required) } else { who }
        })
        .collect::<Vec<_>>()
        .join(", then ")
}

/// The viewer's permit for a non-lifecycle action on a person (none once they are deactivated).
pub fn permit(caller: &Caller, action: PolicyAction, manages: bool, live: bool) -> Permit {
    let mode = if live { mode(caller.decide(action, manages)) } else { Mode::None };
    Permit {
        mode,
        approvers: if mode == Mode::Request { approvers_words(caller, action) } else { String::new() },
        reason_required: caller.state.policy.rule(action).reason_required,
    }
}

/// The operations Okta allows in this status (from `_links`) that the caller may run or request.
pub fn actions(u: &User, caller: &Caller, manages: bool) -> Vec<ActionView> {
    let name = u.display_name();
    LifecycleOp::ALL
        .into_iter()
        .filter(|op| u.allows(*op))
        .filter_map(|op| {
            let m = mode(caller.decide(op, manages));
            (m != Mode::None).then(|| {
                let mut a = action(op, &name);
                if m == Mode::Request {
                    a.mode = Mode::Request;
                    a.confirm = op.consequence(&name, true);
                    a.reason_required = caller.state.policy.rule(op).reason_required;
                    a.approvers = approvers_words(caller, op.into());
                    a.break_glass = portico_core::requests::break_glass::may_break_glass(caller);
                }
                a
            })
        })
        .collect()
}

pub fn person(
    u: &User,
    manager: Option<(String, String)>,
    caller: &Caller,
    manages: bool,
    pending: &[Request],
    protected: Option<String>,
) -> Person {
    // A protected person offers this viewer nothing to change (the server refuses it anyway).
    let live = u.status != UserStatus::Deprovisioned && protected.is_none();
    let profile_permit = permit(caller, PolicyAction::Profile, manages, live);
    let membership_permit = permit(caller, PolicyAction::Membership, manages, live);
    let editable = profile_permit.mode != Mode::None;
    Person {
        id: u.id.clone(),
        name: u.display_name(),
        login: u.field("login").unwrap_or_default().to_string(),
        status: u.status.clone(),
        transitioning_to: u.transitioning_to.as_deref().map(UserStatus::from_okta),
        created: u.created.clone(),
        last_login: u.last_login.clone(),
        last_updated: u.last_updated.clone(),
        password_changed: u.password_changed.clone(),
        manager,
        fields: PROFILE
            .iter()
            .map(|(key, label, can)| ProfileField {
                key: key.to_string(),
                label: label.to_string(),
                value: u.field(key).unwrap_or_default().to_string(),
                editable: *can && editable,
            })
            .collect(),
        actions: if protected.is_none() { actions(u, caller, manages) } else { Vec::new() },
        can_edit: editable,
        can_manage_groups: membership_permit.mode != Mode::None,
        profile_permit,
        membership_permit,
        protected,
        show_asa: caller.state.asa.is_some() && caller.can(portico_core::authz::Action::ViewAsa),
        pending: pending
            .iter()
            .map(|r| PendingRequest {
                id: r.id.clone(),
                summary: r.summary.clone(),
                requester: r.requester_name.clone(),
            })
            .collect(),
    }
}
