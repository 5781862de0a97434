//! Opaque pagination cursors.
//!
//! A cursor carries only sort-key attributes (never a partition key: the partition always comes
//! from the caller's organization) and the number of the page it leads to, plus a tag binding it
//! to the organization. So a cursor can neither be forged to reach another organization's data
//! nor be replayed by another organization; a tampered one is a 400.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::OrgId;
use crate::Error;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Sort-key attributes of the last item returned.
    #[serde(rename = "k")]
    pub key: BTreeMap<String, String>,
    /// The 1-based number of the page this cursor leads to.
    #[serde(rename = "p")]
    pub page: u32,
    /// The total the first page counted, for listings that do not count again on every page
    /// (`updatedSince`: a COUNT over the index would read the whole result each time).
    #[serde(rename = "t", default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

const MAX_LEN: usize = 2048;

fn tag(org: &OrgId, payload: &str) -> String {
    let digest = Sha256::new()
        .chain_update(b"roster-cursor|")
        .chain_update(org.as_str().as_bytes())
        .chain_update(b"|")
        .chain_update(payload.as_bytes())
        .finalize();
    URL_SAFE_NO_PAD.encode(&digest[..12])
}

impl Cursor {
    pub fn encode(&self, org: &OrgId) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let payload = URL_SAFE_NO_PAD.encode(json);
        let tag = tag(org, &payload);
        format!("{payload}.{tag}")
    }

    pub fn decode(text: &str, org: &OrgId) -> Result<Self, Error> {
        if text.len() > MAX_LEN {
            return Err(Error::InvalidCursor);
        }
        let (payload, given_tag) = text.split_once('.').ok_or(Error::InvalidCursor)?;
        if tag(org, payload) != given_tag {
            return Err(Error::InvalidCursor);
        }
        let json = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| Error::InvalidCursor)?;
        let cursor: Self = serde_json::from_slice(&json).map_err(|_| Error::InvalidCursor)?;
        // Page 1 has no cursor; a cursor to page u32::MAX could not number the page after it.
        if cursor.page < 2 || cursor.page == u32::MAX {
            return Err(Error::InvalidCursor);
        }
        Ok(cursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(name: &str) -> OrgId {
        OrgId::parse(name).unwrap_or_else(|e| panic!("{e}"))
    }

    fn sample() -> Cursor {
        Cursor {
            key: [("SK".to_string(), "USER#usr_1".to_string())].into(),
            page: 2,
            total: Some(41),
        }
    }

    #[test]
    fn round_trips_for_its_organization() {
        let text = sample().encode(&org("acme"));
        assert_eq!(Cursor::decode(&text, &org("acme")).ok(), Some(sample()));
    }

    #[test]
    fn a_cursor_to_the_last_numberable_page_is_refused() {
        let forged = Cursor {
            page: u32::MAX,
            ..sample()
        };
        let text = forged.encode(&org("acme"));
        assert!(matches!(
            Cursor::decode(&text, &org("acme")),
            Err(Error::InvalidCursor)
        ));
        let deep = Cursor {
            page: u32::MAX - 1,
            ..sample()
        };
        let text = deep.encode(&org("acme"));
        assert_eq!(Cursor::decode(&text, &org("acme")).ok(), Some(deep));
    }

    #[test]
    fn another_organization_cannot_use_it() {
        let text = sample().encode(&org("acme"));
        assert!(matches!(
            Cursor::decode(&text, &org("evil")),
            Err(Error::InvalidCursor)
        ));
    }

    #[test]
    fn any_tampering_is_detected() {
        let text = sample().encode(&org("acme"));
        let mut flipped = text.clone().into_bytes();
        flipped[3] = if flipped[3] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap_or_default();
        for bad in [
            flipped.as_str(),
            "",
            "abc",
            "abc.def",
            &text[..text.len() - 1],
            &"x".repeat(3000),
        ] {
            assert!(
                matches!(Cursor::decode(bad, &org("acme")), Err(Error::InvalidCursor)),
                "{bad}"
            );
        }
    }
}
