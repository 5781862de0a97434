use reqwest::{Method, StatusCode};
use roster_tests::{fresh_gln, fresh_party, TestApp};
use serde_json::{json, Value};

fn perms(send: bool, receive: bool, remove: bool, hook: bool) -> Value {
    json!({"canSendDocument": send, "canReceiveDocument": receive, "canRemoveDocument": remove, "canManageHook": hook})
}

async fn user(app: &TestApp, username: &str) -> String {
    app.create_user(json!({"username": username, "name": username}))
        .await["id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn granting_registers_the_party_and_regranting_changes_permissions() {
    let app = TestApp::spawn().await;
    let id = user(&app, "uma").await;
    let party = fresh_party();
    let path = format!("/v1/users/{id}/parties/{party}");
    let (status, granted) = app
        .call(
            Method::PUT,
            &path,
            Some(json!({"name": "Acme BV", "permissions": perms(true, true, false, false)})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{granted}");
    assert_eq!(granted["partyId"], party.as_str());
    assert_eq!(granted["permissions"], perms(true, true, false, false));
    assert_eq!(granted["active"], true);
    let (status, changed) = app
        .call(
            Method::PUT,
            &path,
            Some(json!({"name": "Acme B.V.", "permissions": perms(true, false, true, true)})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["permissions"], perms(true, false, true, true));

    let (_, registered) = app
        .call(Method::GET, &format!("/v1/parties/{party}"), None)
        .await;
    assert_eq!(
        registered["name"], "Acme BV",
        "registered with the first grant's name"
    );
    assert_eq!(registered["authorizations"], 1);
    let (_, list) = app
        .call(Method::GET, &format!("/v1/users/{id}/parties"), None)
        .await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    // Case-insensitive ids: the ISO 6523 scheme prefix and case do not make another party.
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/v1/users/{id}/parties/ISO6523-ACTORID-UPIS::{party}"),
            Some(json!({"name": "Acme", "permissions": perms(true, true, true, true)})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn every_permission_flag_is_required_and_boolean() {
    let app = TestApp::spawn().await;
    let id = user(&app, "vera").await;
    let path = format!("/v1/users/{id}/parties/{}", fresh_party());
    for missing in [
        "canSendDocument",
        "canReceiveDocument",
        "canRemoveDocument",
        "canManageHook",
    ] {
        let mut p = perms(true, true, true, true);
        p.as_object_mut().map(|m| m.remove(missing));
        let (status, problem) = app
            .call(
                Method::PUT,
                &path,
                Some(json!({"name": "P", "permissions": p})),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            problem["errors"][0]["field"],
            format!("permissions.{missing}"),
            "{problem}"
        );
    }
    let cases = [
        (
            json!({"permissions": perms(true, true, true, true)}),
            "name",
        ),
        (json!({"name": "P"}), "permissions"),
        (
            json!({"name": "P", "permissions": {"canSendDocument": "yes", "canReceiveDocument": true, "canRemoveDocument": true, "canManageHook": true}}),
            "permissions.canSendDocument",
        ),
        (
            json!({"name": "P", "permissions": perms(true, true, true, true), "extra": 1}),
            "extra",
        ),
    ];
    for (body, field) in cases {
        let (status, problem) = app.call(Method::PUT, &path, Some(body.clone())).await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some(field)),
            "{body}: {problem}"
        );
    }
    for bad in ["12345678", "0106:1234", "9999:abc"] {
        let (status, problem) = app
            .call(
                Method::PUT,
                &format!("/v1/users/{id}/parties/{bad}"),
                Some(json!({"name": "P", "permissions": perms(true, true, true, true)})),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("partyId")),
            "{bad}"
        );
    }
    let (_, parties) = app.call(Method::GET, "/v1/parties", None).await;
    assert_eq!(
        parties["pagination"]["totalItems"], 0,
        "nothing registered by failed grants"
    );
}

#[tokio::test]
async fn the_registry_is_per_organization_and_guards_deletes() {
    let app = TestApp::spawn().await;
    let other = TestApp::spawn().await;
    let gln = fresh_gln();
    let body = json!({"id": gln, "name": "Registered", "tin": "NL1", "contactName": "Jan", "commercialName": "Trade"});
    let (status, party, headers) = app
        .send(app.req(Method::POST, "/v1/parties").json(&body))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{party}");
    assert_eq!(headers["location"], format!("/v1/parties/{gln}").as_str());
    let (status, problem) = app
        .call(Method::POST, "/v1/parties", Some(body.clone()))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("PARTY_EXISTS"))
    );
    let (status, problem) = other
        .call(Method::POST, "/v1/parties", Some(body.clone()))
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("PARTY_OWNED_ELSEWHERE"))
    );
    let stranger = user(&other, "sten").await;
    let (status, problem) = other
        .call(
            Method::PUT,
            &format!("/v1/users/{stranger}/parties/{gln}"),
            Some(json!({"name": "Mine", "permissions": perms(true, true, true, true)})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("PARTY_OWNED_ELSEWHERE"))
    );
    let (status, _) = other
        .call(Method::GET, &format!("/v1/parties/{gln}"), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, patched) = app
        .call(
            Method::PATCH,
            &format!("/v1/parties/{gln}"),
            Some(json!({"contactName": "Piet", "tin": null})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(
        (patched["contactName"].as_str(), patched["tin"].clone()),
        (Some("Piet"), json!(null))
    );
    let (status, problem) = app
        .call(
            Method::PATCH,
            &format!("/v1/parties/{gln}"),
            Some(json!({"id": fresh_party()})),
        )
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("id"))
    );

    let holder = user(&app, "hilde").await;
    app.call(
        Method::PUT,
        &format!("/v1/users/{holder}/parties/{gln}"),
        Some(json!({"name": "R", "permissions": perms(true, true, true, true)})),
    )
    .await;
    let (status, problem) = app
        .call(Method::DELETE, &format!("/v1/parties/{gln}"), None)
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("PARTY_HAS_AUTHORIZATIONS"))
    );
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/parties/{gln}?cascade=true"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, auths) = app
        .call(Method::GET, &format!("/v1/users/{holder}/parties"), None)
        .await;
    assert_eq!(
        auths["data"],
        json!([]),
        "cascade revoked the authorization"
    );
    // Released: the other organization may register it now.
    let (status, _) = other.call(Method::POST, "/v1/parties", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn party_users_show_who_acts_and_who_does_not() {
    let app = TestApp::spawn().await;
    let party = fresh_party();
    let active = user(&app, "act").await;
    let inactive = user(&app, "idle").await;
    let (gone_user, gone_key) = app.user_with_key("gone", "ApUser").await;
    let gone = gone_user["id"].as_str().unwrap_or_default().to_string();
    for (id, p) in [
        (&active, perms(true, false, false, false)),
        (&inactive, perms(false, true, false, false)),
        (&gone, perms(true, true, true, true)),
    ] {
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/v1/users/{id}/parties/{party}"),
                Some(json!({"name": "Shared", "permissions": p})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, mine) = app
        .call_as(&gone_key, Method::GET, "/v1/me/parties", None)
        .await;
    assert_eq!(
        (status, mine["data"][0]["partyId"].as_str()),
        (StatusCode::OK, Some(party.as_str()))
    );
    app.call(
        Method::PATCH,
        &format!("/v1/users/{inactive}"),
        Some(json!({"status": "INACTIVE"})),
    )
    .await;
    app.call(Method::DELETE, &format!("/v1/users/{gone}"), None)
        .await;

    let (status, page) = app
        .call(
            Method::GET,
            &format!("/v1/parties/{party}/users?limit=2"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["pagination"]["totalItems"], 3);
    let mut rows: Vec<Value> = page["data"].as_array().cloned().unwrap_or_default();
    let next = page["pagination"]["nextPageUrl"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (_, rest) = app.call(Method::GET, &next, None).await;
    rows.extend(rest["data"].as_array().cloned().unwrap_or_default());
    let state = |id: &str| {
        rows.iter()
            .find(|r| r["userId"] == id)
            .map(|r| (r["userStatus"].clone(), r["active"].clone()))
    };
    assert_eq!(state(&active), Some((json!("ACTIVE"), json!(true))));
    assert_eq!(state(&inactive), Some((json!("INACTIVE"), json!(false))));
    assert_eq!(state(&gone), Some((json!("DELETED"), json!(false))));

    // Restoring brings the authorization back into force.
    let (status, _) = app
        .call(Method::POST, &format!("/v1/users/{gone}/restore"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, after) = app
        .call(Method::GET, &format!("/v1/users/{gone}/parties"), None)
        .await;
    assert_eq!(
        (
            after["data"][0]["active"].clone(),
            after["data"][0]["userStatus"].clone()
        ),
        (json!(true), json!("ACTIVE"))
    );
    // A deleted user cannot be granted anything.
    app.call(Method::DELETE, &format!("/v1/users/{inactive}"), None)
        .await;
    let (status, problem) = app
        .call(
            Method::PUT,
            &format!("/v1/users/{inactive}/parties/{}", fresh_party()),
            Some(json!({"name": "X", "permissions": perms(true, true, true, true)})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("USER_DELETED"))
    );
}

#[tokio::test]
async fn business_partner_must_be_registered() {
    let app = TestApp::spawn().await;
    let party = fresh_party();
    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/users",
            Some(json!({"username": "w", "name": "W", "businessPartnerId": party})),
        )
        .await;
    // A conflict with the organization's registry (registering the party makes the same
    // request succeed), not malformed input.
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("PARTY_NOT_REGISTERED")),
        "{problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("businessPartnerId:")),
        "{problem}"
    );
    app.call(
        Method::POST,
        "/v1/parties",
        Some(json!({"id": party, "name": "Partner"})),
    )
    .await;
    let user = app
        .create_user(json!({"username": "w", "name": "W", "businessPartnerId": party}))
        .await;
    assert_eq!(user["businessPartnerId"], party.as_str());
}

#[tokio::test]
async fn party_routes_keep_organizations_apart_and_need_a_manager() {
    let app = TestApp::spawn().await;
    let other = TestApp::spawn().await;
    let id = user(&app, "xena").await;
    let party = fresh_party();
    let (status, granted) = app
        .call(
            Method::PUT,
            &format!("/v1/users/{id}/parties/{party}"),
            Some(json!({"name": "P", "permissions": perms(true, true, true, true)})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{granted}");
    let (_, user_key) = app.user_with_key("yuri", "ApUser").await;
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/v1/users/{id}/parties"), None),
        (
            Method::PUT,
            format!("/v1/users/{id}/parties/{party}"),
            Some(json!({"name": "P", "permissions": perms(false, false, false, false)})),
        ),
        (
            Method::DELETE,
            format!("/v1/users/{id}/parties/{party}"),
            None,
        ),
        (Method::GET, format!("/v1/parties/{party}"), None),
        (
            Method::PATCH,
            format!("/v1/parties/{party}"),
            Some(json!({"name": "Hijacked"})),
        ),
        (Method::GET, format!("/v1/parties/{party}/users"), None),
        (
            Method::DELETE,
            format!("/v1/parties/{party}?cascade=true"),
            None,
        ),
    ];
    for (method, path, body) in &routes {
        let (status, problem) = app
            .call_as(&user_key, method.clone(), path, body.clone())
            .await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "ApUser {method} {path}: {problem}"
        );
        // Another organization's user and party are as unknown there as ids that do not exist.
        let (status, problem) = other.call(method.clone(), path, body.clone()).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("NOT_FOUND")),
            "other org {method} {path}: {problem}"
        );
    }
    for (method, path) in [(Method::GET, "/v1/parties"), (Method::POST, "/v1/parties")] {
        let (status, _) = app
            .call_as(
                &user_key,
                method.clone(),
                path,
                Some(json!({"id": fresh_party(), "name": "N"})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
    }
    // The party is owned by `app`'s organization: the other one's own user cannot be granted it.
    let theirs = user(&other, "zed").await;
    let (status, problem) = other
        .call(
            Method::PUT,
            &format!("/v1/users/{theirs}/parties/{party}"),
            Some(json!({"name": "P", "permissions": perms(true, true, true, true)})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("PARTY_OWNED_ELSEWHERE")),
        "{problem}"
    );
    let (status, after) = app
        .call(Method::GET, &format!("/v1/parties/{party}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(
        (after["name"].as_str(), after["authorizations"].as_u64()),
        (Some("P"), Some(1)),
        "nothing changed"
    );
}

#[tokio::test]
async fn an_invalid_required_field_is_reported_once() {
    let app = TestApp::spawn().await;
    let (status, problem) = app
        .call(
            Method::POST,
            "/v1/parties",
            Some(json!({"id": "0106:1", "name": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields, ["id", "name"], "{problem}");
    let (_, problem) = app.call(Method::POST, "/v1/parties", Some(json!({}))).await;
    let messages: Vec<&str> = problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["message"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(messages, ["is required", "is required"], "{problem}");
}
