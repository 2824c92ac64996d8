//! Identifiers and secrets in Okta's shapes.

use rand::{Rng, distributions::Alphanumeric};
use sha2::{Digest, Sha256};

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
static LAST_MICROS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// An Okta-style object id: a three-character type prefix (`00u` users, `00g` groups) and
/// 17 base62 characters. The first 10 encode a strictly increasing clock, so ids sort in
/// creation order (lists are ordered by id, as Okta's are); the last 7 are random.
pub fn okta_id(prefix: &str) -> String {
    use std::sync::atomic::Ordering;
    let now = chrono::Utc::now().timestamp_micros().max(0) as u64;
    let mut last = LAST_MICROS.load(Ordering::Relaxed);
    let stamp = loop {
        let next = now.max(last + 1);
        match LAST_MICROS.compare_exchange(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => break next,
            Err(actual) => last = actual,
        }
    };
    let mut head = [b'0'; 10];
    let mut n = stamp;
    for slot in head.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    let mut rng = rand::thread_rng();
    let tail: String = (0..7).map(|_| BASE62[rng.gen_range(0..62)] as char).collect();
    format!("{prefix}{}{tail}", String::from_utf8_lossy(&head))
}

/// A URL-safe random secret of `len` characters (~5.95 bits each).
pub fn random_token(len: usize) -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

/// Secrets are stored and compared as SHA-256 hashes: they are random and long, so no salt or
/// slow hash is needed (unlike passwords).
pub fn sha256_hex(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Okta's timestamp format: `2020-08-27T18:19:24.000Z`.
pub fn okta_time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_okta_shape() {
        let id = okta_id("00u");
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("00u"));
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(okta_id("00u"), id);
        let later = okta_id("00u");
        assert!(later > id, "ids sort in creation order");
    }

    #[test]
    fn time_format_matches_okta() {
        let t = chrono::DateTime::parse_from_rfc3339("2020-08-27T18:19:24Z").unwrap().to_utc();
        assert_eq!(okta_time(t), "2020-08-27T18:19:24.000Z");
    }
}
