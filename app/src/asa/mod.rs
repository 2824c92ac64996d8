//! Okta Advanced Server Access: people and groups in the ASA team, side by side with Okta, and
//! the drift between them.

mod pages;
pub mod server;

pub use pages::{AsaGroupPage, AsaGroupsPage, AsaUserPage, AsaUsersPage, DriftPage, PersonAsaCard};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsaUserRow {
    pub name: String,
    pub full_name: String,
    pub email: Option<String>,
    pub status: String,
    pub service: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsaGroupRow {
    pub name: String,
    pub roles: Vec<String>,
    /// Why membership cannot change here (pushed from Okta), if so.
    pub read_only: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsaUsersPage {
    pub rows: Vec<AsaUserRow>,
    pub next: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsaUserView {
    pub user: AsaUserRow,
    pub groups: Vec<AsaGroupRow>,
    pub can_manage: bool,
    /// Status changes: at once, by request, or not at all.
    pub permit: crate::people::Permit,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsaGroupView {
    pub group: AsaGroupRow,
    pub members: Vec<AsaUserRow>,
    pub can_manage: bool,
    /// Membership changes: at once, by request, or not at all.
    pub permit: crate::people::Permit,
}

/// Someone whose Okta and ASA states disagree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftRow {
    pub okta_id: Option<String>,
    pub name: String,
    pub email: String,
    pub okta_status: Option<portico_vocab::UserStatus>,
    pub asa_name: String,
    pub asa_status: String,
    pub problem: String,
    /// The ASA status that would bring ASA in line with Okta.
    pub fix_to: String,
}

pub const ROLES: [(&str, &str); 3] =
    [("access_user", "Access user"), ("access_admin", "Access admin"), ("reporting_user", "Reporting user")];
