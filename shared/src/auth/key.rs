//! Key material: `rst_` + 192 random bits (base64url). Only its SHA-256 is stored — a fast hash
//! is right here because the key has full entropy; Argon2 is for low-entropy passwords.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::Error;

pub const KEY_PREFIX: &str = "rst_";
const PREFIX_SHOWN: usize = 12;

/// A freshly made key: the secret is shown to the caller once and then dropped.
pub struct ApiKey {
    pub secret: String,
}

impl ApiKey {
    pub fn generate() -> Result<Self, Error> {
        let mut bytes = [0u8; 24];
        getrandom::getrandom(&mut bytes)
            .map_err(|e| Error::internal(format!("no randomness: {e}")))?;
        Ok(Self {
            secret: format!("{KEY_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)),
        })
    }

    /// The recognisable, non-secret start of the key.
    pub fn prefix(&self) -> String {
        self.secret.chars().take(PREFIX_SHOWN).collect()
    }

    pub fn hash(&self) -> String {
        hash_key(&self.secret)
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKey({}…)", self.prefix())
    }
}

/// Length of a key: the prefix and 32 base64url characters (24 random bytes).
const KEY_LEN: usize = KEY_PREFIX.len() + 32;

/// True when `secret` has the shape of a key Roster issues (`rst_` + 32 base64url characters).
/// Anything else cannot be a key, so it is refused without a read.
pub fn looks_like_key(secret: &str) -> bool {
    secret.len() == KEY_LEN
        && secret.starts_with(KEY_PREFIX)
        && secret[KEY_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Hex SHA-256 of a presented key.
pub fn hash_key(secret: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(secret.as_bytes());
    let mut hex = String::with_capacity(2 * digest.len());
    for b in digest {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    hex
}

/// The key from `x-api-key`, `Authorization: Apikey KEY` / `Authorization: Bearer KEY` or
/// `X-eSignatur-Id`, in that order. A bare `Authorization: rst_…` (no scheme) is a key too:
/// Okta's "HTTP header" authentication sends the header value exactly as typed.
pub fn key_from_headers(headers: &HeaderMap) -> Option<String> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    if let Some(key) = header("x-api-key") {
        return Some(key.to_string());
    }
    if let Some(auth) = header("authorization") {
        match auth.split_once(' ') {
            Some((scheme, key))
                if (scheme.eq_ignore_ascii_case("apikey")
                    || scheme.eq_ignore_ascii_case("bearer"))
                    && !key.trim().is_empty() =>
            {
                return Some(key.trim().to_string());
            }
            None if auth.starts_with(KEY_PREFIX) => return Some(auth.to_string()),
            _ => {}
        }
    }
    header("x-esignatur-id").map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn the_hash_is_lowercase_hex_sha256() {
        // SHA-256("abc"), FIPS 180-2's test vector.
        assert_eq!(
            hash_key("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn keys_are_long_random_and_prefixed() {
        let a = ApiKey::generate().unwrap_or_else(|e| panic!("{e}"));
        let b = ApiKey::generate().unwrap_or_else(|e| panic!("{e}"));
        assert!(a.secret.starts_with("rst_"));
        assert_eq!(a.secret.len(), 4 + 32);
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.hash().len(), 64);
        assert!(!format!("{a:?}").contains(&a.secret));
        assert!(looks_like_key(&a.secret));
    }

    #[test]
    fn only_strings_shaped_like_issued_keys_look_like_keys() {
        assert!(looks_like_key("rst_abcdefghijklmnopqrstuvwxyz012-_A"));
        for junk in [
            "",
            "rst_",
            "rst_not-a-real-key",
            "rst_abcdefghijklmnopqrstuvwxyz012-_",
            "rst_abcdefghijklmnopqrstuvwxyz012-_AB",
            "abc_abcdefghijklmnopqrstuvwxyz012-_A",
            "rst_abcdefghijklmnopqrstuvwxyz012+/A",
            "rst_abcdefghijklmnopqrstuvwxyz0123æ",
        ] {
            assert!(!looks_like_key(junk), "{junk}");
        }
    }

    #[test]
    fn keys_are_read_from_every_documented_header() {
        let cases = [
            ("x-api-key", "rst_a"),
            ("authorization", "Apikey rst_a"),
            ("authorization", "APIKEY rst_a"),
            ("authorization", "Bearer rst_a"),
            ("authorization", "bearer  rst_a"),
            ("authorization", "rst_a"),
            ("x-esignatur-id", "rst_a"),
        ];
        for (name, value) in cases {
            let mut headers = HeaderMap::new();
            headers.insert(name, HeaderValue::from_static(value));
            assert_eq!(
                key_from_headers(&headers).as_deref(),
                Some("rst_a"),
                "{name}: {value}"
            );
        }
        for other in ["Basic dXNlcjpwdw==", "Bearer ", "Token rst_a", "secret"] {
            let mut headers = HeaderMap::new();
            headers.insert("authorization", HeaderValue::from_static(other));
            assert_eq!(key_from_headers(&headers), None, "{other}");
        }
    }
}
