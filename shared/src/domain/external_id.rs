//! The caller's own id for a user (`idRemote`, `external_id`): unique per organization.

string_newtype!(
    /// 1–128 characters, no control characters, no surrounding whitespace. Compared exactly.
    ExternalId
);

impl ExternalId {
    pub fn parse(value: &str) -> Result<Self, String> {
        super::plain_text(value, 128).map(|()| Self(value.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_ids_are_plain_text() {
        assert!(ExternalId::parse("CRM-000123").is_ok());
        for bad in ["", " x", "a\tb", &"e".repeat(129)] {
            assert!(ExternalId::parse(bad).is_err(), "{bad:?}");
        }
    }
}
