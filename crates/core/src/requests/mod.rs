//! Requests for actions that need approval, as durable state in the portal's database.
//!
//! Every change of state is one guarded statement (`… WHERE id = ? AND status = ?`) or one
//! `BEGIN IMMEDIATE` transaction, so two approvers at the same moment, a restart, or a second
//! portal process can never move a request twice. The executor ([`worker`]) is the only code
//! that runs the stored upstream call, and it claims a request (`approved → executing`, with its
//! name and a lease) before touching Okta: that row is the outbox.

pub mod exec;
mod model;
pub mod notify;
mod store;
pub mod worker;

pub use model::*;
pub use store::*;
