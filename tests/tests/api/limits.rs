//! Bounds that keep every item and every page small: `flags` is a set (each flag stored once),
//! and a page number reaches at most 10,000 items deep (deeper is what cursors are for), on
//! every surface that takes one.

use reqwest::{Method, StatusCode};
use roster_shared::store::Cursor;
use roster_tests::TestApp;
use serde_json::{json, Value};

#[tokio::test]
async fn flags_are_a_set_on_every_write() {
    let app = TestApp::spawn().await;
    let many: Vec<&str> = (0..10_000)
        .map(|i| ["BETA_FEATURES", "MFA_REQUIRED"][i % 2])
        .collect();
    let user = app
        .create_user(json!({"username": "flaggy", "name": "F", "flags": many}))
        .await;
    assert_eq!(user["flags"], json!(["BETA_FEATURES", "MFA_REQUIRED"]));
    let id = user["id"].as_str().unwrap_or_default().to_string();
    // Stored once: the item holds two flags, not 10,000.
    let stored = app
        .partition()
        .await
        .into_iter()
        .find(|(sk, _)| sk == &format!("USER#{id}"))
        .map(|(_, item)| item)
        .unwrap_or_default();
    let flags = stored
        .get("flags")
        .and_then(|v| v.as_l().ok())
        .map(Vec::len);
    assert_eq!(flags, Some(2), "{stored:?}");

    let (status, patched) = app
        .call(
            Method::PATCH,
            &format!("/v1/users/{id}"),
            Some(json!({"flags": ["MFA_REQUIRED", "MFA_REQUIRED", "API_ACCESS_RESTRICTED"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(
        patched["flags"],
        json!(["MFA_REQUIRED", "API_ACCESS_RESTRICTED"])
    );
    let (status, put) = app
        .call(
            Method::PUT,
            "/v1/users/by-username/flaggy",
            Some(json!({"name": "F", "flags": ["BETA_FEATURES", "BETA_FEATURES"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{put}");
    assert_eq!(put["flags"], json!(["BETA_FEATURES"]));

    // Seed 002 (`user_flags`) goes through the same service.
    let (status, v4, _) = app
        .send(
            app.req(Method::POST, "/api/user/management/v4/users")
                .json(&json!({
                    "data": {"type": "users", "attributes": {
                        "name": "V", "contact_details": {"email": "flags@example.com"},
                        "user_flags": ["LICENSE_PURCHASE_RESTRICTED", "LICENSE_PURCHASE_RESTRICTED"]
                    }}
                })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v4}");
    assert_eq!(
        v4["data"]["attributes"]["user_flags"],
        json!(["LICENSE_PURCHASE_RESTRICTED"])
    );
}

/// `(status, body)` of a GET, whatever its format.
async fn get(app: &TestApp, path: &str) -> (StatusCode, Value) {
    app.call(Method::GET, path, None).await
}

#[tokio::test]
async fn a_page_number_reaches_ten_thousand_items_and_names_the_cursor_beyond() {
    let app = TestApp::spawn().await;
    // Natively: limit × (page - 1) ≤ 10,000 is read (empty here), beyond is 400.
    let (status, page) = get(&app, "/v1/users?limit=100&page=101").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["data"], json!([]));
    assert_eq!(page["pagination"]["currentPage"], 101);
    for query in [
        "limit=100&page=102",
        "page=4000000000",
        "limit=1&page=4294967295",
    ] {
        let (status, problem) = get(&app, &format!("/v1/users?{query}")).await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("page")),
            "{query}: {problem}"
        );
        let message = problem["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("cursor"), "{message}");
    }
    for path in [
        "/v1/users/deleted?page=4000000000",
        "/v1/parties?page=4000000000",
        "/v1/users?updatedSince=2020-01-01&page=4000000000",
    ] {
        let (status, problem) = get(&app, path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {problem}");
    }
    // Seed 002 names its own parameters.
    let (status, problem) = get(
        &app,
        "/api/user/management/v4/users?page[number]=4000000000",
    )
    .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("page[number]")),
        "{problem}"
    );
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("page[cursor]")),
        "{problem}"
    );
    // Seed 001 answers in its own error format.
    let (status, error) = get(&app, "/User/getUser?page=4000000000&pageSize=10").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    assert_eq!(error["code"], 400, "{error}");
    assert!(
        error["error"]
            .as_str()
            .is_some_and(|m| m.contains("cursor")),
        "{error}"
    );
}

#[tokio::test]
async fn a_forged_cursor_to_the_last_page_number_is_400_not_an_overflow() {
    let app = TestApp::spawn().await;
    for i in 0..2 {
        app.create_user(json!({"username": format!("deep{i}"), "name": "D"}))
            .await;
    }
    let (status, first) = get(&app, "/v1/users?limit=1").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let issued = first["pagination"]["nextCursor"]
        .as_str()
        .unwrap_or_default();
    let real = Cursor::decode(issued, &app.org).unwrap_or_else(|e| panic!("{e}"));
    // The tag only binds a cursor to its organization: a client can re-number its own cursor.
    for page in [u32::MAX, u32::MAX - 1] {
        let forged = Cursor {
            page,
            ..real.clone()
        }
        .encode(&app.org);
        let (status, body) = get(&app, &format!("/v1/users?limit=1&cursor={forged}")).await;
        if page == u32::MAX {
            assert_eq!(
                (status, body["code"].as_str()),
                (StatusCode::BAD_REQUEST, Some("INVALID_CURSOR")),
                "{body}"
            );
        } else {
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(body["pagination"]["currentPage"], u64::from(page));
            assert_eq!(
                body["pagination"]["nextCursor"],
                Value::Null,
                "no page after it can be numbered"
            );
        }
    }
}
