use super::*;
use serde_json::json;

fn parsed(text: &str) -> Filter {
    parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn path(name: &str, sub: Option<&str>) -> AttrPath {
    AttrPath {
        uri: None,
        name: name.into(),
        sub: sub.map(Into::into),
    }
}

fn user() -> Value {
    json!({
        "schemas": [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "id": "usr_01ABC",
        "externalId": "ext-1",
        "userName": "Alice@Example.com",
        "name": {"givenName": "Alice", "familyName": "Smith", "formatted": "Alice Smith"},
        "displayName": "Alice",
        "active": true,
        "emails": [
            {"value": "alice@example.com", "type": "work", "primary": true},
            {"value": "alice@home.example", "type": "home"}
        ],
        "title": "",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984", "department": "Tour Operations"
        },
        "meta": {"created": "2026-01-01T10:00:00Z", "lastModified": "2026-02-01T10:00:00.500Z", "version": "W/\"3\""}
    })
}

#[test]
fn every_operator_and_literal_parses() {
    assert_eq!(
        parsed(r#"userName eq "bjensen""#),
        Filter::Compare {
            path: path("userName", None),
            op: CompareOp::Eq,
            value: json!("bjensen")
        }
    );
    for op in [
        "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "EQ", "Ge",
    ] {
        assert!(parse(&format!("userName {op} \"x\"")).is_ok(), "{op}");
    }
    assert_eq!(parsed("title pr"), Filter::Present(path("title", None)));
    assert_eq!(parsed("title PR"), Filter::Present(path("title", None)));
    for literal in ["true", "False", "null", "12", "-1.5e3"] {
        assert!(parse(&format!("x eq {literal}")).is_ok(), "{literal}");
    }
    assert_eq!(
        parsed(r#"name.familyName co "O\"Malley""#),
        Filter::Compare {
            path: path("name", Some("familyName")),
            op: CompareOp::Co,
            value: json!("O\"Malley")
        }
    );
}

#[test]
fn not_binds_tighter_than_and_and_and_tighter_than_or() {
    let f = parsed(r#"a eq "1" or b eq "2" and not (c pr)"#);
    let Filter::Or(_, right) = f else {
        panic!("or at the top: {f:?}")
    };
    let Filter::And(_, not) = *right else {
        panic!("and on the right")
    };
    assert!(matches!(*not, Filter::Not(_)));
    let grouped = parsed(r#"(a eq "1" or b eq "2") and c pr"#);
    assert!(matches!(grouped, Filter::And(..)));
    assert!(matches!(parsed(r#"a eq "1" OR b eq "2""#), Filter::Or(..)));
}

#[test]
fn schema_urns_and_value_paths_parse() {
    let f = parsed(r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "A""#);
    let Filter::Compare { path: p, .. } = &f else {
        panic!("{f:?}")
    };
    assert_eq!(p.uri.as_deref(), Some(USER_SCHEMA));
    assert!(p.is("name", Some("givenName")));
    let f = parsed(r#"emails[type eq "work" and value co "@example.com"]"#);
    assert!(matches!(f, Filter::ValuePath { then: None, .. }));
    let f = parsed(r#"emails[type eq "work"].value eq "alice@example.com""#);
    assert!(matches!(f, Filter::ValuePath { then: Some(_), .. }));
}

#[test]
fn malformed_filters_say_what_is_wrong() {
    let cases = [
        ("", "is empty"),
        ("userName", "misses an operator"),
        (r#"userName eq"#, "misses a value"),
        (r#"userName xx "a""#, "unknown operator"),
        (r#"userName eq bjensen"#, "double quotes"),
        (r#"userName eq "open"#, "unterminated string"),
        (r#"(userName eq "a""#, "closing parenthesis"),
        (r#"userName eq "a")"#, "unmatched closing"),
        (r#"emails[type eq "work""#, "closing bracket"),
        (r#"not userName eq "a""#, "parenthesis after not"),
        (r#"userName eq "a" extra"#, "after the end"),
        (r#""a" eq userName"#, "expects an attribute"),
        (r#"user&name eq "a""#, "not an attribute path"),
        (r#"userName eq "a" and"#, "ends where"),
    ];
    for (text, expected) in cases {
        let err = parse(text).err().unwrap_or_default();
        assert!(err.contains(expected), "{text:?}: {err:?}");
    }
    let deep = format!("{}a pr{}", "(".repeat(40), ")".repeat(40));
    assert!(parse(&deep).is_err_and(|e| e.contains("nests deeper")));
    assert!(parse(&format!("a eq \"{}\"", "x".repeat(3000))).is_err());
}

#[test]
fn evaluation_follows_rfc_7644_semantics() {
    let u = user();
    let cases = [
        (r#"userName eq "alice@example.com""#, true),
        (r#"USERNAME Eq "ALICE@EXAMPLE.COM""#, true),
        (r#"userName ne "alice@example.com""#, false),
        (r#"userName sw "alice""#, true),
        (r#"userName ew ".com""#, true),
        (r#"userName co "@EXAMPLE""#, true),
        (r#"externalId eq "EXT-1""#, false),
        (r#"externalId eq "ext-1""#, true),
        (r#"id eq "usr_01ABC""#, true),
        (r#"active eq true"#, true),
        (r#"active eq false"#, false),
        (r#"title pr"#, false),
        (r#"displayName pr"#, true),
        (r#"nickName pr"#, false),
        (r#"nickName eq null"#, true),
        (r#"emails.value eq "alice@home.example""#, true),
        (r#"emails eq "alice@home.example""#, true),
        (r#"emails co "home""#, true),
        (r#"emails.type eq "other""#, false),
        (r#"emails[type eq "work"]"#, true),
        (
            r#"emails[type eq "work" and value ew "home.example"]"#,
            false,
        ),
        (
            r#"emails[type eq "work"].value eq "alice@example.com""#,
            true,
        ),
        (
            r#"emails[type eq "home"].value eq "alice@example.com""#,
            false,
        ),
        (r#"emails[primary eq true].value sw "alice@""#, true),
        (
            r#"name.givenName eq "alice" and name.familyName eq "smith""#,
            true,
        ),
        (
            r#"name.givenName eq "bob" or name.familyName eq "smith""#,
            true,
        ),
        (r#"not (name.givenName eq "alice")"#, false),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            true,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department sw "tour""#,
            true,
        ),
        (r#"meta.lastModified gt "2026-02-01T10:00:00Z""#, true),
        (
            r#"meta.lastModified gt "2026-02-01T10:00:00.500+00:00""#,
            false,
        ),
        (r#"meta.lastModified ge "2026-02-01T11:00:00+01:00""#, true),
        (r#"meta.created lt "2026-01-01T10:00:01Z""#, true),
        (r#"active gt true"#, false),
    ];
    for (text, expected) in cases {
        assert_eq!(matches(&parsed(text), &u), expected, "{text}");
    }
}

#[test]
fn patch_paths_parse_with_value_filters_and_sub_attributes() {
    let p = parse_path(r#"emails[type eq "work"].value"#).unwrap_or_else(|e| panic!("{e}"));
    assert!(p.attr.is("emails", None));
    assert!(p.filter.is_some());
    assert_eq!(p.sub.as_deref(), Some("value"));
    let p = parse_path("name.givenName").unwrap_or_else(|e| panic!("{e}"));
    assert!(p.attr.is("name", Some("givenName")) && p.filter.is_none());
    let p = parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.attr.name, "manager");
    for bad in [
        "",
        "emails[type eq",
        "emails[type eq \"w\"]x",
        "a b",
        "name.given[x pr]",
    ] {
        assert!(parse_path(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn filter_paths_are_listed_qualified() {
    let f = parsed(r#"emails[type eq "work"] and userName pr"#);
    let names: Vec<String> = paths(&f).iter().map(ToString::to_string).collect();
    assert_eq!(names, ["emails.type", "userName"]);
}
