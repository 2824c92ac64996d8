//! Requests for actions that need approval, as durable state in the portal's database.
//!
//! Every change of state is one guarded statement (`… WHERE id = ? AND status = ?`) or one
//! `BEGIN IMMEDIATE` transaction, so two approvers at the same moment, a restart, or a second
//! portal process can never move a request twice. The executor ([`worker`]) is the only code
//! that runs the stored upstream call, and it claims a request (`approved → executing`, with its
//! name and a lease) before touching Okta: that row is the outbox.

mod ask;
pub mod away;
pub mod break_glass;
pub mod eligible;
pub mod exec;
pub mod mail;
mod model;
pub mod moving;
pub mod notify;
pub mod playbook;
pub mod scheduled;
mod store;
pub mod worker;

pub use ask::{AskError, Routed, route};
pub use model::*;
pub use store::*;

/// When attempt `attempts` (1 for the first) failed retryably: the time of the next one (the
/// wait doubles each time from `approvals.retry_base_ms`), or the words to add to the failure
/// once `approvals.max_attempts` are spent. Requests and bulk job items keep the same schedule.
pub fn next_attempt(
    config: &crate::Config,
    attempts: u32,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, String> {
    let max = config.approvals.max_attempts;
    if attempts >= max {
        return Err(format!("(gave up after {max} attempts)"));
    }
    let wait = config.approvals.retry_base_ms.saturating_mul(1 << attempts.saturating_sub(1).min(16));
    Ok(now + chrono::Duration::milliseconds(wait as i64))
}
