use reqwest::{Method, StatusCode};
use roster_tests::TestApp;
use serde_json::{json, Value};

#[tokio::test]
async fn creating_a_user_returns_201_with_location_and_the_user() {
    let app = TestApp::spawn().await;
    let body = json!({
        "username": "alice", "name": "Alice Example", "emails": ["alice@example.com", "a@example.org"],
        "phone": "+31 20 123 4567", "language": "nl", "externalId": "crm-1", "validUntil": "2999-12-31",
        "flags": ["BETA_FEATURES"], "attributes": {"netsId": "1234"}, "password": "correct horse battery",
        "registration": {"state": "REGISTERED"}
    });
    let (status, user, headers) = app
        .send(app.req(Method::POST, "/v1/users").json(&body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().unwrap_or_default();
    assert!(id.starts_with("usr_"), "{id}");
    assert_eq!(headers["location"], format!("/v1/users/{id}").as_str());
    assert_eq!(headers["etag"], "\"1\"");
    assert_eq!(user["username"], "alice");
    assert_eq!(
        user["emails"],
        json!(["alice@example.com", "a@example.org"])
    );
    assert_eq!(user["role"], "ApUser");
    assert_eq!(user["status"], "ACTIVE");
    assert_eq!(user["hasPassword"], true);
    assert_eq!(user["registration"]["state"], "REGISTERED");
    assert!(user["registration"]["time"].as_i64().is_some());
    assert!(user.get("password").is_none() && user.get("passwordHash").is_none());

    let (status, fetched) = app
        .call(Method::GET, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, user);
}

#[tokio::test]
async fn defaults_come_from_the_organization() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "bob", "name": "Bob"}))
        .await;
    assert_eq!(user["language"], "en");
    assert_eq!(user["emails"], json!([]));
    assert_eq!(
        user["registration"],
        json!({"state": "UNREGISTERED", "time": null})
    );
    assert_eq!(user["hasPassword"], false);
}

#[tokio::test]
async fn every_invalid_field_is_named() {
    let app = TestApp::spawn().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"name": "No Username"}), "username", "is required"),
        (json!({"username": "x"}), "name", "is required"),
        (
            json!({"username": "has space", "name": "N"}),
            "username",
            "must contain only",
        ),
        (
            json!({"username": "u1", "name": "N", "emails": ["nope"]}),
            "emails[0]",
            "email address",
        ),
        (
            json!({"username": "u1", "name": "N", "emails": ["a@x.io", "A@X.IO"]}),
            "emails",
            "twice",
        ),
        (
            json!({"username": "u1", "name": "N", "emails": ["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io", "f@x.io"]}),
            "emails",
            "at most 5",
        ),
        (
            json!({"username": "u1", "name": "N", "phone": "020 123"}),
            "phone",
            "E.123",
        ),
        (
            json!({"username": "u1", "name": "N", "language": "xx"}),
            "language",
            "ISO 639-1",
        ),
        (
            json!({"username": "u1", "name": "N", "role": "Admin"}),
            "role",
            "ApUser or ApManager",
        ),
        (
            json!({"username": "u1", "name": "N", "status": "DELETED"}),
            "status",
            "ACTIVE or INACTIVE",
        ),
        (
            json!({"username": "u1", "name": "N", "validUntil": "31-12-2030"}),
            "validUntil",
            "YYYY-MM-DD",
        ),
        (
            json!({"username": "u1", "name": "N", "flags": ["NOPE"]}),
            "flags[0]",
            "must be one of",
        ),
        (
            json!({"username": "u1", "name": "N", "businessPartnerId": "12345"}),
            "businessPartnerId",
            "ICD",
        ),
        (
            json!({"username": "u1", "name": "N", "password": "short"}),
            "password",
            "at least 8",
        ),
        (
            json!({"username": "u1", "name": "N", "attributes": {"1bad": "v"}}),
            "attributes",
            "key",
        ),
        (
            json!({"username": "u1", "name": "N", "registration": {"state": "MAYBE"}}),
            "registration.state",
            "REGISTERED",
        ),
        (
            json!({"username": 5, "name": "N"}),
            "username",
            "must be a string",
        ),
        (
            json!({"username": "u1", "name": "N", "bogus": 1}),
            "bogus",
            "not a known field",
        ),
        (
            json!({"username": "u1", "name": "N", "id": "usr_x"}),
            "id",
            "not a known field",
        ),
    ];
    for (body, field, message) in cases {
        let (status, problem) = app
            .call(Method::POST, "/v1/users", Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem}");
        assert_eq!(problem["code"], "VALIDATION_FAILED");
        let errors = problem["errors"].as_array().cloned().unwrap_or_default();
        assert!(
            errors.iter().any(|e| e["field"] == field
                && e["message"].as_str().unwrap_or_default().contains(message)),
            "{body}: expected {field} / {message} in {problem}"
        );
    }
    // Several bad fields are all reported at once.
    let (_, problem) = app
        .call(
            Method::POST,
            "/v1/users",
            Some(json!({"username": "", "name": "", "phone": "1"})),
        )
        .await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields.len(), 3, "{problem}");
    // Nothing was written by any of them.
    let (_, list) = app.call(Method::GET, "/v1/users", None).await;
    assert_eq!(
        list["pagination"]["totalItems"], 1,
        "only the manager exists: {list}"
    );
}

#[tokio::test]
async fn malformed_wrong_type_and_oversized_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let send_raw = |body: Vec<u8>, content_type: &'static str| {
        app.req(Method::POST, "/v1/users")
            .header("content-type", content_type)
            .body(body)
    };
    let (status, problem, headers) = app
        .send(send_raw(b"{\"username\": ".to_vec(), "application/json"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["code"], "MALFORMED_BODY");
    assert_eq!(headers["content-type"], "application/problem+json");
    assert!(problem["requestId"].as_str().is_some_and(|s| !s.is_empty()));

    let (status, problem, _) = app
        .send(send_raw(
            b"username=alice".to_vec(),
            "application/x-www-form-urlencoded",
        ))
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{problem}");

    let huge = format!(
        "{{\"username\": \"big\", \"name\": \"{}\"}}",
        "n".repeat(300 * 1024)
    );
    let (status, problem, _) = app
        .send(send_raw(huge.into_bytes(), "application/json"))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");

    let (status, problem) = app
        .call(Method::POST, "/v1/users", Some(json!("just a string")))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
}

#[tokio::test]
async fn duplicates_conflict_ignoring_case() {
    let app = TestApp::spawn().await;
    app.create_user(json!({"username": "Carol", "name": "Carol", "emails": ["carol@x.io", "c2@x.io"], "externalId": "ext-9"})).await;
    let cases = [
        (
            json!({"username": "carol", "name": "Other"}),
            "USERNAME_TAKEN",
        ),
        (
            json!({"username": "other1", "name": "Other", "emails": ["CAROL@X.IO"]}),
            "EMAIL_TAKEN",
        ),
        (
            json!({"username": "other2", "name": "Other", "emails": ["new@x.io", "C2@x.io"]}),
            "EMAIL_TAKEN",
        ),
        (
            json!({"username": "other3", "name": "Other", "externalId": "ext-9"}),
            "EXTERNAL_ID_TAKEN",
        ),
    ];
    for (body, code) in cases {
        let (status, problem) = app
            .call(Method::POST, "/v1/users", Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}: {problem}");
        assert_eq!(problem["code"], code, "{body}");
    }
    // The failed creates left no markers behind: Carol's 4 + the manager's username.
    assert_eq!(app.markers().await.len(), 5, "{:?}", app.markers().await);
}

#[tokio::test]
async fn fifty_concurrent_creates_of_one_username_make_exactly_one_user() {
    let app = TestApp::spawn().await;
    let attempts = (0..50).map(|i| {
        let body = json!({"username": "racer", "name": format!("Racer {i}"), "emails": [format!("racer{i}@x.io")]});
        app.call(Method::POST, "/v1/users", Some(body))
    });
    let results = futures_join_all(attempts).await;
    let created = results
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let conflicts = results
        .iter()
        .filter(|(s, b)| *s == StatusCode::CONFLICT && b["code"] == "USERNAME_TAKEN")
        .count();
    assert_eq!((created, conflicts), (1, 49), "{results:?}");
    let markers = app.markers().await;
    let email_markers = markers
        .iter()
        .filter(|m| m.starts_with("UNIQUE#EMAIL#"))
        .count();
    assert_eq!(
        email_markers, 1,
        "exactly the winner's email marker: {markers:?}"
    );
    assert!(markers.contains(&"UNIQUE#USERNAME#racer".to_string()));
    let (_, list) = app
        .call(Method::GET, "/v1/users?username=racer", None)
        .await;
    assert_eq!(list["pagination"]["totalItems"], 1);
    let (_, all) = app.call(Method::GET, "/v1/users", None).await;
    assert_eq!(all["pagination"]["totalItems"], 2, "manager + racer: {all}");
    app.assert_invariants().await;
}

/// Runs futures concurrently on this task (no extra dependency).
pub async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    let mut outputs: Vec<Option<F::Output>> = (0..set.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (i, f) in set.iter_mut().enumerate() {
            if outputs[i].is_none() {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => outputs[i] = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

#[tokio::test]
async fn a_batch_answers_per_item_in_order_and_commits_each_alone() {
    let app = TestApp::spawn().await;
    let batch = json!([
        {"username": "b1", "name": "B One"},
        {"username": "b1", "name": "Duplicate"},
        {"username": "b3", "name": ""},
        "not an object",
        {"username": "b5", "name": "B Five", "emails": ["b5@x.io"]}
    ]);
    let (status, body) = app.call(Method::POST, "/v1/users", Some(batch)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let results = body["results"].as_array().cloned().unwrap_or_default();
    let statuses: Vec<i64> = results
        .iter()
        .filter_map(|r| r["status"].as_i64())
        .collect();
    assert_eq!(statuses, vec![201, 409, 400, 400, 201], "{body}");
    let indexes: Vec<i64> = results.iter().filter_map(|r| r["index"].as_i64()).collect();
    assert_eq!(indexes, vec![0, 1, 2, 3, 4]);
    assert_eq!(results[1]["code"], "USERNAME_TAKEN");
    assert_eq!(results[2]["errors"][0]["field"], "[2].name");
    assert!(results[0]["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("usr_")));
    let (_, list) = app.call(Method::GET, "/v1/users", None).await;
    assert_eq!(list["pagination"]["totalItems"], 3);

    let too_many: Vec<Value> = (0..101)
        .map(|i| json!({"username": format!("m{i}"), "name": "M"}))
        .collect();
    let (status, problem) = app
        .call(Method::POST, "/v1/users", Some(Value::Array(too_many)))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
}

#[tokio::test]
async fn upsert_by_username_creates_then_replaces() {
    let app = TestApp::spawn().await;
    let (status, created) = app
        .call(
            Method::PUT,
            "/v1/users/by-username/dave",
            Some(json!({"name": "Dave", "emails": ["d@x.io"]})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, updated) = app
        .call(
            Method::PUT,
            "/v1/users/by-username/dave",
            Some(json!({"name": "David", "phone": "+45 12 34 56 78"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["id"], created["id"]);
    assert_eq!(updated["name"], "David");
    assert_eq!(
        updated["emails"],
        json!([]),
        "PUT replaces: left-out emails are cleared"
    );
    assert_eq!(updated["version"], 2);
    // The released email can be taken by someone else.
    app.create_user(json!({"username": "erin", "name": "Erin", "emails": ["d@x.io"]}))
        .await;
    let (status, problem) = app
        .call(
            Method::PUT,
            "/v1/users/by-username/dave",
            Some(json!({"username": "other", "name": "X"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    let (status, problem) = app
        .call(
            Method::PUT,
            "/v1/users/by-username/bad%20name",
            Some(json!({"name": "X"})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "username");
}
