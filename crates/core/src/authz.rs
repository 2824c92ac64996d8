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

impl Action {
    /// It changes something in Okta (so the actor is re-read from Okta first).
    pub fn is_change(self) -> bool {
        matches!(self, Action::CreatePerson | Action::ClearSessions | Action::RevokeConsents | Action::ManageGroups)
    }
}

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
}
