//! Passwords: only ever stored as Argon2id PHC strings.
//!
//! Argon2id needs a 19 MiB block buffer per hash (m = 19456 KiB). Allocating and freeing one per
//! hash made glibc's malloc raise its dynamic mmap threshold to 19 MiB after the first free, after
//! which every buffer came from the heap and was kept: the users function grew by ~19 MiB per hash
//! to ~220 MiB. So the buffer is allocated once and reused ([`MEMORY`]): peak RSS stays at one
//! buffer, and a hash no longer pays for faulting in 19 MiB of fresh pages.

use std::sync::Mutex;

use argon2::password_hash::{rand_core::OsRng, Output, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::Error;

/// Reusable Argon2 block buffers, at most one per hashing slot ([`hashing_slots`]): a run of
/// single hashes (the usual Lambda event) keeps one, a batch with passwords one per CPU.
static MEMORY: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Runs Argon2 (`argon2`'s algorithm, version and parameters) on the pooled buffer.
fn hash_into(
    argon2: &Argon2<'_>,
    params: &Params,
    plain: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let blocks = params.block_count();
    let mut memory = MEMORY
        .lock()
        .ok()
        .and_then(|mut pool| pool.pop())
        .filter(|m| m.len() == blocks)
        .unwrap_or_else(|| vec![Block::default(); blocks]);
    let result = argon2.hash_password_into_with_memory(plain, salt, out, &mut memory[..]);
    if let Ok(mut pool) = MEMORY.lock() {
        if pool.len() < slot_count() {
            pool.push(memory);
        }
    }
    result
}

fn hash_sync(plain: &str) -> Result<String, Error> {
    let fail = |e: &dyn std::fmt::Display| Error::internal(format!("argon2 hash failed: {e}"));
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt.decode_b64(&mut salt_bytes).map_err(|e| fail(&e))?;
    let params = Params::default();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    hash_into(&argon2, &params, plain.as_bytes(), salt_raw, &mut out).map_err(|e| fail(&e))?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into().map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(hash.to_string())
}

fn verify_sync(plain: &str, stored: &str) -> Result<bool, Error> {
    let bad = |e: &dyn std::fmt::Display| Error::internal(format!("bad stored hash: {e}"));
    let parsed = PasswordHash::new(stored).map_err(|e| bad(&e))?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(|e| bad(&e))?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(|e| bad(&e))?
        .unwrap_or_default();
    let params = Params::try_from(&parsed).map_err(|e| bad(&e))?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(bad(&"no salt or hash"));
    };
    let mut salt_bytes = [0u8; 64];
    let salt_raw = salt.decode_b64(&mut salt_bytes).map_err(|e| bad(&e))?;
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    if hash_into(&argon2, &params, plain.as_bytes(), salt_raw, &mut out).is_err() {
        return Ok(false);
    }
    // `Output`'s equality is constant-time.
    Ok(Output::new(&out).is_ok_and(|computed| computed == expected))
}

/// Hashes running at once in this process: one per CPU. A batch of creates with passwords
/// queues here instead of starting a hundred CPU-bound threads on the blocking pool.
fn slot_count() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| tokio::sync::Semaphore::new(slot_count()))
}

/// Hashes on a blocking thread (Argon2id is deliberately CPU-heavy), at most one per CPU at
/// once.
pub async fn hash(plain: String) -> Result<String, Error> {
    let _slot = hashing_slots()
        .acquire()
        .await
        .map_err(|e| Error::internal(format!("hashing slots closed: {e}")))?;
    tokio::task::spawn_blocking(move || hash_sync(&plain))
        .await
        .map_err(|e| Error::internal(format!("hash task failed: {e}")))?
}

/// True when `plain` matches the stored PHC string.
pub async fn verify(plain: String, stored: String) -> Result<bool, Error> {
    tokio::task::spawn_blocking(move || verify_sync(&plain, &stored))
        .await
        .map_err(|e| Error::internal(format!("verify task failed: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let stored = hash("correct horse".into()).await.unwrap_or_default();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("correct horse"));
        assert!(verify("correct horse".into(), stored.clone())
            .await
            .unwrap_or(false));
        assert!(!verify("wrong".into(), stored).await.unwrap_or(true));
    }

    /// Hashes made by the `argon2` crate's own `PasswordHasher` (every stored hash so far) verify,
    /// and ours verify with it: the pooled path changes nothing in the format.
    #[tokio::test]
    async fn compatible_with_the_argon2_crates_phc_strings() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(verify("correct horse".into(), theirs.clone())
            .await
            .unwrap_or(false));
        assert!(!verify("correct hors".into(), theirs).await.unwrap_or(true));
        let ours = hash("battery staple".into()).await.unwrap_or_default();
        assert!(
            ours.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{ours}"
        );
        let parsed = PasswordHash::new(&ours).unwrap_or_else(|e| panic!("{e}"));
        assert!(Argon2::default()
            .verify_password(b"battery staple", &parsed)
            .is_ok());
        // Two hashes of one password differ (fresh salt) even on the reused buffer.
        assert_ne!(
            ours,
            hash("battery staple".into()).await.unwrap_or_default()
        );
    }
}

/// A plaintext password on its way to being hashed. Its `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(value: &str) -> Result<Self, String> {
        let chars = value.chars().count();
        if chars < 8 {
            return Err("must be at least 8 characters".into());
        }
        if chars > 256 {
            return Err("must be at most 256 characters".into());
        }
        Ok(Self(value.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod password_tests {
    use super::*;

    #[test]
    fn debug_output_never_shows_the_password() {
        let p = Password::parse("s3cret-passw0rd").unwrap_or_else(|e| panic!("{e}"));
        assert!(!format!("{p:?}").contains("s3cret"));
        assert!(Password::parse("short").is_err());
    }
}
