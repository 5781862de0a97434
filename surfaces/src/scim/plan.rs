//! How a SCIM filter is answered from storage. The equality lookups identity providers make
//! (`userName eq`, `externalId eq`, `emails.value eq`, `id eq`) read through the uniqueness
//! markers (1–2 reads); `meta.lastModified gt/ge` reads the updated-since index; anything else
//! reads the organization's live users, at most [`SCAN_BOUND`] of them (more is `tooMany`).
//! Whatever the plan reads, the whole filter is evaluated on the rendered users afterwards, so
//! the plan only narrows what is read and never changes the answer.

use roster_shared::clock;
use roster_shared::domain::{Email, ExternalId, UserId, Username};
use roster_shared::service::UserRef;
use serde_json::Value;

use super::filter::{self, AttrPath, CompareOp, Filter};
use super::schema;

/// Most users an unindexed filter is evaluated over (documented in docs/scim.md).
pub const SCAN_BOUND: usize = 2_000;
/// Most resources one response holds (`filter.maxResults`, and the largest `count`).
pub const MAX_RESULTS: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// No filter: one page of the organization's live users, the total from the counters.
    Page,
    /// One user found through a uniqueness marker or its id.
    Lookup(UserRef),
    /// Users changed at or after the timestamp (the updated-since index).
    ChangedSince(String),
    /// The organization's live users, read up to [`SCAN_BOUND`].
    Scan,
    /// The filter can match no user (e.g. `userName eq` a value no username can have).
    Nothing,
}

fn conjuncts(f: &Filter) -> Vec<&Filter> {
    match f {
        Filter::And(a, b) => {
            let mut out = conjuncts(a);
            out.extend(conjuncts(b));
            out
        }
        other => vec![other],
    }
}

/// The plan of an indexed term, if `term` is one.
fn indexed(term: &Filter) -> Option<Plan> {
    let Filter::Compare { path, op, value } = term else {
        return None;
    };
    let Value::String(text) = value else {
        return None;
    };
    let lookup = |r: Option<UserRef>| Some(r.map_or(Plan::Nothing, Plan::Lookup));
    match op {
        CompareOp::Eq if path.is("userName", None) => {
            lookup(Username::parse(text).ok().map(UserRef::Username))
        }
        CompareOp::Eq if path.is("externalId", None) => {
            lookup(ExternalId::parse(text).ok().map(UserRef::ExternalId))
        }
        CompareOp::Eq if path.is("emails", Some("value")) || path.is("emails", None) => {
            lookup(Email::parse(text).ok().map(UserRef::Email))
        }
        CompareOp::Eq if path.is("id", None) => lookup(UserId::parse(text).ok().map(UserRef::Id)),
        CompareOp::Gt | CompareOp::Ge if path.is("meta", Some("lastModified")) => {
            clock::parse_since(text).map(Plan::ChangedSince)
        }
        _ => None,
    }
}

/// The plan for `filter` (none: a page of all users).
pub fn plan(filter: Option<&Filter>) -> Plan {
    let Some(filter) = filter else {
        return Plan::Page;
    };
    let terms = conjuncts(filter);
    // A marker lookup beats the index; the index beats a scan.
    let plans: Vec<Plan> = terms.iter().filter_map(|t| indexed(t)).collect();
    if plans.contains(&Plan::Nothing) {
        return Plan::Nothing;
    }
    if let Some(p) = plans.iter().find(|p| matches!(p, Plan::Lookup(_))) {
        return p.clone();
    }
    plans.into_iter().next().unwrap_or(Plan::Scan)
}

/// Refuses a filter naming an attribute Roster does not keep, or one that is never returned
/// (`password`), with the attribute's name.
pub fn check_attributes(filter: &Filter) -> Result<(), String> {
    for p in filter::paths(filter) {
        let known = schema::lookup(p.uri.as_deref(), &p.name, p.sub.as_deref());
        match known {
            Some((attr, _)) if attr.returned != "never" => {}
            _ => return Err(format!("names {p}, which is not an attribute Roster keeps")),
        }
    }
    Ok(())
}

/// The member of `doc` a path names (case-insensitively); an extension attribute as
/// `<extension key>\0<name>`.
fn key_of(doc: &serde_json::Map<String, Value>, p: &AttrPath) -> Option<String> {
    match &p.uri {
        Some(u) if !u.eq_ignore_ascii_case(schema::USER_SCHEMA) => doc
            .keys()
            .find(|k| k.eq_ignore_ascii_case(u))
            .map(|k| format!("{k}\u{0}{}", p.name)),
        _ => doc
            .keys()
            .find(|k| k.eq_ignore_ascii_case(&p.name))
            .cloned(),
    }
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) applied to a rendered resource:
/// `id` and `schemas` are always returned.
pub fn project(resource: Value, attributes: &[AttrPath], excluded: &[AttrPath]) -> Value {
    let Value::Object(mut doc) = resource else {
        return resource;
    };
    let always = |k: &str| k == "id" || k == "schemas";
    if !attributes.is_empty() {
        let mut kept = serde_json::Map::new();
        for p in attributes {
            let Some(key) = key_of(&doc, p) else { continue };
            let (top, inner) = match key.split_once('\u{0}') {
                Some((ext, name)) => (ext.to_string(), Some(name.to_string())),
                None => (key, None),
            };
            let Some(value) = doc.get(&top) else { continue };
            let wanted = match inner {
                // An extension attribute: only that member of the extension object.
                Some(name) => value
                    .as_object()
                    .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(&name)))
                    .map(|(k, v)| {
                        let mut m = kept
                            .get(&top)
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_default();
                        m.insert(k.clone(), v.clone());
                        Value::Object(m)
                    }),
                None => Some(match &p.sub {
                    Some(sub) => sub_only(value, sub, kept.get(&top)),
                    None => value.clone(),
                }),
            };
            if let Some(w) = wanted {
                kept.insert(top, w);
            }
        }
        for (k, v) in doc.iter() {
            if always(k) {
                kept.insert(k.clone(), v.clone());
            }
        }
        doc = kept;
    }
    for p in excluded {
        let Some(key) = key_of(&doc, p) else { continue };
        if always(&key) {
            continue;
        }
        match (key.split_once('\u{0}'), &p.sub) {
            (Some((ext, name)), _) => {
                if let Some(o) = doc.get_mut(ext).and_then(Value::as_object_mut) {
                    o.retain(|k, _| !k.eq_ignore_ascii_case(name));
                }
            }
            (None, Some(sub)) => match doc.get_mut(&key) {
                Some(Value::Object(o)) => o.retain(|k, _| !k.eq_ignore_ascii_case(sub)),
                Some(Value::Array(items)) => {
                    for item in items {
                        if let Some(o) = item.as_object_mut() {
                            o.retain(|k, _| !k.eq_ignore_ascii_case(sub));
                        }
                    }
                }
                _ => {}
            },
            (None, None) => {
                doc.remove(&key);
            }
        }
    }
    Value::Object(doc)
}

/// Only `sub` of a complex (or of each element of a multi-valued) attribute, merged with what an
/// earlier sub-attribute of the same attribute kept.
fn sub_only(value: &Value, sub: &str, earlier: Option<&Value>) -> Value {
    let pick = |o: &serde_json::Map<String, Value>, into: &mut serde_json::Map<String, Value>| {
        if let Some((k, v)) = o.iter().find(|(k, _)| k.eq_ignore_ascii_case(sub)) {
            into.insert(k.clone(), v.clone());
        }
    };
    match value {
        Value::Object(o) => {
            let mut out = earlier
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            pick(o, &mut out);
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let mut out = earlier
                        .and_then(|e| e.get(i))
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    if let Some(o) = item.as_object() {
                        pick(o, &mut out);
                    }
                    Value::Object(out)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Parses a comma-separated `attributes` / `excludedAttributes` list.
pub fn attribute_list(text: Option<&str>) -> Result<Vec<AttrPath>, String> {
    let Some(text) = text else {
        return Ok(Vec::new());
    };
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            filter::parse_path(s)
                .ok()
                .filter(|p| p.filter.is_none())
                .map(|p| p.attr)
                .ok_or_else(|| format!("{s:?} is not an attribute path"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn plan_of(text: &str) -> Plan {
        let f = filter::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        plan(Some(&f))
    }

    #[test]
    fn identity_provider_lookups_read_through_the_markers() {
        assert!(matches!(
            plan_of(r#"userName eq "alice""#),
            Plan::Lookup(UserRef::Username(_))
        ));
        assert!(matches!(
            plan_of(r#"USERNAME EQ "alice""#),
            Plan::Lookup(UserRef::Username(_))
        ));
        assert!(matches!(
            plan_of(r#"externalId eq "00u1""#),
            Plan::Lookup(UserRef::ExternalId(_))
        ));
        assert!(matches!(
            plan_of(r#"emails.value eq "a@b.example""#),
            Plan::Lookup(UserRef::Email(_))
        ));
        assert!(matches!(
            plan_of(r#"emails eq "a@b.example""#),
            Plan::Lookup(UserRef::Email(_))
        ));
        assert!(matches!(
            plan_of(r#"id eq "usr_01JDSAMPXE0000000000000000""#),
            Plan::Lookup(UserRef::Id(_))
        ));
        assert!(matches!(
            plan_of(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a""#),
            Plan::Lookup(UserRef::Username(_))
        ));
        assert!(matches!(
            plan_of(r#"active eq true and userName eq "a""#),
            Plan::Lookup(UserRef::Username(_))
        ));
    }

    #[test]
    fn other_filters_use_the_index_or_a_bounded_scan() {
        assert!(matches!(
            plan_of(r#"meta.lastModified gt "2026-01-01T00:00:00Z""#),
            Plan::ChangedSince(_)
        ));
        assert!(matches!(
            plan_of(r#"meta.lastModified ge "2026-01-01T00:00:00Z" and userName eq "a""#),
            Plan::Lookup(_)
        ));
        assert_eq!(plan_of(r#"userName sw "a""#), Plan::Scan);
        assert_eq!(plan_of(r#"userName eq "a" or userName eq "b""#), Plan::Scan);
        assert_eq!(plan_of(r#"not (userName eq "a")"#), Plan::Scan);
        assert_eq!(
            plan_of(r#"meta.lastModified lt "2026-01-01T00:00:00Z""#),
            Plan::Scan
        );
        assert_eq!(plan_of(r#"userName eq "has space""#), Plan::Nothing);
        assert_eq!(plan_of(r#"id eq "nope""#), Plan::Nothing);
        assert_eq!(plan(None), Plan::Page);
    }

    #[test]
    fn filters_on_unknown_or_secret_attributes_are_refused() {
        for bad in [
            r#"nope eq "a""#,
            r#"password eq "x""#,
            r#"name.nope pr"#,
            r#"emails[nope eq "a"]"#,
            r#"urn:x:y:a eq "1""#,
        ] {
            let f = filter::parse(bad).unwrap_or_else(|e| panic!("{bad}: {e}"));
            assert!(check_attributes(&f).is_err(), "{bad}");
        }
        let f = filter::parse(r#"emails[type eq "work"] and name.givenName pr"#)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(check_attributes(&f).is_ok());
    }

    #[test]
    fn attributes_and_excluded_attributes_shape_the_resource() {
        let user = json!({
            "schemas": ["s"], "id": "usr_1", "userName": "a", "displayName": "A",
            "name": {"givenName": "G", "familyName": "F"},
            "emails": [{"value": "a@b", "type": "work"}],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "D", "division": "V"}
        });
        let list = |t: &str| attribute_list(Some(t)).unwrap_or_else(|e| panic!("{e}"));
        let only = project(user.clone(), &list("USERNAME,name.givenName,emails.value,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"), &[]);
        assert_eq!(
            only,
            json!({"schemas": ["s"], "id": "usr_1", "userName": "a", "name": {"givenName": "G"},
                "emails": [{"value": "a@b"}],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "D"}})
        );
        let without = project(
            user,
            &[],
            &list("displayName,name.familyName,emails.type,id"),
        );
        assert!(without.get("displayName").is_none());
        assert_eq!(without["name"], json!({"givenName": "G"}));
        assert_eq!(without["emails"], json!([{"value": "a@b"}]));
        assert_eq!(without["id"], "usr_1", "id is always returned");
        assert!(attribute_list(Some("emails[type eq \"w\"]")).is_err());
    }
}
