//! The lifecycle and credential operations and what each status allows.

use crate::api::error::ApiError;
use axum::http::StatusCode;

/// Every lifecycle and credential operation: one table decides both the links a user gets and
/// whether the operation is accepted, so the two can never disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Activate,
    Reactivate,
    Deactivate,
    Suspend,
    Unsuspend,
    Unlock,
    ResetPassword,
    ExpirePassword,
    ResetFactors,
    ChangePassword,
    ChangeRecoveryQuestion,
    ForgotPassword,
    Delete,
}

impl Op {
    pub fn link(self) -> &'static str {
        match self {
            Op::Activate => "activate",
            Op::Reactivate => "reactivate",
            Op::Deactivate => "deactivate",
            Op::Suspend => "suspend",
            Op::Unsuspend => "unsuspend",
            Op::Unlock => "unlock",
            Op::ResetPassword => "resetPassword",
            Op::ExpirePassword => "expirePassword",
            Op::ResetFactors => "resetFactors",
            Op::ChangePassword => "changePassword",
            Op::ChangeRecoveryQuestion => "changeRecoveryQuestion",
            Op::ForgotPassword => "forgotPassword",
            Op::Delete => "delete",
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Op::Activate => "lifecycle/activate",
            Op::Reactivate => "lifecycle/reactivate",
            Op::Deactivate => "lifecycle/deactivate",
            Op::Suspend => "lifecycle/suspend",
            Op::Unsuspend => "lifecycle/unsuspend",
            Op::Unlock => "lifecycle/unlock",
            Op::ResetPassword => "lifecycle/reset_password",
            Op::ExpirePassword => "lifecycle/expire_password",
            Op::ResetFactors => "lifecycle/reset_factors",
            Op::ChangePassword => "credentials/change_password",
            Op::ChangeRecoveryQuestion => "credentials/change_recovery_question",
            Op::ForgotPassword => "credentials/forgot_password",
            Op::Delete => "",
        }
    }

    /// The refusal Okta gives when the status does not allow this operation.
    pub fn refusal(self, id: &str) -> ApiError {
        match self {
            Op::Activate => {
                ApiError::new(StatusCode::FORBIDDEN, "E0000016", "Activation failed because the user is already active")
            }
            Op::Deactivate | Op::Delete => ApiError::not_found(id, "User"),
            Op::Suspend => ApiError::validation("suspendUser", vec!["Cannot suspend a user that is not active".into()]),
            Op::Unsuspend => {
                ApiError::validation("unsuspendUser", vec!["Cannot unsuspend a user that is not suspended".into()])
            }
            Op::Unlock => ApiError::new(StatusCode::FORBIDDEN, "E0000032", "Unlock is not allowed for this user.")
                .with_cause("The user is not locked out."),
            Op::ChangePassword => {
                ApiError::new(StatusCode::FORBIDDEN, "E0000035", "Change password not allowed on specified user.")
            }
            Op::ChangeRecoveryQuestion => ApiError::new(
                StatusCode::FORBIDDEN,
                "E0000036",
                "Change recovery question not allowed on specified user.",
            ),
            Op::ForgotPassword => {
                ApiError::new(StatusCode::FORBIDDEN, "E0000034", "Forgot password not allowed on specified user.")
            }
            Op::Reactivate | Op::ResetPassword | Op::ExpirePassword | Op::ResetFactors => {
                ApiError::not_allowed_in_status()
            }
        }
    }
}

/// What each status allows (see the crate README for the choices where Okta's docs are silent).
pub fn allowed_ops(status: &str, has_password: bool) -> Vec<Op> {
    use Op::*;
    let mut ops = match status {
        // Okta accepts deactivation from any status but DEPROVISIONED; its STAGED users just do
        // not advertise it, so `User::to_json` leaves that one link out.
        "STAGED" => vec![Activate, ResetFactors, Deactivate],
        "PROVISIONED" => vec![Reactivate, ResetPassword, Deactivate, ResetFactors],
        "ACTIVE" => vec![Suspend, ResetPassword, ExpirePassword, ForgotPassword, ResetFactors, Deactivate],
        // Okta offers suspend on an expired password too (recordings), not only on ACTIVE.
        "PASSWORD_EXPIRED" => vec![Suspend, ResetPassword, ExpirePassword, ForgotPassword, ResetFactors, Deactivate],
        "RECOVERY" => vec![ResetPassword, ResetFactors, Deactivate],
        "LOCKED_OUT" => vec![Unlock, ResetPassword, ResetFactors, Deactivate],
        "SUSPENDED" => vec![Unsuspend, ResetFactors, Deactivate],
        "DEPROVISIONED" => vec![Activate, Delete],
        _ => vec![],
    };
    // Okta's docs also allow password changes while STAGED, but real STAGED users carry no
    // such links (recordings), so the embedded org follows the recordings.
    if has_password && matches!(status, "ACTIVE" | "PASSWORD_EXPIRED" | "RECOVERY") {
        ops.extend([ChangePassword, ChangeRecoveryQuestion]);
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_follow_the_status_table() {
        let names = |s: &str| allowed_ops(s, true).iter().map(|o| o.link()).collect::<Vec<_>>();
        assert_eq!(names("STAGED"), vec!["activate", "resetFactors", "deactivate"]);
        assert!(names("ACTIVE").contains(&"suspend") && !names("ACTIVE").contains(&"unsuspend"));
        assert_eq!(names("SUSPENDED"), vec!["unsuspend", "resetFactors", "deactivate"]);
        assert_eq!(names("DEPROVISIONED"), vec!["activate", "delete"]);
        assert!(names("LOCKED_OUT").contains(&"unlock"));
        assert!(names("PASSWORD_EXPIRED").contains(&"suspend"), "as Okta answers expire_password");
    }

    /// The portal's vocabulary says what Okta offers in each status (for previews over lists,
    /// which carry no links); it says what this table advertises.
    #[test]
    fn the_portals_vocabulary_agrees_with_the_table() {
        use portico_vocab::{LifecycleOp, UserStatus};
        for status in UserStatus::KNOWN {
            let advertised: Vec<&str> = allowed_ops(status.as_str(), true)
                .iter()
                .filter(|o| !(status == UserStatus::Staged && **o == Op::Deactivate))
                .map(|o| o.link())
                .collect();
            for op in LifecycleOp::ALL {
                assert_eq!(op.offered_in(&status), advertised.contains(&op.link()), "{op} in {}", status.as_str());
            }
        }
    }
}
