//! A changed field of an audit record, and the only types whose values may enter one.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A value that may appear in a record. Implemented for the domain's plain data only: never
/// for `Password`, `ApiKey` or a `KeyRecord`, so a secret cannot be turned into one.
pub trait Recordable {
    fn recorded(&self) -> Value;
}

macro_rules! recordable_by_serde {
    ($($t:ty),* $(,)?) => {
        $(impl Recordable for $t {
            fn recorded(&self) -> Value {
                serde_json::to_value(self).unwrap_or(Value::Null)
            }
        })*
    };
}

recordable_by_serde!(
    crate::domain::Username,
    crate::domain::PersonName,
    crate::domain::Emails,
    crate::domain::Phone,
    crate::domain::Language,
    crate::domain::ExternalId,
    crate::domain::PartyId,
    crate::domain::Role,
    crate::domain::Status,
    crate::domain::ValidUntil,
    crate::domain::Flag,
    crate::domain::RegistrationState,
    crate::domain::Attributes,
    crate::domain::Permissions,
    crate::domain::Cidr,
    // Free text of parties, authorizations and profiles (names, tin, timezone): never secret.
    String,
    bool,
    u32,
);

impl<T: Recordable> Recordable for Option<T> {
    fn recorded(&self) -> Value {
        self.as_ref().map_or(Value::Null, Recordable::recorded)
    }
}

impl<T: Recordable> Recordable for Vec<T> {
    fn recorded(&self) -> Value {
        Value::Array(self.iter().map(Recordable::recorded).collect())
    }
}

/// One changed field: its old and new value (`null`: not set), or — for a secret — only the
/// fact that it changed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    pub field: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_value"
    )]
    pub old: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present_value"
    )]
    pub new: Option<Value>,
    /// True for a secret: no value is recorded, only that it changed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub redacted: bool,
}

/// A value that is present is `Some`, even when it is `null` (absent: a secret, `None`).
fn present_value<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

impl Change {
    pub fn of<T: Recordable + ?Sized>(field: &str, old: &T, new: &T) -> Self {
        Self {
            field: field.into(),
            old: Some(old.recorded()),
            new: Some(new.recorded()),
            redacted: false,
        }
    }

    /// A secret changed (set, replaced or removed): the fact only, never a value.
    pub fn secret(field: &str) -> Self {
        Self {
            field: field.into(),
            old: None,
            new: None,
            redacted: true,
        }
    }
}

/// Builds the list of changed fields.
#[derive(Debug, Default)]
pub(crate) struct Changes(pub Vec<Change>);

impl Changes {
    pub fn field<T: Recordable + PartialEq>(&mut self, name: &str, old: &T, new: &T) {
        if old != new {
            self.0.push(Change::of(name, old, new));
        }
    }

    pub fn secret(&mut self, name: &str, changed: bool) {
        if changed {
            self.0.push(Change::secret(name));
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|c| c.field == name)
    }
}
