//! Domain types. Each newtype can only hold a valid value: it is made by `parse`/`TryFrom`,
//! and (de)serialises as its string form, so storage round-trips re-validate.

macro_rules! string_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                Self::parse(&value)
            }
        }

        impl TryFrom<&str> for $name {
            type Error = String;
            fn try_from(value: &str) -> Result<Self, String> {
                Self::parse(value)
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(value: &str) -> Result<Self, String> {
                Self::parse(value)
            }
        }
    };
}

/// A validated `BTreeMap<String, String>` newtype whose `new(map)` checks every entry: its
/// reads, single-entry updates (re-validated) and the (de)serialising conversions.
macro_rules! string_map_newtype {
    ($name:ident) => {
        impl $name {
            /// The value kept under `key`.
            pub fn get(&self, key: &str) -> Option<&str> {
                self.0.get(key).map(String::as_str)
            }

            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }

            /// This map with single entries set (`Some`) or removed (`None`); the result is
            /// validated like any new map.
            pub fn with_updates(
                &self,
                updates: &std::collections::BTreeMap<String, Option<String>>,
            ) -> Result<Self, String> {
                let mut map = self.0.clone();
                for (key, value) in updates {
                    match value {
                        Some(v) => map.insert(key.clone(), v.clone()),
                        None => map.remove(key),
                    };
                }
                Self::new(map)
            }
        }

        impl TryFrom<std::collections::BTreeMap<String, String>> for $name {
            type Error = String;
            fn try_from(map: std::collections::BTreeMap<String, String>) -> Result<Self, String> {
                Self::new(map)
            }
        }

        impl From<$name> for std::collections::BTreeMap<String, String> {
            fn from(value: $name) -> Self {
                value.0
            }
        }
    };
}

mod attributes;
mod cidr;
mod email;
mod external_id;
mod flag;
mod ids;
mod language;
mod party;
mod party_id;
mod person_name;
mod phone;
mod precondition;
mod records;
mod surface_data;
mod user;
mod username;

pub use attributes::Attributes;
pub use cidr::Cidr;
pub use email::{Email, Emails};
pub use external_id::ExternalId;
pub use flag::{flag_set, Flag, KNOWN_FLAGS};
pub use ids::{KeyId, OrgId, UserId};
pub use language::{Language, LANGUAGES};
pub use party::{party_text, Authorization, Party, PartyInfo, Permissions};
pub use party_id::PartyId;
pub use person_name::PersonName;
pub use phone::Phone;
pub use precondition::Precondition;
pub use records::{DeletedRecord, KeyRecord, UserFilter};
pub use surface_data::SurfaceData;
pub use user::{Profile, Registration, RegistrationState, Role, Status, User, ValidUntil};
pub use username::Username;

/// Shared check: no control characters and no surrounding whitespace.
fn plain_text(value: &str, max_chars: usize) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if value.trim() != value {
        return Err("must not start or end with whitespace".into());
    }
    if value.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(())
}
