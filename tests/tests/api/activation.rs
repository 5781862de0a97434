use reqwest::{Method, StatusCode};
use roster_tests::{config, TestApp};
use serde_json::json;

#[tokio::test]
async fn activate_and_deactivate_are_idempotent_and_return_the_user() {
    let app = TestApp::spawn().await;
    let (user, key) = app.user_with_key("zoe", "ApUser").await;
    let id = user["id"].as_str().unwrap_or_default();
    for _ in 0..2 {
        let (status, body) = app
            .call(Method::POST, &format!("/v1/users/{id}/deactivate"), None)
            .await;
        assert_eq!(
            (status, body["status"].as_str()),
            (StatusCode::OK, Some("INACTIVE")),
            "{body}"
        );
    }
    let (status, _) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for _ in 0..2 {
        let (status, body) = app
            .call(Method::POST, &format!("/v1/users/{id}/activate"), None)
            .await;
        assert_eq!(
            (status, body["status"].as_str()),
            (StatusCode::OK, Some("ACTIVE"))
        );
    }
    let (status, _) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, counts) = app
        .call(Method::GET, "/v1/users?status=INACTIVE", None)
        .await;
    assert_eq!(counts["pagination"]["totalItems"], 0);
    let (status, problem) = app
        .call_as(
            &key,
            Method::POST,
            &format!("/v1/users/{id}/deactivate"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    let (status, _) = app
        .call(
            Method::POST,
            "/v1/users/usr_01HZZZZZZZZZZZZZZZZZZZZZZZ/activate",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = app
        .call(
            Method::POST,
            &format!("/v1/users/{}/deactivate", app.manager_id),
            None,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("CANNOT_DEACTIVATE_SELF"))
    );
}

#[tokio::test]
async fn batches_answer_per_id() {
    let app = TestApp::spawn().await;
    let a = app
        .create_user(json!({"username": "ba", "name": "A"}))
        .await;
    let b = app
        .create_user(json!({"username": "bb", "name": "B"}))
        .await;
    let (a, b) = (
        a["id"].as_str().unwrap_or_default(),
        b["id"].as_str().unwrap_or_default(),
    );
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/users/deactivate",
            Some(json!({"ids": [a, "usr_01HZZZZZZZZZZZZZZZZZZZZZZZ", b, "junk"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let statuses: Vec<&str> = body["results"]
        .as_array()
        .map(|r| r.iter().filter_map(|x| x["status"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(statuses, ["OK", "ERROR", "OK", "ERROR"]);
    assert_eq!(body["results"][1]["code"], "NOT_FOUND");
    assert_eq!(body["results"][0]["id"], a);
    let (_, inactive) = app
        .call(Method::GET, "/v1/users?status=INACTIVE", None)
        .await;
    assert_eq!(inactive["pagination"]["totalItems"], 2);
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/users/activate",
            Some(json!({"ids": [a, b]})),
        )
        .await;
    assert_eq!(
        (status, body["results"][1]["status"].as_str()),
        (StatusCode::OK, Some("OK"))
    );
    for (body, field) in [
        (json!({}), "ids"),
        (json!({"ids": "x"}), "ids"),
        (json!({"ids": [1]}), "ids[0]"),
        (json!({"ids": [], "x": 1}), "x"),
    ] {
        let (status, problem) = app
            .call(Method::POST, "/v1/users/activate", Some(body.clone()))
            .await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{body}"
        );
    }
    let too_many: Vec<String> = (0..101).map(|_| a.to_string()).collect();
    let (status, _) = app
        .call(
            Method::POST,
            "/v1/users/activate",
            Some(json!({"ids": too_many})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn restore_reclaims_the_identity_or_refuses_when_taken() {
    let app = TestApp::spawn().await;
    let first = app
        .create_user(
            json!({"username": "ria", "name": "Ria", "emails": ["ria@x.io"], "externalId": "r-1"}),
        )
        .await;
    let second = app
        .create_user(json!({"username": "rob", "name": "Rob", "emails": ["rob@x.io"]}))
        .await;
    let (first, second) = (
        first["id"].as_str().unwrap_or_default(),
        second["id"].as_str().unwrap_or_default(),
    );
    for id in [first, second] {
        let (status, body) = app
            .call(Method::DELETE, &format!("/v1/users/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "deleting {id}: {body}");
        let (status, gone) = app
            .call(Method::GET, &format!("/v1/users/{id}"), None)
            .await;
        assert_eq!(
            (status, gone["status"].as_str()),
            (StatusCode::OK, Some("DELETED")),
            "{gone}"
        );
    }
    // The deletes released the identities (so the restore below has something to re-claim).
    let markers = app.markers().await;
    for released in [
        "UNIQUE#USERNAME#ria",
        "UNIQUE#USERNAME#rob",
        "UNIQUE#EMAIL#rob@x.io",
    ] {
        assert!(!markers.contains(&released.to_string()), "{markers:?}");
    }
    // Someone takes Ria's email meanwhile.
    app.create_user(json!({"username": "thief", "name": "T", "emails": ["RIA@x.io"]}))
        .await;
    let (status, problem) = app
        .call(Method::POST, &format!("/v1/users/{first}/restore"), None)
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("EMAIL_TAKEN")),
        "{problem}"
    );
    let (status, still) = app
        .call(Method::GET, &format!("/v1/users/{first}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{still}");
    assert_eq!(still["status"], "DELETED", "nothing half-written");
    assert!(!app
        .markers()
        .await
        .contains(&"UNIQUE#USERNAME#ria".to_string()));

    let (status, restored) = app
        .call(Method::POST, &format!("/v1/users/{second}/restore"), None)
        .await;
    assert_eq!(
        (status, restored["status"].as_str()),
        (StatusCode::OK, Some("ACTIVE")),
        "{restored}"
    );
    assert_eq!(restored["deletedAt"], json!(null));
    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/users",
            Some(json!({"username": "ROB", "name": "Other"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("USERNAME_TAKEN")),
        "re-claimed"
    );
    let (status, again) = app
        .call(Method::POST, &format!("/v1/users/{second}/restore"), None)
        .await;
    assert_eq!(
        (status, again["version"].clone()),
        (StatusCode::OK, restored["version"].clone()),
        "idempotent"
    );
    let (status, live) = app.call(Method::GET, "/v1/users", None).await;
    assert_eq!(status, StatusCode::OK, "{live}");
    assert_eq!(live["pagination"]["totalItems"], 3, "manager, thief, rob");
    let (status, deleted) = app
        .call(Method::GET, "/v1/users?status=DELETED", None)
        .await;
    assert_eq!(status, StatusCode::OK, "{deleted}");
    assert_eq!(deleted["pagination"]["totalItems"], 1);
}

/// The sweep spans every organization of a table, so it gets a table of its own here.
fn sweep_config() -> roster_shared::config::Config {
    let mut c = config();
    c.table_name = format!(
        "roster-sweep-{}",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    c
}

#[tokio::test]
async fn the_sweep_deactivates_expired_users_in_every_organization_once() {
    let config = sweep_config();
    let one = TestApp::spawn_with(config.clone()).await;
    let two = TestApp::spawn_with(config.clone()).await;
    let expired_one = one
        .create_user(json!({"username": "old", "name": "Old", "validUntil": "2001-01-01"}))
        .await;
    let expired_two = two
        .create_user(json!({"username": "old", "name": "Old", "validUntil": "2020-06-30"}))
        .await;
    let current = one
        .create_user(json!({"username": "fresh", "name": "Fresh", "validUntil": "2999-01-01"}))
        .await;
    let (inactive, _) = (one.create_user(json!({"username": "off", "name": "Off", "validUntil": "2001-01-01", "status": "INACTIVE"})).await, ());

    let event = include_str!("../../../events/activation/scheduled-sweep.json");
    let payload: serde_json::Value = serde_json::from_str(event).unwrap_or_default();
    assert!(roster_activation::is_scheduled_event(&payload));
    let run = || {
        let mut context = lambda_http::Context::default();
        context.deadline = u64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0),
        )
        .unwrap_or(0)
            + 60_000;
        let router = roster_activation::routes().into_router(one.roster.clone());
        roster_activation::handle_event(
            router,
            one.roster.clone(),
            lambda_http::LambdaEvent::new(payload.clone(), context),
        )
    };
    // Two runs at once are safe: each user is deactivated exactly once.
    let (a, b) = tokio::join!(run(), run());
    let (a, b) = (a.unwrap_or_default(), b.unwrap_or_default());
    assert_eq!(
        a["deactivated"].as_u64().unwrap_or(9) + b["deactivated"].as_u64().unwrap_or(9),
        2,
        "{a} {b}"
    );
    assert_eq!(a["failed"], 0);
    for (app, user, expected) in [
        (&one, &expired_one, "INACTIVE"),
        (&two, &expired_two, "INACTIVE"),
        (&one, &current, "ACTIVE"),
        (&one, &inactive, "INACTIVE"),
    ] {
        let (_, now) = app
            .call(
                Method::GET,
                &format!("/v1/users/{}", user["id"].as_str().unwrap_or_default()),
                None,
            )
            .await;
        assert_eq!(now["status"], expected, "{now}");
    }
    let (_, counted) = one
        .call(Method::GET, "/v1/users?status=INACTIVE", None)
        .await;
    assert_eq!(counted["pagination"]["totalItems"], 2);
    // A third run finds nothing left to do.
    let third = run().await.unwrap_or_default();
    assert_eq!(third["deactivated"], 0, "{third}");
}
