//! A small string map for extra identity data (`netsId`, `identificationType`, …).

use std::collections::BTreeMap;

/// At most 20 entries; keys 1–64 of `[A-Za-z][A-Za-z0-9_-]*` (so they are valid XML names too);
/// values at most 256 characters without control characters.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(
    try_from = "BTreeMap<String, String>",
    into = "BTreeMap<String, String>"
)]
pub struct Attributes(BTreeMap<String, String>);

impl Attributes {
    pub const MAX_ENTRIES: usize = 20;

    pub fn new(map: BTreeMap<String, String>) -> Result<Self, String> {
        if map.len() > Self::MAX_ENTRIES {
            return Err(format!("must hold at most {} entries", Self::MAX_ENTRIES));
        }
        for (key, value) in &map {
            let key_ok = (1..=64).contains(&key.len())
                && key.starts_with(|c: char| c.is_ascii_alphabetic())
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !key_ok {
                return Err(format!("key {key:?} must be 1-64 characters of A-Z, a-z, 0-9, _ and -, starting with a letter"));
            }
            if value.chars().count() > 256 || value.chars().any(char::is_control) {
                return Err(format!(
                    "value of {key} must be at most 256 characters without control characters"
                ));
            }
        }
        Ok(Self(map))
    }

    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }
}

string_map_newtype!(Attributes);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_must_be_names() {
        let ok: BTreeMap<_, _> = [("netsId".to_string(), "1234".to_string())].into();
        assert!(Attributes::new(ok).is_ok());
        for key in ["", "1abc", "with space", "a<b"] {
            let bad: BTreeMap<_, _> = [(key.to_string(), "v".to_string())].into();
            assert!(Attributes::new(bad).is_err(), "{key:?}");
        }
    }

    #[test]
    fn single_entries_can_be_set_and_removed() {
        let start = Attributes::new(
            [("netsId", "1234"), ("identificationType", "NemID")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
        .unwrap_or_default();
        let updates: BTreeMap<_, _> = [
            ("identificationType".to_string(), Some("MitID".to_string())),
            ("netsId".to_string(), None),
        ]
        .into();
        let updated = start.with_updates(&updates).unwrap_or_default();
        assert_eq!(updated.get("identificationType"), Some("MitID"));
        assert_eq!(updated.get("netsId"), None);
        let bad: BTreeMap<_, _> = [("1bad".to_string(), Some("v".to_string()))].into();
        assert!(start.with_updates(&bad).is_err());
    }

    #[test]
    fn size_is_bounded() {
        let many: BTreeMap<_, _> = (0..21)
            .map(|i| (format!("k{i}"), "v".to_string()))
            .collect();
        assert!(Attributes::new(many).is_err());
    }
}
