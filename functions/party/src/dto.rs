//! The native party shapes (camelCase) and their mapping to domain commands.

use serde::Serialize;
use serde_json::{Map, Value};

use roster_shared::domain::{party_text, Party, PartyId, Permissions, Status};
use roster_shared::http::ObjectReader;
use roster_shared::service::{AuthorizationState, Grant, NewParty, PartyChanges, Patch};
use roster_shared::Error;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartyView {
    pub id: String,
    pub name: String,
    pub tin: Option<String>,
    pub contact_name: Option<String>,
    pub commercial_name: Option<String>,
    pub external_id: Option<String>,
    /// How many users are authorized for the party.
    pub authorizations: u64,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl From<&Party> for PartyView {
    fn from(p: &Party) -> Self {
        Self {
            id: p.id.to_string(),
            name: p.name.clone(),
            tin: p.tin.clone(),
            contact_name: p.contact_name.clone(),
            commercial_name: p.commercial_name.clone(),
            external_id: p.external_id.clone(),
            authorizations: p.authorizations,
            created_at: p.created_at.clone(),
            updated_at: p.updated_at.clone(),
            version: p.version,
        }
    }
}

/// An authorization; `active` is false while its user is inactive, expired or deleted (such a
/// user does not act for the party).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationView {
    pub user_id: String,
    pub party_id: String,
    pub name: String,
    pub permissions: Permissions,
    pub user_status: Status,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&AuthorizationState> for AuthorizationView {
    fn from(s: &AuthorizationState) -> Self {
        let a = &s.authorization;
        Self {
            user_id: a.user_id.to_string(),
            party_id: a.party_id.to_string(),
            name: a.name.clone(),
            permissions: a.permissions,
            user_status: s.user_status,
            active: s.active,
            created_at: a.created_at.clone(),
            updated_at: a.updated_at.clone(),
        }
    }
}

/// A required string field: one error when it is missing or null, the parser's when invalid.
fn required<T>(
    reader: &mut ObjectReader,
    name: &str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<T> {
    let present = reader.has(name);
    match reader.parsed(name, parse) {
        Patch::Set(v) => Some(v),
        Patch::Clear => {
            reader.reject(name, "is required");
            None
        }
        // Present but invalid: the parser already said why.
        Patch::Keep if present => None,
        Patch::Keep => {
            reader.reject(name, "is required");
            None
        }
    }
}

/// `{name, permissions: {canSendDocument, canReceiveDocument, canRemoveDocument, canManageHook}}`,
/// every field required, the flags booleans. `extra_allowed` fields are accepted and ignored.
pub fn grant(map: Map<String, Value>, extra_allowed: &[&str]) -> Result<Grant, Error> {
    let mut reader = ObjectReader::new(map);
    for name in extra_allowed {
        reader.ignore(name);
    }
    let name = required(&mut reader, "name", party_text);
    let permissions = match reader.object("permissions") {
        Patch::Set(mut nested) => {
            let mut flag = |field: &str| match nested.boolean(field) {
                Patch::Set(b) => Some(b),
                _ => {
                    nested.reject(field, "is required (true or false)");
                    None
                }
            };
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
        _ => {
            reader.reject("permissions", "is required");
            None
        }
    };
    reader.finish()?;
    match (name, permissions) {
        (Some(name), Some(permissions)) => Ok(Grant { name, permissions }),
        _ => Err(Error::internal("grant fields checked above")),
    }
}

fn optional_text(reader: &mut ObjectReader, name: &str) -> Patch<String> {
    reader.parsed(name, party_text)
}

pub fn new_party(map: Map<String, Value>) -> Result<NewParty, Error> {
    let mut reader = ObjectReader::new(map);
    let id = required(&mut reader, "id", PartyId::parse);
    let name = required(&mut reader, "name", party_text);
    let tin = optional_text(&mut reader, "tin");
    let contact_name = optional_text(&mut reader, "contactName");
    let commercial_name = optional_text(&mut reader, "commercialName");
    let external_id = optional_text(&mut reader, "externalId");
    reader.finish()?;
    let set = |p: Patch<String>| match p {
        Patch::Set(v) => Some(v),
        _ => None,
    };
    match (id, name) {
        (Some(id), Some(name)) => Ok(NewParty {
            id,
            name,
            tin: set(tin),
            contact_name: set(contact_name),
            commercial_name: set(commercial_name),
            external_id: set(external_id),
        }),
        _ => Err(Error::internal("party fields checked above")),
    }
}

pub fn party_changes(map: Map<String, Value>) -> Result<PartyChanges, Error> {
    let mut reader = ObjectReader::new(map);
    let name = reader.parsed("name", party_text);
    let changes = PartyChanges {
        name: match name {
            Patch::Set(v) => Some(v),
            Patch::Clear => {
                reader.reject("name", "cannot be removed");
                None
            }
            Patch::Keep => None,
        },
        tin: optional_text(&mut reader, "tin"),
        contact_name: optional_text(&mut reader, "contactName"),
        commercial_name: optional_text(&mut reader, "commercialName"),
        external_id: optional_text(&mut reader, "externalId"),
    };
    if reader.has("id") {
        reader.ignore("id");
        reader.reject("id", "cannot be changed");
    }
    reader.finish()?;
    Ok(changes)
}

pub fn object(value: Value) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(Error::field("body", "must be a JSON object")),
    }
}
