//! What the portal reads from Okta: lenient about absent fields (Okta omits some, and orgs
//! differ), strict about the ones it acts on (`id`, `status`).

use super::{OktaError, Reply};
use portico_vocab::{GroupKind, LifecycleOp, UserStatus};
use serde_json::{Map, Value};

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: String,
    pub status: UserStatus,
    pub transitioning_to: Option<String>,
    pub created: Option<String>,
    pub activated: Option<String>,
    pub status_changed: Option<String>,
    pub last_login: Option<String>,
    pub last_updated: Option<String>,
    pub password_changed: Option<String>,
    pub profile: Map<String, Value>,
    /// Names of the `_links` relations (single-user responses carry the allowed operations).
    pub links: Vec<String>,
}

fn text(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

impl User {
    pub fn parse(v: &Value) -> Result<User, OktaError> {
        let id = text(v, "id").ok_or_else(|| OktaError::decode("a user without an id".into()))?;
        Ok(User {
            id,
            status: UserStatus::from_okta(&text(v, "status").unwrap_or_default()),
            transitioning_to: text(v, "transitioningToStatus"),
            created: text(v, "created"),
            activated: text(v, "activated"),
            status_changed: text(v, "statusChanged"),
            last_login: text(v, "lastLogin"),
            last_updated: text(v, "lastUpdated"),
            password_changed: text(v, "passwordChanged"),
            profile: v.get("profile").and_then(Value::as_object).cloned().unwrap_or_default(),
            links: v.get("_links").and_then(Value::as_object).map(|l| l.keys().cloned().collect()).unwrap_or_default(),
        })
    }

    pub fn field(&self, k: &str) -> Option<&str> {
        self.profile.get(k).and_then(Value::as_str)
    }

    pub fn display_name(&self) -> String {
        if let Some(d) = self.field("displayName").filter(|d| !d.is_empty()) {
            return d.to_string();
        }
        match (self.field("firstName"), self.field("lastName")) {
            (Some(f), Some(l)) => format!("{f} {l}"),
            _ => self.field("login").unwrap_or(&self.id).to_string(),
        }
    }

    pub fn has_link(&self, rel: &str) -> bool {
        self.links.iter().any(|l| l == rel)
    }

    /// Whether Okta offers `op` for this user's current status (its `_links`).
    pub fn allows(&self, op: LifecycleOp) -> bool {
        self.has_link(op.link())
    }

    /// [`Self::allows`] for a user read alone; for one from a list (which carries no lifecycle
    /// links), what Okta offers in their status. For previews: calls decide on a fresh read.
    pub fn likely_allows(&self, op: LifecycleOp) -> bool {
        let has_lifecycle_links = LifecycleOp::ALL.iter().any(|o| self.has_link(o.link()));
        if has_lifecycle_links { self.allows(op) } else { op.offered_in(&self.status) }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub id: String,
    pub kind: GroupKind,
    pub name: String,
    pub description: Option<String>,
    pub created: Option<String>,
    pub last_membership_updated: Option<String>,
    pub users_count: Option<i64>,
}

impl Group {
    pub fn parse(v: &Value) -> Result<Group, OktaError> {
        let id = text(v, "id").ok_or_else(|| OktaError::decode("a group without an id".into()))?;
        let profile = v.get("profile").cloned().unwrap_or_default();
        Ok(Group {
            id,
            kind: text(v, "type").map(|t| GroupKind::from_okta(&t)).unwrap_or_default(),
            name: text(&profile, "name").unwrap_or_default(),
            description: text(&profile, "description"),
            created: text(v, "created"),
            last_membership_updated: text(v, "lastMembershipUpdated"),
            users_count: v.pointer("/_embedded/stats/usersCount").and_then(Value::as_i64),
        })
    }
}

/// One page of a list and the cursor of the next (none on the last page).
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl<T> Page<T> {
    pub fn parse(reply: &Reply, item: fn(&Value) -> Result<T, OktaError>) -> Result<Page<T>, OktaError> {
        let array = reply.body.as_array().ok_or_else(|| OktaError::decode("expected a list".into()))?;
        Ok(Page { items: array.iter().map(item).collect::<Result<_, _>>()?, next: reply.next.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A user exactly as Okta sent it (`../shared/okta-recordings`, test_create_get_user).
    #[test]
    fn parses_a_recorded_user() {
        let v: Value = serde_json::from_str(r#"{"id":"00usfhrjbkppPBkoY4x6","status":"STAGED","created":"2020-08-27T18:19:24.000Z","activated":null,"statusChanged":null,"lastLogin":null,"lastUpdated":"2020-08-27T18:19:24.000Z","passwordChanged":"2020-08-27T18:19:24.000Z","type":{"id":"otyc04qb2rUDcq2YA4x6"},"profile":{"firstName":"John","lastName":"Doe-Get","mobilePhone":null,"secondEmail":null,"login":"John.Doe-Get@example.com","email":"John.Doe-Get@example.com"},"credentials":{"password":{},"emails":[{"value":"John.Doe-Get@example.com","status":"VERIFIED","type":"PRIMARY"}],"provider":{"type":"OKTA","name":"OKTA"}},"_links":{"schema":{"href":"https://test.okta.com/api/v1/meta/schemas/user/oscc04qb2rUDcq2YA4x6"},"activate":{"href":"https://test.okta.com/api/v1/users/00usfhrjbkppPBkoY4x6/lifecycle/activate","method":"POST"},"self":{"href":"https://test.okta.com/api/v1/users/00usfhrjbkppPBkoY4x6"},"type":{"href":"https://test.okta.com/api/v1/meta/types/user/otyc04qb2rUDcq2YA4x6"}}}"#).expect("json");
        let u = User::parse(&v).expect("user");
        assert_eq!(u.status, portico_vocab::UserStatus::Staged);
        assert_eq!(u.display_name(), "John Doe-Get");
        assert!(u.has_link("activate") && !u.has_link("suspend"));
        assert_eq!(u.activated, None);
    }

    #[test]
    fn parses_a_recorded_group() {
        let v: Value = serde_json::from_str(r#"{"id":"00gqrkqjqdg2c9XZT5d7","created":"2025-09-29T03:38:45.000Z","lastUpdated":"2025-09-29T03:38:45.000Z","lastMembershipUpdated":"2025-09-29T03:38:45.000Z","objectClass":["okta:user_group"],"type":"OKTA_GROUP","profile":{"name":"Test-User-Group","description":null},"_links":{}}"#).expect("json");
        let g = Group::parse(&v).expect("group");
        assert_eq!((g.name.as_str(), g.kind.as_str(), g.description), ("Test-User-Group", "OKTA_GROUP", None));
    }
}
