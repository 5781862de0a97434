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
    // 18 native routes (with GET /v1/audit), 3 of seed 000, 5 of seed 001, 9 of seed 002 (V4
    // and legacy), 4 of seed 003, and SCIM's `ANY /scim/v2/{proxy+}`.
    assert_eq!(served.len(), 40);
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

fn template() -> Value {
    serde_yaml::from_str(include_str!("../../../template.yaml"))
        .unwrap_or_else(|e| panic!("template.yaml: {e}"))
}

#[test]
fn the_cache_ttl_parameter_respects_the_revocation_bound() {
    let doc = template();
    let ttl = &doc["Parameters"]["AuthCacheTtlSeconds"];
    let bound = roster_shared::auth::MAX_CACHE_TTL.as_secs();
    assert_eq!(ttl["MaxValue"].as_u64(), Some(bound));
    assert_eq!(ttl["MinValue"].as_u64(), Some(0));
    assert_eq!(
        ttl["Default"].as_u64(),
        Some(roster_shared::auth::DEFAULT_CACHE_TTL.as_secs())
    );
}

#[test]
fn the_stage_throttle_is_its_own_parameter_well_above_the_per_organization_one() {
    let doc = template();
    let api = &doc["Resources"]["Api"]["Properties"];
    let plan = &api["Auth"]["UsagePlan"]["Throttle"];
    let stage = &api["MethodSettings"][0];
    // serde_yaml reads `!Ref X` as a tagged value; its debug form names the parameter.
    let name = |v: &Value| format!("{v:?}");
    for (per_org, per_method) in [
        (&plan["RateLimit"], &stage["ThrottlingRateLimit"]),
        (&plan["BurstLimit"], &stage["ThrottlingBurstLimit"]),
    ] {
        assert_ne!(
            name(per_org),
            name(per_method),
            "one parameter for both throttles"
        );
    }
    let default = |p: &str| doc["Parameters"][p]["Default"].as_u64().unwrap_or_default();
    assert!(default("MethodThrottleRateLimit") >= 5 * default("OrgThrottleRateLimit"));
    assert!(default("MethodThrottleBurstLimit") >= 5 * default("OrgThrottleBurstLimit"));
    assert!(name(&plan["RateLimit"]).contains("OrgThrottleRateLimit"));
    assert!(name(&stage["ThrottlingRateLimit"]).contains("MethodThrottleRateLimit"));
}

#[test]
fn every_function_states_its_timeout_and_api_functions_end_before_api_gateway_does() {
    let doc = template();
    let resources = doc["Resources"].as_mapping().cloned().unwrap_or_default();
    let mut seen = 0;
    for (name, resource) in resources {
        if resource["Type"].as_str() != Some("AWS::Serverless::Function") {
            continue;
        }
        seen += 1;
        let timeout = resource["Properties"]["Timeout"].as_u64();
        assert!(timeout.is_some(), "{name:?} has no Timeout of its own");
        let scheduled = resource["Properties"]["Events"]
            .as_mapping()
            .is_some_and(|e| e.values().any(|v| v["Type"].as_str() == Some("Schedule")));
        if !scheduled {
            assert!(
                timeout < Some(29),
                "{name:?}: API Gateway gives up after 29 s"
            );
        }
    }
    assert_eq!(seen, 4);
}

#[test]
fn no_alarm_watches_the_authorizers_lambda_errors_which_count_every_401() {
    let doc = template();
    let resources = doc["Resources"].as_mapping().cloned().unwrap_or_default();
    for (name, resource) in &resources {
        if resource["Type"].as_str() != Some("AWS::CloudWatch::Alarm") {
            continue;
        }
        let props = &resource["Properties"];
        let on_authorizer = format!("{:?}", props["Dimensions"]).contains("AuthorizerFunction");
        assert!(
            !(on_authorizer && props["MetricName"].as_str() == Some("Errors")),
            "{name:?} alarms on every bad key"
        );
    }
    let filter = &doc["Resources"]["AuthorizerFailuresMetricFilter"]["Properties"];
    assert!(filter["FilterPattern"]
        .as_str()
        .is_some_and(|p| p.contains("decision") && p.contains("error")));
    let alarm = &doc["Resources"]["AuthorizerFailuresAlarm"]["Properties"];
    assert_eq!(alarm["MetricName"].as_str(), Some("AuthorizerFailures"));
}

/// The table's attribute definitions and indexes as `template.yaml` declares them with
/// `AuditIndexes = n`: each `!If [HasGsiK, …, !Ref AWS::NoValue]` resolved as CloudFormation
/// would. Indexes as `(name, [(attribute, key type)], projection)`.
type Indexes = BTreeSet<(String, Vec<(String, String)>, String)>;

fn declared_table(n: u32) -> (BTreeSet<String>, Indexes) {
    let doc = template();
    let holds = |condition: &str| match condition {
        "HasGsi4" => n >= 1,
        "HasGsi5" => n >= 2,
        "HasGsi6" => n >= 3,
        other => panic!("the table uses an unexpected condition {other}"),
    };
    // Every condition the table uses is one of the three, defined on AuditIndexes.
    for name in ["HasGsi4", "HasGsi5", "HasGsi6"] {
        let text = serde_yaml::to_string(&doc["Conditions"][name]).unwrap_or_default();
        assert!(text.contains("AuditIndexes"), "{name}: {text}");
    }
    let resolve = |item: &Value| -> Option<Value> {
        match item {
            Value::Tagged(tagged) if tagged.tag == "!If" => {
                let args = tagged.value.as_sequence().cloned().unwrap_or_default();
                let condition = args.first().and_then(Value::as_str).unwrap_or_default();
                let chosen = if holds(condition) {
                    args.get(1)
                } else {
                    args.get(2)
                };
                match chosen {
                    Some(Value::Tagged(t)) if t.tag == "!Ref" => {
                        assert_eq!(t.value.as_str(), Some("AWS::NoValue"));
                        None
                    }
                    other => other.cloned(),
                }
            }
            other => Some(other.clone()),
        }
    };
    let table = &doc["Resources"]["Table"]["Properties"];
    let attributes = table["AttributeDefinitions"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(resolve)
        .map(|a| {
            assert_eq!(a["AttributeType"].as_str(), Some("S"), "{a:?}");
            a["AttributeName"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    let indexes = table["GlobalSecondaryIndexes"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(resolve)
        .map(|i| {
            let keys = i["KeySchema"]
                .as_sequence()
                .into_iter()
                .flatten()
                .map(|k| {
                    (
                        k["AttributeName"].as_str().unwrap_or_default().to_string(),
                        k["KeyType"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            (
                i["IndexName"].as_str().unwrap_or_default().to_string(),
                keys,
                i["Projection"]["ProjectionType"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    (attributes, indexes)
}

/// `roster-admin create-table` (and every test's DynamoDB Local table) has exactly the
/// template's shape with the default `AuditIndexes` (3); with 0–2, the template declares GSI1–3
/// and the first audit indexes only, and defines exactly the attributes its keys use (as
/// CloudFormation requires).
#[tokio::test]
async fn the_template_table_has_the_shape_of_the_local_table_and_audit_indexes_come_one_at_a_time()
{
    let doc = template();
    assert_eq!(
        doc["Parameters"]["AuditIndexes"]["Default"].as_str(),
        Some("3")
    );
    let app = roster_tests::TestApp::spawn().await;
    let described = app
        .store
        .client()
        .describe_table()
        .table_name(roster_tests::TABLE)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let table = described
        .table()
        .cloned()
        .unwrap_or_else(|| panic!("no table"));
    let local_attributes: BTreeSet<String> = table
        .attribute_definitions()
        .iter()
        .map(|a| a.attribute_name().to_string())
        .collect();
    let local_indexes: Indexes = table
        .global_secondary_indexes()
        .iter()
        .map(|i| {
            (
                i.index_name().unwrap_or_default().to_string(),
                i.key_schema()
                    .iter()
                    .map(|k| {
                        (
                            k.attribute_name().to_string(),
                            k.key_type().as_str().to_string(),
                        )
                    })
                    .collect(),
                i.projection()
                    .and_then(|p| p.projection_type())
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    let (attributes, indexes) = declared_table(3);
    assert_eq!(attributes, local_attributes);
    assert_eq!(indexes, local_indexes);
    for n in 0..3 {
        let (attributes, indexes) = declared_table(n);
        let names: Vec<String> = indexes.iter().map(|i| i.0.clone()).collect();
        let expected: Vec<String> = (1..=3 + n).map(|k| format!("GSI{k}")).collect();
        assert_eq!(names, expected, "AuditIndexes={n}");
        let used: BTreeSet<String> = indexes
            .iter()
            .flat_map(|i| i.1.iter().map(|k| k.0.clone()))
            .chain(["PK".to_string(), "SK".to_string()])
            .collect();
        assert_eq!(attributes, used, "AuditIndexes={n}");
    }
}

/// While a stack is upgraded one audit index per deploy, a listing that needs an index the
/// table does not have yet is a 503 (retry later), not an internal error; the others work.
#[tokio::test]
async fn a_query_of_an_index_not_there_yet_is_unavailable_not_internal() {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    };
    let app = roster_tests::TestApp::spawn().await;
    let name = format!(
        "roster-no-gsi-{}",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    let client = app.store.client().clone();
    let mut create = client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest);
    for (attr, kind) in [("PK", KeyType::Hash), ("SK", KeyType::Range)] {
        create = create
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name(attr)
                    .key_type(kind)
                    .build()
                    .unwrap_or_else(|e| panic!("{e}")),
            )
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(attr)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap_or_else(|e| panic!("{e}")),
            );
    }
    create.send().await.unwrap_or_else(|e| panic!("{e:?}"));
    let store = roster_shared::store::Store::new(client.clone(), name.clone());
    let filter = roster_shared::store::AuditFilter {
        actor: Some("operator".into()),
        ..Default::default()
    };
    let page = roster_shared::store::PageRequest {
        limit: 10,
        skip: 0,
        start: None,
    };
    let result = store.list_audit(&app.org, &filter, &page).await;
    assert!(
        matches!(result, Err(roster_shared::Error::Unavailable(_))),
        "{result:?}"
    );
    // The base table's trail works.
    let all = store
        .list_audit(&app.org, &Default::default(), &page)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(all.items.is_empty());
    let _ = client.delete_table().table_name(&name).send().await;
}
