//! The audit trail: every change on every surface writes exactly one record, in the change's own
//! transaction, naming its actor, target, changed fields, request id, source address and
//! surface; failed changes write none; secrets never enter; `GET /v1/audit` filters by key
//! conditions, pages newest first, and shows only the caller's organization.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use roster_shared::audit::{Action, Surface};
use roster_shared::store::{keys, OrgSettings};
use roster_tests::faults::{Fault, FaultPlan};
use roster_tests::{fresh_party, TestApp, TABLE};
use serde_json::{json, Value};

/// Every record matching `query` (all pages, newest first).
async fn records(app: &TestApp, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut path = format!("/v1/audit?limit=100&{query}");
    loop {
        let (status, page) = app.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}: {page}");
        out.extend(page["data"].as_array().cloned().unwrap_or_default());
        match page["pagination"]["nextCursor"].as_str() {
            Some(cursor) => path = format!("/v1/audit?limit=100&{query}&cursor={cursor}"),
            None => return out,
        }
    }
}

/// How many records of each action name `target`.
async fn actions_of(app: &TestApp, target: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for record in records(app, &format!("target={target}")).await {
        *counts
            .entry(record["action"].as_str().unwrap_or_default().to_string())
            .or_default() += 1;
    }
    counts
}

/// The one record of `action` about `target` (asserting there is exactly one).
async fn the_record(app: &TestApp, target: &str, action: &str) -> Value {
    let found = records(app, &format!("target={target}&action={action}")).await;
    assert_eq!(found.len(), 1, "{action} of {target}: {found:#?}");
    found[0].clone()
}

/// The key id of the manager's key (its only one).
async fn manager_key_id(app: &TestApp) -> String {
    let (_, keys) = app
        .call(
            Method::GET,
            &format!("/v1/users/{}/api-keys", app.manager_id),
            None,
        )
        .await;
    keys["data"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn change<'a>(record: &'a Value, field: &str) -> &'a Value {
    record["changes"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["field"] == field))
        .unwrap_or(&Value::Null)
}

/// Sends and returns the status and the response's `x-request-id`.
async fn send_with_id(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value, String) {
    let mut request = app.req(method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let (status, body, headers) = app.send(request).await;
    let id = headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, body, id)
}

#[tokio::test]
async fn each_native_user_change_writes_one_record_with_its_actor_request_and_surface() {
    let app = TestApp::spawn().await;
    let key_id = manager_key_id(&app).await;
    let (status, user, created_request) = send_with_id(
        &app,
        Method::POST,
        "/v1/users",
        Some(json!({"username": "anna", "name": "Anna", "emails": ["anna@example.com"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().unwrap_or_default().to_string();
    let path = format!("/v1/users/{id}");
    for (body, _) in [
        (json!({"name": "Anna B"}), "user.updated"),
        (json!({"username": "anna.b"}), "user.renamed"),
        (json!({"role": "ApManager"}), "user.role_changed"),
        (json!({"password": "first secret 1"}), "user.password_set"),
        (
            json!({"password": "second secret 2"}),
            "user.password_changed",
        ),
    ] {
        let (status, body) = app.call(Method::PATCH, &path, Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    for (method, route) in [
        (Method::POST, format!("{path}/deactivate")),
        (Method::POST, format!("{path}/activate")),
        (Method::DELETE, path.clone()),
        (Method::POST, format!("{path}/restore")),
    ] {
        let (status, body) = app.call(method, &route, None).await;
        assert!(status.is_success(), "{route}: {body}");
    }
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("{path}/profile"),
            Some(json!({"timezone": "Europe/Copenhagen"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, issued) = app
        .call(Method::POST, &format!("{path}/api-keys"), None)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let new_key = issued["id"].as_str().unwrap_or_default();
    let (status, _) = app
        .call(Method::DELETE, &format!("{path}/api-keys/{new_key}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let expected: BTreeMap<String, usize> = [
        "user.created",
        "user.updated",
        "user.renamed",
        "user.role_changed",
        "user.password_set",
        "user.password_changed",
        "user.deactivated",
        "user.activated",
        "user.deleted",
        "user.restored",
        "profile.updated",
        "apiKey.issued",
        "apiKey.revoked",
    ]
    .into_iter()
    .map(|a| (a.to_string(), 1))
    .collect();
    assert_eq!(actions_of(&app, &id).await, expected);

    let created = the_record(&app, &id, "user.created").await;
    assert_eq!(
        created["actor"],
        json!({"type": "user", "userId": app.manager_id.as_str(), "keyId": key_id})
    );
    assert_eq!(created["target"], json!({"type": "user", "id": id}));
    assert_eq!(created["surface"], "native");
    assert_eq!(created["requestId"], created_request.as_str());
    assert_eq!(created["sourceIp"], "127.0.0.1");
    assert_eq!(change(&created, "username")["new"], "anna");

    let updated = the_record(&app, &id, "user.updated").await;
    assert_eq!(
        updated["changes"],
        json!([{"field": "name", "old": "Anna", "new": "Anna B"}])
    );
    let renamed = the_record(&app, &id, "user.renamed").await;
    assert_eq!(change(&renamed, "username")["old"], "anna");
    assert_eq!(change(&renamed, "username")["new"], "anna.b");
    let role = the_record(&app, &id, "user.role_changed").await;
    assert_eq!(change(&role, "role")["new"], "ApManager");
    let password = the_record(&app, &id, "user.password_changed").await;
    assert_eq!(
        password["changes"],
        json!([{"field": "password", "redacted": true}])
    );
    let deactivated = the_record(&app, &id, "user.deactivated").await;
    assert_eq!(change(&deactivated, "status")["old"], "ACTIVE");
    assert_eq!(change(&deactivated, "status")["new"], "INACTIVE");
    let issued_record = the_record(&app, &id, "apiKey.issued").await;
    assert_eq!(
        issued_record["target"],
        json!({"type": "apiKey", "id": new_key, "user": id})
    );
    assert_eq!(
        change(&issued_record, "prefix")["new"],
        issued["prefix"].clone()
    );
    app.assert_invariants().await;
}

#[tokio::test]
async fn party_and_authorization_changes_record_permissions_before_and_after() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "pia", "name": "Pia"}))
        .await;
    let id = user["id"].as_str().unwrap_or_default().to_string();
    let registered = fresh_party();
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/parties",
            Some(json!({"id": registered, "name": "Registered Ltd"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/v1/parties/{registered}"),
            Some(json!({"tin": "DK12345678"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let grant = |send: bool| json!({"name": "Registered Ltd", "permissions": {"canSendDocument": send, "canReceiveDocument": true, "canRemoveDocument": false, "canManageHook": false}});
    let auth_path = format!("/v1/users/{id}/parties/{registered}");
    let (status, _) = app.call(Method::PUT, &auth_path, Some(grant(false))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app.call(Method::PUT, &auth_path, Some(grant(true))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.call(Method::DELETE, &auth_path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .call(Method::DELETE, &format!("/v1/parties/{registered}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Granting an unregistered party registers it: both are recorded, in one transaction.
    let fresh = fresh_party();
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/v1/users/{id}/parties/{fresh}"),
            Some(grant(true)),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // A party's id finds its own records and the authorizations naming it.
    let party_actions = actions_of(&app, &registered).await;
    assert_eq!(
        party_actions,
        [
            ("authorization.changed".to_string(), 1),
            ("authorization.granted".to_string(), 1),
            ("authorization.revoked".to_string(), 1),
            ("party.changed".to_string(), 1),
            ("party.deleted".to_string(), 1),
            ("party.registered".to_string(), 1)
        ]
        .into()
    );
    assert_eq!(
        actions_of(&app, &fresh).await,
        [
            ("authorization.granted".to_string(), 1),
            ("party.registered".to_string(), 1)
        ]
        .into()
    );
    let user_actions = actions_of(&app, &id).await;
    assert_eq!(user_actions.get("authorization.granted"), Some(&2));
    assert_eq!(user_actions.get("authorization.changed"), Some(&1));
    assert_eq!(user_actions.get("authorization.revoked"), Some(&1));

    let changed = the_record(&app, &id, "authorization.changed").await;
    assert_eq!(changed["target"]["party"], registered.as_str());
    assert_eq!(
        change(&changed, "permissions")["old"]["canSendDocument"],
        false
    );
    assert_eq!(
        change(&changed, "permissions")["new"]["canSendDocument"],
        true
    );
    let revoked = the_record(&app, &id, "authorization.revoked").await;
    assert_eq!(
        change(&revoked, "permissions")["old"]["canSendDocument"],
        true
    );
    assert_eq!(change(&revoked, "permissions")["new"], Value::Null);
    let party_changed = the_record(&app, &registered, "party.changed").await;
    assert_eq!(
        party_changed["changes"],
        json!([{"field": "tin", "old": null, "new": "DK12345678"}])
    );
    app.assert_invariants().await;
}

#[tokio::test]
async fn every_surface_names_itself_and_seed_003_names_the_creator_it_acts_for() {
    let app = TestApp::spawn().await;
    let partner = fresh_party();
    let (status, _) = app
        .call(
            Method::POST,
            "/v1/parties",
            Some(json!({"id": partner, "name": "Partner"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Seed 000: add (created), add again (password changed), delete.
    let body = json!({"name": "zero", "password": "zero secret 1"});
    let (status, _) = app.call(Method::PUT, "/api/v1/user", Some(body)).await;
    assert!(status.is_success());
    let again = json!({"name": "zero", "password": "zero secret 2"});
    let (status, _) = app.call(Method::PUT, "/api/v1/user", Some(again)).await;
    assert!(status.is_success());
    // Seed 001.
    let (status, body) = app
        .call(
            Method::POST,
            "/User/create",
            Some(json!([{"idRemote": "crm-1", "username": "one", "name": "One Example", "languageId": "es", "email": "one@example.com", "businessPartnerId": partner, "dateValid": "2999-12-31", "active": true}])),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Seed 002 (V4).
    let (status, body, _) = app
        .send(
            app.http
                .post(format!("{}/api/user/management/v4/users", app.url))
                .header("Authorization", format!("Apikey {}", app.manager_key))
                .json(&json!({"data": {"type": "users", "attributes": {"name": "Two Example", "contact_details": {"email": "two@example.com"}}}})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // Seed 003, acting for a second administrator.
    let boss = app
        .create_user(json!({"username": "boss", "name": "Boss", "role": "ApManager"}))
        .await;
    let (status, body, _) = app
        .send(
            app.http
                .post(format!("{}/User/Add", app.url))
                .header("X-eSignatur-Id", &app.manager_key)
                .header("X-eSignatur-CreatorId", "boss")
                .json(&json!([{"UserId": "three", "Name": "Three Example"}])),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let surfaces: BTreeMap<String, String> = records(&app, "action=user.created")
        .await
        .into_iter()
        .map(|r| {
            (
                change(&r, "username")["new"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                r["surface"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for (username, surface) in [
        ("admin", "operator"),
        ("zero", "seed000"),
        ("one", "seed001"),
        ("boss", "native"),
        ("three", "seed003"),
    ] {
        assert_eq!(
            surfaces.get(username).map(String::as_str),
            Some(surface),
            "{surfaces:?}"
        );
    }
    assert!(
        surfaces.values().any(|s| s == "seed002"),
        "seed 002 create recorded: {surfaces:?}"
    );
    let zero_changed = records(&app, "action=user.password_changed").await;
    assert_eq!(zero_changed.len(), 1, "{zero_changed:#?}");
    assert_eq!(zero_changed[0]["surface"], "seed000");

    // Seed 003: the key's user and the creator it acts for; found under the creator.
    let boss_id = boss["id"].as_str().unwrap_or_default();
    let by_boss = records(&app, &format!("actor={boss_id}")).await;
    assert_eq!(by_boss.len(), 1, "{by_boss:#?}");
    assert_eq!(by_boss[0]["action"], "user.created");
    assert_eq!(by_boss[0]["actor"]["userId"], app.manager_id.as_str());
    assert_eq!(by_boss[0]["actor"]["actingFor"], boss_id);
    app.assert_invariants().await;
}

#[tokio::test]
async fn the_operator_and_the_sweep_are_recorded_as_such() {
    // The sweep spans every organization of a table: a table of its own.
    let mut config = roster_tests::config();
    config.table_name = format!(
        "roster-audit-sweep-{}",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    let app = TestApp::spawn_with(config).await;
    let bootstrap = records(&app, "actor=operator").await;
    let actions: Vec<&str> = bootstrap
        .iter()
        .rev()
        .map(|r| r["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        actions,
        ["organization.created", "user.created", "apiKey.issued"]
    );
    assert!(bootstrap
        .iter()
        .all(|r| r["actor"] == json!({"type": "operator"}) && r["surface"] == "operator"));

    app.roster
        .operator_update_org(
            &app.org,
            &OrgSettings {
                audit_retention_days: Some(30),
                ..OrgSettings::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let settings = the_record(&app, app.org.as_str(), "organization.settings_changed").await;
    assert_eq!(
        settings["changes"],
        json!([{"field": "auditRetentionDays", "old": null, "new": 30}])
    );
    assert_eq!(settings["actor"]["type"], "operator");
    // Out of range: refused, nothing recorded.
    let refused = app
        .roster
        .operator_update_org(
            &app.org,
            &OrgSettings {
                audit_retention_days: Some(0),
                ..OrgSettings::default()
            },
        )
        .await;
    assert!(refused.is_err());
    assert_eq!(
        records(&app, "action=organization.settings_changed")
            .await
            .len(),
        1
    );

    let expired = app
        .create_user(json!({"username": "old", "name": "Old", "validUntil": "2001-01-01"}))
        .await;
    let id = expired["id"].as_str().unwrap_or_default();
    let summary = app
        .roster
        .sweep_expired(|| false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(summary.deactivated, 1);
    let record = the_record(&app, id, "user.expired").await;
    assert_eq!(record["actor"], json!({"type": "system"}));
    assert_eq!(record["surface"], "sweep");
    assert_eq!(change(&record, "status")["new"], "INACTIVE");
    // Written after the retention was set to 30 days: it expires then.
    let now = roster_shared::clock::now_epoch_seconds();
    let expires = record["expiresAt"].as_i64().unwrap_or_default();
    assert!(
        (expires - now - 30 * 86_400).abs() < 120,
        "{expires} vs {now}"
    );
    // A second run finds nothing to do and records nothing.
    app.roster
        .sweep_expired(|| false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(records(&app, "action=user.expired").await.len(), 1);
    app.assert_invariants().await;
}

#[tokio::test]
async fn failed_changes_write_no_record() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "fay", "name": "Fay", "emails": ["fay@example.com"]}))
        .await;
    let id = user["id"].as_str().unwrap_or_default().to_string();
    let before = records(&app, "").await.len();
    let (_, member_key) = app.user_with_key("member", "ApUser").await;
    let before_member = records(&app, "").await.len();
    assert_eq!(before_member, before + 2, "the member and its key");

    for (method, path, body, status) in [
        // 409: the username and the email are taken.
        (
            Method::POST,
            "/v1/users".to_string(),
            json!({"username": "FAY", "name": "X"}),
            StatusCode::CONFLICT,
        ),
        (
            Method::POST,
            "/v1/users".to_string(),
            json!({"username": "x", "name": "X", "emails": ["fay@example.com"]}),
            StatusCode::CONFLICT,
        ),
        (
            Method::PATCH,
            format!("/v1/users/{id}"),
            json!({"username": "member"}),
            StatusCode::CONFLICT,
        ),
        // 400: invalid fields.
        (
            Method::POST,
            "/v1/users".to_string(),
            json!({"username": "", "name": "X"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::PATCH,
            format!("/v1/users/{id}"),
            json!({"role": "King"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/v1/parties".to_string(),
            json!({"id": "nonsense", "name": "X"}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let (got, body) = app.call(method.clone(), &path, Some(body)).await;
        assert_eq!(got, status, "{method} {path}: {body}");
    }
    // 412: a stale If-Match.
    let (status, _, _) = app
        .send(
            app.req(Method::PATCH, &format!("/v1/users/{id}"))
                .header("If-Match", "\"99\"")
                .json(&json!({"name": "Stale"})),
        )
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    // 403: not a manager.
    let (status, _) = app
        .call_as(
            &member_key,
            Method::POST,
            "/v1/users",
            Some(json!({"username": "y", "name": "Y"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // 409: a manager cannot delete itself.
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/users/{}", app.manager_id),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    assert_eq!(records(&app, "").await.len(), before_member);
    app.assert_invariants().await;
}

#[tokio::test]
async fn a_failed_transaction_leaves_neither_the_change_nor_its_record() {
    let plan = FaultPlan::default();
    let app = TestApp::spawn_with_faults(&plan).await;
    let before = records(&app, "").await.len();
    // Every attempt conflicts (for the whole conflict budget): 503, nothing written.
    plan.inject("TransactWriteItems", Fault::TransactionConflict, 1000);
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/users",
            Some(json!({"username": "ghost", "name": "Ghost"})),
        )
        .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    plan.clear();
    let (_, page) = app
        .call(Method::GET, "/v1/users?username=ghost", None)
        .await;
    assert_eq!(page["data"], json!([]));
    assert_eq!(records(&app, "").await.len(), before);
    // A lost response of a committed create: retried with its token, one user, one record.
    plan.inject("TransactWriteItems", Fault::LostResponse, 1);
    let user = app
        .create_user(json!({"username": "lucky", "name": "Lucky"}))
        .await;
    let id = user["id"].as_str().unwrap_or_default();
    assert_eq!(
        actions_of(&app, id).await,
        [("user.created".to_string(), 1)].into()
    );
    app.assert_invariants().await;
}

/// Every string inside an attribute value, recursively.
fn strings(value: &aws_sdk_dynamodb::types::AttributeValue, out: &mut Vec<String>) {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    match value {
        A::S(s) => out.push(s.clone()),
        A::L(list) => list.iter().for_each(|v| strings(v, out)),
        A::M(map) => map.iter().for_each(|(k, v)| {
            out.push(k.clone());
            strings(v, out)
        }),
        A::Ss(list) => out.extend(list.iter().cloned()),
        _ => {}
    }
}

#[tokio::test]
async fn no_secret_ever_enters_a_record() {
    let app = TestApp::spawn().await;
    let password = "correct horse battery";
    let user = app
        .create_user(json!({"username": "sam", "name": "Sam", "password": password}))
        .await;
    let id = user["id"].as_str().unwrap_or_default();
    let (status, issued) = app
        .call(Method::POST, &format!("/v1/users/{id}/api-keys"), None)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let secret = issued["key"].as_str().unwrap_or_default().to_string();
    let new_password = "staple battery horse";
    let (status, body) = app
        .call_as(
            &secret,
            Method::PATCH,
            "/v1/me",
            Some(json!({"password": new_password, "currentPassword": password})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = app
        .call(
            Method::PUT,
            "/api/v1/user",
            Some(json!({"name": "sam", "password": "third one 333"})),
        )
        .await;
    assert!(status.is_success());
    let stored = app
        .store
        .get_user(
            &app.org,
            &roster_shared::domain::UserId::parse(id).unwrap_or_else(|e| panic!("{e}")),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .and_then(|u| u.password_hash)
        .unwrap_or_default();
    assert!(stored.starts_with("$argon2id$"));
    let key_hash = roster_shared::auth::hash_key(&secret);

    // The raw items of the trail, every attribute.
    let items = app.partition_of(&keys::audit_pk(&app.org)).await;
    assert!(items.len() >= 6, "{}", items.len());
    let mut texts = Vec::new();
    for (_, item) in &items {
        for value in item.values() {
            strings(value, &mut texts);
        }
    }
    for forbidden in [
        password,
        new_password,
        "third one 333",
        &secret,
        &stored,
        &key_hash,
        "$argon2",
    ] {
        assert!(!forbidden.is_empty());
        assert!(
            !texts.iter().any(|t| t.contains(forbidden)),
            "{forbidden} found in the trail"
        );
    }
    let listed = records(&app, "").await;
    let text = serde_json::to_string(&listed).unwrap_or_default();
    assert!(!text.contains(&secret) && !text.contains("argon2") && !text.contains(password));
    // The password changes are there, as facts.
    let changes: Vec<&str> = listed
        .iter()
        .filter(|r| r["target"]["id"] == id)
        .map(|r| r["action"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        changes
            .iter()
            .filter(|a| **a == "user.password_changed")
            .count(),
        2,
        "{changes:?}"
    );
}

#[tokio::test]
async fn the_trail_is_filtered_by_key_conditions_and_paged_newest_first() {
    let app = TestApp::spawn().await;
    let a = app
        .create_user(json!({"username": "a1", "name": "A"}))
        .await;
    let b = app
        .create_user(json!({"username": "b1", "name": "B"}))
        .await;
    let (a_id, b_id) = (
        a["id"].as_str().unwrap_or_default(),
        b["id"].as_str().unwrap_or_default(),
    );
    let middle = roster_shared::clock::now();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    for name in ["A2", "A3"] {
        let (status, _) = app
            .call(
                Method::PATCH,
                &format!("/v1/users/{a_id}"),
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
    }
    let all = records(&app, "").await;
    // organization, admin, admin's key, a, b, two updates.
    assert_eq!(all.len(), 7, "{all:#?}");
    let ids: Vec<&str> = all
        .iter()
        .map(|r| r["id"].as_str().unwrap_or_default())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|x, y| y.cmp(x));
    assert_eq!(ids, sorted, "newest first");
    assert_eq!(all[0]["changes"][0]["new"], "A3");

    assert_eq!(records(&app, &format!("target={a_id}")).await.len(), 3);
    assert_eq!(records(&app, &format!("target={b_id}")).await.len(), 1);
    assert_eq!(records(&app, "action=user.updated").await.len(), 2);
    assert_eq!(
        records(&app, &format!("actor={}", app.manager_id))
            .await
            .len(),
        4
    );
    assert_eq!(records(&app, "actor=operator").await.len(), 3);
    assert_eq!(
        records(
            &app,
            &format!("target={a_id}&action=user.created&actor={}", app.manager_id)
        )
        .await
        .len(),
        1
    );
    let since: Vec<Value> = records(&app, &format!("since={middle}")).await;
    assert_eq!(since.len(), 2, "{since:#?}");
    let until = records(&app, &format!("until={middle}")).await;
    assert_eq!(until.len(), 5);
    assert_eq!(records(&app, "since=2999-01-01").await.len(), 0);
    assert_eq!(records(&app, "until=2000-01-01").await.len(), 0);
    assert_eq!(
        records(&app, &format!("since={middle}&until={middle}"))
            .await
            .len(),
        0
    );
    assert_eq!(records(&app, "until=2999-12-31").await.len(), 7);
    assert_eq!(
        records(&app, "since=1999-01-01T00:00:00%2B02:00")
            .await
            .len(),
        7
    );

    // Pages of two: the cursor walks the same records, totals exact.
    let (status, first) = app.call(Method::GET, "/v1/audit?limit=2", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["pagination"]["totalItems"], 7);
    assert_eq!(first["pagination"]["totalPages"], 4);
    let cursor = first["pagination"]["nextCursor"]
        .as_str()
        .unwrap_or_default();
    let (_, second) = app
        .call(
            Method::GET,
            &format!("/v1/audit?limit=2&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(second["data"][0]["id"], all[2]["id"]);
    assert_eq!(second["pagination"]["currentPage"], 2);
    let (_, third) = app
        .call(Method::GET, "/v1/audit?limit=2&page=3", None)
        .await;
    assert_eq!(third["data"][0]["id"], all[4]["id"]);
    let (_, filtered) = app
        .call(
            Method::GET,
            &format!("/v1/audit?target={a_id}&limit=1"),
            None,
        )
        .await;
    assert_eq!(filtered["pagination"]["totalItems"], 3);
}

#[tokio::test]
async fn bad_filters_are_400_members_403_and_xml_on_request() {
    let app = TestApp::spawn().await;
    for (query, field) in [
        ("since=yesterday", "since"),
        ("until=2024-13-01", "until"),
        ("since=2024-01-01%2010:00", "since"),
        ("target=not%20an%20id", "target"),
        ("actor=root", "actor"),
        ("action=user.exploded", "action"),
        ("limit=0", "limit"),
        ("cursor=abc", "cursor"),
    ] {
        let (status, body) = app
            .call(Method::GET, &format!("/v1/audit?{query}"), None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        if field != "cursor" {
            assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
        }
    }
    let (_, member_key) = app.user_with_key("member", "ApUser").await;
    let (status, _) = app
        .call_as(&member_key, Method::GET, "/v1/audit", None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = app
        .send(app.http.get(format!("{}/v1/audit", app.url)))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let response = app
        .req(Method::GET, "/v1/audit?action=user.created")
        .header("Accept", "application/xml")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"]
            .to_str()
            .unwrap_or_default(),
        "application/xml"
    );
    let text = response.text().await.unwrap_or_default();
    assert!(text.contains("<action>user.created</action>"), "{text}");
    assert!(text.contains("<surface>native</surface>"), "{text}");
}

#[tokio::test]
async fn another_organization_never_sees_these_records() {
    let home = TestApp::spawn().await;
    let other = TestApp::spawn_on(roster_tests::config(), home.store.clone()).await;
    let user = home
        .create_user(json!({"username": "private", "name": "Private"}))
        .await;
    let id = user["id"].as_str().unwrap_or_default();
    assert_eq!(records(&home, &format!("target={id}")).await.len(), 1);
    assert!(records(&other, &format!("target={id}")).await.is_empty());
    assert!(records(&other, &format!("actor={}", home.manager_id))
        .await
        .is_empty());
    assert!(records(&other, &format!("target={}", home.org))
        .await
        .is_empty());
    let theirs = records(&other, "").await;
    assert!(theirs.iter().all(|r| r["org"] == other.org.as_str()));
    assert_eq!(theirs.len(), 3, "their bootstrap only");
    // A cursor of one organization is refused by another.
    let (_, page) = home.call(Method::GET, "/v1/audit?limit=1", None).await;
    let cursor = page["pagination"]["nextCursor"]
        .as_str()
        .unwrap_or_default();
    let (status, _) = other
        .call(Method::GET, &format!("/v1/audit?cursor={cursor}"), None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_invariant_checker_finds_a_user_without_its_creation_record() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "lost", "name": "Lost"}))
        .await;
    let id = user["id"].as_str().unwrap_or_default();
    app.assert_invariants().await;
    let record = the_record(&app, id, "user.created").await;
    let ulid = record["id"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("aud_");
    app.store
        .client()
        .delete_item()
        .table_name(TABLE)
        .key(
            keys::PK,
            aws_sdk_dynamodb::types::AttributeValue::S(keys::audit_pk(&app.org)),
        )
        .key(
            keys::SK,
            aws_sdk_dynamodb::types::AttributeValue::S(keys::audit_sk(ulid)),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let broken = app
        .store
        .check_invariants(&app.org)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert!(
        broken[0].contains(id) && broken[0].contains("user.created"),
        "{broken:?}"
    );
}

#[test]
fn every_route_belongs_to_a_surface_and_every_action_is_documented() {
    let openapi = include_str!("../../../openapi.yaml");
    for action in Action::ALL {
        assert!(
            openapi.contains(action.as_str()),
            "{action} not in openapi.yaml"
        );
    }
    for (_, path) in roster_dev::all_routes().routes() {
        let surface = Surface::of_route(&path);
        let expected = if path.starts_with("/v1/") {
            Surface::Native
        } else if path.starts_with("/api/v1/") {
            Surface::Seed000
        } else if path.starts_with("/api/") {
            Surface::Seed002
        } else if path.starts_with("/scim/") {
            Surface::Scim
        } else {
            surface
        };
        assert_eq!(surface, expected, "{path}");
        if path.starts_with("/User/") {
            assert!(
                matches!(surface, Surface::Seed001 | Surface::Seed003),
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn scim_writes_user_deletes_and_operator_key_commands_are_recorded() {
    let app = TestApp::spawn().await;
    // SCIM: a create and a delete, through the shared service, recorded with surface `scim`.
    let body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "scim.user@example.com",
        "name": {"givenName": "Scim", "familyName": "User"},
        "emails": [{"primary": true, "value": "scim.user@example.com", "type": "work"}],
        "active": true
    });
    let (status, user, _) = app
        .send(
            app.http
                .post(format!("{}/scim/v2/Users", app.url))
                .header("authorization", format!("Bearer {}", app.manager_key))
                .header("content-type", "application/scim+json")
                .body(body.to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().unwrap_or_default().to_string();
    let created = the_record(&app, &id, "user.created").await;
    assert_eq!(created["surface"], "scim");
    assert_eq!(created["actor"]["userId"], app.manager_id.to_string());

    // The user holds a key; deleting it removes the key in the same transaction, recorded as
    // the one `user.deleted` record (no separate `apiKey.revoked`).
    let (status, key) = app
        .call(Method::POST, &format!("/v1/users/{id}/api-keys"), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{key}");
    let (status, _, _) = app
        .send(
            app.http
                .delete(format!("{}/scim/v2/Users/{id}", app.url))
                .header("authorization", format!("Bearer {}", app.manager_key)),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let deleted = the_record(&app, &id, "user.deleted").await;
    assert_eq!(deleted["surface"], "scim");
    let counts = actions_of(&app, &id).await;
    assert_eq!(counts.get("apiKey.revoked"), None, "{counts:?}");

    // The operator's key commands: `apiKey.issued` and `apiKey.revoked` by `operator`.
    let admin = roster_shared::domain::Username::parse("admin").unwrap_or_else(|e| panic!("{e}"));
    let (_, issued) = app
        .roster
        .operator_issue_key(&app.org, &admin)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.roster
        .operator_revoke_key(&app.org, &issued.record.key_id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut by_operator: Vec<String> = records(&app, "actor=operator")
        .await
        .iter()
        .filter(|r| r["target"]["id"] == issued.record.key_id.to_string())
        .map(|r| {
            assert_eq!(r["surface"], "operator");
            r["action"].as_str().unwrap_or_default().to_string()
        })
        .collect();
    by_operator.sort();
    assert_eq!(by_operator, ["apiKey.issued", "apiKey.revoked"]);
    app.assert_invariants().await;
}

#[tokio::test]
async fn the_target_filter_finds_a_key_by_its_id_and_a_grant_by_user_and_by_party() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "kim", "name": "Kim"}))
        .await;
    let id = user["id"].as_str().unwrap_or_default().to_string();
    let other = app
        .create_user(json!({"username": "ole", "name": "Ole"}))
        .await;
    let other_id = other["id"].as_str().unwrap_or_default().to_string();
    let (status, issued) = app
        .call(Method::POST, &format!("/v1/users/{id}/api-keys"), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let key = issued["id"].as_str().unwrap_or_default().to_string();
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/users/{id}/api-keys/{key}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // The key's id finds exactly its two records; its user finds them too.
    assert_eq!(
        actions_of(&app, &key).await,
        [
            ("apiKey.issued".to_string(), 1),
            ("apiKey.revoked".to_string(), 1)
        ]
        .into()
    );
    let by_user = actions_of(&app, &id).await;
    assert_eq!(by_user.get("apiKey.issued"), Some(&1), "{by_user:?}");
    assert_eq!(by_user.get("apiKey.revoked"), Some(&1), "{by_user:?}");
    // Another user's key is not found by this key's id.
    let other_key = app.issue_key(&other_id).await;
    assert!(!other_key.is_empty());
    assert_eq!(records(&app, &format!("target={key}")).await.len(), 2);

    // Grants of two users on one party: each grant is found by its user and by the party.
    let party = fresh_party();
    let grant = json!({"name": "Partner", "permissions": {"canSendDocument": true, "canReceiveDocument": true, "canRemoveDocument": false, "canManageHook": false}});
    for user in [&id, &other_id] {
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/v1/users/{user}/parties/{party}"),
                Some(grant.clone()),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/users/{other_id}/parties/{party}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let by_party = records(&app, &format!("target={party}")).await;
    let mut actions: Vec<&str> = by_party
        .iter()
        .map(|r| r["action"].as_str().unwrap_or_default())
        .collect();
    // Newest first: the revoke, the second grant, then the first grant and the party's
    // registration (one transaction: their ids share a millisecond, in either order).
    actions[2..].sort_unstable();
    assert_eq!(
        actions,
        [
            "authorization.revoked",
            "authorization.granted",
            "authorization.granted",
            "party.registered"
        ],
        "{by_party:#?}"
    );
    assert_eq!(by_party[0]["target"]["id"], other_id.as_str());
    assert_eq!(by_party[0]["target"]["party"], party.as_str());
    let mine = the_record(&app, &id, "authorization.granted").await;
    assert_eq!(mine["target"]["party"], party.as_str());
    // Combined filters on the party's key: its grants only, and the one revoke of `other`.
    assert_eq!(
        records(
            &app,
            &format!("target={party}&action=authorization.granted")
        )
        .await
        .len(),
        2
    );
    assert_eq!(
        records(
            &app,
            &format!(
                "target={party}&action=authorization.revoked&actor={}",
                app.manager_id
            )
        )
        .await
        .len(),
        1
    );
    // The party id with the scheme prefix is the same party.
    assert_eq!(
        records(&app, &format!("target=iso6523-actorid-upis::{party}"))
            .await
            .len(),
        4
    );

    // Paging on the party's key: pages of one walk the same four records, totals exact, and
    // a cursor from there also works unfiltered (it names a position in the trail).
    let mut seen = Vec::new();
    let mut path = format!("/v1/audit?target={party}&limit=1");
    let mut cursor = String::new();
    loop {
        let (status, page) = app.call(Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["pagination"]["totalItems"], 4, "{page}");
        seen.push(page["data"][0]["id"].clone());
        match page["pagination"]["nextCursor"].as_str() {
            Some(next) => {
                cursor = next.to_string();
                path = format!("/v1/audit?target={party}&limit=1&cursor={next}");
            }
            None => break,
        }
    }
    let expected: Vec<Value> = by_party.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(seen, expected);
    let (status, rest) = app
        .call(
            Method::GET,
            &format!("/v1/audit?limit=100&cursor={cursor}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{rest}");
    let all = records(&app, "").await;
    let last = all
        .iter()
        .position(|r| r["id"] == expected[2])
        .unwrap_or(usize::MAX);
    assert_eq!(rest["data"][0]["id"], all[last + 1]["id"]);

    // The organization finds its own record; an unknown key id finds nothing; a bad id is 400.
    let org_actions = actions_of(&app, app.org.as_str()).await;
    assert_eq!(org_actions.get("organization.created"), Some(&1));
    assert_eq!(org_actions.len(), 1, "{org_actions:?}");
    assert!(records(&app, "target=key_01HZZZZZZZZZZZZZZZZZZZZZZZ")
        .await
        .is_empty());
    for bad in ["key_123", "usr_", "a:b:c", "KEY_01HZZZZZZZZZZZZZZZZZZZZZZZ"] {
        let (status, body) = app
            .call(Method::GET, &format!("/v1/audit?target={bad}"), None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["errors"][0]["field"], "target", "{body}");
    }
    app.assert_invariants().await;
}

/// DynamoDB's size of a value (bytes), by its documented rules: strings by UTF-8 length,
/// numbers by about one byte per two significant digits plus one, lists and maps 3 bytes plus
/// their elements plus one byte each (maps also their keys), booleans and nulls one byte.
fn value_size(value: &aws_sdk_dynamodb::types::AttributeValue) -> usize {
    use aws_sdk_dynamodb::types::AttributeValue as V;
    match value {
        V::S(s) => s.len(),
        V::N(n) => {
            let digits = n.trim_start_matches('-').replace('.', "");
            let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
            significant.div_ceil(2) + 1
        }
        V::Bool(_) | V::Null(_) => 1,
        V::L(list) => 3 + list.iter().map(|v| value_size(v) + 1).sum::<usize>(),
        V::M(map) => {
            3 + map
                .iter()
                .map(|(k, v)| k.len() + value_size(v) + 1)
                .sum::<usize>()
        }
        V::Ss(set) => set.iter().map(String::len).sum(),
        _ => 0,
    }
}

fn item_size(
    item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

/// The README's index-cost arithmetic (single-table section) rests on record sizes: an index
/// entry of projection ALL is the whole record, billed 1 write unit per started KB. Records of
/// a typical workload (a user with every field, its changes, a key, a grant) measure 580–1,040
/// bytes, ~250–400 of them keys; none may reach 1.5 KB (2 units per index at most, 1 for all
/// but the largest creations).
#[tokio::test]
async fn audit_records_stay_within_two_write_units_per_index_entry() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "size.check", "name": "Karen Marie Sørensen", "emails": ["karen.marie.sorensen@example.com", "kms@example.org"], "phone": "+4512345678", "externalId": "ext-00012345", "validUntil": "2030-01-01", "attributes": {"department": "Finance", "costCenter": "4711"}}))
        .await;
    let id = user["id"].as_str().unwrap_or_default().to_string();
    let path = format!("/v1/users/{id}");
    for body in [
        json!({"name": "Karen M. Sørensen"}),
        json!({"emails": ["karen@example.com"]}),
        json!({"role": "ApManager"}),
        json!({"password": "a long secret 1"}),
    ] {
        let (status, _) = app.call(Method::PATCH, &path, Some(body)).await;
        assert_eq!(status, StatusCode::OK);
    }
    app.call(Method::POST, &format!("{path}/deactivate"), None)
        .await;
    app.issue_key(&id).await;
    let party = fresh_party();
    let grant = json!({"name": "Partner Ltd", "permissions": {"canSendDocument": true, "canReceiveDocument": true, "canRemoveDocument": false, "canManageHook": false}});
    app.call(Method::PUT, &format!("{path}/parties/{party}"), Some(grant))
        .await;
    let out = app
        .store
        .client()
        .query()
        .table_name(TABLE)
        .key_condition_expression("PK = :pk")
        .expression_attribute_values(
            ":pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("AUDIT#{}", app.org)),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let items = out.items.unwrap_or_default();
    assert!(items.len() >= 10, "{items:#?}");
    let mut under_one_kb = 0;
    for item in &items {
        let size = item_size(item);
        assert!(size < 1536, "{size} bytes: {item:#?}");
        assert!(
            size > 400,
            "the size rules undercount: {size} bytes: {item:#?}"
        );
        if size <= 1024 {
            under_one_kb += 1;
        }
    }
    assert!(
        under_one_kb + 1 >= items.len(),
        "{under_one_kb} of {}",
        items.len()
    );
}
