//! Who is signed in, and what Portico lets them do.

use crate::config::RolesConfig;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Group names: from the `groups` claim at sign-in, then from Okta.
    pub groups: Vec<String>,
    /// The ids of their Okta groups, once Okta was asked (`None`: the provider's claims are all
    /// Portico knows, because no Okta user matches them). Roles follow these when present.
    #[serde(default)]
    pub group_ids: Option<Vec<String>>,
    /// How and when they last typed their credentials at the provider (the ID token's
    /// `auth_time`, `amr`, `acr`): what step-up checks. `None` before it was recorded.
    #[serde(default)]
    pub authn: Option<Authn>,
}

/// The provider's word on a sign-in: when (`auth_time`), how (`amr`), at what level (`acr`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Authn {
    pub at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub amr: Vec<String>,
    #[serde(default)]
    pub acr: Option<String>,
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

/// The groups Portico's configuration names (role groups, protected groups, the approval
/// policy's `group:` approvers), resolved once at start to the one OKTA_GROUP of each name.
/// A name grants only through that group: an app or directory group that shares the name (which
/// anyone who can push groups into Okta could create) grants nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupIds(BTreeMap<String, String>);

impl GroupIds {
    /// Name → Okta group id.
    pub fn new(ids: BTreeMap<String, String>) -> GroupIds {
        GroupIds(ids)
    }

    pub fn id(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Whether `p` is in the group configuration calls `name`: by id when Okta was asked, by the
    /// provider's claim only when no Okta user matches them.
    pub fn holds(&self, p: &Principal, name: &str) -> bool {
        match &p.group_ids {
            Some(ids) => self.id(name).is_some_and(|id| ids.iter().any(|mine| mine == id)),
            None => p.groups.iter().any(|g| g == name),
        }
    }

    /// The names among `p`'s groups that [`Self::holds`] confirms (what `group:` rules compare).
    pub fn confirmed(&self, p: &Principal) -> Vec<String> {
        p.groups.iter().filter(|g| self.holds(p, g)).cloned().collect()
    }

    /// Looks each name up in Okta: the OKTA_GROUP of exactly that name. None is a warning (the
    /// name grants nothing until it exists and Portico restarts); two are an error, since
    /// either could be meant.
    pub async fn resolve(
        okta: &crate::okta::OktaClient,
        names: impl IntoIterator<Item = String>,
    ) -> Result<GroupIds, GroupIdsError> {
        let mut ids = BTreeMap::new();
        for name in names.into_iter().collect::<std::collections::BTreeSet<_>>() {
            let search = format!("profile.name eq {} and type eq \"OKTA_GROUP\"", crate::okta::search::literal(&name));
            let found = okta.list_groups(Some(&search), None, None, 10).await.map_err(GroupIdsError::Okta)?;
            let exact: Vec<_> = found.items.into_iter().filter(|g| g.name == name).collect();
            match exact.as_slice() {
                [] => tracing::warn!(group = %name, "a configured group does not exist in Okta: it grants nothing"),
                [one] => {
                    ids.insert(name, one.id.clone());
                }
                several => {
                    return Err(GroupIdsError::Ambiguous(
                        name,
                        several.iter().map(|g| g.id.clone()).collect::<Vec<_>>().join(", "),
                    ));
                }
            }
        }
        Ok(GroupIds(ids))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum GroupIdsError {
    #[error(
        "the group \"{0}\" named in Portico's configuration is ambiguous: Okta has several OKTA_GROUPs of that name \
         ({1}). Rename all but one in Okta, or name a unique group."
    )]
    Ambiguous(String, String),
    #[error("could not look up the configured groups in Okta: {0}")]
    Okta(crate::okta::OktaError),
}

impl Principal {
    /// Roles granted by the configured group mapping, strongest first, without duplicates.
    pub fn roles(&self, mapping: &RolesConfig, ids: &GroupIds) -> Vec<Role> {
        let has_any = |names: &[String]| names.iter().any(|n| ids.holds(self, n));
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
            group_ids: None,
            authn: None,
        }
    }

    #[test]
    fn roles_follow_the_group_mapping() {
        let (m, ids) = (RolesConfig::default(), GroupIds::default());
        assert_eq!(person(&["Everyone"]).roles(&m, &ids), vec![]);
        assert_eq!(person(&["Portico Admins"]).roles(&m, &ids), vec![Role::Admin]);
        assert_eq!(
            person(&["Portico Auditors", "Portico Help Desk"]).roles(&m, &ids),
            vec![Role::HelpDesk, Role::Auditor]
        );
    }

    #[test]
    fn group_names_match_exactly() {
        let m = RolesConfig::default();
        assert_eq!(person(&["portico admins", "Portico Admins Extra"]).roles(&m, &GroupIds::default()), vec![]);
    }

    #[test]
    fn with_okta_groups_known_a_name_grants_only_through_its_group() {
        let m = RolesConfig::default();
        let ids = GroupIds::new(BTreeMap::from([("Portico Admins".to_string(), "00gAdmins".to_string())]));
        // An app group named like the admins group: the name is there, the id is not.
        let imposter = Principal { group_ids: Some(vec!["00gFromAnApp".into()]), ..person(&["Portico Admins"]) };
        assert_eq!(imposter.roles(&m, &ids), vec![]);
        assert!(ids.confirmed(&imposter).is_empty(), "nor does it satisfy a group: approver rule");
        let admin = Principal { group_ids: Some(vec!["00gAdmins".into()]), ..person(&["Portico Admins"]) };
        assert_eq!(admin.roles(&m, &ids), vec![Role::Admin]);
        assert_eq!(ids.confirmed(&admin), vec!["Portico Admins".to_string()]);
    }
}
