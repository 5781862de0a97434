//! The SCIM User resource and Roster's user: checking what an identity provider sends
//! ([`normalize`]), mapping it onto Roster's fields ([`Mapped`]), and rendering a user
//! ([`render`]). What Roster's model does not hold is kept as sent in the user's surface data
//! (`SurfaceData`, key `scim`) and returned exactly as sent, as long as Roster's own field it
//! would map to still agrees (another surface may have changed that field since).

use serde_json::{json, Map, Value};

use roster_shared::domain::{
    Email, Emails, ExternalId, Language, PersonName, Phone, Role, Status, User, Username,
};
use roster_shared::password::Password;

use super::error::ScimError;
use super::schema::{self, Attr, Mutability, Type, ENTERPRISE_SCHEMA, USER_SCHEMA};

/// The key of SCIM's document in `SurfaceData`.
pub const SURFACE: &str = "scim";

/// Attributes Roster's model holds itself (never kept in the surface document).
const OWNED: &[&str] = &["userName", "externalId", "active", "password"];

fn bad_value(what: impl std::fmt::Display, why: &str) -> ScimError {
    ScimError::bad("invalidValue", format!("{what}: {why}"))
}

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

/// `W/"<version>"`: `meta.version` and the `ETag` header.
pub fn version_tag(version: u64) -> String {
    format!("W/\"{version}\"")
}

/// The version an `If-Match` names (`W/"3"`, `"3"`, `3`); `*` or several tags: none.
pub fn if_match_version(header: &str) -> Result<Option<u64>, ScimError> {
    let value = header.trim();
    if value == "*" {
        return Ok(None);
    }
    let tag = value.strip_prefix("W/").unwrap_or(value).trim_matches('"');
    // A tag this server never issued matches no version: 412, as for a stale one.
    Ok(Some(
        tag.parse::<u64>().map_err(|_| ScimError::precondition())?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_shared::domain::{Attributes, SurfaceData};
    use roster_shared::domain::{OrgId, Registration, UserId};
    use std::collections::BTreeMap;

    fn doc(v: Value) -> Map<String, Value> {
        normalize(&v).unwrap_or_else(|e| panic!("{e:?}"))
    }

    fn user_from(mapped: &Mapped) -> User {
        User {
            id: UserId::generate(),
            org: OrgId::parse("acme").unwrap_or_else(|e| panic!("{e}")),
            external_id: mapped.external_id.clone(),
            username: mapped.username.clone(),
            name: mapped.name.clone(),
            emails: mapped.emails.clone(),
            phone: mapped.phone.clone(),
            language: mapped
                .language
                .clone()
                .unwrap_or_else(|| Language::parse("en").unwrap_or_else(|e| panic!("{e}"))),
            business_partner_id: None,
            role: mapped.role.unwrap_or_default(),
            status: mapped.status.unwrap_or_default(),
            valid_until: None,
            flags: vec![],
            registration: Registration::default(),
            attributes: Attributes::default(),
            surface_data: SurfaceData::new(BTreeMap::from([(
                SURFACE.to_string(),
                mapped.kept.clone(),
            )]))
            .unwrap_or_else(|e| panic!("{e}")),
            password_hash: None,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
            deleted_at: None,
            created_by: None,
            updated_by: None,
            created_via: None,
            updated_via: None,
            version: 1,
        }
    }

    fn okta_user() -> Value {
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
            "userName": "Isabel.Ortiz@example.com",
            "name": {"givenName": "Isabel", "familyName": "Ortiz"},
            "emails": [
                {"value": "isabel.home@example.org", "type": "home"},
                {"primary": "True", "value": "Isabel.Ortiz@example.com", "type": "work"}
            ],
            "phoneNumbers": [{"value": "555-555-5555", "type": "mobile"}],
            "addresses": [{"type": "work", "locality": "Leeds", "country": "GB"}],
            "displayName": "Isabel Ortiz",
            "locale": "en-GB",
            "preferredLanguage": "da-DK",
            "title": "Engineer",
            "externalId": "00u1abc",
            "active": "False",
            "password": "correct horse battery",
            "roles": [{"value": "ApManager", "display": "Admin"}],
            ENTERPRISE_SCHEMA: {"employeeNumber": "42", "manager": {"value": "usr_x", "displayName": "Boss"}}
        })
    }

    #[test]
    fn what_an_idp_sends_comes_back_exactly_as_sent() {
        let sent = okta_user();
        let mapped = map(&doc(sent.clone())).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(mapped.name.as_str(), "Isabel Ortiz");
        assert_eq!(mapped.status, Some(Status::Inactive));
        assert_eq!(mapped.role, Some(Role::ApManager));
        assert_eq!(mapped.language.as_ref().map(Language::as_str), Some("da"));
        assert_eq!(mapped.phone, None, "555-555-5555 is not E.123");
        let emails: Vec<&str> = mapped.emails.iter().map(|e| e.as_str()).collect();
        assert_eq!(
            emails,
            ["Isabel.Ortiz@example.com", "isabel.home@example.org"]
        );
        let shown = render(&user_from(&mapped), "http://h/scim/v2");
        for key in [
            "userName",
            "emails",
            "phoneNumbers",
            "addresses",
            "displayName",
            "locale",
            "preferredLanguage",
            "title",
            "externalId",
            "roles",
            ENTERPRISE_SCHEMA,
        ] {
            let mut expected = sent[key].clone();
            if key == "emails" {
                expected[1]["primary"] = json!(true);
            }
            assert_eq!(shown[key], expected, "{key}");
        }
        assert_eq!(shown["name"]["givenName"], "Isabel");
        assert_eq!(shown["name"]["formatted"], "Isabel Ortiz");
        assert_eq!(shown["active"], false);
        assert!(shown.get("password").is_none(), "never returned");
        assert_eq!(shown["meta"]["version"], "W/\"1\"");
        assert_eq!(shown["schemas"], json!([USER_SCHEMA, ENTERPRISE_SCHEMA]));
    }

    #[test]
    fn roster_fields_changed_elsewhere_win_over_the_kept_values() {
        let mapped = map(&doc(okta_user())).unwrap_or_else(|e| panic!("{e:?}"));
        let mut user = user_from(&mapped);
        user.name = PersonName::parse("Isabel Renamed").unwrap_or_else(|e| panic!("{e}"));
        user.emails = Emails::new(vec![
            Email::parse("isabel.home@example.org").unwrap_or_else(|e| panic!("{e}"))
        ])
        .unwrap_or_default();
        user.role = Role::ApUser;
        user.language = Language::parse("de").unwrap_or_else(|e| panic!("{e}"));
        let shown = render(&user, "http://h/scim/v2");
        assert_eq!(shown["name"], json!({"formatted": "Isabel Renamed"}));
        assert_eq!(
            shown["emails"],
            json!([{"value": "isabel.home@example.org", "primary": true, "type": "home"}])
        );
        assert_eq!(
            shown["roles"],
            json!([{"value": "ApUser", "display": "Admin"}])
        );
        assert_eq!(shown["preferredLanguage"], "de");
        // Nothing sent: nothing rendered but what Roster holds.
        let plain = map(&doc(json!({"userName": "bob"}))).unwrap_or_else(|e| panic!("{e:?}"));
        let mut bob = user_from(&plain);
        let shown = render(&bob, "http://h/scim/v2");
        assert!(shown.get("name").is_none() && shown.get("roles").is_none());
        assert!(shown.get("preferredLanguage").is_none());
        bob.role = Role::ApManager;
        bob.name = PersonName::parse("Bob Builder").unwrap_or_else(|e| panic!("{e}"));
        let shown = render(&bob, "http://h/scim/v2");
        assert_eq!(shown["roles"], json!([{"value": "ApManager"}]));
        assert_eq!(shown["name"], json!({"formatted": "Bob Builder"}));
    }

    #[test]
    fn bad_documents_name_the_attribute_and_the_scim_type() {
        let long = "x".repeat(schema::MAX_STRING + 1);
        let cases = [
            (json!([1]), "invalidSyntax", "JSON object"),
            (json!({"userName": "a", "nope": 1}), "invalidSyntax", "nope"),
            (
                json!({"userName": "a", "name": {"first": "x"}}),
                "invalidSyntax",
                "name.first",
            ),
            (
                json!({"userName": "a", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"x": 1}}),
                "invalidSyntax",
                "x",
            ),
            (
                json!({"userName": "a", "active": "maybe"}),
                "invalidValue",
                "active",
            ),
            (json!({"userName": 5}), "invalidValue", "userName"),
            (
                json!({"userName": "a", "title": long}),
                "invalidValue",
                "title",
            ),
            (
                json!({"userName": "a", "emails": {"value": 3}}),
                "invalidValue",
                "emails[0].value",
            ),
            (
                json!({"userName": "a", "schemas": ["urn:x"]}),
                "invalidValue",
                "schemas",
            ),
        ];
        for (body, scim_type, mentions) in cases {
            let err = normalize(&body).err().unwrap_or_else(|| panic!("{body}"));
            assert_eq!(err.scim_type, Some(scim_type), "{body}");
            assert!(err.detail.contains(mentions), "{body}: {}", err.detail);
        }
        let mapping_cases = [
            (json!({}), "userName: is required"),
            (json!({"userName": "has space"}), "userName"),
            (
                json!({"userName": "a", "emails": [{"value": "not-an-email"}]}),
                "emails[0].value",
            ),
            (
                json!({"userName": "a", "roles": [{"value": "ApUser"}, {"value": "ApManager"}]}),
                "roles",
            ),
            (json!({"userName": "a", "password": "short"}), "password"),
            (
                json!({"userName": "a", "externalId": " padded"}),
                "externalId",
            ),
            (
                json!({"userName": "a", "name": {"formatted": "x".repeat(201)}}),
                "name.formatted",
            ),
        ];
        for (body, mentions) in mapping_cases {
            let err = map(&doc(body.clone()))
                .err()
                .unwrap_or_else(|| panic!("{body}"));
            assert_eq!(err.scim_type, Some("invalidValue"), "{body}");
            assert!(err.detail.contains(mentions), "{body}: {}", err.detail);
        }
    }

    #[test]
    fn read_only_attributes_in_a_body_are_ignored_and_names_are_case_insensitive() {
        let d = doc(
            json!({"ID": "usr_x", "meta": {"version": "W/\"9\""}, "USERNAME": "a", "groups": [],
            "urn:ietf:params:scim:schemas:core:2.0:User:displayName": "A", "Name": {"GIVENNAME": "G"}}),
        );
        assert!(!d.contains_key("ID") && !d.contains_key("meta") && !d.contains_key("id"));
        assert!(!d.contains_key("groups"));
        assert_eq!(d["userName"], "a");
        assert_eq!(d["displayName"], "A");
        assert_eq!(d["name"], json!({"givenName": "G"}));
    }

    #[test]
    fn if_match_accepts_weak_and_strong_tags() {
        assert_eq!(if_match_version("W/\"3\"").ok().flatten(), Some(3));
        assert_eq!(if_match_version("\"3\"").ok().flatten(), Some(3));
        assert_eq!(if_match_version("*").ok().flatten(), None);
        assert!(if_match_version("W/\"abc\"").is_err());
    }
}
