//! Passwords: only ever stored as Argon2id PHC strings.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;

use crate::Error;

/// Hashes running at once in this process: one per CPU. A batch of creates with passwords
/// queues here instead of starting a hundred CPU-bound threads on the blocking pool.
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        tokio::sync::Semaphore::new(cpus)
    })
}

/// Hashes on a blocking thread (Argon2id is deliberately CPU-heavy), at most one per CPU at
/// once.
pub async fn hash(plain: String) -> Result<String, Error> {
    let _slot = hashing_slots()
        .acquire()
        .await
        .map_err(|e| Error::internal(format!("hashing slots closed: {e}")))?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(plain.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(format!("argon2 hash failed: {e}")))
    })
    .await
    .map_err(|e| Error::internal(format!("hash task failed: {e}")))?
}

/// True when `plain` matches the stored PHC string.
pub async fn verify(plain: String, stored: String) -> Result<bool, Error> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&stored)
            .map_err(|e| Error::internal(format!("bad stored hash: {e}")))?;
        Ok(Argon2::default()
            .verify_password(plain.as_bytes(), &parsed)
            .is_ok())
    })
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
