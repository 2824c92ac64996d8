//! What Okta says a user or a group is. Tolerant: a value this version does not know is kept
//! as Okta sent it and shown as such.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A user's `status`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum UserStatus {
    Staged,
    /// Okta's PROVISIONED: activated without a password, waiting for the person.
    Provisioned,
    #[default]
    Active,
    Recovery,
    PasswordExpired,
    LockedOut,
    Suspended,
    /// Okta's DEPROVISIONED: deactivated.
    Deprovisioned,
    /// A status this version does not know, exactly as Okta sent it.
    Other(String),
}

impl UserStatus {
    /// Every status Portico knows, in the order the people filter lists them.
    pub const KNOWN: [UserStatus; 8] = [
        UserStatus::Active,
        UserStatus::Staged,
        UserStatus::Provisioned,
        UserStatus::Recovery,
        UserStatus::PasswordExpired,
        UserStatus::LockedOut,
        UserStatus::Suspended,
        UserStatus::Deprovisioned,
    ];

    /// Okta's name.
    pub fn as_str(&self) -> &str {
        match self {
            UserStatus::Staged => "STAGED",
            UserStatus::Provisioned => "PROVISIONED",
            UserStatus::Active => "ACTIVE",
            UserStatus::Recovery => "RECOVERY",
            UserStatus::PasswordExpired => "PASSWORD_EXPIRED",
            UserStatus::LockedOut => "LOCKED_OUT",
            UserStatus::Suspended => "SUSPENDED",
            UserStatus::Deprovisioned => "DEPROVISIONED",
            UserStatus::Other(s) => s,
        }
    }

    /// Any name Okta sends: a known status, or [`UserStatus::Other`].
    pub fn from_okta(name: &str) -> UserStatus {
        UserStatus::KNOWN.into_iter().find(|s| s.as_str() == name).unwrap_or_else(|| UserStatus::Other(name.into()))
    }

    /// As the page shows it ("Pending activation"); an unknown status shows Okta's name.
    pub fn label(&self) -> &str {
        match self {
            UserStatus::Staged => "Staged",
            UserStatus::Provisioned => "Pending activation",
            UserStatus::Active => "Active",
            UserStatus::Recovery => "Password reset",
            UserStatus::PasswordExpired => "Password expired",
            UserStatus::LockedOut => "Locked out",
            UserStatus::Suspended => "Suspended",
            UserStatus::Deprovisioned => "Deactivated",
            UserStatus::Other(s) => s,
        }
    }

    /// As a sentence says it ("… is pending activation now").
    pub fn words(&self) -> String {
        match self {
            UserStatus::Recovery => "in password reset".into(),
            UserStatus::PasswordExpired => "in password expiry".into(),
            UserStatus::Other(s) => s.clone(),
            known => known.label().to_lowercase(),
        }
    }

    /// The badge's style class (`status-active`, `status-locked-out`, …).
    pub fn css(&self) -> String {
        format!("status-{}", self.as_str().to_lowercase().replace('_', "-"))
    }
}

impl fmt::Display for UserStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for UserStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for UserStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(UserStatus::from_okta(&String::deserialize(d)?))
    }
}

/// A group's `type`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub enum GroupKind {
    /// Made in Okta; the only kind whose members Okta lets an admin change.
    #[default]
    OktaGroup,
    /// Imported from an app or a directory; managed there.
    AppGroup,
    /// Okta's own (Everyone).
    BuiltIn,
    Other(String),
}

impl GroupKind {
    pub const KNOWN: [GroupKind; 3] = [GroupKind::OktaGroup, GroupKind::AppGroup, GroupKind::BuiltIn];

    pub fn as_str(&self) -> &str {
        match self {
            GroupKind::OktaGroup => "OKTA_GROUP",
            GroupKind::AppGroup => "APP_GROUP",
            GroupKind::BuiltIn => "BUILT_IN",
            GroupKind::Other(s) => s,
        }
    }

    pub fn from_okta(name: &str) -> GroupKind {
        GroupKind::KNOWN.into_iter().find(|k| k.as_str() == name).unwrap_or_else(|| GroupKind::Other(name.into()))
    }

    /// As the badge shows it; an unknown kind shows Okta's name.
    pub fn label(&self) -> &str {
        match self {
            GroupKind::OktaGroup => "Okta",
            GroupKind::AppGroup => "App",
            GroupKind::BuiltIn => "Built-in",
            GroupKind::Other(s) => s,
        }
    }

    /// The badge's style class (`kind-okta-group`, …).
    pub fn css(&self) -> String {
        format!("kind-{}", self.as_str().to_lowercase().replace('_', "-"))
    }

    /// Why its members and profile cannot be changed here, when they cannot.
    pub fn read_only_reason(&self) -> Option<String> {
        match self {
            GroupKind::OktaGroup => None,
            GroupKind::AppGroup => Some(
                "Imported from an application: its members and profile are managed in that application, not in Okta."
                    .into(),
            ),
            GroupKind::BuiltIn => {
                Some("Built into Okta: Everyone always contains every person and cannot be changed.".into())
            }
            GroupKind::Other(other) => Some(format!("Groups of type {other} are managed outside Okta.")),
        }
    }
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for GroupKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for GroupKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(GroupKind::from_okta(&String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_from_okta_are_kept_and_shown() {
        let s: UserStatus = serde_json::from_str("\"QUANTUM\"").expect("tolerant");
        assert_eq!(s, UserStatus::Other("QUANTUM".into()));
        assert_eq!((s.label(), s.to_string()), ("QUANTUM", "QUANTUM".to_string()));
        assert_eq!(serde_json::to_string(&s).expect("json"), "\"QUANTUM\"");
        let k: GroupKind = serde_json::from_str("\"FEDERATED\"").expect("tolerant");
        assert!(k.read_only_reason().is_some(), "an unknown kind is not edited");
        for s in UserStatus::KNOWN {
            assert_eq!(UserStatus::from_okta(s.as_str()), s);
        }
        assert_eq!(UserStatus::Provisioned.words(), "pending activation");
        assert_eq!(UserStatus::LockedOut.css(), "status-locked-out");
    }
}
