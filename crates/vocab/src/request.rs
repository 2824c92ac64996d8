//! Where a request for approval stands.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for decisions.
    Pending,
    /// Every stage approved; waiting for the executor (or for a retry).
    Approved,
    /// Claimed by an executor; the upstream call may be in flight.
    Executing,
    Done,
    /// The upstream call failed for good (Okta's message is the result).
    Failed,
    Rejected,
    Cancelled,
    Expired,
    /// Refused at execution: the target's state no longer allows the action.
    Stale,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 9] = [
        RequestStatus::Pending,
        RequestStatus::Approved,
        RequestStatus::Executing,
        RequestStatus::Done,
        RequestStatus::Failed,
        RequestStatus::Rejected,
        RequestStatus::Cancelled,
        RequestStatus::Expired,
        RequestStatus::Stale,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Executing => "executing",
            RequestStatus::Done => "done",
            RequestStatus::Failed => "failed",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Cancelled => "cancelled",
            RequestStatus::Expired => "expired",
            RequestStatus::Stale => "stale",
        }
    }

    pub fn parse(name: &str) -> Option<RequestStatus> {
        RequestStatus::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Still to be decided or run.
    pub fn is_open(self) -> bool {
        matches!(self, RequestStatus::Pending | RequestStatus::Approved | RequestStatus::Executing)
    }

    /// As people say it.
    pub fn label(self) -> &'static str {
        match self {
            RequestStatus::Pending => "Waiting for approval",
            RequestStatus::Approved => "Approved, queued",
            RequestStatus::Executing => "Running",
            RequestStatus::Done => "Done",
            RequestStatus::Failed => "Failed",
            RequestStatus::Rejected => "Rejected",
            RequestStatus::Cancelled => "Cancelled",
            RequestStatus::Expired => "Expired",
            RequestStatus::Stale => "Not run: state changed",
        }
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
