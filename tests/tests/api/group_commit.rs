//! Group commit of batch creates: a batch's users go into as few `TransactWriteItems` as
//! DynamoDB's limits allow, and each user still has its own outcome, on DynamoDB Local and on
//! the DynamoDB-semantics layer.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem};
use reqwest::{Method, StatusCode};
use roster_tests::{fresh_party, TestApp, TABLE};
use serde_json::{json, Value};

/// The DynamoDB requests the request `id` made (its EMF document's `DynamoDBCalls`: one per
/// operation, the SDK's own retries of an attempt counted apart as `DynamoDBRetries`).
fn dynamodb_calls(id: &str) -> u64 {
    roster_tests::captured_logs()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|l| l.get("_aws").is_some() && l["request_id"] == id)
        .and_then(|doc| doc["DynamoDBCalls"].as_f64())
        .map(|calls| calls as u64)
        .unwrap_or_else(|| panic!("no EMF document for {id}"))
}

/// Posts `items` as one batch: the per-item results and the request id.
async fn post_batch(app: &TestApp, items: Vec<Value>) -> (Vec<Value>, String) {
    let (status, body, headers) = app
        .send(
            app.req(Method::POST, "/v1/users")
                .json(&Value::Array(items)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().cloned().unwrap_or_default();
    let request = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (results, request)
}

/// Every audit record of `action` (all pages).
async fn audit_records(app: &TestApp, action: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut path = format!("/v1/audit?limit=100&action={action}");
    loop {
        let (status, page) = app.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        out.extend(page["data"].as_array().cloned().unwrap_or_default());
        match page["pagination"]["nextCursor"].as_str() {
            Some(cursor) => path = format!("/v1/audit?limit=100&action={action}&cursor={cursor}"),
            None => return out,
        }
    }
}

async fn total(app: &TestApp, query: &str) -> Value {
    let (status, list) = app
        .call(Method::GET, &format!("/v1/users?limit=1{query}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list["pagination"]["totalItems"].clone()
}

fn plain_users(tag: &str, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({"username": format!("{tag}{i}"), "name": "Grouped",
                   "emails": [format!("{tag}{i}@x.io")]})
        })
        .collect()
}

/// Checks a batch of 100 fresh users: all created, in order, each with its own
/// `user.created` record (same actor, surface and request id), the counters exact.
async fn assert_hundred_created(app: &TestApp, tag: &str) -> String {
    let mut items = plain_users(tag, 100);
    // Some inactive, so the group's counter update carries two deltas.
    for item in items.iter_mut().step_by(4) {
        item["status"] = json!("INACTIVE");
    }
    let (results, request) = post_batch(app, items).await;
    assert_eq!(results.len(), 100);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["index"], i, "{r}");
        assert_eq!(r["status"], 201, "{r}");
    }
    let ids: std::collections::BTreeSet<&str> =
        results.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(ids.len(), 100);
    // 100 users and the bootstrap manager; 25 inactive.
    assert_eq!(total(app, "").await, 101);
    assert_eq!(total(app, "&status=INACTIVE").await, 25);
    assert_eq!(total(app, "&status=ACTIVE").await, 76);
    let created: Vec<Value> = audit_records(app, "user.created")
        .await
        .into_iter()
        .filter(|r| r["requestId"] == request.as_str())
        .collect();
    assert_eq!(created.len(), 100);
    for record in &created {
        assert_eq!(record["surface"], "native");
        assert_eq!(record["actor"]["userId"], app.manager_id.as_str());
        assert!(record["target"]["id"]
            .as_str()
            .is_some_and(|id| ids.contains(id)));
    }
    let targets: std::collections::BTreeSet<&str> = created
        .iter()
        .filter_map(|r| r["target"]["id"].as_str())
        .collect();
    assert_eq!(targets, ids, "one record per created user");
    app.assert_invariants().await;
    request
}

#[tokio::test]
async fn a_batch_of_100_is_created_in_a_handful_of_transactions() {
    let app = TestApp::spawn().await;
    // The key's first use reads it (and its user, organization): not the batch's own calls.
    app.call(Method::GET, "/v1/me", None).await;
    let request = assert_hundred_created(&app, "gc").await;
    // 5 actions a user (user, profile, username and email markers, audit record) and one
    // counter update a group, under DynamoDB's 100: 19 users a group, 6 transactions, and no
    // other request.
    let calls = dynamodb_calls(&request);
    assert!(calls <= 6, "{calls} requests for 100 creates");
}

#[tokio::test]
async fn a_batch_of_100_is_created_on_the_semantics_layer() {
    let app = TestApp::spawn_on_semantics().await;
    assert_hundred_created(&app, "gs").await;
}

#[tokio::test]
async fn every_failed_condition_of_a_transaction_is_reported_by_dynamodb_local_and_the_layer() {
    // The group commit maps each failed action back to its user: it needs every failing action
    // named, not only the first.
    for app in [TestApp::spawn().await, TestApp::spawn_on_semantics().await] {
        let client = app.store.client().clone();
        let pk = format!("REASONS#{}", app.org);
        let s = |v: &str| AttributeValue::S(v.to_string());
        for sk in ["b", "d"] {
            client
                .put_item()
                .table_name(TABLE)
                .item("PK", s(&pk))
                .item("SK", s(sk))
                .send()
                .await
                .expect("seeded");
        }
        let mut request = client.transact_write_items();
        for sk in ["a", "b", "c", "d", "e"] {
            request = request.transact_items(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(TABLE)
                            .item("PK", s(&pk))
                            .item("SK", s(sk))
                            .condition_expression("attribute_not_exists(PK)")
                            .build()
                            .expect("put"),
                    )
                    .build(),
            );
        }
        request = request.transact_items(
            TransactWriteItem::builder()
                .condition_check(
                    ConditionCheck::builder()
                        .table_name(TABLE)
                        .key("PK", s(&pk))
                        .key("SK", s("missing"))
                        .condition_expression("attribute_exists(PK)")
                        .build()
                        .expect("check"),
                )
                .build(),
        );
        let err = request.send().await.expect_err("cancelled");
        let Some(TransactWriteItemsError::TransactionCanceledException(c)) = err.as_service_error()
        else {
            panic!("not a cancellation: {err:?}");
        };
        let codes: Vec<&str> = c
            .cancellation_reasons()
            .iter()
            .map(|r| r.code().unwrap_or("-"))
            .collect();
        assert_eq!(
            codes,
            [
                "None",
                "ConditionalCheckFailed",
                "None",
                "ConditionalCheckFailed",
                "None",
                "ConditionalCheckFailed"
            ]
        );
    }
}

/// A batch where some items collide with stored users and with each other: exactly those
/// get their error, all others are created, nothing is half-written.
async fn colliding_batch(app: &TestApp) {
    app.create_user(json!({"username": "held", "name": "Held",
                           "emails": ["held@x.io"], "externalId": "ext-held"}))
        .await;
    // A party registered (by granting it to the manager), one not.
    let registered = fresh_party();
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/v1/users/{}/parties/{registered}", app.manager_id),
            Some(
                json!({"name": "Acme", "permissions": {"canSendDocument": true,
                "canReceiveDocument": true, "canRemoveDocument": false, "canManageHook": false}}),
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let unregistered = fresh_party();
    let mut items = plain_users("c", 18);
    items[2]["username"] = json!("HELD");
    items[4]["emails"] = json!(["c4@x.io", "Held@x.io"]);
    items[6]["externalId"] = json!("ext-held");
    items[8]["businessPartnerId"] = json!(unregistered);
    items[9]["businessPartnerId"] = json!(registered);
    items[10]["businessPartnerId"] = json!(registered);
    // Inside the batch: item 13 repeats item 12's username, item 15 item 3's email.
    items[13]["username"] = json!("C12");
    items[15]["emails"] = json!(["c3@x.io"]);
    let (results, request) = post_batch(app, items).await;
    let expected: Vec<(usize, &str)> = vec![
        (2, "USERNAME_TAKEN"),
        (4, "EMAIL_TAKEN"),
        (6, "EXTERNAL_ID_TAKEN"),
        (8, "PARTY_NOT_REGISTERED"),
        (13, "USERNAME_TAKEN"),
        (15, "EMAIL_TAKEN"),
    ];
    let mut created = Vec::new();
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["index"], i, "{r}");
        match expected.iter().find(|(index, _)| *index == i) {
            Some((_, code)) => {
                assert_eq!(r["status"], 409, "item {i}: {r}");
                assert_eq!(r["code"], *code, "item {i}: {r}");
            }
            None => {
                assert_eq!(r["status"], 201, "item {i}: {r}");
                created.push(r["id"].as_str().unwrap_or_default().to_string());
            }
        }
    }
    assert_eq!(results.len(), 18);
    assert_eq!(created.len(), 12);
    // Wave one (16 users, one group): cancelled once with every failing user named, then
    // committed without them; wave two (items 13 and 15, after 12 and 3): cancelled, and
    // nothing left to submit. (Were only the first failure named, wave one would take five.)
    assert_eq!(dynamodb_calls(&request), 3);
    // The users that failed left nothing: no user, marker, profile or record of theirs.
    let (_, held) = app.call(Method::GET, "/v1/users?email=c4@x.io", None).await;
    assert_eq!(held["data"], json!([]), "{held}");
    let (_, party_user) = app.call(Method::GET, "/v1/users?username=c8", None).await;
    assert_eq!(party_user["data"], json!([]), "{party_user}");
    assert_eq!(total(app, "").await, 1 + 1 + 12);
    let records: Vec<String> = audit_records(app, "user.created")
        .await
        .into_iter()
        .filter(|r| r["requestId"] == request.as_str())
        .filter_map(|r| r["target"]["id"].as_str().map(String::from))
        .collect();
    let mut records_sorted = records.clone();
    records_sorted.sort();
    created.sort();
    assert_eq!(records_sorted, created);
    // Markers: the manager's and held's, and 12 users' (username + one email each, item 4's
    // would have had two).
    let markers = app.markers().await;
    assert_eq!(markers.len(), 1 + 3 + 12 * 2, "{markers:#?}");
    app.assert_invariants().await;
}

#[tokio::test]
async fn colliding_items_get_their_own_errors_and_the_others_are_created() {
    let app = TestApp::spawn().await;
    app.call(Method::GET, "/v1/me", None).await;
    colliding_batch(&app).await;
}

#[tokio::test]
async fn colliding_items_get_their_own_errors_on_the_semantics_layer_too() {
    let app = TestApp::spawn_on_semantics().await;
    colliding_batch(&app).await;
}

#[tokio::test]
async fn groups_respect_the_100_action_limit() {
    // 10 actions a user (user, profile, username, 5 email and external-id markers, audit
    // record): 9 users a group (90 + the counter update); 100 users in 12 transactions.
    let app = TestApp::spawn().await;
    app.call(Method::GET, "/v1/me", None).await;
    let items: Vec<Value> = (0..100)
        .map(|i| {
            let emails: Vec<String> = (0..5).map(|k| format!("w{i}.{k}@x.io")).collect();
            json!({"username": format!("w{i}"), "name": "Wide", "emails": emails,
                   "externalId": format!("ext-w{i}")})
        })
        .collect();
    let (results, request) = post_batch(&app, items).await;
    assert!(results.iter().all(|r| r["status"] == 201), "{results:#?}");
    assert_eq!(dynamodb_calls(&request), 12);
    assert_eq!(total(&app, "").await, 101);
    assert_eq!(app.markers().await.len(), 1 + 100 * 7);
    app.assert_invariants().await;
}
