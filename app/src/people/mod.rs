//! People: search, the person page, lifecycle actions, profile editing, group membership.

mod access;
mod create;
mod list;
mod person;
pub mod server;

pub use create::NewPersonPage;
pub use list::PeoplePage;
pub use person::PersonPage;

use portico_vocab::{LifecycleOp, UserStatus};
use serde::{Deserialize, Serialize};

/// A people-list view someone saved: its name and the link that opens it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedViewRow {
    pub id: String,
    pub name: String,
    pub href: String,
}

/// The people list's whole state; it lives in the URL so reload, back and shared links
/// reproduce the view.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PeopleQuery {
    pub q: String,
    pub status: String,
    pub department: String,
    pub title: String,
    pub manager: String,
    pub created_from: String,
    pub created_to: String,
    pub updated_from: String,
    pub updated_to: String,
    pub sort: String,
    pub order: String,
    pub after: String,
}

impl PeopleQuery {
    pub(crate) const KEYS: [&'static str; 12] = [
        "q",
        "status",
        "department",
        "title",
        "manager",
        "created_from",
        "created_to",
        "updated_from",
        "updated_to",
        "sort",
        "order",
        "after",
    ];

    pub(crate) fn fields(&self) -> [&String; 12] {
        [
            &self.q,
            &self.status,
            &self.department,
            &self.title,
            &self.manager,
            &self.created_from,
            &self.created_to,
            &self.updated_from,
            &self.updated_to,
            &self.sort,
            &self.order,
            &self.after,
        ]
    }

    pub fn from_pairs(get: impl Fn(&str) -> Option<String>) -> Self {
        let v = |k: &str| get(k).unwrap_or_default();
        PeopleQuery {
            q: v("q"),
            status: v("status"),
            department: v("department"),
            title: v("title"),
            manager: v("manager"),
            created_from: v("created_from"),
            created_to: v("created_to"),
            updated_from: v("updated_from"),
            updated_to: v("updated_to"),
            sort: v("sort"),
            order: v("order"),
            after: v("after"),
        }
    }

    /// `/people?…` with only the non-empty parameters.
    pub fn href(&self) -> String {
        let pairs: Vec<String> = Self::KEYS
            .iter()
            .zip(self.fields())
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        if pairs.is_empty() { "/people".into() } else { format!("/people?{}", pairs.join("&")) }
    }

    /// `/people.csv?…`: every person these filters match (every page, so no cursor).
    pub fn export_href(&self) -> String {
        let all = PeopleQuery { after: String::new(), ..self.clone() };
        all.href().replacen("/people", "/people.csv", 1)
    }

    /// The same filters sorted by `column`, toggling the order when already sorted by it.
    pub fn sorted_by(&self, column: &str) -> Self {
        let order = if self.sort == column && self.order != "desc" { "desc" } else { "asc" };
        PeopleQuery { sort: column.into(), order: order.into(), after: String::new(), ..self.clone() }
    }

    pub fn with_after(&self, cursor: &str) -> Self {
        PeopleQuery { after: cursor.into(), ..self.clone() }
    }

    pub fn has_filters(&self) -> bool {
        self.fields()[..9].iter().any(|v| !v.is_empty())
    }
}

/// Percent-encodes a query value (no dependency on a URL crate in the browser bundle).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub id: String,
    pub name: String,
    pub login: String,
    pub status: UserStatus,
    pub department: String,
    pub title: String,
    pub last_login: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeoplePage {
    pub rows: Vec<PersonRow>,
    /// Cursor of the next page, if any.
    pub next: Option<String>,
}

/// What the policy lets the viewer do with an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    /// At once.
    Run,
    /// By asking for approval.
    Request,
    None,
}

/// A lifecycle button: what it is called and what the confirmation says will happen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionView {
    pub op: LifecycleOp,
    pub label: String,
    pub danger: bool,
    pub confirm: String,
    pub mode: Mode,
    /// For requests: the policy wants a reason.
    pub reason_required: bool,
    /// For requests: who will approve, in words.
    pub approvers: String,
    /// For requests: the viewer may instead break glass (run it now, reviewed afterwards).
    pub break_glass: bool,
}

/// What the viewer may do with a non-lifecycle action (profile edits, membership changes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permit {
    pub mode: Mode,
    /// For requests: who approves, in words.
    pub approvers: String,
    pub reason_required: bool,
}

/// An open request about the person (shown on their page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRequest {
    pub id: String,
    pub summary: String,
    pub requester: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileField {
    pub key: String,
    pub label: String,
    pub value: String,
    pub editable: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub login: String,
    pub status: UserStatus,
    pub transitioning_to: Option<UserStatus>,
    pub created: Option<String>,
    pub last_login: Option<String>,
    pub last_updated: Option<String>,
    pub password_changed: Option<String>,
    pub manager: Option<(String, String)>,
    pub fields: Vec<ProfileField>,
    /// Only the operations the person's status allows (Okta's `_links`) and the caller may run.
    pub actions: Vec<ActionView>,
    pub can_edit: bool,
    /// Saving the profile runs at once or becomes a request.
    pub profile_permit: Permit,
    pub can_manage_groups: bool,
    pub membership_permit: Permit,
    pub pending: Vec<PendingRequest>,
    /// Why the viewer can change nothing about this person, when they are protected (they hold a
    /// Portico role, or are in a protected group) and the viewer is not an admin.
    pub protected: Option<String>,
    /// The viewer may see server access (and it is configured): the page shows the ASA account.
    pub show_asa: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LifecycleOutcome {
    /// The person as Okta now sees them (`None` after a delete).
    pub person: Option<Person>,
    pub message: String,
    /// Shown once, never stored.
    pub temp_password: Option<String>,
}

/// An application assigned to the person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppView {
    pub label: String,
    pub app_name: String,
}

/// What one OAuth client holds for the person: consents (scopes) and refresh tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentView {
    pub client_id: String,
    pub client_name: String,
    pub scopes: Vec<String>,
    pub tokens: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessView {
    /// When each of their live Portico sessions began (shown to those who may clear sessions).
    pub portico_sessions: Vec<String>,
    pub apps: Vec<AppView>,
    pub consents: Vec<ConsentView>,
    pub can_clear_sessions: bool,
    pub can_revoke: bool,
}

/// A new person, as the create form sends it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewPerson {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub login: String,
    pub title: String,
    pub department: String,
    /// Empty: Okta emails an activation link instead.
    pub password: String,
    pub activate: bool,
    pub group_ids: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_round_trips_through_the_url() {
        let q = PeopleQuery { q: "ed \"x\"&y".into(), status: "ACTIVE".into(), ..Default::default() };
        assert_eq!(q.href(), "/people?q=ed%20%22x%22%26y&status=ACTIVE");
        assert_eq!(PeopleQuery::default().href(), "/people");
    }

    #[test]
    fn sorting_toggles_and_resets_paging() {
        let q = PeopleQuery { after: "c".into(), ..Default::default() }.sorted_by("name");
        assert_eq!((q.sort.as_str(), q.order.as_str(), q.after.as_str()), ("name", "asc", ""));
        assert_eq!(q.sorted_by("name").order, "desc");
        assert_eq!(q.sorted_by("name").sorted_by("name").order, "asc");
    }
}
