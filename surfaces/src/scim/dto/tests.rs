use super::*;
use roster_shared::domain::{Email, Emails, Language, PersonName, Role, Status, User, UserId};
use serde_json::json;

use crate::scim::schema::{self, ENTERPRISE_SCHEMA, USER_SCHEMA};

fn doc(v: Value) -> Map<String, Value> {
    normalize(&v).unwrap_or_else(|e| panic!("{e:?}"))
}

/// The user a create with `mapped` stores (the fields SCIM maps; the rest as the store's
/// defaults), read back through the record's serde shape.
fn user_from(mapped: &Mapped) -> User {
    let stored = json!({
        "id": UserId::generate(),
        "org": "acme",
        "externalId": mapped.external_id,
        "username": mapped.username,
        "name": mapped.name,
        "emails": mapped.emails,
        "phone": mapped.phone,
        "language": mapped.language.as_ref().map_or("en", Language::as_str),
        "role": mapped.role.unwrap_or_default(),
        "status": mapped.status.unwrap_or_default(),
        "surfaceData": {SURFACE: mapped.kept},
        "createdAt": "2026-01-01T00:00:00Z",
        "updatedAt": "2026-01-01T00:00:00Z",
        "version": 1,
    });
    serde_json::from_value(stored).unwrap_or_else(|e| panic!("{e}"))
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
