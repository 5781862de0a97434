//! Regressions of issue 10's fixes, each through HTTP: every surface answers in its own shape
//! (405s, undecodable path segments, `Accept: application/xml` on seed 002), the V4 surface
//! hides deleted users, every create path records who created, and input the seeds do not allow
//! is refused.

use reqwest::{Method, StatusCode};
use roster_tests::TestApp;
use serde_json::{json, Value};

fn content_type(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The native view of the user `username`.
async fn native_user(app: &TestApp, username: &str) -> Value {
    let (status, page) = app
        .call(Method::GET, &format!("/v1/users?username={username}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let users = page["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(users.len(), 1, "one user named {username}: {page}");
    users[0].clone()
}

#[tokio::test]
async fn a_user_deleted_on_the_v4_surface_is_gone_there_and_deleted_natively() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "gone", "name": "Gone Soon", "emails": ["gone@x.io"]}))
        .await;
    let id = user["id"].as_str().unwrap_or_default();
    let path = format!("/api/user/management/v4/users/{id}");
    let (status, body) = app.call(Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, body) = app.call(Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    let (status, body, headers) = app.send(app.req(Method::GET, &path)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(content_type(&headers), "application/problem+json");
    assert_eq!(body["code"], "NOT_FOUND");
    let patch = json!({"data": {"type": "users", "id": id, "attributes": {"name": "Back Again"}}});
    let (status, body) = app.call(Method::PATCH, &path, Some(patch)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["code"], "NOT_FOUND");

    let (status, native) = app
        .call(Method::GET, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{native}");
    assert_eq!(native["status"], "DELETED");
    assert_eq!(
        native["name"], "Gone Soon",
        "the refused PATCH changed nothing"
    );
    app.assert_invariants().await;
}

#[tokio::test]
async fn users_created_through_seeds_000_and_001_record_who_created_them() {
    let app = TestApp::spawn().await;
    let manager = app.manager_id.to_string();

    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/user",
            Some(json!({"name": "bob", "password": "correct horse"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let bob = native_user(&app, "bob").await;
    assert_eq!(bob["createdBy"], manager.as_str(), "{bob}");
    assert_eq!(bob["updatedBy"], manager.as_str(), "{bob}");

    let item = json!({"idRemote": "crm-9", "username": "carla", "name": "Carla Create",
        "email": "carla@x.io", "languageId": "en", "active": true});
    let (status, body) = app
        .call(Method::POST, "/User/create", Some(json!([item])))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let carla = native_user(&app, "carla").await;
    assert_eq!(carla["createdBy"], manager.as_str(), "{carla}");
    assert_eq!(carla["updatedBy"], manager.as_str(), "{carla}");
    assert!(
        carla.get("createdVia").is_none(),
        "no one acted for another: {carla}"
    );
}

#[tokio::test]
async fn seed_003_records_the_keys_user_beside_the_creator_it_acts_for() {
    let app = TestApp::spawn().await;
    let boss = app
        .create_user(json!({"username": "boss", "name": "Boss Person", "role": "ApManager"}))
        .await;
    let boss_id = boss["id"].as_str().unwrap_or_default().to_string();
    let manager = app.manager_id.to_string();
    let esig = |path: &str, body: Value| {
        app.http
            .post(format!("{}{path}", app.url))
            .header("X-eSignatur-Id", &app.manager_key)
            .header("X-eSignatur-CreatorId", "boss")
            .json(&body)
    };

    let (status, body, _) = app
        .send(esig(
            "/User/Add",
            json!([{"UserId": "ulla", "Name": "Ulla User", "Emails": ["ulla@x.io"]}]),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[0]["Status"], "OK", "{body}");
    let ulla = native_user(&app, "ulla").await;
    assert_eq!(ulla["createdBy"], boss_id.as_str(), "{ulla}");
    assert_eq!(ulla["createdVia"], manager.as_str(), "{ulla}");

    let (status, body, _) = app
        .send(esig(
            "/User/Update",
            json!([{"UserId": "ulla", "Name": "Ulla Renamed"}]),
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[0]["Status"], "OK", "{body}");
    let ulla = native_user(&app, "ulla").await;
    assert_eq!(ulla["updatedBy"], boss_id.as_str(), "{ulla}");
    assert_eq!(ulla["updatedVia"], manager.as_str(), "{ulla}");
    assert_eq!(ulla["createdVia"], manager.as_str(), "{ulla}");

    // A native change by the key's own user clears updatedVia: nobody acted for another.
    let id = ulla["id"].as_str().unwrap_or_default();
    let (status, body) = app
        .call(
            Method::PATCH,
            &format!("/v1/users/{id}"),
            Some(json!({"name": "Ulla Native"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["updatedBy"], manager.as_str(), "{body}");
    assert!(body.get("updatedVia").is_none(), "{body}");
}

#[tokio::test]
async fn seed_000_answers_an_undecodable_name_in_its_own_shape() {
    let app = TestApp::spawn().await;
    for (method, path) in [
        (Method::DELETE, "/api/v1/user/%FF"),
        (Method::GET, "/api/v1/user/%FF%FE/party"),
        (Method::DELETE, "/api/v1/user/%FF/party/0106:12345678"),
    ] {
        let (status, body, headers) = app.send(app.req(method.clone(), path)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {body}");
        assert_eq!(content_type(&headers), "application/problem+json", "{path}");
        assert_eq!(body["code"], "NOT_FOUND", "{path}: {body}");
    }
}

#[tokio::test]
async fn seed_002_errors_stay_problem_json_when_xml_is_asked_for() {
    let app = TestApp::spawn().await;
    for (method, path, body, status) in [
        (
            Method::GET,
            "/api/user/management/v4/users/not-an-id",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/api/user/management/v4/users?page[size]=0",
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/api/management/user",
            Some(json!({"name": 7})),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let mut request = app
            .req(method.clone(), path)
            .header("accept", "application/xml");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let (got, problem, headers) = app.send(request).await;
        assert_eq!(got, status, "{method} {path}: {problem}");
        assert_eq!(content_type(&headers), "application/problem+json", "{path}");
        assert_eq!(problem["status"], status.as_u16(), "{path}: {problem}");
    }
    // Natively XML is still honoured.
    let (status, _, headers) = app
        .send(
            app.req(Method::GET, "/v1/users/not-an-id")
                .header("accept", "application/xml"),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(content_type(&headers), "application/problem+xml");
}

#[tokio::test]
async fn a_wrong_method_on_a_known_route_answers_405_in_the_surfaces_shape() {
    let app = TestApp::spawn().await;

    let (status, body, headers) = app.send(app.req(Method::POST, "/User/getUser")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_eq!(content_type(&headers), "application/json");
    assert_eq!(
        body,
        json!({"code": 405, "error": "This path does not support that method."})
    );
    assert!(
        headers.get("allow").is_some_and(|v| v == "GET,HEAD"),
        "{headers:?}"
    );

    let (status, body, headers) = app
        .send(
            app.http
                .delete(format!("{}/User/Index", app.url))
                .header("X-eSignatur-Id", &app.manager_key)
                .header("X-eSignatur-CreatorId", "admin"),
        )
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_eq!(content_type(&headers), "application/json; charset=utf-8");
    assert_eq!(body["Status"], "ERROR", "{body}");
    assert_eq!(body["Code"], "METHOD_NOT_ALLOWED", "{body}");
    assert!(headers.get("allow").is_some(), "{headers:?}");

    let (status, body, headers) = app.send(app.req(Method::PUT, "/v1/users")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_eq!(content_type(&headers), "application/problem+json");
    assert_eq!(body["code"], "METHOD_NOT_ALLOWED", "{body}");
    assert!(headers.get("allow").is_some(), "{headers:?}");
}

#[tokio::test]
async fn seed_001_refuses_a_date_with_a_signed_year() {
    let app = TestApp::spawn().await;
    for date in ["-0001-01-01", "+2024-01-01"] {
        let (status, body) = app
            .call(
                Method::GET,
                &format!("/User/updateFrom?date={}", date.replace('+', "%2B")),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{date}: {body}");
        assert_eq!(body["code"], 400);
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("Parameter date is invalid")),
            "{date}: {body}"
        );
    }
    let (status, body) = app
        .call(Method::GET, "/User/updateFrom?date=1999-01-01", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn seed_002_refuses_a_null_type_and_a_null_id() {
    let app = TestApp::spawn().await;
    let base = "/api/user/management/v4/users";
    let attributes = json!({"name": "Nora Null", "contact_details": {"email": "nora@x.io"}});
    let (status, body) = app
        .call(
            Method::POST,
            base,
            Some(json!({"data": {"type": null, "attributes": attributes}})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["field"], "data.type", "{body}");
    let (status, page) = app
        .call(Method::GET, "/v1/users?username=nora@x.io", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["data"], json!([]), "nothing was created");

    let user = app
        .create_user(json!({"username": "nora", "name": "Nora Person"}))
        .await;
    let id = user["id"].as_str().unwrap_or_default();
    let path = format!("{base}/{id}");
    for (data, field) in [
        (
            json!({"type": null, "attributes": {"name": "X Y"}}),
            "data.type",
        ),
        (
            json!({"type": "users", "id": null, "attributes": {"name": "X Y"}}),
            "data.id",
        ),
    ] {
        let (status, body) = app
            .call(Method::PATCH, &path, Some(json!({ "data": data })))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{data}: {body}");
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    let (_, after) = app
        .call(Method::GET, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(
        after["name"], "Nora Person",
        "the refused patches changed nothing"
    );
    assert_eq!(after["version"], 1);
}
