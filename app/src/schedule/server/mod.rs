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

/// A time a form states (`YYYY-MM-DDTHH:MM`) in `zone`, or the error shown by `field`.
#[cfg(feature = "ssr")]
pub(crate) fn when(
    local: &str,
    zone: &str,
    field: &str,
) -> Result<chrono::DateTime<chrono::Utc>, crate::error::PortalError> {
    portico_core::requests::scheduled::parse_when(local, zone).map_err(|m| {
        let mut e = crate::error::PortalError::bad_request(m.clone());
        e.fields = vec![(field.into(), m)];
        crate::ssr::fail(e)
    })
}
