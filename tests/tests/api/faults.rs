//! Storage faults: unreachable or hanging DynamoDB, throttling, transaction conflicts and lost
//! responses (injected into the real SDK client; DynamoDB Local never produces them).

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use roster_shared::config::Config;
use roster_shared::service::Roster;
use roster_shared::store::Store;
use roster_tests::faults::{Fault, FaultPlan};
use roster_tests::TestApp;
use serde_json::json;

/// Serves every route on a store at `endpoint` and returns its URL.
async fn app_on(endpoint: &str) -> String {
    let config = Config {
        table_name: "unreachable".into(),
        dynamodb_endpoint: Some(endpoint.into()),
        auth_cache_ttl: roster_shared::auth::DEFAULT_CACHE_TTL,
    };
    let store = Store::connect(&config);
    let app = roster_dev::all_routes().into_router(Roster::new(store, &config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!(
        "http://{}",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

async fn assert_prompt_503(url: &str) {
    let started = Instant::now();
    let response = reqwest::Client::new()
        .post(format!("{url}/v1/users"))
        // Well-formed (a malformed key is refused without a read), so the store is asked.
        .header("x-api-key", "rst_0123456789abcdefghijABCDEFGHIJ-_")
        .json(&json!({"username": "x", "name": "X"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let elapsed = started.elapsed();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["retry-after"], "1");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    assert_eq!(body["code"], "STORAGE_UNAVAILABLE");
    let text = body.to_string();
    assert!(
        !text.contains("dispatch") && !text.contains("127.0.0.1") && !text.contains("timeout"),
        "no internals: {text}"
    );
    // Bounded by the SDK's operation timeout (5 s) plus slack, never a hang.
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
}

#[tokio::test]
async fn unreachable_storage_is_a_prompt_503() {
    // Nothing listens on the discard port: connections are refused.
    assert_prompt_503(&app_on("http://127.0.0.1:9").await).await;
}

#[tokio::test]
async fn hanging_storage_is_a_503_within_the_timeout() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    assert_prompt_503(&app_on(&format!("http://{address}")).await).await;
}

#[tokio::test]
async fn a_transaction_conflict_is_retried_inside_the_request() {
    let plan = FaultPlan::default();
    let app = TestApp::spawn_with_faults(&plan).await;
    plan.inject("TransactWriteItems", Fault::TransactionConflict, 2);
    let (status, user) = app
        .call(
            Method::POST,
            "/v1/users",
            Some(json!({"username": "conflicted", "name": "C"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    assert_eq!(plan.pending(), 0);
    app.assert_invariants().await;
}

#[tokio::test]
async fn persistent_conflicts_are_503_and_the_clients_retry_succeeds() {
    let plan = FaultPlan::default();
    let app = TestApp::spawn_with_faults(&plan).await;
    // Conflicts are retried (jittered backoff) for the whole conflict budget (3 s) within the
    // request's deadline: more conflicts than fit in it make the 503.
    plan.inject("TransactWriteItems", Fault::TransactionConflict, 1000);
    let body = json!({"username": "retrier", "name": "R", "emails": ["retrier@x.io"]});
    let (status, problem, headers) = app
        .send(app.req(Method::POST, "/v1/users").json(&body))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("STORAGE_UNAVAILABLE")),
        "{problem}"
    );
    assert_eq!(headers["retry-after"], "1");
    let retried = 1000 - plan.pending();
    assert!(
        (4..1000).contains(&retried),
        "retried {retried} times within the budget"
    );
    plan.clear();
    // Nothing was half-written: the same request succeeds (no false 409).
    app.assert_invariants().await;
    let (status, user) = app.call(Method::POST, "/v1/users", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    app.assert_invariants().await;
}

#[tokio::test]
async fn throttling_is_retried_then_answered_503_with_retry_after() {
    let plan = FaultPlan::default();
    let app = TestApp::spawn_with_faults(&plan).await;
    let user = app
        .create_user(json!({"username": "throttled", "name": "T"}))
        .await;
    let path = format!("/v1/users/{}", user["id"].as_str().unwrap_or_default());
    // Two throttles: the SDK's own retries absorb them.
    plan.inject("GetItem", Fault::Throttling, 2);
    let (status, _) = app.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    // Three (every attempt): 503 with Retry-After, and the client's retry then succeeds.
    plan.inject("GetItem", Fault::Throttling, 3);
    let (status, problem, headers) = app.send(app.req(Method::GET, &path)).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("STORAGE_UNAVAILABLE")),
        "{problem}"
    );
    assert_eq!(headers["retry-after"], "1");
    let (status, _) = app.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_lost_response_after_commit_is_not_a_false_conflict() {
    let plan = FaultPlan::default();
    let app = TestApp::spawn_with_faults(&plan).await;
    // The create reaches DynamoDB and commits; its answer is lost; the SDK retries the same
    // transaction with the same ClientRequestToken, which DynamoDB recognises as done.
    plan.inject("TransactWriteItems", Fault::LostResponse, 1);
    let (status, user) = app
        .call(
            Method::POST,
            "/v1/users",
            Some(json!({"username": "idempotent", "name": "I", "emails": ["i@x.io"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let attempts = plan
        .seen()
        .iter()
        .filter(|op| *op == "TransactWriteItems")
        .count();
    assert!(attempts >= 2, "the SDK retried: {:?}", plan.seen());
    let (_, list) = app
        .call(Method::GET, "/v1/users?username=idempotent", None)
        .await;
    assert_eq!(list["pagination"]["totalItems"], 1);
    app.assert_invariants().await;
}
