//! `If-Match` per RFC 9110 §13.1.1 on every PATCH that has an ETag: the native user, profile,
//! party, `/v1/me` and `/v1/me/profile`, and seed 002's V4 user. A well-formed tag that does not
//! match is 412 (weak tags never match: If-Match compares strongly), `*` matches any current
//! version, a list matches if any of its tags does; only a malformed value is 400.

use reqwest::{Method, StatusCode};
use roster_tests::{fresh_party, TestApp};
use serde_json::{json, Value};

/// One PATCH with `If-Match: if_match`; `(status, body, ETag)`.
async fn patch(
    app: &TestApp,
    key: &str,
    path: &str,
    if_match: &str,
    body: &Value,
) -> (StatusCode, Value, Option<String>) {
    let request = app
        .http
        .patch(format!("{}{path}", app.url))
        .header("Authorization", format!("Apikey {key}"))
        .header("If-Match", if_match)
        .header("content-type", "application/json")
        .body(body.to_string());
    let (status, answer, headers) = app.send(request).await;
    let etag = headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, answer, etag)
}

/// Runs the RFC's cases against one resource whose current ETag is `"1"`, changing it with
/// `change(n)` bodies; every refused request must leave the version as it was.
async fn rfc_9110_cases(app: &TestApp, key: &str, path: &str, change: impl Fn(u32) -> Value) {
    // Well-formed tags that do not match: 412, nothing written.
    for tag in [
        "\"nonsense-version\"",
        "\"2\"",
        "\"01\"",
        "W/\"1\"",
        "\"2\", W/\"1\"",
        "\"\"",
    ] {
        let (status, problem, _) = patch(app, key, path, tag, &change(0)).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::PRECONDITION_FAILED, Some("PRECONDITION_FAILED")),
            "{path} If-Match: {tag}: {problem}"
        );
    }
    // Malformed values: 400 naming the header.
    for bad in ["garbage", "1", "W/1", "\"1", "*, \"1\"", "\"1\" \"2\""] {
        let (status, problem, _) = patch(app, key, path, bad, &change(0)).await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("If-Match")),
            "{path} If-Match: {bad}: {problem}"
        );
    }
    // A list matches if any tag does; `*` matches whatever the current version is.
    let (status, body, etag) = patch(app, key, path, "\"7\", \"1\"", &change(1)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert_eq!(etag.as_deref(), Some("\"2\""), "{path}: {body}");
    let (status, body, etag) = patch(app, key, path, "*", &change(2)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert_eq!(etag.as_deref(), Some("\"3\""), "{path}: {body}");
    let (status, body, etag) = patch(app, key, path, " , \"3\" ,", &change(3)).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    assert_eq!(etag.as_deref(), Some("\"4\""), "{path}: {body}");
    // The tag last read is now stale.
    let (status, _, _) = patch(app, key, path, "\"3\"", &change(4)).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{path}");
}

#[tokio::test]
async fn every_native_patch_follows_rfc_9110_if_match() {
    let app = TestApp::spawn().await;
    let key = app.manager_key.clone();
    let user = app
        .create_user(json!({"username": "etag", "name": "E Tag"}))
        .await;
    let id = user["id"].as_str().unwrap_or_default().to_string();
    rfc_9110_cases(
        &app,
        &key,
        &format!("/v1/users/{id}"),
        |n| json!({"name": format!("Name {n}")}),
    )
    .await;
    rfc_9110_cases(
        &app,
        &key,
        &format!("/v1/users/{id}/profile"),
        |n| json!({"name": format!("Profile {n}")}),
    )
    .await;

    let party = fresh_party();
    let (status, registered) = app
        .call(
            Method::POST,
            "/v1/parties",
            Some(json!({"id": party, "name": "P0"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    rfc_9110_cases(
        &app,
        &key,
        &format!("/v1/parties/{party}"),
        |n| json!({"name": format!("P{n}")}),
    )
    .await;

    // `/v1/me` and `/v1/me/profile`, as an ordinary user with its own key.
    let (_, own_key) = app.user_with_key("self", "ApUser").await;
    rfc_9110_cases(
        &app,
        &own_key,
        "/v1/me",
        |n| json!({"name": format!("Me {n}")}),
    )
    .await;
    rfc_9110_cases(
        &app,
        &own_key,
        "/v1/me/profile",
        |n| json!({"name": format!("My profile {n}")}),
    )
    .await;
}

#[tokio::test]
async fn the_v4_user_patch_follows_rfc_9110_if_match() {
    let app = TestApp::spawn().await;
    let key = app.manager_key.clone();
    let (status, created, _) = app
        .send(
            app.req(Method::POST, "/api/user/management/v4/users").json(&json!({
                "data": {"type": "users", "attributes": {"name": "V Four", "contact_details": {"email": "v4@example.com"}}}
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["data"]["id"].as_str().unwrap_or_default();
    rfc_9110_cases(
        &app,
        &key,
        &format!("/api/user/management/v4/users/{id}"),
        |n| json!({"data": {"type": "users", "attributes": {"name": format!("V {n}")}}}),
    )
    .await;
}

#[tokio::test]
async fn if_match_on_a_missing_resource_is_404_and_several_header_lines_are_one_list() {
    let app = TestApp::spawn().await;
    let (status, problem, _) = patch(
        &app,
        &app.manager_key,
        "/v1/users/usr_01HZZZZZZZZZZZZZZZZZZZZZZZ",
        "*",
        &json!({"name": "Nobody"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    let user = app
        .create_user(json!({"username": "lines", "name": "Lines"}))
        .await;
    let path = format!("/v1/users/{}", user["id"].as_str().unwrap_or_default());
    let request = app
        .req(Method::PATCH, &path)
        .header("If-Match", "\"9\"")
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "Two Lines"}));
    let (status, body, _) = app.send(request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 2);
}
