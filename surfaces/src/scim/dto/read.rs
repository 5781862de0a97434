//! A Roster user rendered as a SCIM User resource: what the identity provider sent, kept in the
//! surface data, as long as Roster's own fields still agree with it; Roster's fields otherwise.

use serde_json::{json, Map, Value};

use roster_shared::domain::{Role, Status, User};

use super::{
    derived_emails, derived_language, derived_name, derived_phone, derived_role, role_name,
    version_tag, SURFACE,
};
use crate::scim::schema::{ENTERPRISE_SCHEMA, USER_SCHEMA};

/// The user as a SCIM resource; `base` is the surface's URL (`https://…/scim/v2`).
pub fn render(user: &User, base: &str) -> Value {
    render_as(user, base, true)
}

/// The user as a PATCH starts from: `name.formatted` only where it was sent or is Roster's
/// name alone, so that a patched `name.givenName` changes Roster's name.
pub fn render_for_patch(user: &User) -> Map<String, Value> {
    match render_as(user, "", false) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn render_as(user: &User, base: &str, complete_name: bool) -> Value {
    let kept: Map<String, Value> = user
        .surface_data
        .get(SURFACE)
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let mut doc = kept.clone();
    doc.insert("userName".into(), json!(user.username.as_str()));
    // Kept name parts only while they still give Roster's name; no `name` when none was sent
    // and Roster's name is the one the document gives anyway (displayName or userName).
    let name_agrees = derived_name(&kept, user.username.as_str()) == user.name.as_str();
    if name_agrees && !kept.contains_key("name") {
        doc.remove("name");
    } else if name_agrees {
        let mut name = kept
            .get("name")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        if complete_name || name.is_empty() {
            name.entry("formatted")
                .or_insert_with(|| json!(user.name.as_str()));
        }
        doc.insert("name".into(), Value::Object(name));
    } else {
        doc.insert("name".into(), json!({"formatted": user.name.as_str()}));
    }
    let roster_emails: Vec<&str> = user.emails.iter().map(|e| e.as_str()).collect();
    if derived_emails(&kept) != roster_emails {
        let kept_list = kept
            .get("emails")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let emails: Vec<Value> = roster_emails
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let mut item = json!({"value": e, "primary": i == 0});
                let known = kept_list.iter().find(|k| {
                    k.get("value")
                        .and_then(Value::as_str)
                        .is_some_and(|v| v.eq_ignore_ascii_case(e))
                });
                if let Some(t) = known.and_then(|k| k.get("type")) {
                    item["type"] = t.clone();
                }
                item
            })
            .collect();
        if emails.is_empty() {
            doc.remove("emails");
        } else {
            doc.insert("emails".into(), Value::Array(emails));
        }
    }
    if derived_phone(&kept) != user.phone {
        match &user.phone {
            Some(p) => doc.insert(
                "phoneNumbers".into(),
                json!([{"value": p.as_str(), "primary": true}]),
            ),
            None => doc.remove("phoneNumbers"),
        };
    }
    // The language as sent while its subtag is still Roster's language (or names none Roster
    // knows); Roster's language once another surface changed it.
    if derived_language(&kept).is_some_and(|l| l != user.language) {
        doc.insert("preferredLanguage".into(), json!(user.language.as_str()));
    }
    // The roles as sent; a Roster role value among them shows the current role; a manager whose
    // roles name no Roster role gets `ApManager` added (ApUser is the default and not shown).
    match derived_role(&kept).ok().flatten() {
        Some(r) if r == user.role => {}
        Some(_) => {
            if let Some(Value::Array(items)) = doc.get_mut("roles") {
                for item in items.iter_mut() {
                    let names_role = item
                        .get("value")
                        .and_then(Value::as_str)
                        .is_some_and(|v| Role::parse(v).is_ok());
                    if names_role {
                        item["value"] = json!(role_name(user.role));
                    }
                }
            }
        }
        None if user.role == Role::ApManager => {
            let mut items = kept
                .get("roles")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            items.push(json!({"value": role_name(user.role)}));
            doc.insert("roles".into(), Value::Array(items));
        }
        None => {}
    }
    match &user.external_id {
        Some(x) => doc.insert("externalId".into(), json!(x.as_str())),
        None => doc.remove("externalId"),
    };
    doc.insert("active".into(), json!(user.status == Status::Active));
    doc.insert("id".into(), json!(user.id.as_str()));
    let mut schemas = vec![json!(USER_SCHEMA)];
    if doc.contains_key(ENTERPRISE_SCHEMA) {
        schemas.push(json!(ENTERPRISE_SCHEMA));
    }
    doc.insert("schemas".into(), Value::Array(schemas));
    doc.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": user.created_at,
            "lastModified": user.updated_at,
            "location": format!("{base}/Users/{}", user.id),
            "version": version_tag(user.version),
        }),
    );
    Value::Object(doc)
}

/// The Roster role the user's rendered `roles` name (what the identity provider sees).
pub fn shown_role(user: &User) -> Option<Role> {
    derived_role(&render_for_patch(user)).ok().flatten()
}
