//! Groups: search, the group page with its members, and managing OKTA_GROUPs.

mod group;
mod list;
pub mod server;

pub use group::{GroupPage, GroupPicker, PeoplePicker};
pub use list::GroupsPage;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupRow {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub kind: portico_vocab::GroupKind,
    pub users_count: Option<i64>,
    /// Why the group cannot be changed here, when it cannot.
    pub read_only: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupsList {
    pub rows: Vec<GroupRow>,
    pub next: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupView {
    pub group: GroupRow,
    pub can_manage: bool,
    pub can_manage_members: bool,
}
