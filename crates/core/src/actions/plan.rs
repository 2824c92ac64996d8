//! Planning a request: the exact upstream call an approval will run, who it is about (for an ASA
//! account, the Okta person it belongs to, so nobody approves a request about their own server
//! access) and what it does in words. Refused now if the target's current state does not allow
//! it, so nobody approves what could not run.

use crate::{
    AppState,
    asa::{AsaError, ServerAccess},
    okta::{OktaError, User},
    requests::{Call, Ends},
};
use portico_vocab::PolicyAction;

/// What someone asks for, as the request form sends it.
#[derive(Clone, Debug)]
pub struct Ask {
    pub action: PolicyAction,
    /// An Okta user id; an ASA user name for `asa_status` and `asa_group`.
    pub target: String,
    pub group: Option<String>,
    pub add: Option<bool>,
    pub status: Option<String>,
    pub changes: Option<Vec<(String, String)>>,
    /// Time-bound: when an addition ends (only additions can be).
    pub ends: Option<Ends>,
    /// The leaver playbook: start it, or undo one.
    pub playbook: Option<PlaybookAsk>,
}

/// What is asked of the leaver playbook.
#[derive(Clone, Debug)]
pub enum PlaybookAsk {
    /// Offboard the person: deactivated `on` (stated in `zone`), their reports handed to
    /// `new_manager` (a login or email).
    Start { on: chrono::DateTime<chrono::Utc>, zone: String, new_manager: Option<String> },
    /// Undo the playbook request `playbook_id` before its deactivation runs.
    Restore { playbook_id: String },
}

impl Ask {
    /// An ask with only its action and target.
    pub fn new(action: PolicyAction, target: impl Into<String>) -> Ask {
        Ask {
            action,
            target: target.into(),
            group: None,
            add: None,
            status: None,
            changes: None,
            ends: None,
            playbook: None,
        }
    }
}

/// How a time-bound grant's end reads in a summary.
fn until_words(ends: &Option<Ends>) -> String {
    match ends {
        None => String::new(),
        Some(Ends::After(m)) if m % 60 == 0 => {
            let h = m / 60;
            format!(" for {h} hour{}", if h == 1 { "" } else { "s" })
        }
        Some(Ends::After(m)) => format!(" for {m} minutes"),
        Some(Ends::At(t)) => match chrono::DateTime::parse_from_rfc3339(t) {
            Ok(t) => format!(" until {}", t.to_utc().format("%Y-%m-%d %H:%M UTC")),
            Err(_) => format!(" until {t}"),
        },
    }
}

/// The request to store.
#[derive(Clone, Debug)]
pub struct Plan {
    pub call: Call,
    /// The Okta person it is about, when there is one.
    pub user: Option<User>,
    pub summary: String,
    /// How the trail names a target that is not (only) an Okta person.
    pub label: Option<String>,
}

#[derive(Debug)]
pub enum PlanError {
    /// The ask itself cannot be run (its words say why).
    Invalid(String),
    Okta(OktaError),
    Asa(AsaError),
}

impl From<OktaError> for PlanError {
    fn from(e: OktaError) -> Self {
        PlanError::Okta(e)
    }
}

impl From<AsaError> for PlanError {
    fn from(e: AsaError) -> Self {
        PlanError::Asa(e)
    }
}

/// Profile properties shown on the person page, in order: `(key, label, editable)`.
pub const PROFILE: &[(&str, &str, bool)] = &[
    ("firstName", "First name", true),
    ("lastName", "Last name", true),
    ("displayName", "Display name", true),
    ("email", "Primary email", true),
    ("secondEmail", "Secondary email", true),
    ("login", "Username", false),
    ("mobilePhone", "Mobile phone", true),
    ("title", "Title", true),
    ("department", "Department", true),
    ("employeeNumber", "Employee number", true),
];

/// Validated profile edits: only editable properties; an empty value clears the property.
pub fn profile_changes(changes: Vec<(String, String)>) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let mut map = serde_json::Map::new();
    for (key, value) in changes {
        if !PROFILE.iter().any(|(k, _, e)| *k == key && *e) {
            return Err(format!("{key} cannot be edited here."));
        }
        let value = value.trim();
        map.insert(
            key,
            if value.is_empty() { serde_json::Value::Null } else { serde_json::Value::String(value.to_string()) },
        );
    }
    Ok(map)
}

/// Plans `ask` against Okta and ASA as they are now.
pub async fn plan(state: &AppState, ask: Ask) -> Result<Plan, PlanError> {
    let okta = &state.okta;
    let ends = ask.ends.clone();
    if ends.is_some()
        && (ask.add == Some(false) || !matches!(ask.action, PolicyAction::Membership | PolicyAction::AsaGroup))
    {
        return Err(PlanError::Invalid("Only adding someone to a group can have an end.".into()));
    }
    let (call, user, summary, label) = match ask.action {
        PolicyAction::Lifecycle(op) => {
            let user = okta.get_user(&ask.target).await?;
            if !user.allows(op) {
                return Err(PlanError::Invalid(format!(
                    "{} is {} now, which does not allow this.",
                    user.display_name(),
                    user.status.words()
                )));
            }
            let summary = format!("{}: {}", op.label(), user.display_name());
            (Call::Lifecycle { user_id: user.id.clone(), op }, Some(user), summary, None)
        }
        PolicyAction::Profile => {
            let user = okta.get_user(&ask.target).await?;
            let changes = profile_changes(ask.changes.unwrap_or_default()).map_err(PlanError::Invalid)?;
            if changes.is_empty() {
                return Err(PlanError::Invalid("Change at least one field.".into()));
            }
            let fields: Vec<&str> = changes.keys().map(String::as_str).collect();
            let summary = format!("Edit profile: {} ({})", user.display_name(), fields.join(", "));
            (Call::Profile { user_id: user.id.clone(), changes }, Some(user), summary, None)
        }
        PolicyAction::Membership => {
            let user = okta.get_user(&ask.target).await?;
            let group_id = ask.group.clone().unwrap_or_default();
            let g = okta.get_group(&group_id).await?;
            if let Some(reason) = g.kind.read_only_reason() {
                return Err(PlanError::Invalid(reason));
            }
            let add = ask.add.unwrap_or(true);
            let summary = if add {
                format!("Add {} to {}{}", user.display_name(), g.name, until_words(&ends))
            } else {
                format!("Remove {} from {}", user.display_name(), g.name)
            };
            let call = Call::Membership {
                user_id: user.id.clone(),
                group_id: g.id.clone(),
                group_name: g.name.clone(),
                add,
                ends,
            };
            (call, Some(user), summary, None)
        }
        PolicyAction::AsaStatus => {
            let status = ask.status.clone().unwrap_or_default();
            let verb = match status.as_str() {
                "ACTIVE" => "Enable",
                "DISABLED" => "Disable",
                "DELETED" => "Delete",
                other => return Err(PlanError::Invalid(format!("Unknown ASA status {other}."))),
            };
            let asa = state.asa.clone().ok_or_else(|| PlanError::Invalid("Server access is not configured.".into()))?;
            let name = ask.target.trim().to_string();
            let account = asa.user(&name).await?;
            let summary = format!("{verb} ASA user {name}");
            let person = crate::asa::drift::okta_person(okta, &account).await?;
            (Call::AsaStatus { name: name.clone(), status }, person, summary, Some(format!("ASA {name}")))
        }
        PolicyAction::AsaGroup => {
            let asa = state.asa.clone().ok_or_else(|| PlanError::Invalid("Server access is not configured.".into()))?;
            let (name, group) = (ask.target.trim().to_string(), ask.group.clone().unwrap_or_default());
            let g = asa.group(&group).await?;
            if g.managed_by_okta {
                return Err(PlanError::Invalid(format!("{group} is pushed from Okta: change its members in Okta.")));
            }
            let account = asa.user(&name).await?;
            let person = crate::asa::drift::okta_person(okta, &account).await?;
            let add = ask.add.unwrap_or(true);
            let summary = if add {
                format!("Add {name} to ASA group {group}{}", until_words(&ends))
            } else {
                format!("Remove {name} from ASA group {group}")
            };
            let call = Call::AsaMembership { group, user: name.clone(), add, ends };
            (call, person, summary, Some(format!("ASA {name}")))
        }
        PolicyAction::AppAssignment => {
            let user = okta.get_user(&ask.target).await?;
            let app_id = ask.group.clone().unwrap_or_default();
            if ask.add != Some(false) {
                return Err(PlanError::Invalid("Applications are only taken away here.".into()));
            }
            let Some(assigned) = okta.app_user(&app_id, &user.id).await? else {
                return Err(PlanError::Invalid(format!("{} does not have that application.", user.display_name())));
            };
            if assigned.get("scope").and_then(serde_json::Value::as_str) == Some("GROUP") {
                let via =
                    assigned.pointer("/_links/group/name").and_then(serde_json::Value::as_str).unwrap_or("a group");
                return Err(PlanError::Invalid(format!(
                    "{} has it through {via}: remove them from that group instead.",
                    user.display_name()
                )));
            }
            let app_name = okta.app_label(&app_id).await?;
            let summary = format!("Take {app_name} from {}", user.display_name());
            (Call::AppUnassign { user_id: user.id.clone(), app_id, app_name }, Some(user), summary, None)
        }
        PolicyAction::Offboard => {
            let user = okta.get_user(&ask.target).await?;
            let (call, summary) = crate::requests::playbook::plan(state, &user, ask.playbook.clone()).await?;
            (call, Some(user), summary, None)
        }
    };
    Ok(Plan { call, user, summary, label })
}
