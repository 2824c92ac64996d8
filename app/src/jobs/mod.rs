//! Bulk jobs: the action bar over a selection (people list, a group's members), the preview a
//! job starts as, its live progress, and its report. The engine is `portico_core::jobs`; these
//! are its pages and thin server functions.

mod bar;
mod pages;
mod progress;
pub mod server;

pub use bar::{BulkBar, Pick, SelectAll};
pub use pages::{JobPage, JobsPage};
pub use progress::JobProgress;

use serde::{Deserialize, Serialize};

/// A job's numbers, as the progress bar shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCounts {
    pub total: u32,
    /// Items the job runs (the rest were skipped by the preview or cancelled before running).
    pub to_run: u32,
    pub done: u32,
    pub failed: u32,
    pub skipped: u32,
    pub cancelled: u32,
    pub remaining: u32,
    /// Seconds until the last item is done, at the pace so far (none before there is a pace).
    pub eta_seconds: Option<u64>,
    /// The job has ended (finished or cancelled): the page shows the report.
    pub ended: bool,
}

impl JobCounts {
    /// Percent of the items to run that reached an end.
    pub fn percent(&self) -> u32 {
        let finished = self.to_run.saturating_sub(self.remaining);
        (finished * 100).checked_div(self.to_run).unwrap_or(100)
    }
}

/// One person in a job's preview or report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRow {
    pub seq: u32,
    pub name: String,
    pub href: Option<String>,
    pub label: String,
    /// What the preview found (`run`, `no_change`, …) and in words.
    pub plan: String,
    pub plan_words: String,
    /// Where it is (`planned`, `done`, `failed`, …) and in words.
    pub status: String,
    pub status_words: String,
    /// The outcome, or the preview's reason.
    pub message: String,
}

/// A job as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    pub id: String,
    pub summary: String,
    pub action: String,
    pub source: String,
    pub author: String,
    pub status: String,
    pub status_words: String,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub counts: JobCounts,
    /// The preview's totals: (key, words, count), only outcomes that occur.
    pub by_plan: Vec<(String, String, u32)>,
    pub items: Vec<ItemRow>,
    /// The next page of items starts after this number.
    pub next_after: Option<u32>,
    pub can_start: bool,
    /// …once the author confirms it is them (their sign-in is older than the step-up window).
    pub needs_step_up: bool,
    pub can_cancel: bool,
    /// The request for its people who need approval, once asked.
    pub request_id: Option<String>,
    /// How to ask for that approval (its author, while a preview holds people needing it).
    pub ask: Option<crate::approvals::Ask>,
    /// Starting it asks for the number of people typed back (suspend, deactivate, delete).
    pub dangerous: bool,
    /// What it does to each person, as the start dialog says it.
    pub effect: String,
}

/// A job in the list of jobs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRow {
    pub id: String,
    pub summary: String,
    pub author: String,
    pub status: String,
    pub status_words: String,
    pub created_at: String,
}

/// What a selection can be asked to do: the actions and, for group actions, the groups.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkChoices {
    /// (form value, words).
    pub actions: Vec<(String, String)>,
    /// Okta groups whose members Portico may change: (id, name).
    pub groups: Vec<(String, String)>,
}
