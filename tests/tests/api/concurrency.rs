//! Concurrency on the DynamoDB-semantics layer (`roster-semantics`): transactions that overlap
//! an in-flight one are cancelled as DynamoDB cancels them, so these tests see the conflicts
//! DynamoDB Local alone never produces.

use std::time::Duration;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, PutRequest, TransactWriteItem, WriteRequest};
use reqwest::{Method, StatusCode};
use roster_semantics::Settings;
use roster_shared::store::{keys, Store};
use roster_tests::{config, fresh_party, semantics, semantics_config, TestApp, TABLE};
use serde_json::{json, Value};

/// The warning and error log lines so far (what made a request fail).
fn warnings() -> String {
    roster_tests::captured_logs()
        .lines()
        .filter(|l| l.contains("\"WARN\"") || l.contains("\"ERROR\""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

fn put(pk: &str, sk: &str) -> TransactWriteItem {
    TransactWriteItem::builder()
        .put(
            Put::builder()
                .table_name(TABLE)
                .item("PK", s(pk))
                .item("SK", s(sk))
                .build()
                .expect("put"),
        )
        .build()
}

/// Waits until the layer holds at least `items` items (a transaction is in flight).
async fn until_held(proxy: &roster_semantics::Running, items: u64) {
    for _ in 0..500 {
        let stats = proxy.stats().await.expect("stats");
        if stats["held"].as_u64().unwrap_or(0) >= items {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("no transaction got in flight");
}

/// A store whose client goes through its own proxy with a long hold, so that overlapping
/// requests are certain to meet an in-flight transaction.
async fn slow_layer(hold: Duration) -> (roster_semantics::Running, Store) {
    let upstream = config().dynamodb_endpoint.expect("endpoint");
    let proxy = roster_semantics::spawn(
        &upstream,
        Settings {
            conflicts: true,
            hold,
        },
    )
    .expect("proxy");
    let mut cfg = config();
    cfg.dynamodb_endpoint = Some(proxy.endpoint.clone());
    let store = Store::connect(&cfg);
    store.create_table_if_missing().await.expect("table");
    (proxy, store)
}

#[tokio::test]
async fn the_layer_answers_overlaps_as_dynamodb_does() {
    let (proxy, store) = slow_layer(Duration::from_millis(1000)).await;
    let pk = format!("SEM#{}", ulid::Ulid::new());
    let client = store.client().clone();
    let first = {
        let client = client.clone();
        let pk = pk.clone();
        tokio::spawn(async move {
            client
                .transact_write_items()
                .transact_items(put(&pk, "A"))
                .transact_items(put(&pk, "B"))
                .send()
                .await
        })
    };
    until_held(&proxy, 2).await;

    // A transaction overlapping on B: cancelled, TransactionConflict on B, None on C.
    let second = client
        .transact_write_items()
        .transact_items(put(&pk, "C"))
        .transact_items(put(&pk, "B"))
        .send()
        .await;
    let Err(err) = second else {
        panic!(
            "overlapping transaction was not cancelled: {:?}",
            proxy.stats().await
        );
    };
    let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
        err.as_service_error()
    else {
        panic!("not a TransactionCanceledException: {err:?}");
    };
    let codes: Vec<_> = cancelled
        .cancellation_reasons()
        .iter()
        .map(|r| r.code().unwrap_or_default().to_string())
        .collect();
    assert_eq!(codes, ["None", "TransactionConflict"]);

    // A single write to a held item: TransactionConflictException.
    let single = client
        .put_item()
        .table_name(TABLE)
        .item("PK", s(&pk))
        .item("SK", s("A"))
        .send()
        .await;
    let err = single.expect_err("write to a held item fails");
    assert!(
        matches!(
            err.as_service_error(),
            Some(PutItemError::TransactionConflictException(_))
        ),
        "{err:?}"
    );

    // A batch: the held item comes back unprocessed, the other is written.
    let request = |sk: &str| {
        WriteRequest::builder()
            .put_request(
                PutRequest::builder()
                    .item("PK", s(&pk))
                    .item("SK", s(sk))
                    .build()
                    .expect("put request"),
            )
            .build()
    };
    let batch = client
        .batch_write_item()
        .request_items(TABLE, vec![request("A"), request("D")])
        .send()
        .await
        .expect("batch answered");
    let unprocessed = batch
        .unprocessed_items()
        .and_then(|u| u.get(TABLE))
        .map(|l| l.len())
        .unwrap_or(0);
    assert_eq!(unprocessed, 1, "{batch:?}");

    first
        .await
        .expect("task")
        .expect("first transaction commits");
    // Released: the same transaction now commits.
    client
        .transact_write_items()
        .transact_items(put(&pk, "C"))
        .transact_items(put(&pk, "B"))
        .send()
        .await
        .expect("commits once the items are released");
    let written = client
        .query()
        .table_name(TABLE)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(":pk", s(&pk))
        .send()
        .await
        .expect("query");
    assert_eq!(written.count(), 4, "A, B, C and D");
    let stats = proxy.stats().await.expect("stats");
    assert_eq!(stats["cancelled"], 1, "{stats}");
    assert_eq!(stats["writeConflicts"], 1, "{stats}");
    assert_eq!(stats["batchUnprocessed"], 1, "{stats}");
    // The upstream was busy with the forwarded requests, but the two 1 s holds are the
    // layer's own time, not DynamoDB Local's.
    let busy = stats["upstreamBusyMs"].as_f64().unwrap_or(-1.0);
    assert!(busy > 0.0 && busy < 1000.0, "{stats}");
}

async fn create_concurrently(app: &TestApp, clients: usize, per_client: usize) -> Vec<StatusCode> {
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, url, key) = (app.http.clone(), app.url.clone(), app.manager_key.clone());
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for i in 0..per_client {
                let response = http
                    .post(format!("{url}/v1/users"))
                    .header("x-api-key", &key)
                    .json(&json!({"username": format!("c{c}-u{i}"), "name": "Concurrent"}))
                    .send()
                    .await
                    .expect("sent");
                statuses.push(response.status());
            }
            statuses
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("task"));
    }
    all
}

#[tokio::test]
async fn sixteen_concurrent_creators_in_one_organization_all_succeed_on_the_layer() {
    let app = TestApp::spawn_on_semantics().await;
    let statuses = create_concurrently(&app, 16, 4).await;
    let failed: Vec<_> = statuses
        .iter()
        .filter(|s| **s != StatusCode::CREATED)
        .collect();
    assert!(
        failed.is_empty(),
        "failed creates: {failed:?}; warnings: {}",
        warnings()
    );
    let (status, page) = app.call(Method::GET, "/v1/users?limit=1", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["pagination"]["totalItems"], 16 * 4 + 1, "{page}");
    app.assert_invariants().await;
    let stats = semantics().stats().await.expect("stats");
    assert!(
        stats["transactions"].as_u64().unwrap_or(0) >= 16 * 4,
        "{stats}"
    );
}

#[tokio::test]
async fn many_users_granted_on_one_party_at_once_keep_the_count_exact() {
    let app = TestApp::spawn_on_semantics().await;
    let party = fresh_party();
    let mut ids = Vec::new();
    for i in 0..10 {
        let user = app
            .create_user(json!({"username": format!("g{i}"), "name": "Granted"}))
            .await;
        ids.push(user["id"].as_str().unwrap_or_default().to_string());
    }
    let mut tasks = Vec::new();
    for id in &ids {
        let (http, url, key) = (app.http.clone(), app.url.clone(), app.manager_key.clone());
        let path = format!("{url}/v1/users/{id}/parties/{party}");
        tasks.push(tokio::spawn(async move {
            let response = http
                .put(path)
                .header("x-api-key", &key)
                .json(&json!({"name": "Shared party", "permissions": {"canSendDocument": true, "canReceiveDocument": true, "canRemoveDocument": false, "canManageHook": false}}))
                .send()
                .await
                .expect("sent");
            let status = response.status();
            (status, response.text().await.unwrap_or_default())
        }));
    }
    for task in tasks {
        let (status, body) = task.await.expect("task");
        assert!(
            status.is_success(),
            "grant answered {status}: {body}; warnings: {}",
            warnings()
        );
    }
    let (status, listed) = app
        .call(
            Method::GET,
            &format!("/v1/parties/{party}/users?limit=1"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["pagination"]["totalItems"], 10, "{listed}");
    // The count refuses a plain delete, and a cascade clears it.
    let (status, body) = app
        .call(Method::DELETE, &format!("/v1/parties/{party}"), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    app.assert_invariants().await;
    let (status, body) = app
        .call(
            Method::DELETE,
            &format!("/v1/parties/{party}?cascade=true"),
            None,
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    app.assert_invariants().await;
}

/// Holds every counter shard of `org` in one long transaction through `store`'s layer.
async fn hold_all_counter_shards(store: &Store, org: &str) -> tokio::task::JoinHandle<()> {
    let client = store.client().clone();
    let pk = format!("ORG#{org}");
    tokio::spawn(async move {
        // Until it gets them all (a write of the app's own setup may still hold one).
        for _ in 0..20 {
            if hold_shards_once(&client, &pk).await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("could not hold the counter shards");
    })
}

async fn hold_shards_once(client: &aws_sdk_dynamodb::Client, pk: &str) -> bool {
    {
        let mut request = client.transact_write_items();
        for shard in 0..keys::ORG_COUNTER_SHARDS {
            request = request.transact_items(
                TransactWriteItem::builder()
                    .update(
                        aws_sdk_dynamodb::types::Update::builder()
                            .table_name(TABLE)
                            .key("PK", s(pk))
                            .key("SK", s(&keys::org_counter_sk(shard)))
                            .update_expression("ADD #n :zero")
                            .expression_attribute_names("#n", "usersACTIVE")
                            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
                            .build()
                            .expect("update"),
                    )
                    .build(),
            );
        }
        match request.send().await {
            Ok(_) => true,
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(TransactWriteItemsError::TransactionCanceledException(_))
                ) =>
            {
                false
            }
            Err(e) => panic!("holding transaction failed: {e:?}"),
        }
    }
}

/// Transactions the layer has cancelled so far.
async fn cancelled_so_far(proxy: &roster_semantics::Running) -> u64 {
    proxy.stats().await.expect("stats")["cancelled"]
        .as_u64()
        .unwrap_or(0)
}

/// An app on a layer that holds each transaction's items 1.2 s, with every counter shard of its
/// organization held by another transaction (conflict budget 8 s): the proxy, the app, the
/// holder, and the proxy's count of cancelled transactions so far.
async fn app_with_every_counter_shard_held() -> (
    roster_semantics::Running,
    TestApp,
    tokio::task::JoinHandle<()>,
    u64,
) {
    let (proxy, store) = slow_layer(Duration::from_millis(1200)).await;
    let store = store.with_conflict_budget(Duration::from_secs(8));
    let mut cfg = config();
    cfg.dynamodb_endpoint = Some(proxy.endpoint.clone());
    let app = TestApp::spawn_on(cfg, store.clone()).await;
    let holder = hold_all_counter_shards(&store, app.org.as_str()).await;
    until_held(&proxy, u64::from(keys::ORG_COUNTER_SHARDS)).await;
    let before = cancelled_so_far(&proxy).await;
    (proxy, app, holder, before)
}

#[tokio::test]
async fn a_conflicting_write_is_retried_until_the_items_are_free() {
    let (proxy, app, holder, before) = app_with_every_counter_shard_held().await;
    let user = app
        .create_user(json!({"username": "patient", "name": "Retried"}))
        .await;
    assert_eq!(user["username"], "patient");
    holder.await.expect("holder");
    let after = cancelled_so_far(&proxy).await;
    assert!(
        after > before,
        "the create met the held shards ({before} → {after})"
    );
    app.assert_invariants().await;
}

#[tokio::test]
async fn a_write_that_keeps_conflicting_past_its_budget_is_a_503_with_retry_after() {
    let (proxy, store) = slow_layer(Duration::from_millis(1000)).await;
    let store = store.with_conflict_budget(Duration::from_millis(100));
    let mut cfg = config();
    cfg.dynamodb_endpoint = Some(proxy.endpoint.clone());
    let app = TestApp::spawn_on(cfg, store.clone()).await;
    let holder = hold_all_counter_shards(&store, app.org.as_str()).await;
    until_held(&proxy, u64::from(keys::ORG_COUNTER_SHARDS)).await;
    let (status, body, headers) = app
        .send(
            app.req(Method::POST, "/v1/users")
                .json(&json!({"username": "unlucky", "name": "Throttled"})),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(headers.contains_key("retry-after"), "{headers:?}");
    holder.await.expect("holder");
    // Nothing half-written: the username is free and the invariants hold.
    app.assert_invariants().await;
    let user = app
        .create_user(json!({"username": "unlucky", "name": "Second try"}))
        .await;
    assert_eq!(user["name"], "Second try");
}

#[tokio::test]
async fn two_instances_sharing_the_table_see_each_others_transactions() {
    // Two stores (two "Lambda instances") on one layer, one organization.
    let app = TestApp::spawn_on_semantics().await;
    let other = Store::connect(&semantics_config());
    let second = TestApp::spawn_on(semantics_config(), other).await;
    let mut tasks = Vec::new();
    for (n, (url, key)) in [
        (app.url.clone(), app.manager_key.clone()),
        (second.url.clone(), app.manager_key.clone()),
    ]
    .into_iter()
    .enumerate()
    {
        let http = app.http.clone();
        tasks.push(tokio::spawn(async move {
            let mut out: Vec<Value> = Vec::new();
            for i in 0..10 {
                let r = http
                    .post(format!("{url}/v1/users"))
                    .header("x-api-key", &key)
                    .json(&json!({"username": format!("i{n}-{i}"), "name": "Instance"}))
                    .send()
                    .await
                    .expect("sent");
                out.push(json!(r.status().as_u16()));
            }
            out
        }));
    }
    for task in tasks {
        for status in task.await.expect("task") {
            assert_eq!(status, 201);
        }
    }
    app.assert_invariants().await;
}

#[tokio::test]
async fn a_batch_group_that_meets_another_writer_is_retried_and_commits() {
    // Every counter shard held by another transaction: each group of the batch conflicts
    // until the holder lets go, is retried with a fresh token, and commits.
    let (proxy, app, holder, before) = app_with_every_counter_shard_held().await;
    let items: Vec<Value> = (0..40)
        .map(|i| json!({"username": format!("waiting{i}"), "name": "Grouped"}))
        .collect();
    let (status, body) = app
        .call(Method::POST, "/v1/users", Some(Value::Array(items)))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), 40);
    assert!(
        results.iter().all(|r| r["status"] == 201),
        "{body}\n{}",
        warnings()
    );
    holder.await.expect("holder");
    let after = cancelled_so_far(&proxy).await;
    assert!(
        after > before,
        "the batch met the held shards ({before} → {after})"
    );
    let (_, list) = app.call(Method::GET, "/v1/users?limit=1", None).await;
    assert_eq!(list["pagination"]["totalItems"], 41);
    app.assert_invariants().await;
}
