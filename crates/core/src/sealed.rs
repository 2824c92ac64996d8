//! Secrets at rest: what Portico must keep for a while but never in the clear (a temporary
//! password waiting for the person who asked for it). XChaCha20-Poly1305 with a random nonce per
//! value, bound to what it belongs to (the request id), so a sealed value copied to another row
//! does not open.

use crate::secret::Secret;
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use chacha20poly1305::{
    KeyInit, XChaCha20Poly1305, XNonce,
    aead::{Aead, AeadCore, OsRng, Payload},
};
use std::path::Path;

/// The file a generated key is kept in, under the data directory.
pub const KEY_FILE: &str = "secret.key";

#[derive(Clone)]
pub struct SealKey(XChaCha20Poly1305);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(…)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("server.secret_key must be 32 bytes in base64")]
    BadKey,
    #[error("cannot read or create {0}: {1}")]
    File(String, std::io::Error),
}

impl SealKey {
    fn from_base64(text: &str) -> Result<SealKey, SealError> {
        let bytes = B64.decode(text.trim()).map_err(|_| SealError::BadKey)?;
        let key = XChaCha20Poly1305::new_from_slice(&bytes).map_err(|_| SealError::BadKey)?;
        Ok(SealKey(key))
    }

    /// The configured key, or the one generated into `data_dir` (created on first start, readable
    /// by this user only).
    pub fn load(configured: Option<&Secret>, data_dir: &Path) -> Result<SealKey, SealError> {
        if let Some(k) = configured {
            return SealKey::from_base64(k.expose());
        }
        let path = data_dir.join(KEY_FILE);
        let shown = path.display().to_string();
        match std::fs::read_to_string(&path) {
            Ok(text) => SealKey::from_base64(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let text = B64.encode(XChaCha20Poly1305::generate_key(&mut OsRng));
                write_private(&path, &text).map_err(|e| SealError::File(shown.clone(), e))?;
                // Another process may have won the race to create it: use whatever is there.
                let text = std::fs::read_to_string(&path).map_err(|e| SealError::File(shown, e))?;
                SealKey::from_base64(&text)
            }
            Err(e) => Err(SealError::File(shown, e)),
        }
    }

    /// `nonce ‖ ciphertext` of `plain`, bound to `belongs_to`.
    pub fn seal(&self, plain: &str, belongs_to: &str) -> Vec<u8> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload { msg: plain.as_bytes(), aad: belongs_to.as_bytes() };
        let mut out = nonce.to_vec();
        // Encryption with a valid key and nonce cannot fail; an empty value would only hide a bug.
        out.extend(self.0.encrypt(&nonce, payload).unwrap_or_default());
        out
    }

    /// The value sealed for `belongs_to`, or `None` if it was sealed for something else, with
    /// another key, or altered.
    pub fn open(&self, sealed: &[u8], belongs_to: &str) -> Option<Secret> {
        if sealed.len() < 24 {
            return None;
        }
        let (nonce, ct) = sealed.split_at(24);
        let plain = self.0.decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad: belongs_to.as_bytes() }).ok()?;
        String::from_utf8(plain).ok().map(Secret::new)
    }
}

/// Creates `path` with `text`, readable and writable by its owner only; never replaces a file.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(path) {
        Ok(mut f) => f.write_all(text.as_bytes()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_for_what_they_belong_to() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = SealKey::load(None, dir.path()).expect("generated");
        let again = SealKey::load(None, dir.path()).expect("read back");
        let sealed = key.seal("Tmp-1234", "R-1");
        assert!(!sealed.windows(8).any(|w| w == b"Tmp-1234"), "not in the clear");
        assert_eq!(again.open(&sealed, "R-1").map(|s| s.expose().to_string()).as_deref(), Some("Tmp-1234"));
        assert!(key.open(&sealed, "R-2").is_none(), "bound to its request");
        let other = SealKey::load(Some(&Secret::new(B64.encode([7u8; 32]))), dir.path()).expect("configured");
        assert!(other.open(&sealed, "R-1").is_none(), "another key does not open it");
        let mut altered = sealed.clone();
        let last = altered.len() - 1;
        altered[last] ^= 1;
        assert!(key.open(&altered, "R-1").is_none());
        assert!(SealKey::load(Some(&Secret::new("short")), dir.path()).is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE)).expect("file").permissions().mode();
            assert_eq!(mode & 0o077, 0, "owner only");
        }
    }
}
