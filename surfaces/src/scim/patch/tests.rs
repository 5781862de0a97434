use super::*;
use serde_json::{json, Map};

use crate::scim::schema::ENTERPRISE_SCHEMA;

fn user() -> Map<String, Value> {
    match json!({
        "id": "usr_1",
        "userName": "alice",
        "name": {"givenName": "Alice", "familyName": "Smith"},
        "active": true,
        "emails": [
            {"value": "alice@work.example", "type": "work", "primary": true},
            {"value": "alice@home.example", "type": "home"}
        ],
        "meta": {"version": "W/\"1\""}
    }) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn patched(body: Value) -> Result<Value, ScimError> {
    let mut u = user();
    let ops = operations(&body)?;
    apply(&mut u, &ops)?;
    Ok(Value::Object(u))
}

fn ok(body: Value) -> Value {
    patched(body.clone()).unwrap_or_else(|e| panic!("{body}: {e:?}"))
}

fn ops(list: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": list})
}

#[test]
fn okta_deactivates_with_a_path_less_replace() {
    let u = ok(ops(json!([{"op": "replace", "value": {"active": false}}])));
    assert_eq!(u["active"], false);
}

#[test]
fn entra_capitalised_ops_and_string_booleans_are_accepted() {
    let u = ok(ops(json!([
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Add", "path": "title", "value": "Boss"},
        {"op": "Remove", "path": "name.familyName"}
    ])));
    // Still a string here: the PUT checks that follow make it a boolean.
    assert_eq!(u["active"], "False");
    assert_eq!(u["title"], "Boss");
    assert_eq!(u["name"], json!({"givenName": "Alice"}));
}

#[test]
fn dotted_keys_in_a_path_less_value_are_paths() {
    let u = ok(ops(json!([{"op": "replace", "value": {
        "name.givenName": "Alicia",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Ops",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "7"},
        "displayName": "Al"
    }}])));
    assert_eq!(u["name"]["givenName"], "Alicia");
    assert_eq!(u["name"]["familyName"], "Smith");
    assert_eq!(u["displayName"], "Al");
    assert_eq!(
        u[ENTERPRISE_SCHEMA],
        json!({"department": "Ops", "employeeNumber": "7"})
    );
    let mut u2 = match u {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let whole = operations(&ops(json!([
        {"op": "replace", "path": ENTERPRISE_SCHEMA, "value": {"division": "D"}},
    ])))
    .unwrap_or_default();
    apply(&mut u2, &whole).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(u2[ENTERPRISE_SCHEMA]["division"], "D");
    let remove =
        operations(&ops(json!([{"op": "remove", "path": ENTERPRISE_SCHEMA}]))).unwrap_or_default();
    apply(&mut u2, &remove).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(!u2.contains_key(ENTERPRISE_SCHEMA));
}

#[test]
fn value_filter_paths_change_add_and_remove_matching_elements() {
    let u = ok(ops(json!([
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@work.example"}
    ])));
    assert_eq!(u["emails"][0]["value"], "new@work.example");
    assert_eq!(u["emails"][1]["value"], "alice@home.example");
    // Entra's add of a typed value the user lacks creates the element.
    let u = ok(ops(json!([
        {"op": "add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+45 12 34 56 78"}
    ])));
    assert_eq!(
        u["phoneNumbers"],
        json!([{"type": "mobile", "value": "+45 12 34 56 78"}])
    );
    let u = ok(ops(
        json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]),
    ));
    assert_eq!(u["emails"].as_array().map(Vec::len), Some(1));
    let u = ok(ops(
        json!([{"op": "remove", "path": "emails[type eq \"nope\"]"}]),
    ));
    assert_eq!(u["emails"].as_array().map(Vec::len), Some(2));
    let u = ok(ops(
        json!([{"op": "add", "path": "emails", "value": [{"value": "x@y.example"}]}]),
    ));
    assert_eq!(u["emails"].as_array().map(Vec::len), Some(3));
    let u = ok(ops(
        json!([{"op": "replace", "path": "emails", "value": [{"value": "x@y.example"}]}]),
    ));
    assert_eq!(u["emails"], json!([{"value": "x@y.example"}]));
    let u = ok(ops(json!([{"op": "remove", "path": "emails"}])));
    assert!(u.get("emails").is_none());
    let u = ok(ops(
        json!([{"op": "replace", "path": "name", "value": {"familyName": "Jones"}}]),
    ));
    assert_eq!(
        u["name"],
        json!({"givenName": "Alice", "familyName": "Jones"})
    );
}

#[test]
fn bad_operations_get_their_scim_types() {
    let cases = [
        (json!([1]), "invalidSyntax"),
        (json!({"Operations": "x"}), "invalidSyntax"),
        (
            json!({"schemas": ["urn:x"], "Operations": [{"op": "add", "value": {}}]}),
            "invalidSyntax",
        ),
        (ops(json!([])), "invalidSyntax"),
        (ops(json!([{"op": "merge", "value": {}}])), "invalidSyntax"),
        (ops(json!([{"op": "add", "path": "title"}])), "invalidValue"),
        (
            ops(json!([{"op": "add", "path": "title", "value": 1, "extra": 2}])),
            "invalidSyntax",
        ),
        (ops(json!([{"op": "remove"}])), "noTarget"),
        (
            ops(json!([{"op": "replace", "value": "x"}])),
            "invalidValue",
        ),
        (
            ops(json!([{"op": "replace", "path": "id", "value": "usr_2"}])),
            "mutability",
        ),
        (
            ops(json!([{"op": "replace", "path": "meta.version", "value": "x"}])),
            "mutability",
        ),
        (
            ops(json!([{"op": "replace", "value": {"id": "usr_2"}}])),
            "mutability",
        ),
        (
            ops(json!([{"op": "replace", "path": "nickname[x eq 1]", "value": "a"}])),
            "invalidPath",
        ),
        (
            ops(json!([{"op": "replace", "path": "groups", "value": []}])),
            "invalidPath",
        ),
        (
            ops(json!([{"op": "replace", "path": "emails[type eq", "value": "a"}])),
            "invalidPath",
        ),
        (
            ops(json!([{"op": "replace", "path": "emails[type pr].value", "value": "a"}])),
            "noTarget",
        ),
    ];
    for (body, scim_type) in cases {
        let mut u = user();
        if let Some(e) = u.get_mut("emails") {
            *e = json!([{"value": "a@b.example"}]);
        }
        let result = operations(&body).and_then(|o| apply(&mut u, &o));
        let err = result.err().unwrap_or_else(|| panic!("{body} should fail"));
        assert_eq!(err.scim_type, Some(scim_type), "{body}: {}", err.detail);
    }
}
