//! Who is signed in, and what Portico lets them do.

use crate::config::RolesConfig;
use serde::{Deserialize, Serialize};

/// The signed-in person, as established from a verified ID token and kept in the server-side
/// session. Never sent to the browser as is: server functions return view models.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Principal {
    /// The provider's subject: the Okta user id.
    pub sub: String,
    pub name: String,
    pub email: Option<String>,
    /// Okta login (`preferred_username`).
    pub login: String,
    /// Group names from the `groups` claim.
    pub groups: Vec<String>,
}

/// Portal roles, derived from group membership by the mapping in configuration.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything.
    Admin,
    /// View people; unlock, reset password, reset factors, clear sessions.
    HelpDesk,
    /// Read-only, including the audit trail.
    Auditor,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::HelpDesk => "Help desk",
            Role::Auditor => "Auditor",
        }
    }
}

impl Principal {
    /// Roles granted by the configured group mapping, strongest first, without duplicates.
    pub fn roles(&self, mapping: &RolesConfig) -> Vec<Role> {
        let has_any = |names: &[String]| names.iter().any(|n| self.groups.iter().any(|g| g == n));
        let mut roles = Vec::new();
        if has_any(&mapping.admin_groups) {
            roles.push(Role::Admin);
        }
        if has_any(&mapping.helpdesk_groups) {
            roles.push(Role::HelpDesk);
        }
        if has_any(&mapping.auditor_groups) {
            roles.push(Role::Auditor);
        }
        roles
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(groups: &[&str]) -> Principal {
        Principal {
            sub: "00u1".into(),
            name: "A".into(),
            email: None,
            login: "a@example.com".into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    #[test]
    fn roles_follow_the_group_mapping() {
        let m = RolesConfig::default();
        assert_eq!(person(&["Everyone"]).roles(&m), vec![]);
        assert_eq!(person(&["Portico Admins"]).roles(&m), vec![Role::Admin]);
        assert_eq!(person(&["Portico Auditors", "Portico Help Desk"]).roles(&m), vec![Role::HelpDesk, Role::Auditor]);
    }

    #[test]
    fn group_names_match_exactly() {
        let m = RolesConfig::default();
        assert_eq!(person(&["portico admins", "Portico Admins Extra"]).roles(&m), vec![]);
    }
}
