//! Scheduled changes and time-bound access: a person's "Schedule" page (a lifecycle change at
//! a stated time and zone; an Okta or ASA group for a while), and the lists of what is coming
//! (on the person page, on My people, and everything on `/scheduled`), each item cancellable
//! by whoever may. Plain forms: they work before (and without) the WASM.

mod pages;
pub mod server;

pub use pages::{Checklist, OffboardPage, SchedulePage, ScheduledPage, Upcoming};

use serde::{Deserialize, Serialize};

/// Something scheduled, as the lists show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledView {
    pub id: String,
    pub summary: String,
    /// When it runs (RFC 3339), and that time in the zone it was stated in.
    pub at: String,
    pub at_words: String,
    /// The end of time-bound access (else a scheduled action).
    pub grant_end: bool,
    /// "Waiting for approval", "Approved", "Running".
    pub state: String,
    pub target_name: String,
    pub target_href: Option<String>,
    pub requester: String,
    pub can_cancel: bool,
    /// A grant's end the viewer may ask to move: what the extension form sends.
    pub extend: Option<Extend>,
}

/// What extending a grant's end asks for: the same grant, with a new end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extend {
    pub person: String,
    /// `okta` or `asa`.
    pub system: String,
    /// The Okta group id or the ASA group name.
    pub group: String,
    pub zone: String,
}

/// What the schedule page offers for one person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleChoices {
    pub person_id: String,
    pub person_name: String,
    /// Lifecycle operations their status allows now: `(value, label)`.
    pub ops: Vec<(String, String)>,
    /// Okta groups whose members can change here: `(id, name)`.
    pub okta_groups: Vec<(String, String)>,
    /// Their ASA account, and the ASA groups it could join (not those pushed from Okta).
    pub asa_account: Option<String>,
    pub asa_groups: Vec<String>,
    /// Every time zone Portico knows (IANA names).
    pub zones: Vec<String>,
    /// The leaver playbook deletes this many days after deactivating (0: never).
    pub delete_after_days: u32,
    /// Whether the viewer may start the playbook for them at once (`run`), only ask for it
    /// (`request`), or neither (empty).
    pub offboard: String,
}

/// A playbook's steps as its request page shows them (the checklist), and what the viewer may do.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistView {
    pub steps: Vec<StepView>,
    /// It is an offboarding whose deactivation has not run, and the viewer may ask to undo it.
    pub can_restore: bool,
    /// The restores asked for it so far: `(request id, status label)`.
    pub restores: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    pub id: String,
    pub n: u32,
    pub summary: String,
    /// `done`, `pending`… (the request status), and its words.
    pub status: String,
    pub status_label: String,
    /// Not before this time (the deactivation, the deletion).
    pub at: Option<String>,
    pub at_words: Option<String>,
    pub result: Option<String>,
    /// It failed and the viewer may try it again.
    pub can_retry: bool,
}
