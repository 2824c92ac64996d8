use crate::groups::GroupRow;
use portico_core::okta::Group;

/// Why Okta will refuse changes to a group of this type (None: it can change).
pub fn row(g: &Group) -> GroupRow {
    GroupRow {
        id: g.id.clone(),
        name: g.name.clone(),
        description: g.description.clone(),
        kind: g.kind.clone(),
        users_count: g.users_count,
        read_only: g.kind.read_only_reason(),
    }
}
