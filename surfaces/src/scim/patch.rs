//! SCIM PATCH (RFC 7644 §3.5.2): `add`, `remove`, `replace` (any case: Entra sends `Replace`),
//! with a path (`name.givenName`, `emails[type eq "work"].value`, schema-qualified paths) or
//! without one (the value's keys are paths, dotted keys such as `name.givenName` included).
//! Applied to the user as rendered; the result is then checked and mapped like a PUT body, so a
//! PATCH can do exactly what a PUT can and nothing else.

use serde_json::{Map, Value};

use super::error::ScimError;
use super::filter::{self, AttrPath, CompareOp, Filter, PatchPath};
use super::schema::{self, Mutability, ENTERPRISE_SCHEMA, PATCH_OP};

/// Most operations one PATCH may carry.
pub const MAX_OPERATIONS: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Remove,
    Replace,
}

/// One operation as read from the request.
#[derive(Clone, Debug, PartialEq)]
pub struct Operation {
    pub op: Op,
    pub path: Option<String>,
    pub value: Option<Value>,
}

fn invalid(detail: impl Into<String>) -> ScimError {
    ScimError::bad("invalidValue", detail)
}

/// Reads a `PatchOp` request body.
pub fn operations(body: &Value) -> Result<Vec<Operation>, ScimError> {
    let Value::Object(fields) = body else {
        return Err(ScimError::bad(
            "invalidSyntax",
            "The body must be a PatchOp object.",
        ));
    };
    let member = |name: &str| filter::member(body, name);
    if let Some(schemas) = member("schemas") {
        let ok = schemas
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x.as_str() == Some(PATCH_OP)));
        if !ok {
            return Err(ScimError::bad(
                "invalidSyntax",
                format!("schemas: must be [\"{PATCH_OP}\"]"),
            ));
        }
    }
    if let Some(unknown) = fields
        .keys()
        .find(|k| !k.eq_ignore_ascii_case("schemas") && !k.eq_ignore_ascii_case("Operations"))
    {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!("{unknown}: is not a member of a PatchOp"),
        ));
    }
    let Some(Value::Array(list)) = member("Operations") else {
        return Err(ScimError::bad(
            "invalidSyntax",
            "Operations: must be a list of operations",
        ));
    };
    if list.is_empty() || list.len() > MAX_OPERATIONS {
        return Err(ScimError::bad(
            "invalidSyntax",
            format!("Operations: must hold 1 to {MAX_OPERATIONS} operations"),
        ));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let at = format!("Operations[{i}]");
        let Value::Object(op_fields) = item else {
            return Err(ScimError::bad(
                "invalidSyntax",
                format!("{at}: must be an object"),
            ));
        };
        let mut op = None;
        let mut path = None;
        let mut value = None;
        for (k, v) in op_fields {
            match k.to_ascii_lowercase().as_str() {
                "op" => {
                    op = Some(match v.as_str().map(str::to_ascii_lowercase).as_deref() {
                        Some("add") => Op::Add,
                        Some("remove") => Op::Remove,
                        Some("replace") => Op::Replace,
                        _ => {
                            return Err(ScimError::bad(
                                "invalidSyntax",
                                format!("{at}.op: must be add, remove or replace"),
                            ))
                        }
                    })
                }
                "path" => match v {
                    Value::String(p) if !p.trim().is_empty() => path = Some(p.clone()),
                    Value::Null => {}
                    Value::String(_) => {}
                    _ => {
                        return Err(ScimError::bad(
                            "invalidPath",
                            format!("{at}.path: must be a string"),
                        ))
                    }
                },
                "value" => value = Some(v.clone()),
                _ => {
                    return Err(ScimError::bad(
                        "invalidSyntax",
                        format!("{at}.{k}: is not a member of an operation"),
                    ))
                }
            }
        }
        let Some(op) = op else {
            return Err(ScimError::bad(
                "invalidSyntax",
                format!("{at}.op: is required"),
            ));
        };
        if op != Op::Remove && value.is_none() {
            return Err(invalid(
                format!("{at}.value: is required for {op:?}").to_lowercase(),
            ));
        }
        out.push(Operation { op, path, value });
    }
    Ok(out)
}

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
                // Some clients serialise the extension with its own `schemas`: not an attribute.
                for (sub, v) in ext
                    .iter()
                    .filter(|(k, _)| !k.eq_ignore_ascii_case("schemas"))
                {
                    let path = format!("{ENTERPRISE_SCHEMA}:{sub}");
                    let parsed = filter::parse_path(&path)
                        .map_err(|e| ScimError::bad("invalidPath", format!("{path} {e}")))?;
                    apply_at(resource, op.op, &parsed, Some(v), &path)?;
                }
            }
            Some(path) => {
                let parsed = filter::parse_path(path)
                    .map_err(|e| ScimError::bad("invalidPath", format!("path {path:?} {e}")))?;
                apply_at(resource, op.op, &parsed, op.value.as_ref(), path)?;
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
                        for (sub, v) in ext
                            .iter()
                            .filter(|(k, _)| !k.eq_ignore_ascii_case("schemas"))
                        {
                            let path = format!("{ENTERPRISE_SCHEMA}:{sub}");
                            let parsed = filter::parse_path(&path).map_err(|e| {
                                ScimError::bad("invalidPath", format!("{path} {e}"))
                            })?;
                            apply_at(resource, op.op, &parsed, Some(v), &path)?;
                        }
                        continue;
                    }
                    let parsed = filter::parse_path(key)
                        .map_err(|e| ScimError::bad("invalidPath", format!("{key} {e}")))?;
                    apply_at(resource, op.op, &parsed, Some(value), key)?;
                }
            }
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let remove = operations(&ops(json!([{"op": "remove", "path": ENTERPRISE_SCHEMA}])))
            .unwrap_or_default();
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
}
