use reqwest::{Method, StatusCode};
use roster_tests::TestApp;
use serde_json::json;

#[tokio::test]
async fn deleting_releases_the_identity_and_records_history() {
    let app = TestApp::spawn().await;
    let before = "2000-01-01";
    let user = app.create_user(json!({"username": "leo", "name": "Leo", "emails": ["leo@x.io"], "externalId": "leo-1"})).await;
    let id = user["id"].as_str().unwrap_or_default().to_string();
    let (status, body) = app
        .call(Method::DELETE, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    // Idempotent.
    let (status, _) = app
        .call(Method::DELETE, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (_, deleted) = app
        .call(Method::GET, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(deleted["status"], "DELETED");
    assert!(deleted["deletedAt"].as_str().is_some());

    // Released: a new user takes all three.
    let newcomer = app.create_user(json!({"username": "LEO", "name": "New Leo", "emails": ["leo@x.io"], "externalId": "leo-1"})).await;
    assert_ne!(newcomer["id"], user["id"]);

    let (status, history) = app.call(Method::GET, "/v1/users/deleted", None).await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert_eq!(history["pagination"]["totalItems"], 1);
    assert_eq!(history["data"][0]["userId"], id.as_str());
    assert_eq!(history["data"][0]["username"], "leo");
    assert_eq!(history["data"][0]["deletedBy"], app.manager_id.as_str());

    // A sync sees the deletion through updatedSince; the plain list does not show deleted users.
    let (_, changes) = app
        .call(
            Method::GET,
            &format!("/v1/users?updatedSince={before}&limit=100"),
            None,
        )
        .await;
    let statuses: Vec<(String, String)> = changes["data"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|u| {
                    (
                        u["id"].as_str().unwrap_or_default().to_string(),
                        u["status"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        statuses.contains(&(id.clone(), "DELETED".to_string())),
        "{changes}"
    );
    assert_eq!(changes["pagination"]["totalItems"], 3);
    let (_, live) = app.call(Method::GET, "/v1/users", None).await;
    assert_eq!(live["pagination"]["totalItems"], 2);
    let (_, deleted_only) = app
        .call(Method::GET, "/v1/users?status=DELETED", None)
        .await;
    assert_eq!(deleted_only["pagination"]["totalItems"], 1);
    assert_eq!(deleted_only["data"][0]["id"], id.as_str());

    // A deleted user cannot be patched.
    let (status, problem) = app
        .call(
            Method::PATCH,
            &format!("/v1/users/{id}"),
            Some(json!({"name": "Ghost"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("USER_DELETED"))
    );
}

#[tokio::test]
async fn a_manager_cannot_delete_itself_and_unknown_ids_are_404() {
    let app = TestApp::spawn().await;
    let (status, problem) = app
        .call(
            Method::DELETE,
            &format!("/v1/users/{}", app.manager_id),
            None,
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("CANNOT_DELETE_SELF"))
    );
    for id in ["usr_01HZZZZZZZZZZZZZZZZZZZZZZZ", "nonsense"] {
        let (status, problem) = app
            .call(Method::DELETE, &format!("/v1/users/{id}"), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{id}: {problem}");
    }
}

/// After a soft delete, what the README promises of the user's data: the profile reads as the
/// deleted user's and cannot be changed (409 `USER_DELETED`), the keys answer 401 wherever they
/// are sent, the party authorizations are kept but flagged inactive (`userStatus` `DELETED`,
/// `active` false) in every view, and nothing new can be granted or issued. Restoring puts the
/// authorizations back in force.
#[tokio::test]
async fn a_deleted_user_s_profile_keys_and_authorizations_stop_working() {
    let app = TestApp::spawn().await;
    let (user, key) = app.user_with_key("leaving", "ApUser").await;
    let id = user["id"].as_str().unwrap_or_default().to_string();
    let party = roster_tests::fresh_party();
    let permissions = json!({"canSendDocument": true, "canReceiveDocument": true, "canRemoveDocument": false, "canManageHook": false});
    let (status, granted) = app
        .call(
            Method::PUT,
            &format!("/v1/users/{id}/parties/{party}"),
            Some(json!({"name": "P", "permissions": permissions})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{granted}");
    assert_eq!(granted["active"], true, "{granted}");
    let (status, mine) = app.call_as(&key, Method::GET, "/v1/me/parties", None).await;
    assert_eq!(status, StatusCode::OK, "{mine}");
    let (status, profile) = app
        .call(Method::GET, &format!("/v1/users/{id}/profile"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{profile}");

    let (status, body) = app
        .call(Method::DELETE, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // The profile: readable as the deleted user's, unchanged, and not changeable.
    let (status, after) = app
        .call(Method::GET, &format!("/v1/users/{id}/profile"), None)
        .await;
    assert_eq!((status, &after), (StatusCode::OK, &profile));
    assert_eq!(after["userId"], id.as_str());
    let (status, problem) = app
        .call(
            Method::PATCH,
            &format!("/v1/users/{id}/profile"),
            Some(json!({"timezone": "Europe/Copenhagen"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("USER_DELETED")),
        "{problem}"
    );

    // The keys: 401 on every surface and header, own routes included.
    for (path, header) in [
        ("/v1/me", "x-api-key"),
        ("/v1/me/profile", "x-api-key"),
        ("/v1/me/parties", "x-api-key"),
        ("/v1/languages", "x-api-key"),
        ("/api/user/management/v4/users", "Authorization"),
        ("/User/Index", "X-eSignatur-Id"),
    ] {
        let value = if header == "Authorization" {
            format!("Apikey {key}")
        } else {
            key.clone()
        };
        let request = app
            .http
            .get(format!("{}{path}", app.url))
            .header(header, value)
            .header("X-eSignatur-CreatorId", "admin");
        let (status, body, _) = app.send(request).await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{path} with {header}: {body}"
        );
    }
    // Its keys died with it (removed in the delete's transaction), and no key can be issued to
    // it (404, as openapi.yaml's issueKey documents).
    let (status, keys) = app
        .call(Method::GET, &format!("/v1/users/{id}/api-keys"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{keys}");
    assert_eq!(keys["data"].as_array().map(Vec::len), Some(0), "{keys}");
    let (status, problem) = app
        .call(Method::POST, &format!("/v1/users/{id}/api-keys"), None)
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("NOT_FOUND")),
        "{problem}"
    );

    // The authorizations: kept, flagged inactive in both views; no new grant.
    let (status, theirs) = app
        .call(Method::GET, &format!("/v1/users/{id}/parties"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{theirs}");
    assert_eq!(theirs["data"].as_array().map(Vec::len), Some(1), "{theirs}");
    assert_eq!(
        (
            &theirs["data"][0]["userStatus"],
            &theirs["data"][0]["active"]
        ),
        (&json!("DELETED"), &json!(false)),
        "{theirs}"
    );
    let (status, holders) = app
        .call(Method::GET, &format!("/v1/parties/{party}/users"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{holders}");
    assert_eq!(
        (
            &holders["data"][0]["userStatus"],
            &holders["data"][0]["active"]
        ),
        (&json!("DELETED"), &json!(false)),
        "{holders}"
    );
    let (status, problem) = app
        .call(
            Method::PUT,
            &format!("/v1/users/{id}/parties/{}", roster_tests::fresh_party()),
            Some(json!({"name": "Q", "permissions": permissions})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("USER_DELETED")),
        "{problem}"
    );

    // Restoring puts the authorizations back in force.
    let (status, restored) = app
        .call(Method::POST, &format!("/v1/users/{id}/restore"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    let (status, theirs) = app
        .call(Method::GET, &format!("/v1/users/{id}/parties"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{theirs}");
    assert_eq!(
        (
            &theirs["data"][0]["userStatus"],
            &theirs["data"][0]["active"]
        ),
        (&json!("ACTIVE"), &json!(true)),
        "{theirs}"
    );
    app.assert_invariants().await;
}
