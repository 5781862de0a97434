//! Predefined feature flags (seed 002 `user_flags`).

/// The flags a user may carry. Adding one is a code change, by design: flags switch features.
pub const KNOWN_FLAGS: &[&str] = &[
    "LICENSE_PURCHASE_RESTRICTED",
    "API_ACCESS_RESTRICTED",
    "DOCUMENT_SENDING_RESTRICTED",
    "BETA_FEATURES",
    "MFA_REQUIRED",
];

string_newtype!(
    /// One of [`KNOWN_FLAGS`].
    Flag
);

impl Flag {
    pub fn parse(value: &str) -> Result<Self, String> {
        if KNOWN_FLAGS.contains(&value) {
            Ok(Self(value.to_string()))
        } else {
            Err(format!("must be one of {}", KNOWN_FLAGS.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_predefined_flags_exist() {
        assert!(Flag::parse("LICENSE_PURCHASE_RESTRICTED").is_ok());
        for bad in ["", "license_purchase_restricted", "NOT_A_FLAG"] {
            assert!(Flag::parse(bad).is_err(), "{bad}");
        }
    }
}
