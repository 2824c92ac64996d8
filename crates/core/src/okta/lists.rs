//! Short-lived, shared copies of the lists pages show (the groups list, a person's groups),
//! so many people opening the same page spend one call of Okta's rate-limit bucket, not one
//! each. Only for showing: authorization always reads Okta (`Actor::now`, `sessions::standing`
//! call the client's uncached methods). Any write this process makes through the client
//! forgets every copy, so people see their own changes at once; on PostgreSQL every write is
//! announced ([`crate::db::Signal::Written`]) and the other replicas forget theirs as well, so a
//! non-sticky load balancer never shows a change undone. (Processes sharing one SQLite file see
//! another's change within [`TTL`].)

use super::{Group, Page};
use chrono::{DateTime, Duration, Utc};
use std::{collections::HashMap, sync::Mutex};

/// How long a copy is shown before Okta is asked again.
pub const TTL: Duration = Duration::seconds(10);
/// Copies kept at most (a bound on memory; the oldest go first).
const MAX_ENTRIES: usize = 512;

#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Groups { search: Option<String>, after: Option<String>, limit: usize },
    UserGroups(String),
}

#[derive(Clone)]
pub enum Value {
    Groups(Page<Group>),
    UserGroups(Vec<Group>),
}

#[derive(Default)]
pub struct Lists {
    entries: Mutex<HashMap<Key, (DateTime<Utc>, Value)>>,
}

impl Lists {
    pub fn get(&self, key: &Key, now: DateTime<Utc>) -> Option<Value> {
        let entries = self.entries.lock().ok()?;
        entries.get(key).filter(|(at, _)| now - *at < TTL && *at <= now).map(|(_, v)| v.clone())
    }

    pub fn put(&self, key: Key, value: Value, now: DateTime<Utc>) {
        let Ok(mut entries) = self.entries.lock() else { return };
        entries.retain(|_, (at, _)| now - *at < TTL);
        if entries.len() >= MAX_ENTRIES
            && let Some(oldest) = entries.iter().min_by_key(|(_, (at, _))| *at).map(|(k, _)| k.clone())
        {
            entries.remove(&oldest);
        }
        entries.insert(key, (now, value));
    }

    /// After a write: nothing cached may be shown again.
    pub fn forget_all(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_expire_and_writes_forget_them() {
        let lists = Lists::default();
        let t0 = DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z").expect("time").with_timezone(&Utc);
        let key = Key::UserGroups("00u1".into());
        lists.put(key.clone(), Value::UserGroups(vec![]), t0);
        assert!(lists.get(&key, t0 + Duration::seconds(9)).is_some());
        assert!(lists.get(&key, t0 + TTL).is_none(), "expired");
        assert!(lists.get(&key, t0 - Duration::seconds(1)).is_none(), "a clock moved back does not extend it");
        lists.put(key.clone(), Value::UserGroups(vec![]), t0);
        lists.forget_all();
        assert!(lists.get(&key, t0).is_none());
    }
}
