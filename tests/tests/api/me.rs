use reqwest::{Method, StatusCode};
use roster_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_user_reads_and_changes_its_own_fields() {
    let app = TestApp::spawn().await;
    let (user, key) = app.user_with_key("olga", "ApUser").await;
    let (status, me) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["id"], user["id"]);
    let (status, me) = app
        .call_as(&key, Method::PATCH, "/v1/me", Some(json!({"name": "Olga O.", "emails": ["olga@x.io"], "phone": "+45 11 22 33 44", "language": "da"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(
        (me["name"].as_str(), me["language"].as_str()),
        (Some("Olga O."), Some("da"))
    );
    // Not its role, status or username.
    for body in [
        json!({"role": "ApManager"}),
        json!({"status": "INACTIVE"}),
        json!({"username": "boss"}),
    ] {
        let (status, problem) = app
            .call_as(&key, Method::PATCH, "/v1/me", Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem}");
    }
    let (status, profile) = app.call_as(&key, Method::GET, "/v1/me/profile", None).await;
    assert_eq!(
        (status, profile["userId"].clone()),
        (StatusCode::OK, user["id"].clone())
    );
    let (status, profile) = app
        .call_as(
            &key,
            Method::PATCH,
            "/v1/me/profile",
            Some(json!({"timezone": "UTC"})),
        )
        .await;
    assert_eq!(
        (status, profile["timezone"].as_str()),
        (StatusCode::OK, Some("UTC"))
    );
    let (status, langs) = app.call_as(&key, Method::GET, "/v1/languages", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(langs["data"]
        .as_array()
        .is_some_and(|l| l.iter().any(|x| x["code"] == "da")));
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "pia", "name": "Pia", "password": "first-password"}))
        .await;
    let key = app.issue_key(user["id"].as_str().unwrap_or_default()).await;
    let (status, problem) = app
        .call_as(
            &key,
            Method::PATCH,
            "/v1/me",
            Some(json!({"password": "second-password"})),
        )
        .await;
    // Well-formed but not proven: 403 (schema-valid requests are never a 400 for state reasons).
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("FORBIDDEN"))
    );
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("currentPassword is required")),
        "{problem}"
    );
    let (status, problem) = app
        .call_as(
            &key,
            Method::PATCH,
            "/v1/me",
            Some(json!({"password": "second-password", "currentPassword": "wrong-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("does not match the current password")),
        "{problem}"
    );
    let (status, me) = app
        .call_as(
            &key,
            Method::PATCH,
            "/v1/me",
            Some(json!({"password": "second-password", "currentPassword": "first-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    // The stored value is an Argon2id hash, never the password.
    let stored = app
        .store
        .get_user(
            &app.org,
            &roster_shared::domain::UserId::parse(user["id"].as_str().unwrap_or_default())
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .await;
    let hash = stored
        .ok()
        .flatten()
        .and_then(|u| u.password_hash)
        .unwrap_or_default();
    assert!(
        hash.starts_with("$argon2id$") && !hash.contains("second-password"),
        "{hash}"
    );
    let (status, _) = app
        .call_as(
            &key,
            Method::PATCH,
            "/v1/me",
            Some(json!({"password": "third-password", "currentPassword": "first-password"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the old password no longer counts"
    );
}
