//! A filter evaluated over a SCIM resource as rendered (JSON), RFC 7644 §3.4.2.2 semantics:
//! attribute names case-insensitive, values compared as their attribute's `caseExact` says,
//! date-times as instants, multi-valued attributes matching when any element does.

use serde_json::Value;

use super::{AttrPath, CompareOp, Filter, USER_SCHEMA};

/// Attributes compared case-sensitively (RFC 7643 `caseExact: true`); all others ignore case.
fn case_exact(path: &AttrPath) -> bool {
    path.is("id", None)
        || path.is("externalId", None)
        || path.is("meta", Some("version"))
        || path.is("meta", Some("location"))
}

/// Date-time attributes, compared as instants.
fn is_date_time(path: &AttrPath) -> bool {
    path.is("meta", Some("created")) || path.is("meta", Some("lastModified"))
}

/// The object member named `name`, case-insensitively.
pub fn member<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// The object holding the attributes of `path`'s schema: the resource itself for the core
/// schema (or a relative path), the extension object for an extension URN.
fn scope<'a>(resource: &'a Value, path: &AttrPath) -> Option<&'a Value> {
    match &path.uri {
        Some(uri) if !uri.eq_ignore_ascii_case(USER_SCHEMA) => member(resource, uri),
        _ => Some(resource),
    }
}

/// Every value `path` reaches, arrays flattened (a multi-valued attribute without a
/// sub-attribute yields its elements; for complex elements their `value`).
fn values<'a>(resource: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let Some(top) = scope(resource, path).and_then(|s| member(s, &path.name)) else {
        return Vec::new();
    };
    let elements: Vec<&Value> = match top {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    elements
        .into_iter()
        .filter_map(|e| match &path.sub {
            Some(sub) => member(e, sub),
            None if e.is_object() && top.is_array() => member(e, "value"),
            None => Some(e),
        })
        .flat_map(|v| match v {
            Value::Array(items) => items.iter().collect::<Vec<_>>(),
            other => vec![other],
        })
        .collect()
}

fn present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn instant(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

fn compare(actual: &Value, op: CompareOp, expected: &Value, exact: bool, date: bool) -> bool {
    use std::cmp::Ordering;
    let ordering: Option<Ordering> = match (actual, expected) {
        (Value::String(a), Value::String(b)) => {
            if date {
                if let (Some(a), Some(b)) = (instant(a), instant(b)) {
                    return ordered(op, a.cmp(&b));
                }
            }
            let (a, b) = if exact {
                (a.clone(), b.clone())
            } else {
                (a.to_lowercase(), b.to_lowercase())
            };
            match op {
                CompareOp::Co => return a.contains(&b),
                CompareOp::Sw => return a.starts_with(&b),
                CompareOp::Ew => return a.ends_with(&b),
                _ => Some(a.cmp(&b)),
            }
        }
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .zip(b.as_f64())
            .and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::Bool(a), Value::Bool(b)) => match op {
            CompareOp::Eq => return a == b,
            CompareOp::Ne => return a != b,
            _ => return false,
        },
        (_, Value::Null) => match op {
            CompareOp::Eq => return !present(actual),
            CompareOp::Ne => return present(actual),
            _ => return false,
        },
        _ => None,
    };
    match ordering {
        Some(o) => ordered(op, o),
        // Different types: only `ne` holds.
        None => op == CompareOp::Ne,
    }
}

fn ordered(op: CompareOp, o: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        CompareOp::Eq => o == Equal,
        CompareOp::Ne => o != Equal,
        CompareOp::Gt => o == Greater,
        CompareOp::Ge => o != Less,
        CompareOp::Lt => o == Less,
        CompareOp::Le => o != Greater,
        // Substring operators on non-strings match nothing.
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

/// True when `resource` (a rendered SCIM resource, or an element of a multi-valued attribute for
/// the filter inside a value path) matches `filter`.
pub fn matches(filter: &Filter, resource: &Value) -> bool {
    match filter {
        Filter::Present(path) => values(resource, path).into_iter().any(present),
        Filter::Compare { path, op, value } => {
            let found = values(resource, path);
            let (exact, date) = (case_exact(path), is_date_time(path));
            if found.is_empty() {
                // An absent attribute equals null and differs from every value.
                return match op {
                    CompareOp::Eq => value.is_null(),
                    CompareOp::Ne => !value.is_null(),
                    _ => false,
                };
            }
            if *op == CompareOp::Ne {
                // `ne` on a multi-valued attribute: no element equals the value.
                return !found
                    .iter()
                    .any(|v| compare(v, CompareOp::Eq, value, exact, date));
            }
            found.iter().any(|v| compare(v, *op, value, exact, date))
        }
        Filter::And(a, b) => matches(a, resource) && matches(b, resource),
        Filter::Or(a, b) => matches(a, resource) || matches(b, resource),
        Filter::Not(f) => !matches(f, resource),
        Filter::ValuePath { path, filter, then } => {
            let Some(top) = scope(resource, path).and_then(|s| member(s, &path.name)) else {
                return false;
            };
            let elements: Vec<&Value> = match top {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            elements
                .into_iter()
                .any(|e| matches(filter, e) && then.as_ref().is_none_or(|t| matches(t, e)))
        }
    }
}

/// The attribute paths a filter names (to refuse unknown attributes with `invalidFilter`).
pub fn paths(filter: &Filter) -> Vec<AttrPath> {
    let mut out = Vec::new();
    fn walk(f: &Filter, out: &mut Vec<AttrPath>, prefix: Option<&AttrPath>) {
        let qualified = |p: &AttrPath| match prefix {
            Some(parent) => AttrPath {
                uri: parent.uri.clone(),
                name: parent.name.clone(),
                sub: Some(p.name.clone()),
            },
            None => p.clone(),
        };
        match f {
            Filter::Present(p) | Filter::Compare { path: p, .. } => out.push(qualified(p)),
            Filter::And(a, b) | Filter::Or(a, b) => {
                walk(a, out, prefix);
                walk(b, out, prefix);
            }
            Filter::Not(inner) => walk(inner, out, prefix),
            Filter::ValuePath { path, filter, then } => {
                walk(filter, out, Some(path));
                if let Some(t) = then {
                    walk(t, out, Some(path));
                }
            }
        }
    }
    walk(filter, &mut out, None);
    out
}
