//! Who may see what, and do the things the approval policy does not govern (creating people,
//! clearing sessions, managing groups). Lifecycle operations, profile edits and membership
//! changes are decided by [`crate::policy`]. Decided on the server for every server function;
//! the UI only hides what this refuses.

use crate::identity::Role;

/// Everything a person can ask Portico to do to Okta.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    ViewPeople,
    CreatePerson,
    ClearSessions,
    RevokeConsents,
    ViewGroups,
    /// Create, rename and delete Okta groups.
    ManageGroups,
    ViewAsa,
    /// Read and export the audit trail.
    ViewAudit,
}

/// Lifecycle operations the portal offers, in display order: `(Okta operation, link name)`.
pub const LIFECYCLE: &[(&str, &str)] = &[
    ("activate", "activate"),
    ("reactivate", "reactivate"),
    ("unlock", "unlock"),
    ("reset_password", "resetPassword"),
    ("expire_password", "expirePassword"),
    ("reset_factors", "resetFactors"),
    ("unsuspend", "unsuspend"),
    ("suspend", "suspend"),
    ("deactivate", "deactivate"),
    ("delete", "delete"),
];

pub fn allowed(roles: &[Role], action: Action) -> bool {
    roles.iter().any(|role| match role {
        Role::Admin => true,
        Role::HelpDesk => {
            matches!(action, Action::ViewPeople | Action::ViewGroups | Action::ViewAsa | Action::ClearSessions)
        }
        Role::Auditor => {
            matches!(action, Action::ViewPeople | Action::ViewGroups | Action::ViewAsa | Action::ViewAudit)
        }
    })
}

/// The link relation Okta uses for a lifecycle operation Portico offers.
pub fn lifecycle_link(op: &str) -> Option<&'static str> {
    LIFECYCLE.iter().find(|(o, _)| *o == op).map(|(_, l)| *l)
}

/// What a lifecycle operation did to a person, in words: "{name} was {this}.". One wording for
/// direct actions and approved requests.
pub fn lifecycle_done(op: &str) -> &'static str {
    match op {
        "suspend" => "suspended",
        "unsuspend" => "unsuspended",
        "deactivate" => "deactivated",
        "delete" => "deleted",
        "unlock" => "unlocked",
        "activate" => "activated",
        "reactivate" => "sent a new activation email",
        "reset_password" => "emailed a password reset link",
        "expire_password" => "made to choose a new password at next sign-in",
        "reset_factors" => "left with no MFA factors",
        _ => "updated",
    }
}

/// The Okta status a lifecycle operation leads to, for those that set one.
pub fn status_after(op: &str) -> Option<&'static str> {
    Some(match op {
        "deactivate" => "DEPROVISIONED",
        "suspend" => "SUSPENDED",
        "unsuspend" | "unlock" | "activate" => "ACTIVE",
        "reset_password" => "RECOVERY",
        "expire_password" => "PASSWORD_EXPIRED",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_the_issue_says() {
        let admin = [Role::Admin];
        let desk = [Role::HelpDesk];
        let auditor = [Role::Auditor];
        assert!(allowed(&desk, Action::ClearSessions) && !allowed(&desk, Action::CreatePerson));
        assert!(!allowed(&desk, Action::ManageGroups) && allowed(&admin, Action::ManageGroups));
        assert!(allowed(&auditor, Action::ViewPeople) && !allowed(&auditor, Action::ClearSessions));
        assert!(!allowed(&[], Action::ViewPeople), "no role, no access");
        assert!(allowed(&auditor, Action::ViewAudit) && !allowed(&desk, Action::ViewAudit));
    }

    #[test]
    fn unknown_operations_have_no_link() {
        assert_eq!(lifecycle_link("reset_password"), Some("resetPassword"));
        assert_eq!(lifecycle_link("drop_tables"), None);
    }
}
