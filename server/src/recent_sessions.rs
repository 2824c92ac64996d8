//! An in-memory copy of recently used sessions in front of the SQLite store, so a request that
//! changes nothing reads no database row for its session. Never the authority: a copy lives at
//! most `session.revalidate_seconds` (capped at a minute) by the portal's clock, every save is
//! written to the store as well (`CachingSessionStore`: the store first on create, both at once
//! on save, and a failed store write fails the request), and whether a session has ended is
//! read from its sign-in record on every request (`security::guard`), so a session ended by
//! any process is refused everywhere at once.

use chrono::{DateTime, Duration, Utc};
use portico_core::Clock;
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};
use tower_sessions::cookie::time;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// Copies kept at most; past it the oldest go first.
const MAX_ENTRIES: usize = 20_000;

/// Each session's copy and when it was taken.
type Copies = HashMap<Id, (DateTime<Utc>, Record)>;

#[derive(Debug, Clone)]
pub struct RecentSessions {
    ttl: Duration,
    clock: Clock,
    entries: Arc<Mutex<Copies>>,
}

impl RecentSessions {
    pub fn new(revalidate_seconds: u64, clock: Clock) -> RecentSessions {
        let secs = i64::try_from(revalidate_seconds.min(60)).unwrap_or(60);
        RecentSessions { ttl: Duration::seconds(secs), clock, entries: Arc::default() }
    }

    fn keep(&self, record: &Record) {
        if self.ttl.is_zero() {
            return;
        }
        let now = self.clock.now();
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, (at, _)| now - *at < self.ttl);
            if entries.len() >= MAX_ENTRIES
                && let Some(oldest) = entries.iter().min_by_key(|(_, (at, _))| *at).map(|(k, _)| *k)
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(record.id, (now, record.clone()));
    }
}

#[async_trait::async_trait]
impl SessionStore for RecentSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.keep(record);
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.keep(record);
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = self.clock.now();
        let Ok(mut entries) = self.entries.lock() else { return Ok(None) };
        match entries.get(id) {
            Some((at, record))
                if now - *at < self.ttl && *at <= now && record.expiry_date > time::OffsetDateTime::now_utc() =>
            {
                Ok(Some(record.clone()))
            }
            Some(_) => {
                entries.remove(id);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(id);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: time::OffsetDateTime::now_utc() + time::Duration::hours(1),
        }
    }

    #[tokio::test]
    async fn a_copy_lives_no_longer_than_the_revalidation_interval() {
        let dir = tempfile::tempdir().expect("dir");
        let clock = Clock::controlled(dir.path());
        let cache = RecentSessions::new(30, clock.clone());
        let mut r = record();
        cache.create(&mut r).await.expect("create");
        assert!(cache.load(&r.id).await.expect("load").is_some());
        clock.advance(Duration::seconds(30)).expect("advance");
        assert!(cache.load(&r.id).await.expect("load").is_none(), "older than the interval");
        cache.save(&r).await.expect("save");
        cache.delete(&r.id).await.expect("delete");
        assert!(cache.load(&r.id).await.expect("load").is_none(), "deleted");
    }
}
