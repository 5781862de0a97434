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

/// A user's flags as a set: each flag once, in the order first given. So a user holds at most
/// [`KNOWN_FLAGS`]`.len()` flags, however many copies a request lists.
pub fn flag_set(flags: Vec<Flag>) -> Vec<Flag> {
    let mut set: Vec<Flag> = Vec::with_capacity(flags.len().min(KNOWN_FLAGS.len()));
    for flag in flags {
        if !set.contains(&flag) {
            set.push(flag);
        }
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag(name: &str) -> Flag {
        Flag::parse(name).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn flags_are_a_set_in_first_given_order() {
        let many: Vec<Flag> = (0..16_000).map(|i| flag(KNOWN_FLAGS[i % 2 + 3])).collect();
        assert_eq!(
            flag_set(many),
            [flag("BETA_FEATURES"), flag("MFA_REQUIRED")]
        );
        let all: Vec<Flag> = KNOWN_FLAGS.iter().rev().map(|f| flag(f)).collect();
        assert_eq!(flag_set([all.clone(), all.clone()].concat()), all);
        assert_eq!(flag_set(Vec::new()), Vec::<Flag>::new());
    }

    #[test]
    fn only_predefined_flags_exist() {
        assert!(Flag::parse("LICENSE_PURCHASE_RESTRICTED").is_ok());
        for bad in ["", "license_purchase_restricted", "NOT_A_FLAG"] {
            assert!(Flag::parse(bad).is_err(), "{bad}");
        }
    }
}
