//! The one clock every time in Portico comes from: request lifetimes, leases, retries, the audit
//! trail's timestamps, session lifetimes and idle timeouts, the times the embedded org records
//! (status changes, sign-ins, System Log events) and the times inside the tokens the two
//! exchange (client assertions, ID tokens).
//!
//! Process-local lifetimes (a cached token's `Instant`, a timeout) stay monotonic: they are
//! never stored or compared across processes, and moving the wall clock must not stall them.
//!
//! In production it is the system clock. With `devorg.test_control` it is the system clock plus
//! an offset kept in a file beside the portal's database, so a test moves time forward for every
//! process on that data directory (a second portal, a restarted one) at once, and no test waits
//! real minutes for a lease or an expiry.

use chrono::{DateTime, Duration, Utc};
use std::{path::PathBuf, sync::Arc};

/// Cheap to clone; every clone reads the same time.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// The offset file, when tests control the clock.
    offset_file: Option<Arc<PathBuf>>,
}

/// The file under a data directory that holds a controlled clock's offset (milliseconds).
pub const OFFSET_FILE: &str = "test-clock-offset-ms";

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock { offset_file: None }
    }

    /// The system clock moved by the offset stored in `data_dir` (none stored: no offset).
    pub fn controlled(data_dir: impl Into<PathBuf>) -> Clock {
        Clock { offset_file: Some(Arc::new(data_dir.into().join(OFFSET_FILE))) }
    }

    pub fn is_controlled(&self) -> bool {
        self.offset_file.is_some()
    }

    fn offset_ms(&self) -> i64 {
        let Some(file) = &self.offset_file else { return 0 };
        std::fs::read_to_string(file.as_path()).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms())
    }

    /// Now as Portico stores it: RFC 3339 UTC with milliseconds, so text order is time order.
    pub fn stamp(&self) -> String {
        stamp(self.now())
    }

    /// Moves a controlled clock forward for every process sharing its data directory.
    pub fn advance(&self, by: Duration) -> std::io::Result<()> {
        let Some(file) = &self.offset_file else {
            return Err(std::io::Error::other("the system clock cannot be moved"));
        };
        let next = self.offset_ms() + by.num_milliseconds();
        // Written whole then renamed, so a reader never sees half a number.
        let tmp = file.with_extension("tmp");
        std::fs::write(&tmp, next.to_string())?;
        std::fs::rename(&tmp, file.as_path())
    }
}

/// A time as Portico stores it (see [`Clock::stamp`]).
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_controlled_clock_moves_for_every_clone_and_reader() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = Clock::controlled(dir.path());
        let b = Clock::controlled(dir.path());
        let before = b.now();
        a.advance(Duration::hours(2)).expect("advance");
        let moved = b.now() - before;
        assert!(moved >= Duration::hours(2) && moved < Duration::hours(2) + Duration::minutes(1), "{moved}");
        assert!(Clock::system().advance(Duration::seconds(1)).is_err(), "the real clock stays real");
    }

    #[test]
    fn stamps_sort_as_times() {
        let t = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z").expect("time").with_timezone(&Utc);
        assert_eq!(stamp(t), "2026-01-02T03:04:05.000Z");
        assert!(stamp(t) < stamp(t + Duration::milliseconds(1)));
    }
}
