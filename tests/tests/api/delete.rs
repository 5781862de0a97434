use reqwest::{Method, StatusCode};
use roster_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn deleting_releases_the_identity_and_records_history() {
    let app = TestApp::spawn().await;
    let before = "2000-01-01";
    let user = app.create_user(json!({"username": "leo", "name": "Leo", "emails": ["leo@x.io"], "externalId": "leo-1"})).await;
    let id = user["id"].as_str().unwrap_or_default().to_string();
    let (status, body) = app
        .call(Method::DELETE, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // Idempotent.
    let (status, _) = app
        .call(Method::DELETE, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (_, deleted) = app
        .call(Method::GET, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(deleted["status"], "DELETED");
    assert!(deleted["deletedAt"].as_str().is_some());

    // Released: a new user takes all three.
    let newcomer = app.create_user(json!({"username": "LEO", "name": "New Leo", "emails": ["leo@x.io"], "externalId": "leo-1"})).await;
    assert_ne!(newcomer["id"], user["id"]);

    let (status, history) = app.call(Method::GET, "/v1/users/deleted", None).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert_eq!(history["pagination"]["totalItems"], 1);
    assert_eq!(history["data"][0]["userId"], id.as_str());
    assert_eq!(history["data"][0]["username"], "leo");
    assert_eq!(history["data"][0]["deletedBy"], app.manager_id.as_str());

    // A sync sees the deletion through updatedSince; the plain list does not show deleted users.
    let (_, changes) = app
        .call(
            Method::GET,
            &format!("/v1/users?updatedSince={before}&limit=100"),
            None,
        )
        .await;
    let statuses: Vec<(String, String)> = changes["data"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|u| {
                    (
                        u["id"].as_str().unwrap_or_default().to_string(),
                        u["status"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        statuses.contains(&(id.clone(), "DELETED".to_string())),
        "{changes}"
    );
    assert_eq!(changes["pagination"]["totalItems"], 3);
    let (_, live) = app.call(Method::GET, "/v1/users", None).await;
    assert_eq!(live["pagination"]["totalItems"], 2);
    let (_, deleted_only) = app
        .call(Method::GET, "/v1/users?status=DELETED", None)
        .await;
    assert_eq!(deleted_only["pagination"]["totalItems"], 1);
    assert_eq!(deleted_only["data"][0]["id"], id.as_str());

    // A deleted user cannot be patched.
    let (status, problem) = app
        .call(
            Method::PATCH,
            &format!("/v1/users/{id}"),
            Some(json!({"name": "Ghost"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("USER_DELETED"))
    );
}

#[tokio::test]
async fn a_manager_cannot_delete_itself_and_unknown_ids_are_404() {
    let app = TestApp::spawn().await;
    let (status, problem) = app
        .call(
            Method::DELETE,
            &format!("/v1/users/{}", app.manager_id),
            None,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("CANNOT_DELETE_SELF"))
    );
    for id in ["usr_01HZZZZZZZZZZZZZZZZZZZZZZZ", "nonsense"] {
        let (status, problem) = app
            .call(Method::DELETE, &format!("/v1/users/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}: {problem}");
    }
}
