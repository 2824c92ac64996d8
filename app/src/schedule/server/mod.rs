//! Server functions of the schedule area, one per file.

mod checklist;
mod grant_access;
mod offboard;
mod restore_leaver;
mod retry_step;
mod schedule_change;
mod schedule_options;
mod upcoming;

pub use checklist::*;
pub use grant_access::*;
pub use offboard::*;
pub use restore_leaver::*;
pub use retry_step::*;
pub use schedule_change::*;
pub use schedule_options::*;
pub use upcoming::*;
