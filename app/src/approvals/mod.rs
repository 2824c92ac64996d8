//! Requests and approvals: the "Request" dialog behind action buttons, the "Waiting on me"
//! inbox, "My requests", one request's page (where notification links land), and a manager's
//! "My people".

mod pages;
pub mod server;

pub use pages::{Ask, AwayPage, InboxPage, MyPeoplePage, MyRequestsPage, RequestDialog, RequestPage};

use portico_vocab::{PolicyAction, RequestStatus, UserStatus};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionView {
    /// "Xavier", or "Xavier for Yvonne" when a delegate decided.
    pub approver: String,
    pub approve: bool,
    pub comment: String,
    pub at: String,
    /// When the decision's maker had last signed in (the step-up it rested on).
    pub signed_in_at: Option<String>,
}

/// A request as its requester and approvers see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestView {
    pub id: String,
    pub action: PolicyAction,
    /// What will be done, in words ("Deactivate Ed Employee").
    pub summary: String,
    /// What that means for the target (the confirmation text of the direct action).
    pub effect: String,
    pub target_name: String,
    pub target_href: Option<String>,
    /// The target's Okta status now (read when the page was built).
    pub target_status: Option<UserStatus>,
    /// The status the action leads to, when it changes the status.
    pub target_status_after: Option<UserStatus>,
    pub reason: String,
    pub requester: String,
    pub requester_login: String,
    pub status: RequestStatus,
    pub created_at: String,
    pub expires_at: String,
    pub updated_at: String,
    /// Who may decide, and how far the approvals have come.
    pub stage_line: String,
    pub result: Option<String>,
    pub decisions: Vec<DecisionView>,
    /// The viewer may approve or reject now.
    pub can_decide: bool,
    /// …once they confirm it is them: their sign-in is older than the step-up window.
    pub needs_step_up: bool,
    /// Who may approve or reject it now, by name (pending requests only).
    pub approvers: Vec<String>,
    /// Run at once without approval (break-glass), and its after-action review.
    pub break_glass: Option<BreakGlassView>,
    /// Not before this time, in the zone it was stated in ("2027-03-15 18:00 Europe/Berlin").
    pub runs_at: Option<String>,
    /// The viewer asked for it and it has not started.
    pub can_cancel: bool,
    /// The viewer asked for it, it ran, and a temporary password waits for them (shown once).
    pub can_reveal: bool,
}

/// A break-glass action's after-action review, as the request shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakGlassView {
    pub review_due_at: String,
    /// Past its time and still unreviewed.
    pub overdue: bool,
    /// "Ada Admin found it justified: “…”", once reviewed.
    pub review: Option<String>,
    /// The viewer may review it now.
    pub can_review: bool,
}

/// Someone's out-of-office delegation, and those they decide for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwayView {
    /// Whom they named, while it is in force.
    pub delegate: Option<String>,
    pub delegate_login: Option<String>,
    pub until: Option<String>,
    /// Approvers away who named them: `(name, until)`.
    pub deciding_for: Vec<(String, String)>,
}

/// One of a manager's people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRow {
    pub id: String,
    pub name: String,
    pub login: String,
    pub title: String,
    pub status: UserStatus,
    /// Why they are the viewer's: "Direct report", "Reports to …", "Member of …".
    pub via: String,
    /// Open requests about them: `(id, summary)`.
    pub open_requests: Vec<(String, String)>,
}
