//! Access reviews: campaigns an admin starts over a scope of people, each person's access
//! (Okta groups, applications, the ASA account and its groups) kept or revoked by its reviewer,
//! revocations run by the engine once, and the evidence (a page and a CSV) for auditors.

mod pages;
pub mod server;

pub use pages::{NewReviewPage, ReportPage, ReviewPage, ReviewsPage};

use portico_vocab::{Campaign, ReviewItem};
use serde::{Deserialize, Serialize};

/// One item as the review page shows it to the viewer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemView {
    pub item: ReviewItem,
    /// The viewer may decide it now (their item, not their own access, the review open).
    pub may_decide: bool,
    /// A revoke whose revocation never started or ended undone: the viewer may start it again.
    pub may_restart: bool,
    /// The revocation's request: its state in words, and what it did.
    pub request_state: Option<String>,
    pub request_result: Option<String>,
}

/// A campaign with the items the viewer may read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewView {
    pub campaign: Campaign,
    pub items: Vec<ItemView>,
    /// Admins close a review once each item is decided or escalated.
    pub may_close: bool,
}

/// What a batch of decisions did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decisions {
    pub decided: u32,
    /// One line per item refused or failed, and per revocation started.
    pub messages: Vec<String>,
}

/// What a new review can cover.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewChoices {
    /// `(id, name)` of everyone someone reports to.
    pub managers: Vec<(String, String)>,
    /// `(id, name)` of the Okta groups whose members can change.
    pub groups: Vec<(String, String)>,
    pub asa_groups: Vec<String>,
    pub zones: Vec<String>,
}
