//! Password hashing and checking (Argon2). Each hash needs about 19 MiB of working memory, so
//! hashes run on a few threads of their own, one per core, each keeping its working memory
//! between hashes: fifty simultaneous sign-ins queue for a moment instead of taking a gigabyte,
//! and no freed 19 MiB blocks are left for the allocator to hold (allocated per hash, glibc kept
//! 256 MB after 50 sign-ins; `bench/src/bin/memory.rs`).

use std::sync::{Mutex, OnceLock, mpsc};

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads' queue, started on first use.
fn pool() -> &'static mpsc::Sender<Job> {
    static POOL: OnceLock<mpsc::Sender<Job>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        for i in 0..std::thread::available_parallelism().map_or(2, |n| n.get()) {
            let rx = rx.clone();
            let _ = std::thread::Builder::new().name(format!("devorg-hash-{i}")).spawn(move || {
                loop {
                    // The lock is held only while taking a job, never while hashing.
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
        }
        tx
    })
}

/// Runs `work` on a hashing thread and waits for its answer without holding an async thread.
async fn on_hash_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(work());
    });
    pool().send(job).map_err(|_| anyhow::anyhow!("the hashing threads stopped"))?;
    Ok(rx.await?)
}

thread_local! {
    /// This hashing thread's Argon2 working memory, kept between hashes.
    static MEMORY: std::cell::RefCell<Vec<argon2::Block>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Argon2 of `secret` with `salt` into `out`, in this thread's own working memory: the 19 MiB are
/// allocated once per hashing thread instead of once per hash, so nothing is left for the
/// allocator to hold on to.
fn argon2_into(params: argon2::Params, secret: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), argon2::Error> {
    use argon2::{Algorithm, Argon2, Block, Version};
    MEMORY.with_borrow_mut(|memory| {
        memory.resize(params.block_count(), Block::default());
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password_into_with_memory(
            secret,
            salt,
            out,
            &mut memory[..],
        )
    })
}

/// The PHC string of `secret` under Argon2id with the default parameters and a fresh salt.
fn hash_here(secret: &str) -> anyhow::Result<String> {
    use argon2::password_hash::{Ident, Output, PasswordHash, SaltString};
    let params = argon2::Params::default();
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    let mut raw_salt = [0u8; 64];
    let raw_salt = salt.decode_b64(&mut raw_salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let mut out = vec![0u8; params.output_len().unwrap_or(argon2::Params::DEFAULT_OUTPUT_LEN)];
    argon2_into(params.clone(), secret.as_bytes(), raw_salt, &mut out).map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    let phc = PasswordHash {
        algorithm: Ident::new("argon2id").map_err(|e| anyhow::anyhow!("{e}"))?,
        version: Some(argon2::Version::V0x13.into()),
        params: (&params).try_into().map_err(|e| anyhow::anyhow!("parameters: {e}"))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("output: {e}"))?),
    };
    Ok(phc.to_string())
}

/// Whether `candidate` hashes to the stored PHC string `stored` (Argon2id only; the comparison
/// is constant-time).
fn verify_here(stored: &str, candidate: &str) -> bool {
    use argon2::password_hash::{Output, PasswordHash};
    let Ok(phc) = PasswordHash::new(stored) else { return false };
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else { return false };
    if phc.algorithm.as_str() != "argon2id" || phc.version.is_some_and(|v| v != u32::from(argon2::Version::V0x13)) {
        return false;
    }
    let Ok(params) = argon2::Params::try_from(&phc) else { return false };
    let mut raw_salt = [0u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut raw_salt) else { return false };
    let mut out = vec![0u8; expected.len()];
    argon2_into(params, candidate.as_bytes(), raw_salt, &mut out).is_ok()
        && Output::new(&out).is_ok_and(|got| got == expected)
}

/// The stored form of `secret` (a password, or a recovery answer).
pub async fn hash(secret: String) -> anyhow::Result<String> {
    on_hash_thread(move || hash_here(&secret)).await?
}

/// Whether `candidate` matches the stored `hash`; no hash matches nothing.
pub async fn verify(hash: Option<String>, candidate: String) -> bool {
    let Some(hash) = hash else { return false };
    on_hash_thread(move || verify_here(&hash, &candidate)).await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let stored = super::hash("correct horse".into()).await.expect("hash");
        assert!(super::verify(Some(stored.clone()), "correct horse".into()).await);
        assert!(!super::verify(Some(stored), "wrong horse".into()).await);
        assert!(!super::verify(None, "correct horse".into()).await);
        assert!(!super::verify(Some("not a hash".into()), "correct horse".into()).await);
    }

    /// Hashes stored before the hashing threads kept their own memory (the argon2 crate's own
    /// `hash_password`) still verify, and ours verify with it.
    #[tokio::test]
    async fn hashes_agree_with_the_argon2_crate() {
        use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let theirs = Argon2::default().hash_password(b"s3cret!", &salt).expect("hash").to_string();
        assert!(super::verify(Some(theirs), "s3cret!".into()).await);
        let ours = super::hash("s3cret!".into()).await.expect("hash");
        let parsed = PasswordHash::new(&ours).expect("PHC string");
        assert!(Argon2::default().verify_password(b"s3cret!", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"s3cret?", &parsed).is_err());
    }
}
