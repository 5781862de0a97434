use reqwest::{Method, StatusCode};
use roster_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn patch_is_a_merge_patch_with_rename_and_email_changes() {
    let app = TestApp::spawn().await;
    let user = app.create_user(json!({"username": "frank", "name": "Frank", "emails": ["f@x.io"], "phone": "+45 12 34 56 78", "externalId": "f-1"})).await;
    let path = format!("/v1/users/{}", user["id"].as_str().unwrap_or_default());
    let (status, patched) = app
        .call(Method::PATCH, &path, Some(json!({"username": "franky", "emails": ["franky@x.io"], "phone": null, "externalId": "f-2"})))
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["username"], "franky");
    assert_eq!(patched["name"], "Frank", "left-out fields are kept");
    assert_eq!(patched["phone"], json!(null), "null removes");
    assert_eq!(patched["version"], 2);
    // The old username, email and external id are free again; the new ones are taken.
    app.create_user(json!({"username": "frank", "name": "New Frank", "emails": ["f@x.io"], "externalId": "f-1"})).await;
    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/users",
            Some(json!({"username": "FRANKY", "name": "X"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("USERNAME_TAKEN"))
    );
    assert_eq!(
        app.markers().await.len(),
        1 + 3 + 3,
        "{:?}",
        app.markers().await
    );
}

#[tokio::test]
async fn renaming_onto_a_taken_username_changes_nothing() {
    let app = TestApp::spawn().await;
    app.create_user(json!({"username": "gina", "name": "Gina"}))
        .await;
    let hal = app
        .create_user(json!({"username": "hal", "name": "Hal", "emails": ["hal@x.io"]}))
        .await;
    let path = format!("/v1/users/{}", hal["id"].as_str().unwrap_or_default());
    let (status, problem) = app
        .call(
            Method::PATCH,
            &path,
            Some(json!({"username": "Gina", "emails": ["hal2@x.io"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    let (_, still) = app.call(Method::GET, &path, None).await;
    assert_eq!(still, hal, "nothing half-written");
    let markers = app.markers().await;
    assert!(
        markers.contains(&"UNIQUE#EMAIL#hal@x.io".to_string())
            && !markers.iter().any(|m| m.contains("hal2")),
        "{markers:?}"
    );
}

#[tokio::test]
async fn if_match_guards_against_lost_updates() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "ivy", "name": "Ivy"}))
        .await;
    let path = format!("/v1/users/{}", user["id"].as_str().unwrap_or_default());
    let (status, _, headers) = app
        .send(
            app.req(Method::PATCH, &path)
                .header("if-match", "\"1\"")
                .json(&json!({"name": "Ivy 2"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["etag"], "\"2\"");
    let (status, problem, _) = app
        .send(
            app.req(Method::PATCH, &path)
                .header("if-match", "\"1\"")
                .json(&json!({"name": "Ivy 3"})),
        )
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{problem}");
    assert_eq!(problem["code"], "PRECONDITION_FAILED");
    let (_, current) = app.call(Method::GET, &path, None).await;
    assert_eq!(current["name"], "Ivy 2");
    let (status, _, _) = app
        .send(
            app.req(Method::PATCH, &path)
                .header("if-match", "garbage")
                .json(&json!({"name": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn patch_refuses_removing_required_fields_and_unknown_ones() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "jay", "name": "Jay"}))
        .await;
    let path = format!("/v1/users/{}", user["id"].as_str().unwrap_or_default());
    for (body, field) in [
        (json!({"name": null}), "name"),
        (json!({"username": null}), "username"),
        (json!({"createdAt": "2020-01-01"}), "createdAt"),
        (json!({"status": "DELETED"}), "status"),
    ] {
        let (status, problem) = app.call(Method::PATCH, &path, Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
}

#[tokio::test]
async fn the_default_profile_exists_and_can_be_patched() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "kim", "name": "Kim"}))
        .await;
    let path = format!(
        "/v1/users/{}/profile",
        user["id"].as_str().unwrap_or_default()
    );
    let (status, profile) = app.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{profile}");
    assert_eq!(profile["isDefault"], true);
    assert_eq!(profile["userId"], user["id"]);
    let (status, patched) = app
        .call(
            Method::PATCH,
            &path,
            Some(json!({"timezone": "Europe/Copenhagen", "preferences": {"theme": "dark"}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["timezone"], "Europe/Copenhagen");
    assert_eq!(patched["version"], 2);
    let (status, problem) = app
        .call(
            Method::PATCH,
            &path,
            Some(json!({"timezone": "not a zone!"})),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("timezone"))
    );
}

#[tokio::test]
async fn a_manager_cannot_lock_itself_out_through_patch() {
    let app = TestApp::spawn().await;
    let path = format!("/v1/users/{}", app.manager_id);
    for (body, code) in [
        (json!({"status": "INACTIVE"}), "CANNOT_DEACTIVATE_SELF"),
        (json!({"role": "ApUser"}), "CANNOT_DEMOTE_SELF"),
        (
            json!({"validUntil": "2001-01-01"}),
            "CANNOT_DEACTIVATE_SELF",
        ),
    ] {
        let (status, problem) = app.call(Method::PATCH, &path, Some(body.clone())).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::CONFLICT, Some(code)),
            "{body}"
        );
    }
    let (status, _) = app.call(Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_patch_that_changes_nothing_writes_nothing() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "noop", "name": "No Op", "emails": ["noop@x.io"]}))
        .await;
    let path = format!("/v1/users/{}", user["id"].as_str().unwrap_or_default());
    for body in [
        json!({}),
        json!({"name": "No Op"}),
        json!({"emails": ["noop@x.io"], "phone": null}),
    ] {
        let (status, same, headers) = app
            .send(
                app.req(Method::PATCH, &path)
                    .header("if-match", "\"1\"")
                    .json(&body),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}: {same}");
        assert_eq!(same, user, "{body}: same version, updatedAt and updatedBy");
        assert_eq!(headers["etag"], "\"1\"");
    }
    let (status, stored) = app.call(Method::GET, &path, None).await;
    assert_eq!((status, &stored), (StatusCode::OK, &user));
}
