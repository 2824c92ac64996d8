//! Identifiers and secrets in Okta's shapes.

use rand::{Rng, distributions::Alphanumeric};
use sha2::{Digest, Sha256};

/// An Okta-style object id: a three-character type prefix (`00u` users, `00g` groups) and
/// 17 alphanumerics.
pub fn okta_id(prefix: &str) -> String {
    let tail: String = rand::thread_rng().sample_iter(&Alphanumeric).take(17).map(char::from).collect();
    format!("{prefix}{tail}")
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
    }

    #[test]
    fn time_format_matches_okta() {
        let t = chrono::DateTime::parse_from_rfc3339("2020-08-27T18:19:24Z").unwrap().to_utc();
        assert_eq!(okta_time(t), "2020-08-27T18:19:24.000Z");
    }
}
