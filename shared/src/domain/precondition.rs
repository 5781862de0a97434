//! `If-Match` (RFC 9110 §13.1.1): which current versions a conditional write may apply to.
//!
//! This API's entity tags are strong, `"<version>"`. `If-Match` compares strongly: a listed tag
//! matches when it is not weak and its opaque part is the current version's. So `*` admits any
//! (existing) version, a list admits the versions of its strong tags, and a well-formed tag that
//! names no version (`"nonsense"`, or any weak `W/"3"`) simply does not match (412). Only a value
//! that is not `*` nor a list of entity tags is malformed (400).

/// The versions an `If-Match` header admits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Precondition {
    /// `*`: any current version.
    Any,
    /// The versions named by the header's strong tags; may be empty (nothing matches).
    OneOf(Vec<u64>),
}

impl Precondition {
    /// Whether a write may apply to the resource at `version`.
    pub fn admits(&self, version: u64) -> bool {
        match self {
            Self::Any => true,
            Self::OneOf(versions) => versions.contains(&version),
        }
    }

    /// Parses an `If-Match` field value: `*`, or a comma-separated list of entity tags
    /// (`"opaque"` or `W/"opaque"`, `opaque` of `%x21 / %x23-7E / %x80-FF`; empty list elements
    /// and optional whitespace allowed, as RFC 9110 §5.6.1 asks of recipients).
    pub fn parse_if_match(value: &[u8]) -> Result<Self, String> {
        const MESSAGE: &str =
            "must be * or a list of entity tags like \"3\" (the ETag this API returned)";
        let trimmed = value.trim_ascii();
        if trimmed == b"*" {
            return Ok(Self::Any);
        }
        let mut versions = Vec::new();
        let mut tags = 0usize;
        // Elements are read by scanning, not by splitting on commas: an opaque tag may itself
        // hold a comma (`"a,b"`).
        let mut rest = trimmed;
        loop {
            rest = rest.trim_ascii_start();
            while let Some(r) = rest.strip_prefix(b",") {
                rest = r.trim_ascii_start();
            }
            if rest.is_empty() {
                break;
            }
            let (weak, tag) = match rest.strip_prefix(b"W/") {
                Some(r) => (true, r),
                None => (false, rest),
            };
            let body = tag.strip_prefix(b"\"").ok_or(MESSAGE)?;
            let close = body.iter().position(|&b| b == b'"').ok_or(MESSAGE)?;
            let opaque = &body[..close];
            if !opaque
                .iter()
                .all(|&b| b == 0x21 || (0x23..=0x7E).contains(&b) || b >= 0x80)
            {
                return Err(MESSAGE.into());
            }
            rest = body[close + 1..].trim_ascii_start();
            // After a tag: the end, or a comma before the next element.
            if !rest.is_empty() && !rest.starts_with(b",") {
                return Err(MESSAGE.into());
            }
            tags += 1;
            if weak {
                continue; // strong comparison: a weak tag never matches
            }
            // Versions are issued as plain decimal numbers; anything else names no version.
            if !opaque.is_empty()
                && opaque.iter().all(u8::is_ascii_digit)
                && (opaque.len() == 1 || opaque[0] != b'0')
            {
                if let Some(v) = std::str::from_utf8(opaque)
                    .ok()
                    .and_then(|s| s.parse::<u64>().ok())
                {
                    versions.push(v);
                }
            }
        }
        if tags == 0 {
            return Err(MESSAGE.into());
        }
        Ok(Self::OneOf(versions))
    }
}

impl From<u64> for Precondition {
    fn from(version: u64) -> Self {
        Self::OneOf(vec![version])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(value: &str) -> Result<Precondition, String> {
        Precondition::parse_if_match(value.as_bytes())
    }

    #[test]
    fn star_admits_every_version() {
        for value in ["*", " * "] {
            let p = parse(value).unwrap_or_else(|e| panic!("{value}: {e}"));
            assert_eq!(p, Precondition::Any);
            assert!(p.admits(1) && p.admits(u64::MAX));
        }
    }

    #[test]
    fn a_list_admits_the_versions_of_its_strong_tags() {
        let cases: &[(&str, &[u64])] = &[
            ("\"3\"", &[3]),
            ("\"1\", \"7\"", &[1, 7]),
            ("\"1\",\"7\" ,, \"9\"", &[1, 7, 9]),
            // Well-formed tags that name no version this API issues: they never match.
            ("\"nonsense-version\"", &[]),
            ("\"\"", &[]),
            ("\"03\"", &[]),
            ("\"18446744073709551616\"", &[]),
            ("\"x\", \"4\"", &[4]),
            // Weak tags never match under If-Match's strong comparison.
            ("W/\"3\"", &[]),
            ("W/\"3\", \"5\"", &[5]),
        ];
        for (value, versions) in cases {
            assert_eq!(
                parse(value),
                Ok(Precondition::OneOf(versions.to_vec())),
                "{value}"
            );
        }
        let p = Precondition::OneOf(vec![1, 7]);
        assert!(p.admits(1) && p.admits(7) && !p.admits(2));
        assert!(!Precondition::OneOf(vec![]).admits(1));
        assert_eq!(Precondition::from(4), Precondition::OneOf(vec![4]));
    }

    #[test]
    fn anything_else_is_malformed() {
        for value in [
            "",
            " ",
            ",",
            "3",
            "garbage",
            "\"3",
            "3\"",
            "w/\"3\"",
            "W/3",
            "\"a b\"",
            "\"a\"b\"",
            "*, \"3\"",
            "\"3\" \"4\"",
            "\"3\";q=1",
        ] {
            assert!(parse(value).is_err(), "{value:?} is malformed");
        }
        assert!(Precondition::parse_if_match(b"\"\x01\"").is_err());
        assert_eq!(
            Precondition::parse_if_match(b"\"\xE9t\xE9\""),
            Ok(Precondition::OneOf(vec![])),
            "obs-text is allowed in a tag"
        );
    }

    #[test]
    fn an_opaque_tag_may_hold_a_comma() {
        assert_eq!(
            Precondition::parse_if_match(b",\t W/\"k/,\"  , \"7\" ,"),
            Ok(Precondition::OneOf(vec![7]))
        );
        assert!(Precondition::parse_if_match(b"\"7\" x").is_err());
        assert!(Precondition::parse_if_match(b"\"7").is_err());
    }
}
