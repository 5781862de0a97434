use reqwest::{Method, StatusCode};
use roster_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn keys_are_shown_once_listed_as_metadata_and_revocable() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "mia", "name": "Mia"}))
        .await;
    let id = user["id"].as_str().unwrap_or_default();
    let (status, issued, headers) = app
        .send(app.req(Method::POST, &format!("/v1/users/{id}/api-keys")))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    assert_eq!(headers["cache-control"], "no-store");
    let key = issued["key"].as_str().unwrap_or_default().to_string();
    assert!(key.starts_with("rst_") && key.len() >= 36, "{key}");
    assert!(key.starts_with(issued["prefix"].as_str().unwrap_or("?")));

    // The key works for its user.
    let (status, me) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!((status, me["id"].as_str()), (StatusCode::OK, Some(id)));

    let list = listing_once_used(&app, id).await;
    let listed = &list["data"][0];
    assert_eq!(listed["id"], issued["id"]);
    assert!(
        listed["lastUsedAt"].as_str().is_some(),
        "use is recorded: {list}"
    );
    assert!(
        !list.to_string().contains(&key),
        "the secret is never listed"
    );
    assert!(listed.get("hash").is_none());

    let key_path = format!(
        "/v1/users/{id}/api-keys/{}",
        issued["id"].as_str().unwrap_or_default()
    );
    let (status, _) = app.call(Method::DELETE, &key_path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, problem) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("INVALID_API_KEY"))
    );
    let (status, _) = app.call(Method::DELETE, &key_path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn keys_of_inactive_or_deleted_users_are_refused() {
    let app = TestApp::spawn().await;
    let (user, key) = app.user_with_key("nora", "ApUser").await;
    let path = format!("/v1/users/{}", user["id"].as_str().unwrap_or_default());
    let (status, _) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);

    app.call(Method::PATCH, &path, Some(json!({"status": "INACTIVE"})))
        .await;
    let (status, problem) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("CALLER_INACTIVE"))
    );

    app.call(
        Method::PATCH,
        &path,
        Some(json!({"status": "ACTIVE", "validUntil": "2001-01-01"})),
    )
    .await;
    let (status, _) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "expired");

    app.call(Method::PATCH, &path, Some(json!({"validUntil": null})))
        .await;
    let (status, _) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK, "valid again");

    app.call(Method::DELETE, &path, None).await;
    let (status, _) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, problem) = app
        .call(Method::POST, &format!("{path}/api-keys"), None)
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "no keys for deleted users: {problem}"
    );
}

#[tokio::test]
async fn missing_and_unknown_keys_are_401_in_every_header_form() {
    let app = TestApp::spawn().await;
    let url = format!("{}/v1/me", app.url);
    let (status, problem, _) = app.send(app.http.get(&url)).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("MISSING_API_KEY"))
    );
    for (name, value) in [
        ("x-api-key", "rst_unknown"),
        ("authorization", "Bearer rst_unknown"),
    ] {
        let (status, problem, _) = app.send(app.http.get(&url).header(name, value)).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("INVALID_API_KEY")),
            "{name}: {value}"
        );
    }
    for (name, value) in [
        ("x-api-key", app.manager_key.clone()),
        ("authorization", format!("Apikey {}", app.manager_key)),
        ("authorization", format!("Bearer {}", app.manager_key)),
        ("authorization", app.manager_key.clone()),
        ("x-esignatur-id", app.manager_key.clone()),
    ] {
        let (status, _, _) = app.send(app.http.get(&url).header(name, value)).await;
        assert_eq!(status, StatusCode::OK, "{name}");
    }
}

#[tokio::test]
async fn a_refused_key_of_an_inactive_user_is_still_recorded_as_used() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "otto", "name": "Otto", "status": "INACTIVE"}))
        .await;
    let id = user["id"].as_str().unwrap_or_default();
    let key = app.issue_key(id).await;
    let keys_path = format!("/v1/users/{id}/api-keys");
    let (_, before) = app.call(Method::GET, &keys_path, None).await;
    assert_eq!(before["data"][0]["lastUsedAt"], json!(null), "{before}");

    // The key's first presentation: refused (its user is inactive), and recorded as used (in the
    // background, once the reads that refused it are in).
    let (status, problem) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("CALLER_INACTIVE"))
    );
    let after = listing_once_used(&app, id).await;
    assert!(
        after["data"][0]["lastUsedAt"].as_str().is_some(),
        "a presented key is recorded as used: {after}"
    );
}

/// The requests made since `from` (operation names, sorted: parallel requests have no order),
/// once `expected` many have been made (the lastUsedAt write is not awaited by the answer;
/// bounded wait, then whatever was made).
async fn requests_since(
    plan: &roster_tests::faults::FaultPlan,
    from: usize,
    expected: usize,
) -> Vec<String> {
    for _ in 0..500 {
        if plan.seen().len() >= from + expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let mut seen = plan.seen().split_off(from);
    seen.sort();
    seen
}

/// The key listing of user `id` once its first key shows a `lastUsedAt` (the stamp is written
/// in the background; bounded wait, then the listing as it is).
async fn listing_once_used(app: &TestApp, id: &str) -> serde_json::Value {
    let mut listed = json!(null);
    for _ in 0..500 {
        listed = app
            .call(Method::GET, &format!("/v1/users/{id}/api-keys"), None)
            .await
            .1;
        if listed["data"][0]["lastUsedAt"].is_string() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    listed
}

#[tokio::test]
async fn a_new_keys_first_call_reads_its_key_user_and_organization_in_one_request() {
    let plan = roster_tests::faults::FaultPlan::default();
    let app = TestApp::spawn_with_faults(&plan).await;
    let (user, key) = app.user_with_key("lena", "ApUser").await;
    // The key names where it lives: its organization, then its user's and its own ULID.
    let user_ulid = user["id"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("usr_");
    assert!(key.contains(&format!(".{}.{user_ulid}.", app.org)), "{key}");

    let before = plan.seen().len();
    let (status, me) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!((status, &me["id"]), (StatusCode::OK, &user["id"]), "{me}");
    // One BatchGetItem (lookup item, user, organization), the lastUsedAt write (in the
    // background), and /v1/me's own read: no key-lookup GetItem before the others.
    assert_eq!(
        requests_since(&plan, before, 3).await,
        ["BatchGetItem", "GetItem", "UpdateItem"]
    );
}

#[tokio::test]
async fn a_key_stamped_lately_is_not_stamped_again_by_another_instance() {
    let plan = roster_tests::faults::FaultPlan::default();
    let app = TestApp::spawn_with_faults(&plan).await;
    let (user, key) = app.user_with_key("mira", "ApUser").await;
    let id = user["id"].as_str().unwrap_or_default();
    let (status, _) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    let stamped = listing_once_used(&app, id).await;
    let first = stamped["data"][0]["lastUsedAt"].clone();
    assert!(first.is_string(), "{stamped}");

    // Another instance (its own cold cache, the same table) reads the fresh stamp with the key
    // and writes nothing.
    let other = roster_shared::auth::Authenticator::new(
        app.store.clone(),
        roster_shared::auth::DEFAULT_CACHE_TTL,
    );
    let before = plan.seen().len();
    let principal = other
        .resolve(&key)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .principal;
    assert_eq!(principal.user_id.as_str(), id);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(requests_since(&plan, before, 1).await, ["BatchGetItem"]);
    let (_, again) = app
        .call(Method::GET, &format!("/v1/users/{id}/api-keys"), None)
        .await;
    assert_eq!(again["data"][0]["lastUsedAt"], first, "{again}");
}

#[tokio::test]
async fn keys_issued_before_keys_named_their_place_still_work_and_are_revocable() {
    let plan = roster_tests::faults::FaultPlan::default();
    let app = TestApp::spawn_with_faults(&plan).await;
    let user = app
        .create_user(json!({"username": "olaf", "name": "Olaf"}))
        .await;
    let id = user["id"].as_str().unwrap_or_default();
    let user_id = roster_shared::domain::UserId::parse(id).unwrap_or_else(|e| panic!("{e}"));
    // A key of the earlier shape (`rst_` + 32 characters), stored as the service stored them.
    let old = format!("rst_0ldSt7leKey{}", "A".repeat(21));
    let record = roster_shared::store::KeyRecord {
        key_id: roster_shared::domain::KeyId::generate(),
        org: app.org.clone(),
        user_id,
        prefix: old[..12].to_string(),
        hash: roster_shared::auth::hash_key(&old),
        created_at: "2026-01-01T00:00:00.000Z".into(),
        last_used_at: None,
    };
    let audit = app
        .store
        .operator_context(&app.org)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.store
        .create_key(&record, &audit)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let before = plan.seen().len();
    let (status, me) = app.call_as(&old, Method::GET, "/v1/me", None).await;
    assert_eq!(
        (status, me["id"].as_str()),
        (StatusCode::OK, Some(id)),
        "{me}"
    );
    // Found by its hash alone: the lookup item, then user and organization beside the write.
    assert_eq!(
        requests_since(&plan, before, 5).await,
        ["GetItem", "GetItem", "GetItem", "GetItem", "UpdateItem"]
    );
    let keys_path = format!("/v1/users/{id}/api-keys");
    let listed = listing_once_used(&app, id).await;
    assert!(
        listed["data"][0]["lastUsedAt"].as_str().is_some(),
        "{listed}"
    );

    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("{keys_path}/{}", record.key_id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // The instance that revoked it forgets it at once.
    let (status, _) = app.call_as(&old, Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    app.assert_invariants().await;
}

#[tokio::test]
async fn a_string_that_names_a_real_keys_place_without_being_it_is_refused_and_stamps_nothing() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "pia", "name": "Pia"}))
        .await;
    let id = user["id"].as_str().unwrap_or_default();
    let key = app.issue_key(id).await;
    // The real key's locator behind another random part.
    let (_, locator) = key.split_at(4 + 32);
    let forged = format!("rst_{}{locator}", "F".repeat(32));
    assert_ne!(forged, key);
    for _ in 0..2 {
        let (status, problem) = app.call_as(&forged, Method::GET, "/v1/me", None).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("INVALID_API_KEY")),
            "{problem}"
        );
    }
    let (_, listed) = app
        .call(Method::GET, &format!("/v1/users/{id}/api-keys"), None)
        .await;
    assert_eq!(
        listed["data"][0]["lastUsedAt"],
        json!(null),
        "the real key was never used: {listed}"
    );
    // The real key still works.
    let (status, _) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    app.assert_invariants().await;
}
