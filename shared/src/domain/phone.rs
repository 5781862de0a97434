//! Telephone numbers in E.123 international notation, e.g. `+31 20 123 4567`.

string_newtype!(
    /// `+`, a country code, then digit groups separated by single spaces; 8–15 digits in all.
    Phone
);

impl Phone {
    pub fn parse(value: &str) -> Result<Self, String> {
        const MESSAGE: &str = "must be in E.123 international notation, like +31 20 123 4567";
        let rest = value.strip_prefix('+').ok_or(MESSAGE)?;
        let groups: Vec<&str> = rest.split(' ').collect();
        let groups_ok = groups
            .iter()
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()));
        let digits: usize = groups.iter().map(|g| g.len()).sum();
        let country_ok = groups.first().is_some_and(|g| !g.starts_with('0'));
        if groups_ok && country_ok && (8..=15).contains(&digits) {
            Ok(Self(value.to_string()))
        } else {
            Err(MESSAGE.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_e123_international_numbers() {
        for ok in [
            "+31 20 123 4567",
            "+45 12 34 56 78",
            "+442071234567",
            "+1 212 555 0100",
        ] {
            assert!(Phone::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_national_and_malformed_numbers() {
        for bad in [
            "020 123 4567",
            "+31  20 1234567",
            "+31-20-1234567",
            "+31 20 123 4567 ",
            "+0 123 456 789",
            "+123",
            "(020) 1234567",
            "",
        ] {
            assert!(Phone::parse(bad).is_err(), "{bad:?}");
        }
    }
}
