//! Seed 000's wire shapes: a user is `{name}` (the username; never the password), `PUT
//! /api/v1/user` reads `{name, password}`, an authorization is `{name, permissions, id}`.

use serde::Serialize;
use serde_json::Value;

use roster_shared::domain::{party_text, PartyId, Permissions, User, Username};
use roster_shared::http::ObjectReader;
use roster_shared::password::Password;
use roster_shared::service::{AuthorizationState, Grant};
use roster_shared::Error;

/// A user as seed 000 knows it: its name (the username). The password is never shown.
#[derive(Serialize)]
pub struct UserView {
    name: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            name: user.username.to_string(),
        }
    }
}

/// `{name, password}`: both required.
pub struct PutUser {
    pub name: Username,
    pub password: Password,
}

pub fn put_user_body(body: Value) -> std::result::Result<PutUser, Error> {
    let Value::Object(map) = body else {
        return Err(Error::field("body", "must be a JSON object"));
    };
    let mut reader = ObjectReader::new(map);
    let name = reader.required("name", Username::parse);
    let password = reader.required("password", Password::parse);
    reader.finish()?;
    match (name, password) {
        (Some(name), Some(password)) => Ok(PutUser { name, password }),
        _ => Err(Error::internal("seed 000 user fields checked above")),
    }
}

/// One authorization as the seed shows it: `{name, permissions, id}` (`id` is the party id).
#[derive(Serialize)]
pub struct PartyView {
    name: String,
    permissions: Permissions,
    id: String,
}

impl From<&AuthorizationState> for PartyView {
    fn from(state: &AuthorizationState) -> Self {
        let a = &state.authorization;
        Self {
            name: a.name.clone(),
            permissions: a.permissions,
            id: a.party_id.to_string(),
        }
    }
}

/// `{name, permissions: {canSendDocument, canReceiveDocument, canRemoveDocument, canManageHook},
/// id}`: every field obligatory (a missing or `null` one is named), the flags booleans.
pub fn put_party_body(body: Value) -> std::result::Result<(PartyId, Grant), Error> {
    let Value::Object(map) = body else {
        return Err(Error::field("body", "must be a JSON object"));
    };
    let mut reader = ObjectReader::new(map);
    let name = reader.required("name", party_text);
    let permissions = reader.permissions("permissions");
    let id = reader.required("id", PartyId::parse);
    reader.finish()?;
    match (name, permissions, id) {
        (Some(name), Some(permissions), Some(id)) => Ok((id, Grant { name, permissions })),
        _ => Err(Error::internal("seed 000 party fields checked above")),
    }
}

#[cfg(test)]
mod user_tests {
    use super::*;
    use serde_json::json;

    fn fields(body: Value) -> Vec<(String, String)> {
        match put_user_body(body) {
            Err(Error::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.message)).collect()
            }
            Err(other) => vec![("error".into(), other.to_string())],
            Ok(_) => vec![],
        }
    }

    #[test]
    fn name_and_password_are_both_required() {
        assert_eq!(
            fields(json!({})),
            [
                ("name".to_string(), "is required".to_string()),
                ("password".to_string(), "is required".to_string())
            ]
        );
        assert_eq!(
            fields(json!({"name": "alice", "password": null})),
            [("password".to_string(), "is required".to_string())]
        );
    }

    #[test]
    fn bad_values_and_unknown_fields_are_named() {
        let cases = [
            (json!({"name": "a b", "password": "long enough"}), "name"),
            (json!({"name": "alice", "password": "short"}), "password"),
            (json!({"name": 7, "password": "long enough"}), "name"),
            (
                json!({"name": "alice", "password": "long enough", "role": "ApManager"}),
                "role",
            ),
        ];
        for (body, field) in cases {
            let found = fields(body.clone());
            assert_eq!(found.len(), 1, "{body}: {found:?}");
            assert_eq!(found[0].0, field, "{body}: {found:?}");
        }
        assert_eq!(
            fields(json!(["alice"])),
            [("body".to_string(), "must be a JSON object".to_string())]
        );
    }
}

#[cfg(test)]
mod party_tests {
    use super::*;
    use serde_json::json;

    fn body() -> Value {
        json!({
            "name": "Acme BV",
            "permissions": {"canSendDocument": true, "canReceiveDocument": true, "canRemoveDocument": false, "canManageHook": false},
            "id": "0106:12345678"
        })
    }

    fn fields(body: Value) -> Vec<String> {
        match put_party_body(body) {
            Err(Error::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            Err(other) => vec![other.to_string()],
            Ok(_) => vec![],
        }
    }

    #[test]
    fn the_documented_object_is_read() {
        let (party, grant) = put_party_body(body()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(party.as_str(), "0106:12345678");
        assert_eq!(grant.name, "Acme BV");
        assert!(grant.permissions.can_send_document && !grant.permissions.can_manage_hook);
    }

    #[test]
    fn every_field_and_flag_is_obligatory() {
        for field in ["name", "permissions", "id"] {
            let mut b = body();
            b.as_object_mut().map(|m| m.remove(field));
            assert_eq!(fields(b), [field], "{field} left out");
            let mut b = body();
            b[field] = Value::Null;
            assert_eq!(fields(b), [field], "{field} null");
        }
        for flag in [
            "canSendDocument",
            "canReceiveDocument",
            "canRemoveDocument",
            "canManageHook",
        ] {
            let mut b = body();
            b["permissions"].as_object_mut().map(|m| m.remove(flag));
            assert_eq!(fields(b), [format!("permissions.{flag}")], "{flag}");
            let mut b = body();
            b["permissions"][flag] = json!("yes");
            assert_eq!(fields(b), [format!("permissions.{flag}")], "{flag} as text");
        }
    }

    #[test]
    fn bad_ids_and_unknown_fields_are_named() {
        let mut b = body();
        b["id"] = json!("12345678");
        assert_eq!(fields(b), ["id"]);
        let mut b = body();
        b["extra"] = json!(1);
        assert_eq!(fields(b), ["extra"]);
        let mut b = body();
        b["permissions"]["canFly"] = json!(true);
        assert_eq!(fields(b), ["permissions.canFly"]);
    }
}
