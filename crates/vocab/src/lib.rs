//! Portico's shared vocabulary: one enum for each thing the browser, the server, the policy file,
//! the database, the embedded org and the tests all name. Each value carries its words (label,
//! consequence), Okta's names for it (path, `_links` key) and where it leads (the status after).
//!
//! Values Portico itself writes (the browser's arguments, configuration, stored requests) are
//! strict: serde refuses an unknown name, so no "unknown action" branch exists anywhere. Values
//! Okta sends (a user's status, a group's type) are tolerant: an unknown one is kept as sent and
//! shown, never a parse failure against a real org.
//!
//! Compiles to WASM: nothing here but `serde`.

mod action;
mod lifecycle;
mod request;
mod review;
mod status;

pub use action::PolicyAction;
pub use lifecycle::LifecycleOp;
pub use request::RequestStatus;
pub use review::{AccessContext, AccessKind, Campaign, ItemFilter, ItemShow, ReviewItem, ReviewScope, Verdict};
pub use status::{GroupKind, UserStatus};

#[cfg(test)]
mod wire;
