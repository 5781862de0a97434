//! Identifiers: organizations (chosen by the operator) and server-made, time-ordered ids with a
//! type prefix (`usr_…`, `key_…`).

string_newtype!(
    /// An organization id: 2–64 of `a-z`, `0-9`, `-`, starting with a letter or digit.
    OrgId
);

impl OrgId {
    pub fn parse(value: &str) -> Result<Self, String> {
        let ok_len = (2..=64).contains(&value.len());
        let ok_chars = value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let ok_start = value.bytes().next().is_some_and(|b| b != b'-');
        if ok_len && ok_chars && ok_start {
            Ok(Self(value.to_string()))
        } else {
            Err("must be 2-64 characters of a-z, 0-9 and '-', not starting with '-'".into())
        }
    }
}

fn parse_prefixed(value: &str, prefix: &str) -> Result<String, String> {
    match value.strip_prefix(prefix) {
        Some(rest) if ulid::Ulid::from_string(rest).is_ok() && rest.len() == 26 => {
            Ok(value.to_string())
        }
        _ => Err(format!("must be an id of the form {prefix}<26 characters>")),
    }
}

string_newtype!(
    /// A user id: `usr_` and a ULID, so ids sort by creation time.
    UserId
);

impl UserId {
    pub fn parse(value: &str) -> Result<Self, String> {
        parse_prefixed(value, "usr_").map(Self)
    }

    pub fn generate() -> Self {
        Self(format!("usr_{}", ulid::Ulid::new()))
    }
}

string_newtype!(
    /// An API key id: `key_` and a ULID.
    KeyId
);

impl KeyId {
    pub fn parse(value: &str) -> Result<Self, String> {
        parse_prefixed(value, "key_").map(Self)
    }

    pub fn generate() -> Self {
        Self(format!("key_{}", ulid::Ulid::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_and_sort_by_time() {
        let a = UserId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = UserId::generate();
        assert_eq!(UserId::parse(a.as_str()), Ok(a.clone()));
        assert!(a < b);
        assert!(KeyId::parse(KeyId::generate().as_str()).is_ok());
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for bad in [
            "",
            "usr_",
            "usr_123",
            "key_01HZX3J8Q9V7M2N4P6R8T0W2Y4",
            "USR_01HZX3J8Q9V7M2N4P6R8T0W2Y4",
        ] {
            assert!(UserId::parse(bad).is_err(), "{bad}");
        }
        assert!(UserId::parse("usr_01HZX3J8Q9V7M2N4P6R8T0W2Y4").is_ok());
    }

    #[test]
    fn org_ids_are_slugs() {
        assert!(OrgId::parse("demo").is_ok());
        assert!(OrgId::parse("acme-01").is_ok());
        for bad in ["", "a", "Demo", "-x", "a b", "a#b"] {
            assert!(OrgId::parse(bad).is_err(), "{bad}");
        }
    }
}
