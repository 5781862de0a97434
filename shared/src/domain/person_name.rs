//! A user's full name.

string_newtype!(
    /// 1–200 characters, no control characters, no surrounding whitespace.
    PersonName
);

impl PersonName {
    pub fn parse(value: &str) -> Result<Self, String> {
        super::plain_text(value, 200).map(|()| Self(value.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_plain_text() {
        assert!(PersonName::parse("User Usersen").is_ok());
        assert!(PersonName::parse("Ærø Ösel-Ünal").is_ok());
        for bad in ["", "   ", " padded", "line\nbreak", &"n".repeat(201)] {
            assert!(PersonName::parse(bad).is_err(), "{bad:?}");
        }
    }
}
