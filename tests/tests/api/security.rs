use reqwest::{Method, StatusCode};
use roster_tests::{captured_logs, TestApp};
use serde_json::{json, Value};

/// Every manager route with a request that would succeed for a manager of the user's organization.
fn manager_routes(user: &str, key_id: &str) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/v1/users".into(), None),
        (
            Method::POST,
            "/v1/users".into(),
            Some(json!({"username": "intruder", "name": "I"})),
        ),
        (Method::GET, "/v1/users/deleted".into(), None),
        (Method::GET, format!("/v1/users/{user}"), None),
        (
            Method::PATCH,
            format!("/v1/users/{user}"),
            Some(json!({"name": "Hacked"})),
        ),
        (
            Method::PUT,
            "/v1/users/by-username/victim".into(),
            Some(json!({"name": "Hacked"})),
        ),
        (Method::GET, format!("/v1/users/{user}/profile"), None),
        (
            Method::PATCH,
            format!("/v1/users/{user}/profile"),
            Some(json!({"timezone": "UTC"})),
        ),
        (Method::GET, format!("/v1/users/{user}/api-keys"), None),
        (Method::POST, format!("/v1/users/{user}/api-keys"), None),
        (
            Method::DELETE,
            format!("/v1/users/{user}/api-keys/{key_id}"),
            None,
        ),
        (Method::DELETE, format!("/v1/users/{user}"), None),
    ]
}

#[tokio::test]
async fn an_ap_user_is_refused_on_every_manager_route() {
    let app = TestApp::spawn().await;
    let victim = app
        .create_user(json!({"username": "victim", "name": "Victim"}))
        .await;
    let victim_id = victim["id"].as_str().unwrap_or_default();
    let (status, issued) = app
        .call(
            Method::POST,
            &format!("/v1/users/{victim_id}/api-keys"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, user_key) = app.user_with_key("plain", "ApUser").await;
    for (method, path, body) in manager_routes(victim_id, issued["id"].as_str().unwrap_or_default())
    {
        let (status, problem) = app.call_as(&user_key, method.clone(), &path, body).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("FORBIDDEN")),
            "{method} {path}: {problem}"
        );
    }
    let (status, after) = app
        .call(Method::GET, &format!("/v1/users/{victim_id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after, victim, "nothing changed");
}

#[tokio::test]
async fn another_organization_gets_404_on_every_route_and_changes_nothing() {
    let home = TestApp::spawn().await;
    let stranger = TestApp::spawn().await;
    let victim = home
        .create_user(json!({"username": "victim", "name": "Victim", "emails": ["v@x.io"]}))
        .await;
    let victim_id = victim["id"].as_str().unwrap_or_default();
    let (status, issued) = home
        .call(
            Method::POST,
            &format!("/v1/users/{victim_id}/api-keys"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let markers_before = home.markers().await;
    for (method, path, body) in manager_routes(victim_id, issued["id"].as_str().unwrap_or_default())
    {
        if !path.contains(victim_id) {
            continue; // organization-wide routes act on the caller's own organization
        }
        let (status, problem) = stranger.call(method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {problem}");
    }
    // Organization-wide routes only ever show the caller's own organization.
    let (status, list) = stranger
        .call(Method::GET, "/v1/users?limit=100", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list["data"].is_array(), "{list}");
    assert!(!list.to_string().contains(victim_id));
    let (status, by_name) = stranger
        .call(Method::GET, "/v1/users?username=victim", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{by_name}");
    assert_eq!(by_name["pagination"]["totalItems"], 0);
    let (status, _) = stranger
        .call(
            Method::PUT,
            "/v1/users/by-username/victim",
            Some(json!({"name": "Theirs"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "a username is per organization"
    );

    let (status, after) = home
        .call(Method::GET, &format!("/v1/users/{victim_id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after, victim, "nothing changed");
    assert_eq!(home.markers().await, markers_before);
    let (status, keys) = home
        .call(
            Method::GET,
            &format!("/v1/users/{victim_id}/api-keys"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{keys}");
    assert_eq!(
        keys["data"].as_array().map(Vec::len),
        Some(1),
        "the key survived"
    );
}

#[tokio::test]
async fn no_password_hash_or_key_secret_appears_in_responses_or_logs() {
    let app = TestApp::spawn().await;
    let password = "very-secret-password-123";
    let (status, user, _) = app
        .send(
            app.req(Method::POST, "/v1/users")
                .json(&json!({"username": "sam", "name": "Sam", "password": password})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = user["id"].as_str().unwrap_or_default();
    let key = app.issue_key(id).await;
    let mut responses = vec![user.to_string()];
    for path in [
        format!("/v1/users/{id}"),
        "/v1/users".into(),
        format!("/v1/users/{id}/api-keys"),
    ] {
        let (status, body) = app.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        responses.push(body.to_string());
    }
    // The reads really show the user and its key (so the absence below means something).
    assert!(
        responses[1].contains("\"hasPassword\":true"),
        "{}",
        responses[1]
    );
    assert!(
        responses[3].contains(&key[..12]),
        "the key's prefix: {}",
        responses[3]
    );
    let (status, me) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["id"], id);
    responses.push(me.to_string());
    let (status, bad) = app
        .call(
            Method::PATCH,
            &format!("/v1/users/{id}"),
            Some(json!({"password": "x"})),
        )
        .await;
    assert_eq!(
        (status, bad["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("password")),
        "{bad}"
    );
    responses.push(bad.to_string());
    for text in &responses {
        assert!(
            !text.contains(password) && !text.contains("$argon2") && !text.contains(&key),
            "leak in {text}"
        );
    }
    let logs = captured_logs();
    assert!(
        logs.contains("\"route\""),
        "requests are logged: {}",
        &logs[..logs.len().min(500)]
    );
    for secret in [password, key.as_str(), app.manager_key.as_str(), "$argon2"] {
        assert!(!logs.contains(secret), "a secret reached the logs");
    }
}
