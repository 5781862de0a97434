//! `openapi.yaml` documents exactly the `/v1` routes the routers serve, and is sound enough to
//! fuzz with: every operation has an id, every `$ref` resolves, every link names an operation.

use std::collections::BTreeSet;

use serde_yaml::Value;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn openapi() -> Value {
    let text = include_str!("../../../openapi.yaml");
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("openapi.yaml: {e}"))
}

/// Every `(METHOD, path)` the document describes, with its operation.
fn operations(doc: &Value) -> Vec<((String, String), Value)> {
    let paths = doc
        .get("paths")
        .and_then(Value::as_mapping)
        .cloned()
        .unwrap_or_default();
    let mut out = Vec::new();
    for (path, item) in paths {
        let path = path.as_str().unwrap_or_default().to_string();
        let Some(item) = item.as_mapping() else {
            continue;
        };
        for (method, operation) in item {
            let method = method.as_str().unwrap_or_default();
            if METHODS.contains(&method) {
                out.push((
                    (method.to_ascii_uppercase(), path.clone()),
                    operation.clone(),
                ));
            }
        }
    }
    out
}

fn v1(routes: impl IntoIterator<Item = (String, String)>) -> BTreeSet<(String, String)> {
    routes
        .into_iter()
        .filter(|(_, path)| path.starts_with("/v1/"))
        .collect()
}

#[test]
fn openapi_paths_and_methods_equal_the_served_v1_routes() {
    let doc = openapi();
    let documented = v1(operations(&doc).into_iter().map(|(route, _)| route));
    let served = v1(roster_dev::all_routes().routes());
    assert!(!served.is_empty());
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let not_served: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && not_served.is_empty(),
        "served but not in openapi.yaml: {undocumented:?}; in openapi.yaml but not served: {not_served:?}"
    );
}

#[test]
fn openapi_describes_only_the_native_api() {
    let doc = openapi();
    assert_eq!(doc["openapi"].as_str(), Some("3.1.0"));
    let foreign: Vec<_> = operations(&doc)
        .into_iter()
        .map(|(route, _)| route)
        .filter(|(_, path)| !path.starts_with("/v1/"))
        .collect();
    assert!(foreign.is_empty(), "not under /v1: {foreign:?}");
}

/// Every `$ref` in `value`, recursively.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (key, inner) in map {
                if key.as_str() == Some("$ref") {
                    if let Some(target) = inner.as_str() {
                        out.push(target.to_string());
                    }
                } else {
                    refs(inner, out);
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

fn resolve<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    let path = pointer.strip_prefix("#/")?;
    path.split('/')
        .try_fold(doc, |node, segment| node.get(segment.replace("~1", "/")))
}

#[test]
fn every_ref_resolves_and_every_link_names_an_operation() {
    let doc = openapi();
    let mut found = Vec::new();
    refs(&doc, &mut found);
    let broken: Vec<_> = found
        .iter()
        .filter(|r| resolve(&doc, r).is_none())
        .collect();
    assert!(broken.is_empty(), "unresolved $ref: {broken:?}");

    let ops = operations(&doc);
    let ids: Vec<String> = ops
        .iter()
        .filter_map(|(_, op)| op.get("operationId").and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    assert_eq!(ids.len(), ops.len(), "every operation has an operationId");
    let unique: BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "operationIds are unique");

    let mut linked = Vec::new();
    link_targets(&doc, &mut linked);
    assert!(linked.len() > 10, "the stateful flow needs links");
    let dangling: Vec<_> = linked.iter().filter(|id| !ids.contains(id)).collect();
    assert!(
        dangling.is_empty(),
        "links to unknown operations: {dangling:?}"
    );
}

/// The `operationId` of every link object in the document.
fn link_targets(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Mapping(map) => {
            for (key, inner) in map {
                if key.as_str() == Some("links") {
                    for (_, link) in inner.as_mapping().into_iter().flatten() {
                        if let Some(id) = link.get("operationId").and_then(Value::as_str) {
                            out.push(id.to_string());
                        }
                    }
                } else {
                    link_targets(inner, out);
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|v| link_targets(v, out)),
        _ => {}
    }
}

#[test]
fn the_create_get_patch_delete_get_flow_is_linked() {
    let doc = openapi();
    let links = |path: &str, method: &str, status: &str| -> BTreeSet<String> {
        let response = &doc["paths"][path][method]["responses"][status];
        let response = match response.get("$ref").and_then(Value::as_str) {
            Some(r) => resolve(&doc, r).cloned().unwrap_or_default(),
            None => response.clone(),
        };
        response
            .get("links")
            .and_then(Value::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(_, l)| l.get("operationId").and_then(Value::as_str))
            .map(str::to_string)
            .collect()
    };
    assert!(links("/v1/users", "post", "201").contains("getUser"));
    assert!(links("/v1/users/{id}", "get", "200").contains("patchUser"));
    assert!(links("/v1/users/{id}", "patch", "200").contains("deleteUser"));
    assert!(links("/v1/users/{id}", "delete", "204").contains("getUser"));
}
