//! Seed 000 (User Management v1, `/api/v1/user…`), driven exactly as its document shows, on the
//! whole API: the users and party routes, every error, organization isolation and the role rule.

use reqwest::{Method, StatusCode};
use roster_shared::domain::{UserId, Username};
use roster_shared::password;
use roster_tests::{fresh_party, TestApp};
use serde_json::{json, Value};

/// The documented authorization object: `{name, permissions{4 flags}, id}`.
fn authorization(name: &str, party: &str, flags: [bool; 4]) -> Value {
    json!({
        "name": name,
        "permissions": {
            "canSendDocument": flags[0],
            "canReceiveDocument": flags[1],
            "canRemoveDocument": flags[2],
            "canManageHook": flags[3]
        },
        "id": party
    })
}

/// The stored password hash of the live user `username` (to check what a PUT did).
/// The stored password hash of the live user `username` (`None`: it has no password). A store
/// error or a missing user fails the test instead of reading as "no password".
async fn password_hash(app: &TestApp, username: &str) -> Option<String> {
    let parsed = Username::parse(username).unwrap_or_else(|e| panic!("{username}: {e:?}"));
    app.store
        .find_by_username(&app.org, &parsed)
        .await
        .unwrap_or_else(|e| panic!("reading {username}: {e}"))
        .unwrap_or_else(|| panic!("no live user {username}"))
        .password_hash
}

async fn native_user(app: &TestApp, username: &str) -> Value {
    let (status, page) = app
        .call(Method::GET, &format!("/v1/users?username={username}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["data"][0].clone()
}

#[tokio::test]
async fn put_adds_a_user_with_name_and_password_then_changes_only_its_password() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/user",
            Some(json!({"name": "alice", "password": "first-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body, json!({"name": "alice"}), "never the password");
    let created = native_user(&app, "alice").await;
    assert_eq!(created["role"], "ApUser");
    assert_eq!(created["status"], "ACTIVE");
    assert_eq!(
        created["name"], "alice",
        "the full name defaults to the username"
    );
    assert_eq!(created["hasPassword"], true);
    let first = password_hash(&app, "alice")
        .await
        .unwrap_or_else(|| panic!("alice has a password"));
    assert!(password::verify("first-password".into(), first.clone())
        .await
        .unwrap_or(false));

    // Natively set details survive a seed-000 update, which is a password change only.
    let id = created["id"].as_str().unwrap_or_default();
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/v1/users/{id}"),
            Some(json!({"name": "Alice Example", "emails": ["alice@example.com"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = app
        .call(
            Method::PUT,
            "/api/v1/user",
            Some(json!({"name": "alice", "password": "second-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"name": "alice"}));
    let second = password_hash(&app, "alice")
        .await
        .unwrap_or_else(|| panic!("alice has a password"));
    assert_ne!(first, second);
    assert!(password::verify("second-password".into(), second)
        .await
        .unwrap_or(false));
    let updated = native_user(&app, "alice").await;
    assert_eq!(updated["id"], id, "the same user");
    assert_eq!(updated["name"], "Alice Example");
    assert_eq!(updated["emails"], json!(["alice@example.com"]));
    assert_eq!(updated["version"], 3);
}

#[tokio::test]
async fn get_lists_every_live_user_of_the_organization_by_name() {
    let app = TestApp::spawn().await;
    // More than one storage page (100), so the unpaged list really reads them all.
    for batch in 0..2 {
        let items: Vec<Value> = (0..55)
            .map(|i| json!({"username": format!("u{batch}-{i:02}"), "name": "U"}))
            .collect();
        let (status, body) = app
            .call(Method::POST, "/v1/users", Some(Value::Array(items)))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    let gone = app
        .create_user(json!({"username": "gone", "name": "Gone"}))
        .await;
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/users/{}", gone["id"].as_str().unwrap_or_default()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, list) = app.call(Method::GET, "/api/v1/user", None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let users = list.as_array().cloned().unwrap_or_default();
    assert_eq!(
        users.len(),
        111,
        "110 users and the manager, not the deleted one"
    );
    assert!(users
        .iter()
        .all(|u| u.as_object().map(|o| o.len()) == Some(1)));
    let names: Vec<&str> = users.iter().filter_map(|u| u["name"].as_str()).collect();
    assert!(names.contains(&"admin") && names.contains(&"u1-54"));
    assert!(!names.contains(&"gone"));
}

#[tokio::test]
async fn delete_by_name_is_the_soft_delete() {
    let app = TestApp::spawn().await;
    let bob = app
        .create_user(json!({"username": "bob", "name": "Bob"}))
        .await;
    let (status, body) = app.call(Method::DELETE, "/api/v1/user/bob", None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, stored) = app
        .call(
            Method::GET,
            &format!("/v1/users/{}", bob["id"].as_str().unwrap_or_default()),
            None,
        )
        .await;
    assert_eq!(stored["status"], "DELETED");
    let (_, history) = app.call(Method::GET, "/v1/users/deleted", None).await;
    assert_eq!(history["data"][0]["username"], "bob");
    let (_, list) = app.call(Method::GET, "/api/v1/user", None).await;
    assert_eq!(list, json!([{"name": "admin"}]));
    // The name is free: a second delete finds nobody, a PUT adds a new bob.
    let (status, problem) = app.call(Method::DELETE, "/api/v1/user/bob", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/v1/user",
            Some(json!({"name": "bob", "password": "a-new-password"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    // A manager cannot delete itself (it would lock the organization out).
    let (status, problem) = app.call(Method::DELETE, "/api/v1/user/admin", None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("CANNOT_DELETE_SELF"))
    );
}

#[tokio::test]
async fn party_authorizations_are_added_listed_updated_and_removed_as_documented() {
    let app = TestApp::spawn().await;
    app.create_user(json!({"username": "carol", "name": "Carol"}))
        .await;
    let party = fresh_party();
    let path = "/api/v1/user/carol/party";
    let (status, list) = app.call(Method::GET, path, None).await;
    assert_eq!((status, list), (StatusCode::OK, json!([])));

    let granted = authorization("Acme BV", &party, [true, true, true, true]);
    let (status, body) = app.call(Method::PUT, path, Some(granted.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body, granted);
    let (status, list) = app.call(Method::GET, path, None).await;
    assert_eq!((status, list), (StatusCode::OK, json!([granted])));

    let changed = authorization("Acme B.V.", &party, [true, false, false, true]);
    let (status, body) = app.call(Method::PUT, path, Some(changed.clone())).await;
    assert_eq!((status, body), (StatusCode::OK, changed.clone()));
    let second = fresh_party();
    let other = authorization("Other BV", &second, [false, true, false, false]);
    let (status, _) = app.call(Method::PUT, path, Some(other.clone())).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, list) = app.call(Method::GET, path, None).await;
    let mut listed = list.as_array().cloned().unwrap_or_default();
    listed.sort_by_key(|a| a["id"].as_str().unwrap_or_default().to_string());
    let mut expected = vec![changed, other];
    expected.sort_by_key(|a| a["id"].as_str().unwrap_or_default().to_string());
    assert_eq!(listed, expected);

    // The native API sees the same authorization, and the party was registered with its name.
    let (_, native) = app
        .call(Method::GET, &format!("/v1/parties/{party}"), None)
        .await;
    assert_eq!(native["name"], "Acme BV");

    let (status, body) = app
        .call(Method::DELETE, &format!("{path}/{party}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, list) = app.call(Method::GET, path, None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let (status, problem) = app
        .call(Method::DELETE, &format!("{path}/{party}"), None)
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no such authorization: {problem}"
    );
}

#[tokio::test]
async fn every_party_field_and_each_permission_flag_is_obligatory() {
    let app = TestApp::spawn().await;
    app.create_user(json!({"username": "dave", "name": "Dave"}))
        .await;
    let party = fresh_party();
    let complete = authorization("Acme BV", &party, [true, true, false, false]);
    let mut cases: Vec<(Value, String)> = Vec::new();
    for field in ["name", "permissions", "id"] {
        let mut body = complete.clone();
        body.as_object_mut().map(|m| m.remove(field));
        cases.push((body, field.to_string()));
    }
    for flag in [
        "canSendDocument",
        "canReceiveDocument",
        "canRemoveDocument",
        "canManageHook",
    ] {
        let mut body = complete.clone();
        body["permissions"].as_object_mut().map(|m| m.remove(flag));
        cases.push((body, format!("permissions.{flag}")));
        let mut body = complete.clone();
        body["permissions"][flag] = Value::Null;
        cases.push((body, format!("permissions.{flag}")));
    }
    let mut bad_id = complete.clone();
    bad_id["id"] = json!("not-a-party");
    cases.push((bad_id, "id".into()));
    for (body, field) in cases {
        let (status, problem) = app
            .call(Method::PUT, "/api/v1/user/dave/party", Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem}");
        assert_eq!(problem["code"], "VALIDATION_FAILED");
        assert_eq!(
            problem["errors"].as_array().map(Vec::len),
            Some(1),
            "{problem}"
        );
        assert_eq!(problem["errors"][0]["field"], field.as_str(), "{body}");
    }
    let (_, list) = app.call(Method::GET, "/api/v1/user/dave/party", None).await;
    assert_eq!(list, json!([]), "nothing was granted");
}

#[tokio::test]
async fn bad_requests_are_named_and_never_a_server_error() {
    let app = TestApp::spawn().await;
    // (method, path, body, expected status, the field a 400 names)
    type Case = (
        Method,
        &'static str,
        Option<Value>,
        StatusCode,
        Option<&'static str>,
    );
    let cases: Vec<Case> = vec![
        (
            Method::PUT,
            "/api/v1/user",
            Some(json!({"password": "long enough"})),
            StatusCode::BAD_REQUEST,
            Some("name"),
        ),
        (
            Method::PUT,
            "/api/v1/user",
            Some(json!({"name": "erin"})),
            StatusCode::BAD_REQUEST,
            Some("password"),
        ),
        (
            Method::PUT,
            "/api/v1/user",
            Some(json!({"name": "erin", "password": "short"})),
            StatusCode::BAD_REQUEST,
            Some("password"),
        ),
        (
            Method::PUT,
            "/api/v1/user",
            Some(json!({"name": "no spaces allowed", "password": "long enough"})),
            StatusCode::BAD_REQUEST,
            Some("name"),
        ),
        (
            Method::PUT,
            "/api/v1/user",
            Some(json!({"name": "erin", "password": "long enough", "admin": true})),
            StatusCode::BAD_REQUEST,
            Some("admin"),
        ),
        (
            Method::PUT,
            "/api/v1/user",
            Some(json!([{"name": "erin", "password": "long enough"}])),
            StatusCode::BAD_REQUEST,
            Some("body"),
        ),
        (
            Method::DELETE,
            "/api/v1/user/nobody",
            None,
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            Method::DELETE,
            "/api/v1/user/no%20body",
            None,
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            Method::GET,
            "/api/v1/user/nobody/party",
            None,
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            Method::PUT,
            "/api/v1/user/nobody/party",
            Some(authorization("X", "0106:12345678", [true; 4])),
            StatusCode::NOT_FOUND,
            None,
        ),
        (
            Method::DELETE,
            "/api/v1/user/admin/party/garbage",
            None,
            StatusCode::BAD_REQUEST,
            Some("partyId"),
        ),
        (
            Method::DELETE,
            "/api/v1/user/admin/party/0106:12345678",
            None,
            StatusCode::NOT_FOUND,
            None,
        ),
    ];
    for (method, path, body, expected, field) in cases {
        let (status, problem) = app.call(method.clone(), path, body.clone()).await;
        assert_eq!(status, expected, "{method} {path} {body:?}: {problem}");
        if let Some(field) = field {
            assert_eq!(
                problem["errors"][0]["field"], field,
                "{method} {path}: {problem}"
            );
        }
    }
    let (status, problem, headers) = app
        .send(
            app.req(Method::PUT, "/api/v1/user")
                .header("content-type", "text/plain")
                .body("name=erin"),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{problem}");
    assert_eq!(headers["content-type"], "application/problem+json");
    let (status, problem, _) = app
        .send(
            app.req(Method::PUT, "/api/v1/user")
                .header("content-type", "application/json")
                .body("{\"name\": "),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("MALFORMED_BODY"))
    );
    for key in [None, Some("rst_not-a-real-key")] {
        let mut request = app.http.get(format!("{}/api/v1/user", app.url));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        let (status, problem, headers) = app.send(request).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");
        assert_eq!(headers["content-type"], "application/problem+json");
    }
}

/// Every seed-000 route with a body that would succeed for a manager.
fn routes(party: &str) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/api/v1/user".into(), None),
        (
            Method::PUT,
            "/api/v1/user".into(),
            Some(json!({"name": "victim", "password": "taken-over-123"})),
        ),
        (Method::GET, "/api/v1/user/victim/party".into(), None),
        (
            Method::PUT,
            "/api/v1/user/victim/party".into(),
            Some(authorization("Mine", party, [true; 4])),
        ),
        (
            Method::DELETE,
            format!("/api/v1/user/victim/party/{party}"),
            None,
        ),
        (Method::DELETE, "/api/v1/user/victim".into(), None),
    ]
}

async fn victim(app: &TestApp) -> (Value, String) {
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/v1/user",
            Some(json!({"name": "victim", "password": "original-pass"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let party = fresh_party();
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/v1/user/victim/party",
            Some(authorization("Theirs", &party, [true, false, false, false])),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    (native_user(app, "victim").await, party)
}

#[tokio::test]
async fn an_ap_user_is_refused_on_every_route_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let (before, party) = victim(&app).await;
    let hash = password_hash(&app, "victim").await;
    assert!(hash.is_some(), "the victim has a password");
    let (_, key) = app.user_with_key("plain", "ApUser").await;
    for (method, path, body) in routes(&party) {
        let (status, problem) = app.call_as(&key, method.clone(), &path, body).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("FORBIDDEN")),
            "{method} {path}: {problem}"
        );
    }
    assert_eq!(native_user(&app, "victim").await, before);
    assert_eq!(password_hash(&app, "victim").await, hash);
    let (_, list) = app
        .call(Method::GET, "/api/v1/user/victim/party", None)
        .await;
    assert_eq!(
        list,
        json!([authorization("Theirs", &party, [true, false, false, false])])
    );
}

#[tokio::test]
async fn another_organization_sees_none_of_it_and_changes_nothing() {
    let home = TestApp::spawn().await;
    let stranger = TestApp::spawn().await;
    let (before, party) = victim(&home).await;
    let hash = password_hash(&home, "victim").await;
    assert!(hash.is_some(), "the victim has a password");
    let markers = home.markers().await;
    for (method, path, body) in routes(&party) {
        if path == "/api/v1/user" {
            continue; // organization-wide: acts on the caller's own organization (below)
        }
        let (status, problem) = stranger.call(method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {problem}");
    }
    let (_, theirs) = stranger.call(Method::GET, "/api/v1/user", None).await;
    assert_eq!(theirs, json!([{"name": "admin"}]));
    // The same name in another organization is another user; the home one is untouched.
    let (status, _) = stranger
        .call(
            Method::PUT,
            "/api/v1/user",
            Some(json!({"name": "victim", "password": "taken-over-123"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a username is per organization"
    );
    // A party belongs to one organization.
    let (status, problem) = stranger
        .call(
            Method::PUT,
            "/api/v1/user/victim/party",
            Some(authorization("Mine", &party, [true; 4])),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("PARTY_OWNED_ELSEWHERE"))
    );

    assert_eq!(native_user(&home, "victim").await, before);
    assert_eq!(password_hash(&home, "victim").await, hash);
    assert_eq!(home.markers().await, markers);
    let (_, list) = home
        .call(Method::GET, "/api/v1/user/victim/party", None)
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    let stranger_victim = native_user(&stranger, "victim").await;
    let id = UserId::parse(stranger_victim["id"].as_str().unwrap_or_default());
    assert!(id.is_ok());
    assert_ne!(stranger_victim["id"], before["id"]);
}
