//! The operations of a PATCH applied, in order, to the user as rendered: paths resolved against
//! the schemas (unknown and read-only attributes refused), value filters selecting the elements
//! of multi-valued attributes.

use serde_json::{Map, Value};

use super::{invalid, Op, Operation};
use crate::scim::error::ScimError;
use crate::scim::filter::{self, AttrPath, CompareOp, Filter, PatchPath};
use crate::scim::schema::{self, Mutability, ENTERPRISE_SCHEMA};

/// Applies `ops` to `resource` (a rendered user) in order.
pub fn apply(resource: &mut Map<String, Value>, ops: &[Operation]) -> Result<(), ScimError> {
    for op in ops {
        match &op.path {
            // The whole enterprise extension.
            Some(path) if path.trim().eq_ignore_ascii_case(ENTERPRISE_SCHEMA) => {
                if op.op == Op::Remove {
                    resource.retain(|k, _| !k.eq_ignore_ascii_case(ENTERPRISE_SCHEMA));
                    continue;
                }
                let Some(Value::Object(ext)) = &op.value else {
                    return Err(invalid(format!("{ENTERPRISE_SCHEMA}: must be an object")));
                };
                apply_extension(resource, op.op, ext)?;
            }
            Some(path) => {
                let named = format!("path {path:?}");
                apply_text(resource, op.op, path, op.value.as_ref(), &named)?;
            }
            None => {
                if op.op == Op::Remove {
                    return Err(ScimError::bad("noTarget", "remove needs a path"));
                }
                let Some(Value::Object(fields)) = &op.value else {
                    return Err(invalid(
                        "value: must be an object when the operation has no path",
                    ));
                };
                for (key, value) in fields {
                    if key.eq_ignore_ascii_case(ENTERPRISE_SCHEMA) {
                        let Value::Object(ext) = value else {
                            return Err(invalid(format!("{key}: must be an object")));
                        };
                        apply_extension(resource, op.op, ext)?;
                        continue;
                    }
                    apply_text(resource, op.op, key, Some(value), key)?;
                }
            }
        }
    }
    Ok(())
}

/// Each member of an enterprise extension object, as the path `<extension URN>:<member>`. Some
/// clients serialise the extension with its own `schemas`: not an attribute.
fn apply_extension(
    resource: &mut Map<String, Value>,
    op: Op,
    ext: &Map<String, Value>,
) -> Result<(), ScimError> {
    for (sub, v) in ext
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("schemas"))
    {
        let path = format!("{ENTERPRISE_SCHEMA}:{sub}");
        apply_text(resource, op, &path, Some(v), &path)?;
    }
    Ok(())
}

/// One operation at the path `text` (`invalidPath` naming it as `named` when it does not parse).
fn apply_text(
    resource: &mut Map<String, Value>,
    op: Op,
    text: &str,
    value: Option<&Value>,
    named: &str,
) -> Result<(), ScimError> {
    let parsed = filter::parse_path(text)
        .map_err(|e| ScimError::bad("invalidPath", format!("{named} {e}")))?;
    apply_at(resource, op, &parsed, value, text)
}

/// The canonical name of a path's attribute and sub-attribute, refusing unknown and read-only
/// ones.
fn resolve(
    path: &PatchPath,
    shown: &str,
) -> Result<(&'static str, Option<&'static str>, bool), ScimError> {
    let sub = path.attr.sub.as_deref().or(path.sub.as_deref());
    let Some((attr, sub_attr)) = schema::lookup(path.attr.uri.as_deref(), &path.attr.name, sub)
    else {
        return Err(ScimError::bad(
            "invalidPath",
            format!("path {shown:?} names no attribute Roster keeps"),
        ));
    };
    let read_only = |m: Mutability| m == Mutability::ReadOnly;
    if read_only(attr.mutability) || sub_attr.is_some_and(|s| read_only(s.mutability)) {
        return Err(ScimError::bad(
            "mutability",
            format!("{shown} is read-only"),
        ));
    }
    if path.filter.is_some() && !attr.multi {
        return Err(ScimError::bad(
            "invalidPath",
            format!("path {shown:?}: {} is not multi-valued", attr.name),
        ));
    }
    Ok((attr.name, sub_attr.map(|s| s.name), attr.multi))
}

fn container<'a>(
    resource: &'a mut Map<String, Value>,
    attr: &AttrPath,
    create: bool,
) -> Option<&'a mut Map<String, Value>> {
    match &attr.uri {
        Some(uri) if uri.eq_ignore_ascii_case(ENTERPRISE_SCHEMA) => {
            if create && !resource.contains_key(ENTERPRISE_SCHEMA) {
                resource.insert(ENTERPRISE_SCHEMA.to_string(), Value::Object(Map::new()));
            }
            resource
                .get_mut(ENTERPRISE_SCHEMA)
                .and_then(Value::as_object_mut)
        }
        _ => Some(resource),
    }
}

/// Merges `value`'s members into `target` when both are objects; else replaces `target`.
fn merge(target: &mut Value, value: &Value) {
    match (target.as_object_mut(), value) {
        (Some(t), Value::Object(v)) => {
            for (k, x) in v {
                t.insert(k.clone(), x.clone());
            }
        }
        _ => *target = value.clone(),
    }
}

/// The element a filter of `attr eq "v" [and …]` describes, for an add or replace that finds no
/// element to change (Entra adds `emails[type eq "work"].value` this way).
fn element_from(filter: &Filter) -> Option<Map<String, Value>> {
    match filter {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.sub.is_none() && path.uri.is_none() => {
            Some(Map::from_iter([(path.name.clone(), value.clone())]))
        }
        Filter::And(a, b) => {
            let mut left = element_from(a)?;
            left.extend(element_from(b)?);
            Some(left)
        }
        _ => None,
    }
}

fn apply_at(
    resource: &mut Map<String, Value>,
    op: Op,
    path: &PatchPath,
    value: Option<&Value>,
    shown: &str,
) -> Result<(), ScimError> {
    let (name, sub, multi) = resolve(path, shown)?;
    let Some(scope) = container(resource, &path.attr, op != Op::Remove) else {
        // Removing from an extension the user does not have: nothing to remove.
        return Ok(());
    };
    // A sub-attribute of a single complex attribute (`name.givenName`).
    if path.filter.is_none() {
        if let (Some(sub), false) = (sub, multi) {
            match op {
                Op::Remove => {
                    if let Some(Value::Object(o)) = scope.get_mut(name) {
                        o.remove(sub);
                    }
                }
                Op::Add | Op::Replace => {
                    let target = scope
                        .entry(name)
                        .or_insert_with(|| Value::Object(Map::new()));
                    if !target.is_object() {
                        *target = Value::Object(Map::new());
                    }
                    if let (Some(o), Some(v)) = (target.as_object_mut(), value) {
                        o.insert(sub.to_string(), v.clone());
                    }
                }
            }
            return Ok(());
        }
    }
    if !multi {
        match op {
            Op::Remove => {
                scope.remove(name);
            }
            Op::Add | Op::Replace => {
                let v = value.cloned().unwrap_or(Value::Null);
                match scope.get_mut(name) {
                    Some(existing) if existing.is_object() && v.is_object() => merge(existing, &v),
                    _ => {
                        scope.insert(name.to_string(), v);
                    }
                }
            }
        }
        return Ok(());
    }
    // Multi-valued.
    let list = scope
        .entry(name)
        .or_insert_with(|| Value::Array(Vec::new()));
    if !list.is_array() {
        *list = Value::Array(vec![list.clone()]);
    }
    let Some(items) = list.as_array_mut() else {
        return Ok(());
    };
    let given: Vec<Value> = match value {
        Some(Value::Array(v)) => v.clone(),
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other.clone()],
    };
    match (&path.filter, sub) {
        (None, sub) => match op {
            Op::Add => {
                for v in given {
                    if let Some(sub) = sub {
                        // `emails.value` with add: to every element.
                        for item in items.iter_mut() {
                            if let Some(o) = item.as_object_mut() {
                                o.insert(sub.to_string(), v.clone());
                            }
                        }
                    } else if !items.contains(&v) {
                        items.push(v);
                    }
                }
            }
            Op::Replace => {
                if let Some(sub) = sub {
                    if let Some(v) = given.first() {
                        for item in items.iter_mut() {
                            if let Some(o) = item.as_object_mut() {
                                o.insert(sub.to_string(), v.clone());
                            }
                        }
                    }
                } else {
                    *items = given;
                }
            }
            Op::Remove => {
                if let Some(sub) = sub {
                    for item in items.iter_mut() {
                        if let Some(o) = item.as_object_mut() {
                            o.remove(sub);
                        }
                    }
                } else if given.is_empty() {
                    items.clear();
                } else {
                    // Remove the elements named in the value (by their `value`).
                    let named: Vec<Option<&Value>> =
                        given.iter().map(|g| g.get("value").or(Some(g))).collect();
                    items.retain(|item| !named.contains(&item.get("value").or(Some(item))));
                }
            }
        },
        (Some(f), sub) => {
            let mut matched = false;
            let mut index = 0;
            while index < items.len() {
                if !filter::matches(f, &items[index]) {
                    index += 1;
                    continue;
                }
                matched = true;
                match (op, sub) {
                    (Op::Remove, None) => {
                        items.remove(index);
                        continue;
                    }
                    (Op::Remove, Some(sub)) => {
                        if let Some(o) = items[index].as_object_mut() {
                            o.remove(sub);
                        }
                    }
                    (_, Some(sub)) => {
                        if let (Some(o), Some(v)) = (items[index].as_object_mut(), value) {
                            o.insert(sub.to_string(), v.clone());
                        }
                    }
                    (_, None) => {
                        if let Some(v) = value {
                            merge(&mut items[index], v);
                        }
                    }
                }
                index += 1;
            }
            if !matched && op != Op::Remove {
                let Some(mut element) = element_from(f) else {
                    return Err(ScimError::bad(
                        "noTarget",
                        format!("path {shown:?} matches no value"),
                    ));
                };
                match (sub, value) {
                    (Some(sub), Some(v)) => {
                        element.insert(sub.to_string(), v.clone());
                    }
                    (None, Some(Value::Object(v))) => element.extend(v.clone()),
                    _ => {}
                }
                items.push(Value::Object(element));
            }
        }
    }
    if items.is_empty() {
        scope.remove(name);
    }
    Ok(())
}
