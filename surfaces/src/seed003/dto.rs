//! Seed 003's wire shapes: the `UserModel` a request sends (field names in any case), the
//! `UserResponseModel` and `UserChangeResponseModel` it answers with, the change list of
//! `Update`, and the mapping: `UserId` is the username, `IsCustomerAdmin` the `ApManager` role,
//! `IsDeleted` the `INACTIVE` status (the seed: "soft-deleted (deactivated)"), `NetsId` and
//! `UserIdentificationType` the attributes `netsId` and `identificationType`.

use roster_shared::error::Resource;
use std::collections::BTreeMap;

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use serde_json::{Map, Value};

use axum::extract::{FromRequest, Request};
use roster_shared::domain::{Attributes, Email, Emails, PersonName, Role, Status, User, Username};
use roster_shared::http::{LenientJsonBody, ObjectReader};
use roster_shared::service::{NewUser, Patch, UserChanges, UserRef};
use roster_shared::{Error, FieldError};

/// The attribute holding `NetsId`.
pub const NETS_ID: &str = "netsId";
/// The attribute holding `UserIdentificationType`.
pub const IDENTIFICATION_TYPE: &str = "identificationType";
/// `UserIdentificationType` when `Add` gives none (the seed: "defaults to NemID").
pub const DEFAULT_IDENTIFICATION_TYPE: &str = "NemID";

/// The `UserModel` fields, as documented. Requests may spell them in any case (.NET clients
/// serialise camelCase by default, and the original service read them case-insensitively).
const USER_MODEL_FIELDS: &[&str] = &[
    "UserId",
    "NewUserId",
    "Name",
    "Emails",
    "IsCustomerAdmin",
    "UserIdentificationType",
    "NetsId",
];

/// The seed's `UserResponseModel` (with `NetsId`, which its examples show).
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserResponseModel {
    user_id: String,
    name: String,
    emails: Vec<String>,
    is_customer_admin: bool,
    is_deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    nets_id: Option<String>,
}

impl From<&User> for UserResponseModel {
    fn from(user: &User) -> Self {
        Self {
            user_id: user.username.to_string(),
            name: user.name.to_string(),
            emails: user.emails.iter().map(ToString::to_string).collect(),
            is_customer_admin: user.role == Role::ApManager,
            // Natively deleted users have released their UserId and are not listed at all.
            is_deleted: user.status != Status::Active,
            nets_id: user.attributes.get(NETS_ID).map(str::to_string),
        }
    }
}

/// A JSON response with the given status (the surface speaks JSON only).
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "null".into());
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// The seed's `UserChangeResponseModel`: `{UserId, Status: OK|ERROR, Message}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserChangeResponse {
    /// The `UserId` as the request gave it (`null` when it gave none).
    pub user_id: Option<String>,
    pub status: &'static str,
    pub message: String,
}

impl UserChangeResponse {
    pub fn ok(user_id: Option<String>, message: impl Into<String>) -> Self {
        Self {
            user_id,
            status: "OK",
            message: message.into(),
        }
    }

    pub fn error(user_id: Option<String>, message: impl Into<String>) -> Self {
        Self {
            user_id,
            status: "ERROR",
            message: message.into(),
        }
    }
}

/// The body of `Add` and `Update`: a JSON array of `UserModel` objects, read whatever its
/// `Content-Type` says (as [`LenientJsonBody`]).
pub struct UserModels(pub Vec<Value>);

impl<S: Send + Sync> FromRequest<S> for UserModels {
    type Rejection = Error;

    async fn from_request(request: Request, state: &S) -> Result<Self, Error> {
        let LenientJsonBody(body) = LenientJsonBody::from_request(request, state).await?;
        array(body, "UserModel objects").map(Self)
    }
}

/// The body must be a JSON array (of `UserModel` objects, or of `UserId` strings).
pub fn array(body: Value, of: &str) -> std::result::Result<Vec<Value>, Error> {
    match body {
        Value::Array(items) => Ok(items),
        _ => Err(Error::field(
            "body",
            format!("must be a JSON array of {of}"),
        )),
    }
}

/// The item's `UserId` as given, for the answer (even when it is invalid).
pub fn given_user_id(item: &Value) -> Option<String> {
    item.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("UserId"))
        .and_then(|(_, v)| v.as_str())
        .map(str::to_string)
}

/// A `UserModel` item being read: its fields, and which of them hold a value (not `null`).
struct Model {
    reader: ObjectReader,
    given: Vec<String>,
}

impl Model {
    /// Records "is required" for a field left out or `null`.
    fn require(&mut self, field: &str, why: &str) {
        if !self.given.iter().any(|g| g == field) {
            self.reader.reject(field, why);
        }
    }
}

/// The item as an object with the documented field names (any case accepted).
fn user_model(item: Value) -> std::result::Result<Model, Error> {
    let Value::Object(map) = item else {
        return Err(Error::field("item", "must be a UserModel object"));
    };
    let mut named = Map::new();
    let mut problems = Vec::new();
    for (key, value) in map {
        let name = USER_MODEL_FIELDS
            .iter()
            .find(|f| f.eq_ignore_ascii_case(&key))
            .map_or(key, |f| (*f).to_string());
        if named.contains_key(&name) {
            problems.push(FieldError::new(name.clone(), "is given twice"));
        }
        named.insert(name, value);
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let given = named
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, _)| k.clone())
        .collect();
    Ok(Model {
        reader: ObjectReader::new(named),
        given,
    })
}

/// `null` means "not given" here: clients that serialise whole models send `null` for every
/// property they did not set.
fn given<T>(patch: Patch<T>) -> Option<T> {
    match patch {
        Patch::Set(v) => Some(v),
        Patch::Keep | Patch::Clear => None,
    }
}

fn plain(max: usize) -> impl Fn(&str) -> std::result::Result<String, String> {
    move |value: &str| {
        if value.chars().count() > max {
            Err(format!("must be at most {max} characters"))
        } else if value.chars().any(char::is_control) || value.trim() != value {
            Err("must not contain control characters or surrounding whitespace".into())
        } else {
            Ok(value.to_string())
        }
    }
}

/// The fields `Add` and `Update` share.
struct ModelFields {
    name: Option<PersonName>,
    emails: Option<Emails>,
    is_customer_admin: Option<bool>,
    identification_type: Option<String>,
    /// `Some("")` removes the NetsId.
    nets_id: Option<String>,
}

fn read_fields(reader: &mut ObjectReader) -> ModelFields {
    let name = given(reader.parsed("Name", PersonName::parse));
    let emails = match given(reader.list("Emails", Email::parse)) {
        Some(list) => match Emails::new(list) {
            Ok(emails) => Some(emails),
            Err(why) => {
                reader.reject("Emails", &why);
                None
            }
        },
        None => None,
    };
    let is_customer_admin = given(reader.boolean("IsCustomerAdmin"));
    let identification_type = given(reader.parsed("UserIdentificationType", |v| {
        if v.is_empty() {
            Err("must not be empty (it defaults to NemID)".to_string())
        } else {
            plain(64)(v)
        }
    }));
    let nets_id = given(reader.parsed("NetsId", plain(128)));
    ModelFields {
        name,
        emails,
        is_customer_admin,
        identification_type,
        nets_id,
    }
}

fn role(is_customer_admin: bool) -> Role {
    if is_customer_admin {
        Role::ApManager
    } else {
        Role::ApUser
    }
}

/// One `Add` item → a new user.
pub fn new_user(item: Value) -> std::result::Result<NewUser, Error> {
    let mut model = user_model(item)?;
    model.require("UserId", "is required");
    model.require("Name", "is required");
    let reader = &mut model.reader;
    let username = given(reader.parsed("UserId", Username::parse));
    if given(reader.parsed("NewUserId", |v| Ok::<_, String>(v.to_string()))).is_some() {
        reader.reject("NewUserId", "is only used by Update (to change a UserId)");
    }
    let fields = read_fields(reader);
    let mut attributes = BTreeMap::new();
    attributes.insert(
        IDENTIFICATION_TYPE.to_string(),
        fields
            .identification_type
            .unwrap_or_else(|| DEFAULT_IDENTIFICATION_TYPE.to_string()),
    );
    if let Some(nets_id) = fields.nets_id.filter(|n| !n.is_empty()) {
        attributes.insert(NETS_ID.to_string(), nets_id);
    }
    let attributes = Attributes::new(attributes).unwrap_or_default();
    model.reader.finish()?;
    Ok(NewUser {
        username,
        name: fields.name,
        emails: fields.emails.unwrap_or_default(),
        role: Some(role(fields.is_customer_admin.unwrap_or(false))),
        attributes,
        ..NewUser::default()
    })
}

/// One `Update` item → which user, and what changes. Only the given attributes change.
pub fn user_changes(item: Value) -> std::result::Result<(UserRef, UserChanges), Error> {
    let mut model = user_model(item)?;
    model.require("UserId", "is required (the user to change)");
    let reader = &mut model.reader;
    let username = given(reader.parsed("UserId", Username::parse));
    let new_username = given(reader.parsed("NewUserId", Username::parse));
    let fields = read_fields(reader);
    model.reader.finish()?;
    let Some(username) = username else {
        return Err(Error::field("UserId", "is required"));
    };
    let mut attribute_updates = BTreeMap::new();
    if let Some(kind) = fields.identification_type {
        attribute_updates.insert(IDENTIFICATION_TYPE.to_string(), Some(kind));
    }
    if let Some(nets_id) = fields.nets_id {
        let value = (!nets_id.is_empty()).then_some(nets_id);
        attribute_updates.insert(NETS_ID.to_string(), value);
    }
    Ok((
        UserRef::Username(username),
        UserChanges {
            username: new_username,
            name: fields.name,
            emails: fields.emails,
            role: fields.is_customer_admin.map(role),
            attribute_updates,
            ..UserChanges::default()
        },
    ))
}

/// The documented change list: `Changed UserId to 15243,Changed name`, one entry per attribute
/// that changed, in model order; `No changes` when nothing did.
pub fn changes_message(before: &User, after: &User) -> String {
    let mut parts = Vec::new();
    if before.username != after.username {
        parts.push(format!("Changed UserId to {}", after.username));
    }
    if before.name != after.name {
        parts.push("Changed name".to_string());
    }
    if before.emails != after.emails {
        parts.push("Changed emails".to_string());
    }
    if before.role != after.role {
        parts.push(format!(
            "Changed IsCustomerAdmin to {}",
            after.role == Role::ApManager
        ));
    }
    let kind = |u: &User| u.attributes.get(IDENTIFICATION_TYPE).map(str::to_string);
    if kind(before) != kind(after) {
        parts.push(format!(
            "Changed UserIdentificationType to {}",
            kind(after).unwrap_or_default()
        ));
    }
    if before.attributes.get(NETS_ID) != after.attributes.get(NETS_ID) {
        parts.push("Changed NetsId".to_string());
    }
    if parts.is_empty() {
        "No changes".to_string()
    } else {
        parts.join(",")
    }
}

/// One array item → the user it names (its text is echoed as `UserId` in the answer).
pub fn user_ref(item: &Value) -> (Option<String>, std::result::Result<UserRef, Error>) {
    match item {
        Value::String(text) => (
            Some(text.clone()),
            // A malformed UserId cannot exist.
            Username::parse(text)
                .map(UserRef::Username)
                .map_err(|_| Error::NotFound(Resource::User)),
        ),
        _ => (
            None,
            Err(Error::field("UserId", "must be a string (a UserId)")),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn change_responses_use_the_documented_names() {
        let ok = serde_json::to_value(UserChangeResponse::ok(Some("54321".into()), "Created"))
            .unwrap_or_default();
        assert_eq!(
            ok,
            json!({"UserId": "54321", "Status": "OK", "Message": "Created"})
        );
    }
}
