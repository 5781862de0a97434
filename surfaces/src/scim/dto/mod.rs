//! The SCIM User resource and Roster's user: checking what an identity provider sends
//! ([`normalize`]), mapping it onto Roster's fields ([`Mapped`]), and rendering a user
//! ([`render`]). What Roster's model does not hold is kept as sent in the user's surface data
//! (`SurfaceData`, key `scim`) and returned exactly as sent, as long as Roster's own field it
//! would map to still agrees (another surface may have changed that field since).
//!
//! `write.rs` reads what an identity provider sends (normalize, map), `read.rs` renders a user;
//! this file holds what both need: how a SCIM document gives Roster's fields.

mod read;
#[cfg(test)]
mod tests;
mod write;

pub use read::{render, render_for_patch, shown_role};
pub use write::{map, normalize, Mapped};

use serde_json::{Map, Value};

use roster_shared::domain::{Language, Phone, Role};

use super::error::ScimError;

/// The key of SCIM's document in `SurfaceData`.
pub const SURFACE: &str = "scim";

fn bad_value(what: impl std::fmt::Display, why: &str) -> ScimError {
    ScimError::bad("invalidValue", format!("{what}: {why}"))
}

fn text<'a>(doc: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    doc.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The full name the document gives: `name.formatted`, else given, middle and family name
/// joined, else `displayName`, else the user name.
fn derived_name(doc: &Map<String, Value>, username: &str) -> String {
    let name = doc.get("name").and_then(Value::as_object);
    if let Some(formatted) = name.and_then(|n| text(n, "formatted")) {
        return formatted.trim().to_string();
    }
    let parts: Vec<&str> = ["givenName", "middleName", "familyName"]
        .iter()
        .filter_map(|p| name.and_then(|n| text(n, p)))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if !parts.is_empty() {
        return parts.join(" ");
    }
    text(doc, "displayName")
        .map(|d| d.trim().to_string())
        .unwrap_or_else(|| username.to_string())
}

/// The email values, the primary first, then the others in the order sent.
fn derived_emails(doc: &Map<String, Value>) -> Vec<String> {
    let list = doc
        .get("emails")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let value = |e: &Value| e.get("value").and_then(Value::as_str).map(str::to_string);
    let primary = list
        .iter()
        .position(|e| e.get("primary") == Some(&Value::Bool(true)));
    let mut out: Vec<String> = primary
        .and_then(|i| list.get(i))
        .and_then(value)
        .into_iter()
        .collect();
    for (i, e) in list.iter().enumerate() {
        if Some(i) != primary {
            if let Some(v) = value(e) {
                out.push(v);
            }
        }
    }
    out
}

/// The primary (or first) phone number, when it is E.123.
fn derived_phone(doc: &Map<String, Value>) -> Option<Phone> {
    let list = doc.get("phoneNumbers").and_then(Value::as_array)?;
    let chosen = list
        .iter()
        .find(|p| p.get("primary") == Some(&Value::Bool(true)))
        .or_else(|| list.first())?;
    Phone::parse(chosen.get("value")?.as_str()?).ok()
}

/// The language subtag of `preferredLanguage` (`en-US` → `en`) when Roster knows it.
fn derived_language(doc: &Map<String, Value>) -> Option<Language> {
    let tag = text(doc, "preferredLanguage")?;
    let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    Language::parse(&primary).ok()
}

/// The Roster role `roles` names: the values `ApUser` / `ApManager` (other values are kept as
/// sent and name no Roster role); naming both is refused.
fn derived_role(doc: &Map<String, Value>) -> Result<Option<Role>, ScimError> {
    let Some(list) = doc.get("roles").and_then(Value::as_array) else {
        return Ok(None);
    };
    let mut role = None;
    for r in list {
        let Some(Ok(parsed)) = r.get("value").and_then(Value::as_str).map(Role::parse) else {
            continue;
        };
        if role.is_some_and(|known| known != parsed) {
            return Err(bad_value(
                "roles",
                "must name one Roster role (ApUser or ApManager), not both",
            ));
        }
        role = Some(parsed);
    }
    Ok(role)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::ApUser => "ApUser",
        Role::ApManager => "ApManager",
    }
}

/// `W/"<version>"`: `meta.version` and the `ETag` header.
pub fn version_tag(version: u64) -> String {
    format!("W/\"{version}\"")
}
