//! Usernames: unique per organization, compared case-insensitively.

string_newtype!(
    /// 1–64 characters: letters, digits and `. _ - @ +`.
    Username
);

impl Username {
    pub fn parse(value: &str) -> Result<Self, String> {
        if value.is_empty() {
            return Err("must not be empty".into());
        }
        if value.chars().count() > 64 {
            return Err("must be at most 64 characters".into());
        }
        if let Some(bad) = value
            .chars()
            .find(|c| !(c.is_alphanumeric() || "._-@+".contains(*c)))
        {
            return Err(format!(
                "must contain only letters, digits and . _ - @ + (found {bad:?})"
            ));
        }
        Ok(Self(value.to_string()))
    }

    /// The form uniqueness is decided on.
    pub fn canonical(&self) -> String {
        self.0.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_usernames() {
        for ok in ["alice", "Bob.Smith", "54321", "j_doe-2", "ops@acme", "ÅsaÖ"] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_bad_usernames_with_reasons() {
        let cases = [
            ("", "must not be empty"),
            ("has space", "must contain only"),
            ("semi;colon", "must contain only"),
            (&"x".repeat(65), "at most 64"),
        ];
        for (input, expected) in cases {
            let err = Username::parse(input).err().unwrap_or_default();
            assert!(err.contains(expected), "{input:?}: {err}");
        }
    }

    #[test]
    fn canonical_form_ignores_case() {
        assert_eq!(
            Username::parse("Alice").map(|u| u.canonical()),
            Ok("alice".to_string())
        );
    }
}
