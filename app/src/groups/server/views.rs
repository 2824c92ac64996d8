use crate::groups::GroupRow;
use portico_core::okta::Group;

/// Why Okta will refuse changes to a group of this type (None: it can change).
pub fn read_only_reason(kind: &str) -> Option<String> {
    match kind {
        "OKTA_GROUP" => None,
        "APP_GROUP" => Some(
            "Imported from an application: its members and profile are managed in that application, not in Okta."
                .into(),
        ),
        "BUILT_IN" => Some("Built into Okta: Everyone always contains every person and cannot be changed.".into()),
        other => Some(format!("Groups of type {other} are managed outside Okta.")),
    }
}

pub fn row(g: &Group) -> GroupRow {
    GroupRow {
        id: g.id.clone(),
        name: g.name.clone(),
        description: g.description.clone(),
        kind: g.kind.clone(),
        users_count: g.users_count,
        read_only: read_only_reason(&g.kind),
    }
}
