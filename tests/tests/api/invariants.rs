//! The invariant checker finds what it is meant to find (so a clean report means something).

use aws_sdk_dynamodb::types::AttributeValue;
use reqwest::{Method, StatusCode};
use roster_tests::{fresh_party, TestApp, TABLE};
use serde_json::json;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_string())
}

#[tokio::test]
async fn a_busy_organization_keeps_every_invariant() {
    let app = TestApp::spawn().await;
    let party = fresh_party();
    let a = app.create_user(json!({"username": "inv-a", "name": "A", "emails": ["a@inv.io", "a2@inv.io"], "externalId": "inv-1"})).await;
    let b = app
        .create_user(json!({"username": "inv-b", "name": "B", "emails": ["b@inv.io"]}))
        .await;
    let (a, b) = (
        a["id"].as_str().unwrap_or_default(),
        b["id"].as_str().unwrap_or_default(),
    );
    let permissions = json!({"canSendDocument": true, "canReceiveDocument": false, "canRemoveDocument": false, "canManageHook": false});
    let steps: [(Method, String, Option<serde_json::Value>, StatusCode); 8] = [
        (
            Method::PUT,
            format!("/v1/users/{a}/parties/{party}"),
            Some(json!({"name": "P", "permissions": permissions})),
            StatusCode::CREATED,
        ),
        (
            Method::PUT,
            format!("/v1/users/{b}/parties/{party}"),
            Some(json!({"name": "P", "permissions": permissions})),
            StatusCode::CREATED,
        ),
        (
            Method::PATCH,
            format!("/v1/users/{a}"),
            Some(json!({"username": "inv-a2", "emails": ["a3@inv.io"], "externalId": null})),
            StatusCode::OK,
        ),
        (
            Method::POST,
            format!("/v1/users/{b}/api-keys"),
            None,
            StatusCode::CREATED,
        ),
        (
            Method::DELETE,
            format!("/v1/users/{b}"),
            None,
            StatusCode::NO_CONTENT,
        ),
        (
            Method::POST,
            format!("/v1/users/{b}/restore"),
            None,
            StatusCode::OK,
        ),
        (
            Method::POST,
            format!("/v1/users/{a}/deactivate"),
            None,
            StatusCode::OK,
        ),
        (
            Method::DELETE,
            format!("/v1/users/{a}/parties/{party}"),
            None,
            StatusCode::NO_CONTENT,
        ),
    ];
    for (method, path, body, expected) in steps {
        let (status, answer) = app.call(method.clone(), &path, body).await;
        assert_eq!(status, expected, "{method} {path}: {answer}");
    }
    // The steps did what they say: a renamed and deactivated, b restored, one grant left.
    let (status, user_a) = app.call(Method::GET, &format!("/v1/users/{a}"), None).await;
    assert_eq!(status, StatusCode::OK, "{user_a}");
    assert_eq!(user_a["username"], "inv-a2");
    assert_eq!(user_a["status"], "INACTIVE");
    let (status, user_b) = app.call(Method::GET, &format!("/v1/users/{b}"), None).await;
    assert_eq!(status, StatusCode::OK, "{user_b}");
    assert_eq!(user_b["status"], "ACTIVE");
    let (status, holders) = app
        .call(Method::GET, &format!("/v1/parties/{party}/users"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{holders}");
    assert_eq!(holders["pagination"]["totalItems"], 1, "{holders}");
    app.assert_invariants().await;
}

#[tokio::test]
async fn the_checker_reports_orphans_missing_markers_and_wrong_counts() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "victim", "name": "V", "emails": ["v@inv.io"]}))
        .await;
    let id = user["id"].as_str().unwrap_or_default();
    let client = app.store.client();
    let pk = format!("ORG#{}", app.org);
    // Remove a live user's email marker, plant an orphan marker, and skew a counter.
    client
        .delete_item()
        .table_name(TABLE)
        .key("PK", s(&pk))
        .key("SK", s("UNIQUE#EMAIL#v@inv.io"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    client
        .put_item()
        .table_name(TABLE)
        .item("PK", s(&pk))
        .item("SK", s("UNIQUE#USERNAME#ghost"))
        .item("userId", s(id))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    client
        .update_item()
        .table_name(TABLE)
        .key("PK", s(&pk))
        .key("SK", s("ORG"))
        .update_expression("ADD usersACTIVE :one")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let violations = app
        .store
        .check_invariants(&app.org)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let text = violations.join("\n");
    assert!(
        text.contains("has no marker UNIQUE#EMAIL#v@inv.io"),
        "{text}"
    );
    assert!(text.contains("marker UNIQUE#USERNAME#ghost"), "{text}");
    assert!(
        text.contains("counter usersACTIVE is 3, real count 2"),
        "{text}"
    );
    assert_eq!(violations.len(), 3, "{text}");
}
