//! Okta's user lifecycle operations, as Portico offers them.

use crate::UserStatus;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One lifecycle operation. The serde name is Okta's path segment
/// (`POST /api/v1/users/{id}/lifecycle/{name}`), except `delete`, which is `DELETE /users/{id}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LifecycleOp {
    Activate,
    Reactivate,
    Unlock,
    ResetPassword,
    ExpirePassword,
    ResetFactors,
    Unsuspend,
    Suspend,
    Deactivate,
    Delete,
}

impl LifecycleOp {
    /// Every operation, in the order the person page shows them.
    pub const ALL: [LifecycleOp; 10] = [
        LifecycleOp::Activate,
        LifecycleOp::Reactivate,
        LifecycleOp::Unlock,
        LifecycleOp::ResetPassword,
        LifecycleOp::ExpirePassword,
        LifecycleOp::ResetFactors,
        LifecycleOp::Unsuspend,
        LifecycleOp::Suspend,
        LifecycleOp::Deactivate,
        LifecycleOp::Delete,
    ];

    /// The wire name (serde's, the policy file's, the stored request's).
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleOp::Activate => "activate",
            LifecycleOp::Reactivate => "reactivate",
            LifecycleOp::Unlock => "unlock",
            LifecycleOp::ResetPassword => "reset_password",
            LifecycleOp::ExpirePassword => "expire_password",
            LifecycleOp::ResetFactors => "reset_factors",
            LifecycleOp::Unsuspend => "unsuspend",
            LifecycleOp::Suspend => "suspend",
            LifecycleOp::Deactivate => "deactivate",
            LifecycleOp::Delete => "delete",
        }
    }

    pub fn parse(name: &str) -> Option<LifecycleOp> {
        LifecycleOp::ALL.into_iter().find(|op| op.as_str() == name)
    }

    /// The `_links` key under which Okta offers the operation for a user's current status.
    pub fn link(self) -> &'static str {
        match self {
            LifecycleOp::Activate => "activate",
            LifecycleOp::Reactivate => "reactivate",
            LifecycleOp::Unlock => "unlock",
            LifecycleOp::ResetPassword => "resetPassword",
            LifecycleOp::ExpirePassword => "expirePassword",
            LifecycleOp::ResetFactors => "resetFactors",
            LifecycleOp::Unsuspend => "unsuspend",
            LifecycleOp::Suspend => "suspend",
            LifecycleOp::Deactivate => "deactivate",
            LifecycleOp::Delete => "delete",
        }
    }

    /// Whether Okta offers the operation to a person in `status`: what `_links` holds for a user
    /// read alone. Lists of users carry no lifecycle links, so a preview over a list decides by
    /// this; the call itself is decided on the person re-read. Checked against the embedded
    /// org's table (crates/devorg `ops`).
    pub fn offered_in(self, status: &UserStatus) -> bool {
        use LifecycleOp::*;
        match status {
            // Okta accepts deactivating a STAGED user but does not advertise it.
            UserStatus::Staged => matches!(self, Activate | ResetFactors),
            UserStatus::Provisioned => matches!(self, Reactivate | ResetPassword | Deactivate | ResetFactors),
            UserStatus::Active | UserStatus::PasswordExpired => {
                matches!(self, Suspend | ResetPassword | ExpirePassword | ResetFactors | Deactivate)
            }
            UserStatus::Recovery => matches!(self, ResetPassword | ResetFactors | Deactivate),
            UserStatus::LockedOut => matches!(self, Unlock | ResetPassword | ResetFactors | Deactivate),
            UserStatus::Suspended => matches!(self, Unsuspend | ResetFactors | Deactivate),
            UserStatus::Deprovisioned => matches!(self, Activate | Delete),
            UserStatus::Other(_) => false,
        }
    }

    /// The button's words.
    pub fn label(self) -> &'static str {
        match self {
            LifecycleOp::Activate => "Activate",
            LifecycleOp::Reactivate => "Resend activation",
            LifecycleOp::Unlock => "Unlock",
            LifecycleOp::ResetPassword => "Reset password",
            LifecycleOp::ExpirePassword => "Expire password",
            LifecycleOp::ResetFactors => "Reset MFA",
            LifecycleOp::Unsuspend => "Unsuspend",
            LifecycleOp::Suspend => "Suspend",
            LifecycleOp::Deactivate => "Deactivate",
            LifecycleOp::Delete => "Delete",
        }
    }

    /// Whether the page asks for care (a red button, a confirmation that says what is lost).
    pub fn is_dangerous(self) -> bool {
        matches!(self, LifecycleOp::Suspend | LifecycleOp::Deactivate | LifecycleOp::Delete)
    }

    /// What happens to `name`, said before it is done. `requested`: it runs later, after
    /// approval, so what a direct run shows at once is promised where it will be found.
    pub fn consequence(self, name: &str, requested: bool) -> String {
        match self {
            LifecycleOp::Activate => {
                format!("{name} will be activated. Without a password, Okta emails them an activation link.")
            }
            LifecycleOp::Reactivate => {
                format!("Okta sends {name} a new activation email; the previous link stops working.")
            }
            LifecycleOp::Unlock => format!("{name} can sign in again with their current password."),
            LifecycleOp::ResetPassword => {
                format!("{name}'s password stops working now and Okta emails them a link to choose a new one.")
            }
            LifecycleOp::ExpirePassword if requested => format!(
                "{name} must choose a new password at next sign-in. Once it has run, a temporary password waits for you on the request's page, shown once, for you to pass on."
            ),
            LifecycleOp::ExpirePassword => format!(
                "{name} must choose a new password at next sign-in. A temporary password is shown once, here, for you to pass on."
            ),
            LifecycleOp::ResetFactors => {
                format!("All of {name}'s enrolled MFA factors are removed; they enroll again at next sign-in.")
            }
            LifecycleOp::Unsuspend => format!("{name} can sign in again."),
            LifecycleOp::Suspend => {
                format!("{name} is signed out and cannot sign in until unsuspended. Apps and group memberships stay.")
            }
            LifecycleOp::Deactivate => format!(
                "{name} is signed out, removed from every app assignment, and their password is deleted. Group memberships stay. Coming back needs a new activation."
            ),
            LifecycleOp::Delete => {
                format!("{name} and their group memberships are deleted permanently. This cannot be undone.")
            }
        }
    }

    /// What it did, for "{name} was {this}.": one wording for direct runs and approved requests.
    pub fn done(self) -> &'static str {
        match self {
            LifecycleOp::Suspend => "suspended",
            LifecycleOp::Unsuspend => "unsuspended",
            LifecycleOp::Deactivate => "deactivated",
            LifecycleOp::Delete => "deleted",
            LifecycleOp::Unlock => "unlocked",
            LifecycleOp::Activate => "activated",
            LifecycleOp::Reactivate => "sent a new activation email",
            LifecycleOp::ResetPassword => "emailed a password reset link",
            LifecycleOp::ExpirePassword => "made to choose a new password at next sign-in",
            LifecycleOp::ResetFactors => "left with no MFA factors",
        }
    }

    /// The status the operation leads to, for those that set one.
    pub fn status_after(self) -> Option<UserStatus> {
        Some(match self {
            LifecycleOp::Deactivate => UserStatus::Deprovisioned,
            LifecycleOp::Suspend => UserStatus::Suspended,
            LifecycleOp::Unsuspend | LifecycleOp::Unlock | LifecycleOp::Activate => UserStatus::Active,
            LifecycleOp::ResetPassword => UserStatus::Recovery,
            LifecycleOp::ExpirePassword => UserStatus::PasswordExpired,
            LifecycleOp::Reactivate | LifecycleOp::ResetFactors | LifecycleOp::Delete => return None,
        })
    }

    /// Whether Okta should email the person (`sendEmail=true`): activation links and reset links.
    pub fn sends_email(self) -> bool {
        matches!(self, LifecycleOp::ResetPassword | LifecycleOp::Activate | LifecycleOp::Reactivate)
    }

    /// The audit trail's name for it once run, directly or approved.
    pub fn audit_action(self) -> String {
        format!("person.{}", self.as_str())
    }
}

impl fmt::Display for LifecycleOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for op in LifecycleOp::ALL {
            let json = serde_json::to_string(&op).expect("serializes");
            assert_eq!(json, format!("\"{}\"", op.as_str()));
            assert_eq!(serde_json::from_str::<LifecycleOp>(&json).expect("parses"), op);
            assert_eq!(LifecycleOp::parse(op.as_str()), Some(op));
            assert!(!op.label().is_empty() && !op.done().is_empty());
        }
        assert!(serde_json::from_str::<LifecycleOp>("\"drop_tables\"").is_err());
        assert_eq!(LifecycleOp::parse("drop_tables"), None);
    }

    #[test]
    fn a_requested_expiry_says_where_the_temporary_password_will_be() {
        let direct = LifecycleOp::ExpirePassword.consequence("Ed", false);
        let requested = LifecycleOp::ExpirePassword.consequence("Ed", true);
        assert!(direct.contains("shown once, here"));
        assert!(requested.contains("on the request's page") && !requested.contains("here,"), "{requested}");
    }
}
