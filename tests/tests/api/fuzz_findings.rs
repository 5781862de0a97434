//! Regressions for what the schemathesis run (`scripts/fuzz.sh`) found.

use reqwest::{Method, StatusCode};
use roster_tests::TestApp;
use serde_json::{json, Value};

fn code(problem: &Value) -> Option<&str> {
    problem["code"].as_str()
}

/// The fuzzer reached the manager's own id through `GET /v1/users` and demoted it with a PATCH:
/// the organization's only manager key then answered 403 to everything.
#[tokio::test]
async fn a_manager_cannot_lock_itself_out_through_patch_or_upsert() {
    let app = TestApp::spawn().await;
    let me = format!("/v1/users/{}", app.manager_id);
    let cases = [
        (json!({"role": "ApUser"}), "CANNOT_DEMOTE_SELF"),
        (json!({"status": "INACTIVE"}), "CANNOT_DEACTIVATE_SELF"),
        (
            json!({"validUntil": "2000-01-01"}),
            "CANNOT_DEACTIVATE_SELF",
        ),
        (
            json!({"registration": {"state": "UNREGISTERED"}}),
            "CANNOT_UNREGISTER_SELF",
        ),
    ];
    for (patch, expected) in cases {
        let (status, problem) = app.call(Method::PATCH, &me, Some(patch.clone())).await;
        assert_eq!(
            (status, code(&problem)),
            (StatusCode::CONFLICT, Some(expected)),
            "PATCH {patch}: {problem}"
        );
    }
    let (status, problem) = app
        .call(
            Method::PUT,
            "/v1/users/by-username/admin",
            Some(json!({"name": "Admin", "role": "ApUser"})),
        )
        .await;
    assert_eq!(
        (status, code(&problem)),
        (StatusCode::CONFLICT, Some("CANNOT_DEMOTE_SELF")),
        "{problem}"
    );

    // Nothing changed, and harmless changes of itself still work.
    let (status, user) = app
        .call(
            Method::PATCH,
            &me,
            Some(json!({"name": "The Admin", "validUntil": "2999-12-31"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(
        (user["role"].as_str(), user["status"].as_str()),
        (Some("ApManager"), Some("ACTIVE"))
    );
    let (status, _) = app.call(Method::GET, "/v1/users", None).await;
    assert_eq!(status, StatusCode::OK, "the manager key still manages");
}

#[tokio::test]
async fn another_manager_may_still_demote_or_deactivate_a_manager() {
    let app = TestApp::spawn().await;
    let (_, second) = app.user_with_key("second", "ApManager").await;
    let admin = format!("/v1/users/{}", app.manager_id);
    let (status, user) = app
        .call_as(
            &second,
            Method::PATCH,
            &admin,
            Some(json!({"role": "ApUser", "status": "INACTIVE"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{user}");
    assert_eq!(
        (user["role"].as_str(), user["status"].as_str()),
        (Some("ApUser"), Some("INACTIVE"))
    );
}

/// `PATCH /v1/users/{id}` refused a deleted user (409) while its profile could still be changed.
#[tokio::test]
async fn a_deleted_users_profile_cannot_be_changed() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "gone", "name": "Gone"}))
        .await;
    let id = user["id"].as_str().unwrap_or_default();
    let (status, _) = app
        .call(Method::DELETE, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, problem) = app
        .call(
            Method::PATCH,
            &format!("/v1/users/{id}/profile"),
            Some(json!({"timezone": "UTC"})),
        )
        .await;
    assert_eq!(
        (status, code(&problem)),
        (StatusCode::CONFLICT, Some("USER_DELETED")),
        "{problem}"
    );
    // Still readable, unchanged; restored, it can be changed again.
    let (status, profile) = app
        .call(Method::GET, &format!("/v1/users/{id}/profile"), None)
        .await;
    assert_eq!(
        (status, profile["timezone"].clone()),
        (StatusCode::OK, Value::Null)
    );
    let (status, _) = app
        .call(Method::POST, &format!("/v1/users/{id}/restore"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, profile) = app
        .call(
            Method::PATCH,
            &format!("/v1/users/{id}/profile"),
            Some(json!({"timezone": "UTC"})),
        )
        .await;
    assert_eq!(
        (status, profile["timezone"].as_str()),
        (StatusCode::OK, Some("UTC"))
    );
}
