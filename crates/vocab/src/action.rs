//! What the approval policy governs: every action a person can run or request.

use crate::LifecycleOp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// One governed action. Its name is the policy file's key and the stored request's `action`:
/// a lifecycle operation's own name, or `profile`, `membership`, `asa_status`, `asa_group`,
/// `app_assignment`, `offboard`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyAction {
    Lifecycle(LifecycleOp),
    /// Edit a person's profile.
    Profile,
    /// Add someone to, or remove them from, an Okta group.
    Membership,
    /// Enable, disable or delete an ASA user.
    AsaStatus,
    /// Add someone to, or remove them from, an ASA group.
    AsaGroup,
    /// Assign an application to someone directly, or take it away.
    AppAssignment,
    /// The leaver playbook (suspend, sign out, disable server access, take groups, hand over
    /// reports, deactivate on the day, delete later), and undoing it before the day.
    Offboard,
}

impl PolicyAction {
    /// Every action, in display order.
    pub const ALL: [PolicyAction; 16] = [
        PolicyAction::Lifecycle(LifecycleOp::Activate),
        PolicyAction::Lifecycle(LifecycleOp::Reactivate),
        PolicyAction::Lifecycle(LifecycleOp::Unlock),
        PolicyAction::Lifecycle(LifecycleOp::ResetPassword),
        PolicyAction::Lifecycle(LifecycleOp::ExpirePassword),
        PolicyAction::Lifecycle(LifecycleOp::ResetFactors),
        PolicyAction::Lifecycle(LifecycleOp::Unsuspend),
        PolicyAction::Lifecycle(LifecycleOp::Suspend),
        PolicyAction::Lifecycle(LifecycleOp::Deactivate),
        PolicyAction::Lifecycle(LifecycleOp::Delete),
        PolicyAction::Profile,
        PolicyAction::Membership,
        PolicyAction::AsaStatus,
        PolicyAction::AsaGroup,
        PolicyAction::AppAssignment,
        PolicyAction::Offboard,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyAction::Lifecycle(op) => op.as_str(),
            PolicyAction::Profile => "profile",
            PolicyAction::Membership => "membership",
            PolicyAction::AsaStatus => "asa_status",
            PolicyAction::AsaGroup => "asa_group",
            PolicyAction::AppAssignment => "app_assignment",
            PolicyAction::Offboard => "offboard",
        }
    }

    pub fn parse(name: &str) -> Option<PolicyAction> {
        PolicyAction::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// Every name, for messages that list them.
    pub fn names() -> String {
        PolicyAction::ALL.map(PolicyAction::as_str).join(", ")
    }

    /// In words, for refusals and audit details.
    pub fn label(self) -> &'static str {
        match self {
            PolicyAction::Lifecycle(op) => op.label(),
            PolicyAction::Profile => "Edit profile",
            PolicyAction::Membership => "Change group membership",
            PolicyAction::AsaStatus => "Change server access status",
            PolicyAction::AsaGroup => "Change server access group",
            PolicyAction::AppAssignment => "Change application assignment",
            PolicyAction::Offboard => "Offboard a leaver",
        }
    }

    /// Whether it acts on an Okta person (the others act on ASA users).
    pub fn is_about_okta_person(self) -> bool {
        !matches!(self, PolicyAction::AsaStatus | PolicyAction::AsaGroup)
    }
}

impl From<LifecycleOp> for PolicyAction {
    fn from(op: LifecycleOp) -> Self {
        PolicyAction::Lifecycle(op)
    }
}

impl fmt::Display for PolicyAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PolicyAction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Strict: an unknown name (a typo in the policy file, a forged argument) is an error that
/// lists the known ones.
impl<'de> Deserialize<'de> for PolicyAction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        PolicyAction::parse(&name).ok_or_else(|| {
            serde::de::Error::custom(format!("unknown action \"{name}\"; known actions: {}", PolicyAction::names()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_one_name_and_unknown_names_are_refused() {
        let names: std::collections::BTreeSet<&str> = PolicyAction::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names.len(), PolicyAction::ALL.len(), "names are unique");
        for a in PolicyAction::ALL {
            let json = serde_json::to_string(&a).expect("json");
            assert_eq!(serde_json::from_str::<PolicyAction>(&json).expect("parses"), a);
        }
        let err = serde_json::from_str::<PolicyAction>("\"deactivate_all\"").expect_err("strict");
        assert!(err.to_string().contains("known actions: activate"), "{err}");
        assert!(LifecycleOp::ALL.iter().all(|op| PolicyAction::ALL.contains(&PolicyAction::from(*op))));
    }
}
