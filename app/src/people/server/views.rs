//! Okta objects → the view models the browser gets (server side only).

use crate::people::{ActionView, Person, PersonRow, ProfileField};
use crate::ssr::Caller;
use portico_core::{
    authz::{Action, LIFECYCLE},
    okta::User,
};

/// Profile properties shown on the person page, in order: `(key, label, editable)`.
pub const PROFILE: &[(&str, &str, bool)] = &[
    ("firstName", "First name", true),
    ("lastName", "Last name", true),
    ("displayName", "Display name", true),
    ("email", "Primary email", true),
    ("secondEmail", "Secondary email", true),
    ("login", "Username", false),
    ("mobilePhone", "Mobile phone", true),
    ("title", "Title", true),
    ("department", "Department", true),
    ("employeeNumber", "Employee number", true),
];

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

fn action(op: &str, name: &str) -> ActionView {
    let (label, danger, confirm) = match op {
        "activate" => (
            "Activate",
            false,
            format!("{name} will be activated. Without a password, Okta emails them an activation link."),
        ),
        "reactivate" => (
            "Resend activation",
            false,
            format!("Okta sends {name} a new activation email; the previous link stops working."),
        ),
        "unlock" => ("Unlock", false, format!("{name} can sign in again with their current password.")),
        "reset_password" => (
            "Reset password",
            false,
            format!("{name}'s password stops working now and Okta emails them a link to choose a new one."),
        ),
        "expire_password" => (
            "Expire password",
            false,
            format!(
                "{name} must choose a new password at next sign-in. A temporary password is shown once, here, for you to pass on."
            ),
        ),
        "reset_factors" => (
            "Reset MFA",
            false,
            format!("All of {name}'s enrolled MFA factors are removed; they enroll again at next sign-in."),
        ),
        "unsuspend" => ("Unsuspend", false, format!("{name} can sign in again.")),
        "suspend" => (
            "Suspend",
            true,
            format!("{name} is signed out and cannot sign in until unsuspended. Apps and group memberships stay."),
        ),
        "deactivate" => (
            "Deactivate",
            true,
            format!(
                "{name} is signed out, removed from every app assignment, and their password is deleted. Group memberships stay. Coming back needs a new activation."
            ),
        ),
        "delete" => (
            "Delete",
            true,
            format!("{name} and their group memberships are deleted permanently. This cannot be undone."),
        ),
        _ => ("", false, String::new()),
    };
    ActionView { op: op.into(), label: label.into(), danger, confirm }
}

/// The operations Okta allows in this status (from `_links`) that the caller may run.
pub fn actions(u: &User, caller: &Caller) -> Vec<ActionView> {
    let name = u.display_name();
    LIFECYCLE
        .iter()
        .filter(|(op, link)| u.has_link(link) && caller.can(Action::Lifecycle(op)))
        .map(|(op, _)| action(op, &name))
        .collect()
}

pub fn person(u: &User, manager: Option<(String, String)>, caller: &Caller) -> Person {
    let editable = u.status != "DEPROVISIONED" && caller.can(Action::EditProfile);
    Person {
        id: u.id.clone(),
        name: u.display_name(),
        login: u.field("login").unwrap_or_default().to_string(),
        status: u.status.clone(),
        transitioning_to: u.transitioning_to.clone(),
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
        actions: actions(u, caller),
        can_edit: editable,
        can_manage_groups: caller.can(Action::ManageMembership) && u.status != "DEPROVISIONED",
    }
}
