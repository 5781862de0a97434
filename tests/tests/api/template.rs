//! The routes `template.yaml` declares are exactly the routes the routers serve.

use std::collections::BTreeSet;

use serde_yaml::Value;

fn template_routes() -> BTreeSet<(String, String)> {
    function_routes(None)
}

/// The `Api` events of every function, or of the function resource `only`.
fn function_routes(only: Option<&str>) -> BTreeSet<(String, String)> {
    let text = include_str!("../../../template.yaml");
    let doc: Value = serde_yaml::from_str(text).unwrap_or_else(|e| panic!("template.yaml: {e}"));
    let mut routes = BTreeSet::new();
    let resources = doc
        .get("Resources")
        .and_then(Value::as_mapping)
        .cloned()
        .unwrap_or_default();
    for (name, resource) in resources {
        if resource.get("Type").and_then(Value::as_str) != Some("AWS::Serverless::Function") {
            continue;
        }
        if only.is_some_and(|only| name.as_str() != Some(only)) {
            continue;
        }
        let events = resource
            .get("Properties")
            .and_then(|p| p.get("Events"))
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_default();
        for (_, event) in events {
            if event.get("Type").and_then(Value::as_str) != Some("Api") {
                continue;
            }
            let props = event.get("Properties");
            let path = props
                .and_then(|p| p.get("Path"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let method = props
                .and_then(|p| p.get("Method"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            routes.insert((method.to_ascii_uppercase(), path.to_string()));
        }
    }
    routes
}

#[test]
fn template_routes_equal_router_routes() {
    let served: BTreeSet<(String, String)> =
        roster_dev::all_routes().routes().into_iter().collect();
    let declared = template_routes();
    assert!(!declared.is_empty());
    let missing: Vec<_> = served.difference(&declared).collect();
    let extra: Vec<_> = declared.difference(&served).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "served but not in template: {missing:?}; in template but not served: {extra:?}"
    );
}

#[test]
fn the_users_function_serves_exactly_its_template_routes() {
    let served: BTreeSet<(String, String)> = roster_users::routes().routes().into_iter().collect();
    // 17 native routes, 3 of seed 000, 5 of seed 001, 9 of seed 002 (V4 and legacy), 4 of seed 003,
    // and SCIM's `ANY /scim/v2/{proxy+}`.
    assert_eq!(served.len(), 39);
    assert!(served.is_subset(&template_routes()));
}

#[test]
fn every_route_is_declared_on_the_function_that_serves_it() {
    let functions = [
        ("UsersFunction", roster_users::routes()),
        ("PartyFunction", roster_party::routes()),
        ("ActivationFunction", roster_activation::routes()),
    ];
    for (resource, routes) in functions {
        let served: BTreeSet<(String, String)> = routes.routes().into_iter().collect();
        assert_eq!(served, function_routes(Some(resource)), "{resource}");
    }
}
