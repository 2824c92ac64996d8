//! Who may do what. Decided here, on the server, for every server function; the UI only hides
//! what this refuses.

use crate::identity::Role;

/// Everything a person can ask Portico to do to Okta.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    ViewPeople,
    CreatePerson,
    EditProfile,
    /// A lifecycle operation by its Okta name (`suspend`, `reset_password`, …), or `delete`.
    Lifecycle(&'static str),
    ClearSessions,
    RevokeConsents,
    ManageMembership,
    ViewGroups,
    ManageGroups,
    ViewAsa,
    /// Enable, disable or delete an ASA user.
    ManageAsaUsers,
    /// Create, edit roles of, delete ASA groups; change their members.
    ManageAsaGroups,
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

/// Help desk: view people; unlock, reset password, reset factors, clear sessions.
const HELPDESK_LIFECYCLE: &[&str] = &["unlock", "reset_password", "reset_factors"];

pub fn allowed(roles: &[Role], action: Action) -> bool {
    roles.iter().any(|role| match role {
        Role::Admin => true,
        Role::HelpDesk => match action {
            Action::ViewPeople | Action::ViewGroups | Action::ViewAsa | Action::ClearSessions => true,
            Action::Lifecycle(op) => HELPDESK_LIFECYCLE.contains(&op),
            _ => false,
        },
        Role::Auditor => {
            matches!(action, Action::ViewPeople | Action::ViewGroups | Action::ViewAsa | Action::ViewAudit)
        }
    })
}

/// The `Action` for an operation name coming from the browser, if it is one Portico offers.
pub fn lifecycle_action(op: &str) -> Option<Action> {
    LIFECYCLE.iter().find(|(o, _)| *o == op).map(|(o, _)| Action::Lifecycle(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_the_issue_says() {
        let admin = [Role::Admin];
        let desk = [Role::HelpDesk];
        let auditor = [Role::Auditor];
        for (op, _) in LIFECYCLE {
            assert!(allowed(&admin, Action::Lifecycle(op)));
            assert_eq!(allowed(&desk, Action::Lifecycle(op)), HELPDESK_LIFECYCLE.contains(op), "{op}");
            assert!(!allowed(&auditor, Action::Lifecycle(op)));
        }
        assert!(allowed(&desk, Action::ClearSessions) && !allowed(&desk, Action::EditProfile));
        assert!(!allowed(&desk, Action::ManageMembership));
        assert!(allowed(&auditor, Action::ViewPeople) && !allowed(&auditor, Action::ClearSessions));
        assert!(!allowed(&[], Action::ViewPeople), "no role, no access");
        assert!(allowed(&auditor, Action::ViewAsa) && !allowed(&desk, Action::ManageAsaUsers));
        assert!(allowed(&admin, Action::ManageAsaGroups) && !allowed(&auditor, Action::ManageAsaGroups));
    }

    #[test]
    fn unknown_operations_are_not_actions() {
        assert_eq!(lifecycle_action("suspend"), Some(Action::Lifecycle("suspend")));
        assert_eq!(lifecycle_action("drop_tables"), None);
    }
}
