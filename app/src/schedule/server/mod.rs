//! Server functions of the schedule area, one per file.

mod grant_access;
mod schedule_change;
mod schedule_options;
mod upcoming;

pub use grant_access::*;
pub use schedule_change::*;
pub use schedule_options::*;
pub use upcoming::*;
