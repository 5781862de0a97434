//! Seed 001's shapes: query parameters, the `create` items and the `update` body read into domain
//! commands, and the user as the seed shows it (`id, idRemote, username, name, email, status,
//! updatedAt, dateValid, active, language{…}, businessPartner{…}`).
//!
//! An empty string counts as no value (clients of this API send `""` for "none"): a required
//! parameter given as `""` is missing, an optional one is left out on create and cleared on
//! update.

use serde_json::{Map, Value};

use super::doc::Node;
use roster_shared::clock;
use roster_shared::domain::{
    Email, Emails, ExternalId, Language, PartyId, PartyInfo, PersonName, Status, User, Username,
    ValidUntil,
};
use roster_shared::error::Problems;
use roster_shared::http::{ObjectReader, PagingSpec, QueryParams};
use roster_shared::service::{ListPage, NewUser, Patch, UserChanges};
use roster_shared::Error;

/// Most users one page may hold.
pub const MAX_PAGE_SIZE: usize = 100;

/// `page` (≥ 1, default 1), `pageSize` (1–100, default 10), and the `cursor` that `nextPageUrl`
/// carries (it fixes the position; `page` is then only informative). Empty values are ignored.
pub const PAGING: PagingSpec = PagingSpec {
    limit: "pageSize",
    page: "page",
    cursor: "cursor",
    max_limit: MAX_PAGE_SIZE,
    lenient: true,
};

/// `date` of `updateFrom`: required; a date `YYYY-MM-DD` (the documented `1999-01-01` form) or
/// an RFC 3339 date-time. Returns the sortable timestamp it starts at.
pub fn update_date(query: &QueryParams, problems: &mut Problems) -> Option<String> {
    match query.get("date").filter(|v| !v.is_empty()) {
        None => {
            problems.push("date", "is required");
            None
        }
        Some(text) => problems.check(
            "date",
            clock::parse_since(text).ok_or_else(|| {
                "must be a date like 1999-01-01 (or an RFC 3339 date-time)".to_string()
            }),
        ),
    }
}

/// `dateValid`: a date `YYYY-MM-DD`; a date-time (`2025-12-31T23:59:59Z`, `2025-12-31 23:59:59`)
/// counts as its date.
fn date_valid(text: &str) -> Result<ValidUntil, String> {
    let date = match text.get(10..11) {
        Some("T" | " ") => text.get(..10).unwrap_or(text),
        _ => text,
    };
    ValidUntil::parse(date).map_err(|_| "must be a date YYYY-MM-DD".to_string())
}

/// Reads a string field where `""` means no value: `Set` a valid value, `Clear` for `null`/`""`,
/// `Keep` when left out or invalid (the reader has recorded why).
fn text<T>(
    reader: &mut ObjectReader,
    field: &str,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Patch<T> {
    match reader.parsed(field, |s| {
        if s.is_empty() {
            Ok(None)
        } else {
            parse(s).map(Some)
        }
    }) {
        Patch::Set(Some(v)) => Patch::Set(v),
        Patch::Set(None) | Patch::Clear => Patch::Clear,
        Patch::Keep => Patch::Keep,
    }
}

fn one_email(email: Email) -> Emails {
    Emails::new(vec![email]).unwrap_or_default()
}

fn status_of(active: bool) -> Status {
    if active {
        Status::Active
    } else {
        Status::Inactive
    }
}

/// One item of `POST /User/create`: `{idRemote, username, name, languageId, email,
/// businessPartnerId, dateValid, active}`; `username` and `name` are required, `languageId`
/// defaults to the organization's language, `active` to true. Field errors are prefixed
/// (`[1].username`).
pub fn new_user(map: Map<String, Value>, prefix: &str) -> Result<NewUser, Error> {
    let mut reader = ObjectReader::new(map).with_prefix(prefix);
    let external_id = text(&mut reader, "idRemote", ExternalId::parse);
    let username = reader.required_with("username", |r, f| text(r, f, Username::parse));
    let name = reader.required_with("name", |r, f| text(r, f, PersonName::parse));
    let language = text(&mut reader, "languageId", Language::parse);
    let email = text(&mut reader, "email", Email::parse);
    let business_partner = text(&mut reader, "businessPartnerId", PartyId::parse);
    let valid_until = text(&mut reader, "dateValid", date_valid);
    let active = reader.boolean("active");
    reader.finish()?;
    Ok(NewUser {
        username,
        name,
        emails: email.given().map(one_email).unwrap_or_default(),
        language: language.given(),
        external_id: external_id.given(),
        business_partner_id: business_partner.given(),
        status: Some(status_of(active.given().unwrap_or(true))),
        valid_until: valid_until.given(),
        ..NewUser::default()
    })
}

/// The body of `PUT /User/update/{id}`: `{username, name, languageId, email, businessPartnerId,
/// dateValid, active}` (and `idRemote`), each optional: left-out fields keep their value.
/// `email` replaces the primary address (others set through the native API stay);
/// `email`, `businessPartnerId`, `dateValid` and `idRemote` are cleared by `null` or `""`;
/// `username`, `name` and `languageId` cannot be cleared.
pub fn user_changes(body: Value) -> Result<UserChanges, Error> {
    let Value::Object(map) = body else {
        return Err(Error::field("body", "must be a JSON object"));
    };
    let mut reader = ObjectReader::new(map);
    let username = text(&mut reader, "username", Username::parse);
    let name = text(&mut reader, "name", PersonName::parse);
    let language = text(&mut reader, "languageId", Language::parse);
    let primary_email = text(&mut reader, "email", Email::parse);
    let business_partner_id = text(&mut reader, "businessPartnerId", PartyId::parse);
    let valid_until = text(&mut reader, "dateValid", date_valid);
    let external_id = text(&mut reader, "idRemote", ExternalId::parse);
    let active = reader.boolean("active");
    for (field, cleared) in [
        ("username", matches!(username, Patch::Clear)),
        ("name", matches!(name, Patch::Clear)),
        ("languageId", matches!(language, Patch::Clear)),
    ] {
        if cleared {
            reader.reject(field, "cannot be removed");
        }
    }
    if matches!(active, Patch::Clear) {
        reader.reject("active", "must be true or false");
    }
    reader.finish()?;
    Ok(UserChanges {
        username: username.given(),
        name: name.given(),
        language: language.given(),
        primary_email,
        business_partner_id,
        valid_until,
        external_id,
        status: active.given().map(status_of),
        ..UserChanges::default()
    })
}

/// The items of `POST /User/create`: the documented array (a single object is taken as a batch
/// of one). Every bad field of every item is reported.
pub fn new_users(body: Value) -> Result<Vec<NewUser>, Error> {
    let items = match body {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, item)| (format!("[{i}]."), item))
            .collect::<Vec<_>>(),
        Value::Object(map) => vec![(String::new(), Value::Object(map))],
        _ => return Err(Error::field("body", "must be an array of users")),
    };
    if items.is_empty() {
        return Err(Error::field("body", "must hold at least one user"));
    }
    let mut problems = Problems::default();
    let mut users = Vec::with_capacity(items.len());
    for (prefix, item) in items {
        let Value::Object(map) = item else {
            problems.push(prefix.trim_end_matches('.'), "must be a JSON object");
            continue;
        };
        match new_user(map, &prefix) {
            Ok(user) => users.push(user),
            Err(Error::Validation(errors)) => {
                for e in errors {
                    problems.push(e.field, e.message);
                }
            }
            Err(other) => return Err(other),
        }
    }
    problems.finish()?;
    Ok(users)
}

/// The user as the seed shows it. `language.id`, `.code` and `.iso` are all the ISO 639-1 code
/// (Roster identifies a language by it); `businessPartner` is the registered party, `null`
/// without one.
pub fn user_node(user: &User, parties: &[PartyInfo]) -> Node {
    let code = user.language.to_string();
    let language = Node::Object(vec![
        ("id", Node::Text(code.clone())),
        ("code", Node::Text(code.clone())),
        ("iso", Node::Text(code)),
        ("name", Node::Text(user.language.name().to_string())),
    ]);
    let business_partner = match &user.business_partner_id {
        None => Node::Null,
        Some(id) => {
            let party = parties.iter().find(|p| &p.id == id);
            let field =
                |f: fn(&PartyInfo) -> Option<&String>| Node::text(party.and_then(f).cloned());
            Node::Object(vec![
                ("id", Node::Text(id.to_string())),
                ("idRemote", field(|p| p.external_id.as_ref())),
                ("contactName", field(|p| p.contact_name.as_ref())),
                ("commercialName", field(|p| p.commercial_name.as_ref())),
                ("tin", field(|p| p.tin.as_ref())),
            ])
        }
    };
    Node::Object(vec![
        ("id", Node::Text(user.id.to_string())),
        (
            "idRemote",
            Node::text(user.external_id.as_ref().map(ToString::to_string)),
        ),
        ("username", Node::Text(user.username.to_string())),
        ("name", Node::Text(user.name.to_string())),
        (
            "email",
            Node::text(user.emails.primary().map(ToString::to_string)),
        ),
        ("status", Node::Text(user.status.as_str().to_string())),
        ("updatedAt", Node::Text(user.updated_at.clone())),
        (
            "dateValid",
            Node::text(user.valid_until.as_ref().map(|v| v.as_str().to_string())),
        ),
        ("active", Node::Bool(user.is_effectively_active())),
        ("language", language),
        ("businessPartner", business_partner),
    ])
}

/// `{data: [users]}`, the body of create, update and delete.
pub fn users_node(users: &[User], parties: &[PartyInfo]) -> Node {
    Node::Object(vec![(
        "data",
        Node::List(users.iter().map(|u| user_node(u, parties)).collect()),
    )])
}

/// `{data: [...], pagination: {totalItems, itemsPerPage, currentPage, totalPages, nextPageUrl}}`.
pub fn page_node(
    page: &ListPage<User>,
    parties: &[PartyInfo],
    next_page_url: Option<String>,
) -> Node {
    Node::Object(vec![
        (
            "data",
            Node::List(page.items.iter().map(|u| user_node(u, parties)).collect()),
        ),
        (
            "pagination",
            Node::Object(vec![
                ("totalItems", Node::Number(page.total_items)),
                ("itemsPerPage", Node::Number(page.items_per_page as u64)),
                ("currentPage", Node::Number(u64::from(page.current_page))),
                ("totalPages", Node::Number(page.total_pages)),
                ("nextPageUrl", Node::text(next_page_url)),
            ]),
        ),
    ])
}

/// The business partners the users name (to look them up once per answer).
pub fn partner_ids<'a>(users: impl IntoIterator<Item = &'a User>) -> Vec<PartyId> {
    users
        .into_iter()
        .filter_map(|u| u.business_partner_id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields_of(result: Result<impl std::fmt::Debug, Error>) -> Vec<(String, String)> {
        match result {
            Err(Error::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.message)).collect()
            }
            other => vec![("unexpected".into(), format!("{other:?}"))],
        }
    }

    #[test]
    fn the_documented_create_item_is_read() {
        let users = new_users(json!([{
            "idRemote": "crm-1", "username": "maria", "name": "Maria Lopez", "languageId": "es",
            "email": "maria@example.com", "businessPartnerId": "0106:12345678",
            "dateValid": "2030-12-31", "active": true
        }]))
        .unwrap_or_else(|e| panic!("{e:?}"));
        let user = &users[0];
        assert_eq!(user.external_id.as_ref().map(|x| x.as_str()), Some("crm-1"));
        assert_eq!(user.language.as_ref().map(|l| l.as_str()), Some("es"));
        assert_eq!(
            user.emails.primary().map(|e| e.as_str()),
            Some("maria@example.com")
        );
        assert_eq!(user.status, Some(Status::Active));
        assert_eq!(
            user.valid_until.as_ref().map(|v| v.as_str()),
            Some("2030-12-31")
        );
    }

    #[test]
    fn missing_and_empty_required_fields_are_required_and_prefixed() {
        assert_eq!(
            fields_of(new_users(json!([
                {"username": "ok", "name": "Ok"},
                {"username": "", "name": null}
            ]))),
            [
                ("[1].username".to_string(), "is required".to_string()),
                ("[1].name".to_string(), "is required".to_string())
            ]
        );
    }

    #[test]
    fn bad_values_are_named() {
        let cases = [
            (
                json!({"username": "a", "name": "A", "languageId": "xx"}),
                "languageId",
            ),
            (
                json!({"username": "a", "name": "A", "email": "nope"}),
                "email",
            ),
            (
                json!({"username": "a", "name": "A", "businessPartnerId": "123"}),
                "businessPartnerId",
            ),
            (
                json!({"username": "a", "name": "A", "dateValid": "31-12-2030"}),
                "dateValid",
            ),
            (
                json!({"username": "a", "name": "A", "active": "yes"}),
                "active",
            ),
            (json!({"username": "a b", "name": "A"}), "username"),
            (
                json!({"username": "a", "name": "A", "role": "ApManager"}),
                "role",
            ),
        ];
        for (item, field) in cases {
            let found = fields_of(new_users(json!([item.clone()])));
            assert_eq!(found.len(), 1, "{item}: {found:?}");
            assert_eq!(found[0].0, format!("[0].{field}"), "{item}: {found:?}");
        }
        assert_eq!(
            fields_of(new_users(json!([]))),
            [(
                "body".to_string(),
                "must hold at least one user".to_string()
            )]
        );
        assert_eq!(fields_of(new_users(json!([7])))[0].0, "[0]");
        assert_eq!(fields_of(new_users(json!("x")))[0].0, "body");
    }

    #[test]
    fn empty_optional_values_are_no_values() {
        let users = new_users(
            json!([{"username": "a", "name": "A", "idRemote": "", "email": "",
            "businessPartnerId": "", "dateValid": "", "languageId": ""}]),
        )
        .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(users[0].external_id.is_none() && users[0].emails.primary().is_none());
        assert!(users[0].business_partner_id.is_none() && users[0].language.is_none());
    }

    #[test]
    fn date_times_count_as_their_date() {
        for ok in ["2030-01-02", "2030-01-02T10:00:00Z", "2030-01-02 10:00:00"] {
            assert_eq!(
                date_valid(ok).map(|d| d.as_str().to_string()),
                Ok("2030-01-02".into())
            );
        }
        for bad in ["", "2030-13-01", "02-01-2030", "2030-01-02X", "ééééééééééé"] {
            assert!(date_valid(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn update_fields_are_optional_and_some_cannot_be_cleared() {
        let changes = user_changes(json!({})).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(changes.username.is_none() && changes.status.is_none());
        let changes = user_changes(json!({"email": null, "dateValid": "", "active": false}))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(changes.primary_email, Patch::Clear);
        assert_eq!(changes.valid_until, Patch::Clear);
        assert_eq!(changes.status, Some(Status::Inactive));
        assert_eq!(
            fields_of(user_changes(
                json!({"username": "", "languageId": null, "active": null})
            )),
            [
                ("username".to_string(), "cannot be removed".to_string()),
                ("languageId".to_string(), "cannot be removed".to_string()),
                ("active".to_string(), "must be true or false".to_string())
            ]
        );
        assert_eq!(fields_of(user_changes(json!([])))[0].0, "body");
    }
}
