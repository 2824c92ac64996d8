//! Password hashing and checking (Argon2). Each hash holds about 19 MiB while it runs, so at
//! most one per core runs at a time: fifty simultaneous sign-ins queue for a moment instead of
//! taking a gigabyte.

use std::sync::OnceLock;
use tokio::sync::Semaphore;

fn gate() -> &'static Semaphore {
    static GATE: OnceLock<Semaphore> = OnceLock::new();
    GATE.get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())))
}

/// The stored form of `secret` (a password, or a recovery answer).
pub async fn hash(secret: String) -> anyhow::Result<String> {
    let _turn = gate().acquire().await?;
    tokio::task::spawn_blocking(move || crate::seed::hash_password(&secret)).await?
}

/// Whether `candidate` matches the stored `hash`; no hash matches nothing.
pub async fn verify(hash: Option<String>, candidate: String) -> bool {
    use argon2::{Argon2, PasswordHash, PasswordVerifier};
    let Some(hash) = hash else { return false };
    let Ok(_turn) = gate().acquire().await else { return false };
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|h| Argon2::default().verify_password(candidate.as_bytes(), &h).is_ok())
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}
