use reqwest::{Method, StatusCode};
use roster_tests::TestApp;
use serde_json::{json, Value};

fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn page_numbers_and_cursors_walk_the_same_users() {
    let app = TestApp::spawn().await;
    let batch: Vec<Value> = (0..11)
        .map(|i| json!({"username": format!("p{i:02}"), "name": format!("P {i}")}))
        .collect();
    app.call(Method::POST, "/v1/users", Some(Value::Array(batch)))
        .await;
    // 12 users (with the manager), 5 per page: pages of 5, 5, 2.
    let mut by_page = Vec::new();
    for page in 1..=3 {
        let (status, body) = app
            .call(Method::GET, &format!("/v1/users?limit=5&page={page}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["pagination"]["totalItems"], 12);
        assert_eq!(body["pagination"]["totalPages"], 3);
        assert_eq!(body["pagination"]["currentPage"], page);
        assert_eq!(body["pagination"]["itemsPerPage"], 5);
        by_page.extend(ids(&body));
    }
    let mut by_cursor = Vec::new();
    let mut url = "/v1/users?limit=5".to_string();
    let mut pages = 0;
    loop {
        let (status, body) = app.call(Method::GET, &url, None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        pages += 1;
        assert_eq!(body["pagination"]["currentPage"], pages);
        by_cursor.extend(ids(&body));
        match body["pagination"]["nextPageUrl"].as_str() {
            Some(next) => url = next.to_string(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(by_page.len(), 12);
    assert_eq!(by_page, by_cursor);
    let (status, beyond) = app
        .call(Method::GET, "/v1/users?limit=5&page=4", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{beyond}");
    assert_eq!(beyond["data"], json!([]), "{beyond}");
    assert_eq!(beyond["pagination"]["totalItems"], 12, "{beyond}");
    assert_eq!(ids(&beyond).len(), 0);
}

#[tokio::test]
async fn tampered_or_foreign_cursors_are_400() {
    let app = TestApp::spawn().await;
    let other = TestApp::spawn().await;
    for i in 0..3 {
        app.create_user(json!({"username": format!("c{i}"), "name": "C"}))
            .await;
    }
    let (status, first) = app.call(Method::GET, "/v1/users?limit=1", None).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let cursor = first["pagination"]["nextCursor"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(!cursor.is_empty(), "{first}");
    let mut tampered = cursor.clone().into_bytes();
    tampered[2] = if tampered[2] == b'x' { b'y' } else { b'x' };
    let tampered = String::from_utf8(tampered).unwrap_or_default();
    for bad in [tampered.as_str(), "garbage", "a.b"] {
        let (status, problem) = app
            .call(Method::GET, &format!("/v1/users?cursor={bad}"), None)
            .await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("INVALID_CURSOR")),
            "{bad}"
        );
    }
    // Another organization's key with this organization's cursor.
    let (status, problem) = other
        .call(Method::GET, &format!("/v1/users?cursor={cursor}"), None)
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("INVALID_CURSOR"))
    );
}

#[tokio::test]
async fn filters_by_status_and_exact_fields() {
    let app = TestApp::spawn().await;
    let q = app.create_user(json!({"username": "quinn", "name": "Q", "emails": ["q@x.io"], "externalId": "q-1", "status": "INACTIVE"})).await;
    app.create_user(json!({"username": "rita", "name": "R"}))
        .await;
    for (query, expected) in [
        ("status=INACTIVE", 1),
        ("status=ACTIVE", 2),
        ("username=QUINN", 1),
        ("email=Q@X.IO", 1),
        ("externalId=q-1", 1),
        ("externalId=nobody", 0),
    ] {
        let (status, body) = app
            .call(Method::GET, &format!("/v1/users?{query}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert_eq!(
            body["pagination"]["totalItems"], expected,
            "{query}: {body}"
        );
        assert_eq!(ids(&body).len(), expected, "{query}");
        if expected == 1 && query != "status=ACTIVE" {
            assert_eq!(body["data"][0]["id"], q["id"], "{query}");
        }
    }
    for (query, field) in [
        ("status=GONE", "status"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("page=0", "page"),
        ("updatedSince=yesterday", "updatedSince"),
        ("email=nope", "email"),
    ] {
        let (status, problem) = app
            .call(Method::GET, &format!("/v1/users?{query}"), None)
            .await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{query}"
        );
    }
}

#[tokio::test]
async fn behind_api_gateway_next_page_links_keep_the_stage() {
    let app = TestApp::spawn().await;
    app.create_user(json!({"username": "stage1", "name": "S"}))
        .await;
    let mut event: Value =
        serde_json::from_str(include_str!("../../../events/users/list-users.json"))
            .unwrap_or_default();
    event["queryStringParameters"] = json!({"limit": "1"});
    event["multiValueQueryStringParameters"] = json!({"limit": ["1"]});
    let filled = event
        .to_string()
        .replace("REPLACE_WITH_ROSTER_API_KEY", &app.manager_key);
    let request =
        roster_shared::http::lambda::request_from_event(&filled).unwrap_or_else(|e| panic!("{e}"));
    let router = roster_users::routes().into_router(app.roster.clone());
    let response = roster_shared::http::lambda::handle(router, request)
        .await
        .unwrap_or_else(|e| match e {});
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let page: Value = serde_json::from_slice(&body).unwrap_or_default();
    let next = page["pagination"]["nextPageUrl"]
        .as_str()
        .unwrap_or_default();
    assert!(
        next.starts_with("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/v1/users?"),
        "{next}"
    );
    assert!(
        next.contains("limit=1") && next.contains("cursor="),
        "{next}"
    );
}

/// `updatedSince` has no counter, and a page by number carries no total: such a page is read
/// and counted in one pass over the index range — one `Query` (the range fits in one 1 MB
/// response), no separate `Select=COUNT` — with the exact total, on the native and seed-001
/// surfaces, and the following pages by number agree.
#[tokio::test]
async fn updated_since_pages_by_number_read_and_count_in_one_query() {
    let plan = roster_tests::faults::FaultPlan::default();
    let app = TestApp::spawn_with_faults(&plan).await;
    let since = roster_shared::clock::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let batch: Vec<Value> = (0..7)
        .map(|i| json!({"username": format!("u{i:02}"), "name": format!("U {i}")}))
        .collect();
    let (status, _) = app
        .call(Method::POST, "/v1/users", Some(Value::Array(batch)))
        .await;
    assert!(status.is_success(), "{status}");
    let queries = |from: usize| {
        plan.seen()[from..]
            .iter()
            .filter(|op| op.as_str() == "Query")
            .count()
    };
    let mut walked = Vec::new();
    for page in 1..=4 {
        let before = plan.seen().len();
        let (status, body) = app
            .call(
                Method::GET,
                &format!("/v1/users?updatedSince={since}&limit=2&page={page}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            queries(before),
            1,
            "page {page}: {:?}",
            &plan.seen()[before..]
        );
        let p = &body["pagination"];
        assert_eq!(
            (p["totalItems"].as_u64(), p["totalPages"].as_u64()),
            (Some(7), Some(4))
        );
        assert_eq!(p["currentPage"], page);
        let expected = if page < 4 { 2 } else { 1 };
        assert_eq!(ids(&body).len(), expected, "{body}");
        assert_eq!(p["nextCursor"].is_string(), page < 4, "{body}");
        walked.extend(ids(&body));
    }
    let mut distinct = walked.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 7, "{walked:?}");
    // Past the end: empty, still the exact total.
    let (_, beyond) = app
        .call(
            Method::GET,
            &format!("/v1/users?updatedSince={since}&limit=2&page=9"),
            None,
        )
        .await;
    assert_eq!(beyond["data"], json!([]));
    assert_eq!(beyond["pagination"]["totalItems"], 7);
    // With a status filter too (it filters the same one pass).
    let first = walked.first().cloned().unwrap_or_default();
    let (status, _) = app
        .call(Method::POST, &format!("/v1/users/{first}/deactivate"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let before = plan.seen().len();
    let (_, inactive) = app
        .call(
            Method::GET,
            &format!("/v1/users?updatedSince={since}&status=INACTIVE&limit=2&page=1"),
            None,
        )
        .await;
    assert_eq!(queries(before), 1);
    assert_eq!(inactive["pagination"]["totalItems"], 1, "{inactive}");
    assert_eq!(ids(&inactive), [first]);
    // Seed 001's updateFrom pages by number on the same path.
    let date = &since[..10];
    let before = plan.seen().len();
    let (status, page2) = app
        .call(
            Method::GET,
            &format!("/User/updateFrom?date={date}&pageSize=3&page=2"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page2}");
    assert_eq!(queries(before), 1, "{:?}", &plan.seen()[before..]);
    // The manager was created today too (before `since`): 8 users changed since the date.
    assert_eq!(page2["pagination"]["totalItems"], 8, "{page2}");
    assert_eq!(page2["pagination"]["totalPages"], 3);
    assert_eq!(page2["data"].as_array().map(Vec::len), Some(3));
}
