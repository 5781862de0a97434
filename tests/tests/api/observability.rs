//! Logs and metrics as the functions write them (the functions' own subscriber, captured):
//! every line one flat JSON object with Powertools' keys and Roster's, no secret in any line,
//! and a valid CloudWatch EMF document per request.

use reqwest::{Method, StatusCode};
use roster_shared::http::lambda;
use roster_tests::faults::{Fault, FaultPlan};
use roster_tests::{captured_logs, TestApp};
use serde_json::{json, Value};

const POWERTOOLS_KEYS: &[&str] = &[
    "level",
    "message",
    "timestamp",
    "service",
    "cold_start",
    "function_name",
    "function_request_id",
    "xray_trace_id",
];
const REQUEST_KEYS: &[&str] = &[
    "request_id",
    "organization",
    "route",
    "status",
    "latency_ms",
    "error_code",
];

fn lines() -> Vec<Value> {
    captured_logs()
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
        })
        .collect()
}

/// The request line of the request whose `x-request-id` was `id`.
fn request_line(id: &str) -> Value {
    lines()
        .into_iter()
        .find(|l| l["message"] == "request" && l["request_id"] == id && l.get("_aws").is_none())
        .unwrap_or_else(|| panic!("no request line for {id}"))
}

/// The EMF document of the request `id`.
fn emf_document(id: &str) -> Value {
    lines()
        .into_iter()
        .find(|l| l.get("_aws").is_some() && l["request_id"] == id)
        .unwrap_or_else(|| panic!("no EMF document for {id}"))
}

/// Checks `doc` against the EMF specification: `_aws` with an integer `Timestamp` (ms) and
/// `CloudWatchMetrics` directives, each with a `Namespace`, `Dimensions` (arrays of ≤ 30 member
/// names whose values are strings) and `Metrics` (`Name`, optional `Unit` of CloudWatch's units),
/// every declared metric present in the document as a number.
fn assert_valid_emf(doc: &Value) {
    const UNITS: &[&str] = &[
        "Count",
        "Milliseconds",
        "Seconds",
        "Bytes",
        "None",
        "Percent",
    ];
    let aws = doc["_aws"].as_object().expect("_aws is an object");
    let timestamp = aws["Timestamp"].as_i64().expect("Timestamp is an integer");
    assert!(
        timestamp > 1_700_000_000_000,
        "Timestamp in milliseconds: {timestamp}"
    );
    let directives = aws["CloudWatchMetrics"]
        .as_array()
        .expect("CloudWatchMetrics is an array");
    assert!(!directives.is_empty());
    for directive in directives {
        let namespace = directive["Namespace"].as_str().expect("Namespace");
        assert!(!namespace.is_empty() && namespace.len() <= 255);
        for set in directive["Dimensions"].as_array().expect("Dimensions") {
            let set = set.as_array().expect("a dimension set is an array");
            assert!(!set.is_empty() && set.len() <= 30);
            for name in set {
                let name = name.as_str().expect("a dimension is a member name");
                assert!(
                    doc[name].is_string(),
                    "dimension {name} has a string value: {doc}"
                );
                assert_ne!(
                    name, "organization",
                    "the organization is never a dimension"
                );
            }
        }
        let metrics = directive["Metrics"].as_array().expect("Metrics");
        assert!(!metrics.is_empty() && metrics.len() <= 100);
        for metric in metrics {
            let name = metric["Name"].as_str().expect("metric Name");
            if let Some(unit) = metric.get("Unit") {
                assert!(UNITS.contains(&unit.as_str().unwrap_or("")), "unit {unit}");
            }
            assert!(doc[name].is_number(), "metric {name} is a number in {doc}");
        }
    }
}

#[tokio::test]
async fn every_line_is_flat_json_with_the_powertools_and_roster_keys_and_no_secret() {
    let app = TestApp::spawn().await;
    let password = "Sup3r-secret-passw0rd!";
    let (status, user) = app
        .call(
            Method::POST,
            "/v1/users",
            Some(json!({"username": "logged", "name": "L", "password": password})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().unwrap_or_default().to_string();
    let (status, issued) = app
        .call(Method::POST, &format!("/v1/users/{id}/api-keys"), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let key = issued["key"].as_str().unwrap_or_default().to_string();
    assert!(key.starts_with("rst_"), "{issued}");
    // A call with the new key, and one that fails with a problem code.
    let (status, _, ok_headers) = app.send(app.req_as(&key, Method::GET, "/v1/me")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, failed_headers) = app
        .send(app.req(Method::GET, "/v1/users/usr_01JDSAMPXE0000000000000000"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let ok_id = ok_headers["x-request-id"].to_str().unwrap_or_default();
    let line = request_line(ok_id);
    for key in POWERTOOLS_KEYS.iter().chain(REQUEST_KEYS) {
        assert!(line.get(*key).is_some(), "key {key} missing: {line}");
    }
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["service"], "roster");
    assert_eq!(line["organization"], app.org.as_str());
    assert_eq!(line["route"], "GET /v1/me");
    assert_eq!(line["status"], 200);
    assert!(line["latency_ms"].as_f64().is_some_and(|l| l >= 0.0));
    assert!(line["error_code"].is_null());
    assert!(line["cold_start"].is_boolean());
    // Flat: no nested objects (CloudWatch Logs Insights reads the keys directly).
    assert!(line
        .as_object()
        .is_some_and(|o| o.values().all(|v| !v.is_object())));

    let failed = request_line(failed_headers["x-request-id"].to_str().unwrap_or_default());
    assert_eq!(failed["status"], 404);
    assert_eq!(failed["error_code"], "NOT_FOUND");
    assert_eq!(failed["route"], "GET /v1/users/{id}");

    // No secret in any line, of any test of this process.
    let all = captured_logs();
    for secret in [password, key.as_str(), app.manager_key.as_str(), "$argon2"] {
        assert!(!all.contains(secret), "a secret reached the logs");
    }
    assert!(!all.contains("\"fields\""), "fields are flat, not nested");
}

#[tokio::test]
async fn each_request_writes_a_valid_emf_document() {
    let app = TestApp::spawn().await;
    // The key's first call costs its lookup; the next is warm.
    app.call(Method::GET, "/v1/me", None).await;
    let (status, _, headers) = app
        .send(app.req(Method::GET, "/v1/users/usr_01JDSAMPXE0000000000000000"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let doc = emf_document(headers["x-request-id"].to_str().unwrap_or_default());
    assert_valid_emf(&doc);
    assert_eq!(doc["route"], "GET /v1/users/{id}");
    assert_eq!(doc["organization"], app.org.as_str());
    assert_eq!(doc["Requests"], json!(1.0));
    assert_eq!(doc["ClientErrors"], json!(1.0));
    assert_eq!(doc["ServerErrors"], json!(0.0));
    assert_eq!(doc["error_code"], "NOT_FOUND");
    assert_eq!(doc["ErrorsByCode"], json!(1.0));
    assert_eq!(doc["DynamoDBCalls"], json!(1.0), "one GetItem: {doc}");
    let names: Vec<&str> = doc["_aws"]["CloudWatchMetrics"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|d| d["Metrics"].as_array().into_iter().flatten())
        .filter_map(|m| m["Name"].as_str())
        .collect();
    for name in [
        "Requests",
        "Latency",
        "ClientErrors",
        "ServerErrors",
        "DynamoDBRetries",
        "DynamoDBConflicts",
        "ErrorsByCode",
    ] {
        assert!(names.contains(&name), "{name} declared");
    }
}

#[tokio::test]
async fn conflicts_and_retries_are_counted_in_the_request_metrics() {
    let plan = FaultPlan::default();
    let app = TestApp::spawn_with_faults(&plan).await;
    app.call(Method::GET, "/v1/me", None).await;
    plan.inject("TransactWriteItems", Fault::TransactionConflict, 2);
    let (status, _, headers) = app
        .send(
            app.req(Method::POST, "/v1/users")
                .json(&json!({"username": "counted", "name": "C"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let doc = emf_document(headers["x-request-id"].to_str().unwrap_or_default());
    assert_valid_emf(&doc);
    assert_eq!(doc["DynamoDBConflicts"], json!(2.0), "{doc}");
    assert_eq!(
        doc["DynamoDBCalls"],
        json!(3.0),
        "three TransactWriteItems calls: {doc}"
    );
}

#[tokio::test]
async fn a_lambda_invocation_logs_its_ids_and_counts_its_cold_start_once() {
    let app = TestApp::spawn().await;
    let event = include_str!("../../../events/users/list-languages.json")
        .replace("REPLACE_WITH_ROSTER_API_KEY", &app.manager_key);
    let mut request = lambda::request_from_event(&event).unwrap_or_else(|e| panic!("{e}"));
    let mut context = lambda_http::Context::default();
    context.request_id = "lambda-req-obs-1".into();
    context.xray_trace_id =
        Some("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0".into());
    request.extensions_mut().insert(context);
    let response = lambda::handle(
        roster_users::routes().into_router(app.roster.clone()),
        request,
    )
    .await
    .unwrap_or_else(|e| match e {});
    assert_eq!(response.status(), 200);
    let line = lines()
        .into_iter()
        .find(|l| l["function_request_id"] == "lambda-req-obs-1" && l["message"] == "request")
        .unwrap_or_else(|| panic!("no line with the Lambda request id"));
    assert_eq!(line["xray_trace_id"], "1-5759e988-bd862e3fe1be46a994272793");
    // API Gateway's request id is Roster's request_id (the access log's $context.requestId).
    assert_eq!(line["request_id"], "c6af9ac6-7b61-11e6-9a41-93e8deadbeef");
    let cold: Vec<Value> = lines()
        .into_iter()
        .filter(|l| l.get("_aws").is_some() && l.get("ColdStart").is_some())
        .collect();
    assert!(
        cold.len() <= 1,
        "at most one cold start per process: {cold:?}"
    );
}
