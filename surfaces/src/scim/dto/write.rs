//! What an identity provider sends: a POST or PUT body (or a patched resource) checked against
//! the schemas ([`normalize`]) and mapped onto Roster's fields ([`map`]).

use serde_json::{Map, Value};

use roster_shared::domain::{
    Email, Emails, ExternalId, Language, PersonName, Phone, Role, Status, Username,
};
use roster_shared::password::Password;

use super::{
    bad_value, derived_emails, derived_language, derived_name, derived_phone, derived_role, text,
};
use crate::scim::error::ScimError;
use crate::scim::schema::{self, Attr, Mutability, Type, ENTERPRISE_SCHEMA, USER_SCHEMA};

/// Attributes Roster's model holds itself (never kept in the surface document).
const OWNED: &[&str] = &["userName", "externalId", "active", "password"];

/// `"True"` / `"false"` as Entra sends them, or a JSON boolean.
fn boolean(value: &Value, at: &str) -> Result<bool, ScimError> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(bad_value(at, "must be a boolean")),
    }
}

/// One value of `attr` checked and with its (sub-)attribute names in schema spelling.
fn normalize_value(attr: &Attr, value: &Value, at: &str) -> Result<Option<Value>, ScimError> {
    if value.is_null() {
        return Ok(None);
    }
    if attr.multi {
        let items = match value {
            Value::Array(items) => items.as_slice(),
            // A single value where a list is expected: accepted as a one-element list.
            other => std::slice::from_ref(other),
        };
        if items.len() > schema::MAX_VALUES {
            return Err(bad_value(
                at,
                &format!("holds more than {} values", schema::MAX_VALUES),
            ));
        }
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            if let Some(v) = normalize_single(attr, item, &format!("{at}[{i}]"))? {
                out.push(v);
            }
        }
        return Ok(Some(Value::Array(out)));
    }
    normalize_single(attr, value, at)
}

fn normalize_single(attr: &Attr, value: &Value, at: &str) -> Result<Option<Value>, ScimError> {
    Ok(Some(match attr.ty {
        Type::Boolean => Value::Bool(boolean(value, at)?),
        Type::String | Type::Reference | Type::DateTime => match value {
            Value::String(s) if s.chars().count() > schema::MAX_STRING => {
                return Err(bad_value(
                    at,
                    &format!("must be at most {} characters", schema::MAX_STRING),
                ))
            }
            Value::String(s) if s.chars().any(|c| c.is_control()) => {
                return Err(bad_value(at, "must not contain control characters"))
            }
            Value::String(_) => value.clone(),
            _ => return Err(bad_value(at, "must be a string")),
        },
        Type::Complex => {
            let Value::Object(fields) = value else {
                return Err(bad_value(at, "must be an object"));
            };
            let mut out = Map::new();
            for (key, v) in fields {
                let Some(sub) = schema::find(attr.subs, key) else {
                    return Err(ScimError::bad(
                        "invalidSyntax",
                        format!("{at}.{key}: is not an attribute Roster keeps"),
                    ));
                };
                if let Some(v) = normalize_value(sub, v, &format!("{at}.{}", sub.name))? {
                    out.insert(sub.name.to_string(), v);
                }
            }
            if out.is_empty() {
                return Ok(None);
            }
            Value::Object(out)
        }
    }))
}

/// The body of a POST or PUT, checked against the schemas: attribute names in schema spelling
/// (they are case-insensitive on the wire), booleans sent as strings made booleans, `null`s
/// dropped, read-only attributes (`id`, `meta`, `schemas`) removed. Unknown attributes are
/// `invalidSyntax`, values of the wrong type or too long `invalidValue`.
pub fn normalize(body: &Value) -> Result<Map<String, Value>, ScimError> {
    let Value::Object(fields) = body else {
        return Err(ScimError::bad(
            "invalidSyntax",
            "The body must be a JSON object.",
        ));
    };
    let mut out = Map::new();
    for (key, value) in fields {
        if key.eq_ignore_ascii_case("schemas") {
            let ok = value.as_array().is_some_and(|list| {
                list.iter().all(|s| {
                    s.as_str()
                        .is_some_and(|s| schema::schema_attrs(s).is_some())
                })
            });
            if !ok {
                return Err(ScimError::bad(
                    "invalidValue",
                    format!("schemas: must list only {USER_SCHEMA} and {ENTERPRISE_SCHEMA}"),
                ));
            }
            continue;
        }
        if key.eq_ignore_ascii_case(ENTERPRISE_SCHEMA) {
            let Value::Object(ext) = value else {
                if value.is_null() {
                    continue;
                }
                return Err(bad_value(ENTERPRISE_SCHEMA, "must be an object"));
            };
            let mut ext_out = Map::new();
            for (k, v) in ext
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("schemas"))
            {
                let Some(attr) = schema::find(schema::ENTERPRISE_ATTRS, k) else {
                    return Err(ScimError::bad(
                        "invalidSyntax",
                        format!("{ENTERPRISE_SCHEMA}:{k}: is not an attribute Roster keeps"),
                    ));
                };
                if let Some(v) = normalize_value(attr, v, attr.name)? {
                    ext_out.insert(attr.name.to_string(), v);
                }
            }
            if !ext_out.is_empty() {
                out.insert(ENTERPRISE_SCHEMA.to_string(), Value::Object(ext_out));
            }
            continue;
        }
        // A core attribute qualified with the core schema URN.
        let name = key
            .strip_prefix(USER_SCHEMA)
            .and_then(|rest| rest.strip_prefix(':'))
            .unwrap_or(key);
        // `groups` is read-only in RFC 7643 (membership is managed on Group resources, which
        // Roster does not serve); Okta sends `"groups": []` on create: ignored like any
        // read-only attribute.
        if name.eq_ignore_ascii_case("groups") {
            continue;
        }
        let Some(attr) = schema::find(schema::USER_ATTRS, name) else {
            return Err(ScimError::bad(
                "invalidSyntax",
                format!("{key}: is not an attribute Roster keeps"),
            ));
        };
        if attr.mutability == Mutability::ReadOnly {
            continue;
        }
        if let Some(v) = normalize_value(attr, value, attr.name)? {
            out.insert(attr.name.to_string(), v);
        }
    }
    Ok(out)
}

/// Roster's fields as a normalized SCIM document sets them.
#[derive(Debug)]
pub struct Mapped {
    pub username: Username,
    pub name: PersonName,
    pub emails: Emails,
    pub phone: Option<Phone>,
    pub language: Option<Language>,
    pub external_id: Option<ExternalId>,
    /// `None` when the document sends no `active` (kept as it is; ACTIVE for a new user).
    pub status: Option<Status>,
    /// `None` when the document sends no `roles` (kept as it is; ApUser for a new user).
    pub role: Option<Role>,
    pub password: Option<Password>,
    /// The document kept as sent (JSON object text).
    pub kept: String,
}

fn field<T>(what: &str, result: Result<T, String>) -> Result<T, ScimError> {
    result.map_err(|m| bad_value(what, &m))
}

/// Maps a normalized document onto Roster's fields. `userName` is required.
pub fn map(doc: &Map<String, Value>) -> Result<Mapped, ScimError> {
    let Some(username) = doc.get("userName").and_then(Value::as_str) else {
        return Err(bad_value("userName", "is required"));
    };
    let username = field("userName", Username::parse(username))?;
    let name = field(
        "name.formatted",
        PersonName::parse(&derived_name(doc, username.as_str())),
    )?;
    let mut emails = Vec::new();
    for (i, value) in derived_emails(doc).iter().enumerate() {
        emails.push(field(&format!("emails[{i}].value"), Email::parse(value))?);
    }
    let emails = field("emails", Emails::new(emails))?;
    let external_id = match text(doc, "externalId") {
        Some(x) => Some(field("externalId", ExternalId::parse(x))?),
        None => None,
    };
    let status = match doc.get("active") {
        Some(Value::Bool(true)) => Some(Status::Active),
        Some(Value::Bool(false)) => Some(Status::Inactive),
        _ => None,
    };
    let password = match doc.get("password").and_then(Value::as_str) {
        Some(p) => Some(field("password", Password::parse(p))?),
        None => None,
    };
    let kept: Map<String, Value> = doc
        .iter()
        .filter(|(k, _)| !OWNED.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(Mapped {
        username,
        name,
        emails,
        phone: derived_phone(doc),
        language: derived_language(doc),
        external_id,
        status,
        role: derived_role(doc)?,
        password,
        kept: Value::Object(kept).to_string(),
    })
}
