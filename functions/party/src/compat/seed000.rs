//! Seed 000 (User Management v1), its party-authorization routes:
//! `GET /api/v1/user/{name}/party` (the user's authorizations as `[{name, permissions, id}]`),
//! `PUT /api/v1/user/{name}/party` with one such object (grant or change; every field
//! obligatory, each permission flag too), `DELETE /api/v1/user/{name}/party/{partyId}` (revoke).
//! `{name}` is the username. `ApManager` keys only. Errors are the native problem+json
//! ([`Seed000Error`]).

use axum::extract::{Path, State};
use http::{Method, StatusCode};
use serde::Serialize;
use serde_json::Value;

use roster_shared::domain::{party_text, PartyId, Permissions, Username};
use roster_shared::http::seed000::{Seed000Caller, Seed000Error};
use roster_shared::http::{Doc, JsonBody, ObjectReader, RouteSet};
use roster_shared::service::{AuthorizationState, Grant, Patch, Roster};
use roster_shared::Error;

type Result<T> = std::result::Result<T, Seed000Error>;

/// The seed's party routes, as `template.yaml` declares them (party function).
pub fn routes() -> RouteSet {
    RouteSet::new()
        .add(Method::GET, "/api/v1/user/{name}/party", list_parties)
        .add(Method::PUT, "/api/v1/user/{name}/party", put_party)
        .add(
            Method::DELETE,
            "/api/v1/user/{name}/party/{partyId}",
            delete_party,
        )
}

/// One authorization as the seed shows it: `{name, permissions, id}` (`id` is the party id).
#[derive(Serialize)]
struct PartyView {
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
fn put_party_body(body: Value) -> std::result::Result<(PartyId, Grant), Error> {
    let Value::Object(map) = body else {
        return Err(Error::field("body", "must be a JSON object"));
    };
    let mut reader = ObjectReader::new(map);
    let name = required(&mut reader, "name", |r, f| r.parsed(f, party_text));
    let has_permissions = reader.has("permissions");
    let permissions = match reader.object("permissions") {
        Patch::Set(mut nested) => {
            let mut flag = |field: &str| required(&mut nested, field, |r, f| r.boolean(f));
            let send = flag("canSendDocument");
            let receive = flag("canReceiveDocument");
            let remove = flag("canRemoveDocument");
            let hook = flag("canManageHook");
            reader.absorb(nested);
            match (send, receive, remove, hook) {
                (Some(s), Some(r), Some(d), Some(h)) => Some(Permissions {
                    can_send_document: s,
                    can_receive_document: r,
                    can_remove_document: d,
                    can_manage_hook: h,
                }),
                _ => None,
            }
        }
        Patch::Clear => {
            reader.reject("permissions", "is required");
            None
        }
        // Left out (or not an object, which the reader has named already).
        Patch::Keep => {
            if !has_permissions {
                reader.reject("permissions", "is required");
            }
            None
        }
    };
    let id = required(&mut reader, "id", |r, f| r.parsed(f, PartyId::parse));
    reader.finish()?;
    match (name, permissions, id) {
        (Some(name), Some(permissions), Some(id)) => Ok((id, Grant { name, permissions })),
        _ => Err(Error::internal("seed 000 party fields checked above")),
    }
}

/// Reads an obligatory field with `read`: left out or `null` is "is required"; an invalid value
/// keeps the error `read` recorded.
fn required<T>(
    reader: &mut ObjectReader,
    field: &str,
    read: impl FnOnce(&mut ObjectReader, &str) -> Patch<T>,
) -> Option<T> {
    let present = reader.has(field);
    match read(reader, field) {
        Patch::Set(v) => Some(v),
        Patch::Clear => {
            reader.reject(field, "is required");
            None
        }
        Patch::Keep => {
            if !present {
                reader.reject(field, "is required");
            }
            None
        }
    }
}

/// A username in a path: one that cannot exist is not found.
fn username(raw: &str) -> std::result::Result<Username, Error> {
    Username::parse(raw).map_err(|_| Error::NotFound("user"))
}

/// 200 with the user's authorizations (404 for a name no live user of the organization holds).
pub async fn list_parties(
    State(roster): State<Roster>,
    Seed000Caller(caller): Seed000Caller,
    Path(name): Path<String>,
) -> Result<Doc> {
    let user = roster.user_by_username(&caller, &username(&name)?).await?;
    let auths = roster.user_parties(&caller, &user.id).await?;
    let data: Vec<PartyView> = auths.iter().map(PartyView::from).collect();
    Ok(Doc::ok(data))
}

/// 201 when the authorization is new, 200 when it changed; the body is the authorization. A
/// party not registered yet is registered with `name` (as the native grant does).
pub async fn put_party(
    State(roster): State<Roster>,
    Seed000Caller(caller): Seed000Caller,
    Path(name): Path<String>,
    body: std::result::Result<JsonBody<Value>, Error>,
) -> Result<Doc> {
    caller.require_manager()?;
    let user = roster.user_by_username(&caller, &username(&name)?).await?;
    let (party, grant) = put_party_body(body?.0)?;
    let (state, created) = roster.grant(&caller, &user.id, &party, grant).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(Doc::with_status(status, PartyView::from(&state)))
}

/// 204: the authorization is revoked (404 when the user has none for that party).
pub async fn delete_party(
    State(roster): State<Roster>,
    Seed000Caller(caller): Seed000Caller,
    Path((name, party)): Path<(String, String)>,
) -> Result<StatusCode> {
    let user = roster.user_by_username(&caller, &username(&name)?).await?;
    let party = PartyId::parse_existing(&party).map_err(|e| Error::field("partyId", e))?;
    roster.revoke(&caller, &user.id, &party).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
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
