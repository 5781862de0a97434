//! Values a compatible surface received that Roster's own user model does not hold, kept per
//! surface so that the surface can return them exactly as sent (SCIM identity providers compare
//! what they sent with what they read back). Opaque to the service: no business rule reads them.

use std::collections::BTreeMap;

/// Per surface (key: 1–32 characters of `a-z`, `0-9`, `-`) one JSON document (at most
/// [`SurfaceData::MAX_BYTES`] bytes, a JSON object). At most 8 surfaces.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(
    try_from = "BTreeMap<String, String>",
    into = "BTreeMap<String, String>"
)]
pub struct SurfaceData(BTreeMap<String, String>);

impl SurfaceData {
    pub const MAX_BYTES: usize = 16 * 1024;
    pub const MAX_SURFACES: usize = 8;

    pub fn new(map: BTreeMap<String, String>) -> Result<Self, String> {
        if map.len() > Self::MAX_SURFACES {
            return Err(format!("must hold at most {} surfaces", Self::MAX_SURFACES));
        }
        for (key, value) in &map {
            Self::check(key, value)?;
        }
        Ok(Self(map))
    }

    fn check(key: &str, value: &str) -> Result<(), String> {
        let key_ok = (1..=32).contains(&key.len())
            && key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !key_ok {
            return Err(format!(
                "surface name {key:?} must be 1-32 of a-z, 0-9 and -"
            ));
        }
        if value.len() > Self::MAX_BYTES {
            return Err(format!(
                "the values kept for {key} must be at most {} bytes",
                Self::MAX_BYTES
            ));
        }
        match serde_json::from_str::<serde_json::Value>(value) {
            Ok(serde_json::Value::Object(_)) => Ok(()),
            _ => Err(format!("the values kept for {key} must be a JSON object")),
        }
    }
}

// `get(surface)` is the document kept for that surface; `with_updates` sets (`Some`) or
// removes (`None`) the document of each named surface.
string_map_newtype!(SurfaceData);

#[cfg(test)]
mod tests {
    use super::*;

    fn one(key: &str, value: &str) -> BTreeMap<String, String> {
        BTreeMap::from([(key.to_string(), value.to_string())])
    }

    #[test]
    fn surface_documents_are_bounded_json_objects() {
        assert!(SurfaceData::new(one("scim", r#"{"title":"Boss"}"#)).is_ok());
        let big = format!(r#"{{"a":"{}"}}"#, "x".repeat(SurfaceData::MAX_BYTES));
        let cases = [
            one("SCIM", "{}"),
            one("", "{}"),
            one("scim", "[1]"),
            one("scim", "not json"),
            one("scim", &big),
        ];
        for map in cases {
            assert!(SurfaceData::new(map.clone()).is_err(), "{map:?}");
        }
    }

    #[test]
    fn updates_set_and_remove_one_surface() {
        let data = SurfaceData::new(one("scim", "{}")).unwrap_or_default();
        let set = BTreeMap::from([("other".to_string(), Some("{\"a\":1}".to_string()))]);
        let both = data.with_updates(&set).unwrap_or_default();
        assert_eq!(both.get("other"), Some("{\"a\":1}"));
        assert_eq!(both.get("scim"), Some("{}"));
        let removed = both
            .with_updates(&BTreeMap::from([("scim".to_string(), None)]))
            .unwrap_or_default();
        assert_eq!(removed.get("scim"), None);
    }
}
