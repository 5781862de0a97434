//! Key material: `rst_` + 192 random bits (base64url), then where the key lives:
//! `rst_<32 random>.<org>.<user ULID>.<key ULID>`. Only its SHA-256 is stored — a fast hash is
//! right here because the key has full entropy; Argon2 is for low-entropy passwords.
//!
//! **Why the key says where it lives.** The authorizer must read the key's lookup item, its user
//! and its organization before its first decision on a key. A key that names its organization,
//! user and key id lets all three be read in one `BatchGetItem` (and its `lastUsedAt` written
//! beside it): one round trip instead of two. The ids are not secrets — the key's holder can
//! read them from `GET /v1/me` — and the hash covers the whole string, so a key whose locator
//! was altered is simply unknown. Keys issued before the locator (`rst_` + 32 characters) stay
//! valid and are found by their hash alone, in two round trips.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::domain::{KeyId, OrgId, UserId};
use crate::Error;

pub const KEY_PREFIX: &str = "rst_";
const PREFIX_SHOWN: usize = 12;
/// Base64url characters of the random part (24 bytes, 192 bits).
const RANDOM_LEN: usize = 32;
/// Separates the random part and the locator's ids (in none of their alphabets).
const SEPARATOR: char = '.';

/// Where a key's items are: its organization, its user and its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyLocator {
    pub org: OrgId,
    pub user: UserId,
    pub key: KeyId,
}

/// What a presented string is, judged by its shape alone (no read).
#[derive(Debug, PartialEq, Eq)]
pub enum KeyShape {
    /// A key that names where it lives.
    Located(KeyLocator),
    /// A key issued before keys carried a locator: found by its hash alone.
    Unlocated,
}

/// A freshly made key: the secret is shown to the caller once and then dropped.
pub struct ApiKey {
    pub secret: String,
}

impl ApiKey {
    /// A new secret for the key `locator.key` of user `locator.user` in `locator.org`.
    pub fn generate(locator: &KeyLocator) -> Result<Self, Error> {
        let mut bytes = [0u8; 24];
        getrandom::getrandom(&mut bytes)
            .map_err(|e| Error::internal(format!("no randomness: {e}")))?;
        let ulid = |id: &str| id.split_once('_').map_or("", |(_, ulid)| ulid).to_string();
        Ok(Self {
            secret: format!(
                "{KEY_PREFIX}{random}{SEPARATOR}{org}{SEPARATOR}{user}{SEPARATOR}{key}",
                random = URL_SAFE_NO_PAD.encode(bytes),
                org = locator.org,
                user = ulid(locator.user.as_str()),
                key = ulid(locator.key.as_str()),
            ),
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

/// The shape of `secret`, or `None` when it cannot be a key Roster issued (refused without a
/// read): `rst_` + 32 base64url characters, then either nothing or `.<org>.<ULID>.<ULID>`.
pub fn key_shape(secret: &str) -> Option<KeyShape> {
    let rest = secret.strip_prefix(KEY_PREFIX)?;
    let random = rest.get(..RANDOM_LEN)?;
    let base64url = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_';
    if !random.bytes().all(base64url) {
        return None;
    }
    let locator = &rest[RANDOM_LEN..];
    if locator.is_empty() {
        return Some(KeyShape::Unlocated);
    }
    let mut parts = locator.strip_prefix(SEPARATOR)?.split(SEPARATOR);
    let (Some(org), Some(user), Some(key), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    // Upper case only: the ids are made so, and one key has exactly one spelling.
    let canonical = |ulid: &str| !ulid.bytes().any(|b| b.is_ascii_lowercase());
    if !canonical(user) || !canonical(key) {
        return None;
    }
    Some(KeyShape::Located(KeyLocator {
        org: OrgId::parse(org).ok()?,
        user: UserId::parse(&format!("usr_{user}")).ok()?,
        key: KeyId::parse(&format!("key_{key}")).ok()?,
    }))
}

/// True when `secret` has the shape of a key Roster issues ([`key_shape`]).
pub fn looks_like_key(secret: &str) -> bool {
    key_shape(secret).is_some()
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

    fn locator() -> KeyLocator {
        KeyLocator {
            org: OrgId::parse("acme-eu").unwrap_or_else(|e| panic!("{e}")),
            user: UserId::generate(),
            key: KeyId::generate(),
        }
    }

    #[test]
    fn keys_are_long_random_prefixed_and_say_where_they_live() {
        let at = locator();
        let a = ApiKey::generate(&at).unwrap_or_else(|e| panic!("{e}"));
        let b = ApiKey::generate(&at).unwrap_or_else(|e| panic!("{e}"));
        assert!(a.secret.starts_with("rst_"));
        assert_eq!(
            a.secret.len(),
            4 + 32 + 1 + "acme-eu".len() + 1 + 26 + 1 + 26
        );
        assert_ne!(a.secret, b.secret);
        assert_ne!(a.secret[..36], b.secret[..36], "the random part differs");
        assert_eq!(
            a.prefix(),
            a.secret[..12],
            "the shown prefix is the random part's start"
        );
        assert_eq!(a.hash().len(), 64);
        assert!(!format!("{a:?}").contains(&a.secret));
        assert_eq!(key_shape(&a.secret), Some(KeyShape::Located(at)));
    }

    #[test]
    fn keys_issued_before_the_locator_are_still_keys() {
        assert_eq!(
            key_shape("rst_abcdefghijklmnopqrstuvwxyz012-_A"),
            Some(KeyShape::Unlocated)
        );
    }

    #[test]
    fn only_strings_shaped_like_issued_keys_look_like_keys() {
        let random = "rst_abcdefghijklmnopqrstuvwxyz012-_A";
        let user = "01JDQ3Z5W7V4J2K8M9N0P1R2S3";
        let key = "01JDQ3Z5W7V4J2K8M9N0P1R2S4";
        assert!(looks_like_key(&format!("{random}.acme.{user}.{key}")));
        for junk in [
            "".to_string(),
            "rst_".into(),
            "rst_not-a-real-key".into(),
            "rst_abcdefghijklmnopqrstuvwxyz012-_".into(),
            "rst_abcdefghijklmnopqrstuvwxyz012-_AB".into(),
            "abc_abcdefghijklmnopqrstuvwxyz012-_A".into(),
            "rst_abcdefghijklmnopqrstuvwxyz012+/A".into(),
            "rst_abcdefghijklmnopqrstuvwxyz0123æ".into(),
            "rst_abcdefghijklmnopqrstuvwxyz0123\u{e6}.acme.x.y".into(),
            format!("{random}."),
            format!("{random}.acme.{user}"),
            format!("{random}.acme.{user}.{key}."),
            format!("{random}.acme.{user}.{key}.{key}"),
            format!("{random}acme.{user}.{key}"),
            format!("{random}.ACME.{user}.{key}"),
            format!("{random}.acme.{}.{key}", user.to_lowercase()),
            format!("{random}.acme.{user}.{}", &key[1..]),
            format!("{random}.acme.usr_{user}.{key}"),
            format!("{random}.-acme.{user}.{key}"),
            format!("{random}.a.{user}.{key}"),
        ] {
            assert!(!looks_like_key(&junk), "{junk}");
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
