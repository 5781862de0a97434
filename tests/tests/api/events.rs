//! Every sample event in `events/` goes through the Lambda entry path (lambda_http's event
//! decoding → the function's router) against DynamoDB Local, with its placeholders filled in.

use reqwest::Method;
use roster_shared::http::lambda;
use roster_tests::{fresh_gln, fresh_party, TestApp};
use serde_json::json;

const SAMPLE_KEY: &str = "REPLACE_WITH_ROSTER_API_KEY";
const SAMPLE_USER: &str = "usr_01JDSAMPXE0000000000000000";
const SAMPLE_KEY_ID: &str = "key_01JDSAMPXE0000000000000000";
const SAMPLE_PARTY: &str = "0106:12345678";
const SAMPLE_GLN: &str = "0088:5790000435975";
/// Seed-000 events name users by username.
const SAMPLE_USERNAME_000: &str = "REPLACE_WITH_USERNAME";
/// Seed-003 events name users by username (their UserId).
const SAMPLE_USERNAME: &str = "sample-user";
const SAMPLE_EMAIL: &str = "sample.mail@example.com";

/// `(file, event, expected status)` for the users function.
const USERS_EVENTS: &[(&str, &str, u16)] = &[
    (
        "list-users.json",
        include_str!("../../../events/users/list-users.json"),
        200,
    ),
    (
        "create-user.json",
        include_str!("../../../events/users/create-user.json"),
        201,
    ),
    (
        "create-users-batch.json",
        include_str!("../../../events/users/create-users-batch.json"),
        200,
    ),
    (
        "list-deleted-users.json",
        include_str!("../../../events/users/list-deleted-users.json"),
        200,
    ),
    (
        "get-user.json",
        include_str!("../../../events/users/get-user.json"),
        200,
    ),
    (
        "patch-user.json",
        include_str!("../../../events/users/patch-user.json"),
        200,
    ),
    (
        "delete-user.json",
        include_str!("../../../events/users/delete-user.json"),
        204,
    ),
    (
        "upsert-user.json",
        include_str!("../../../events/users/upsert-user.json"),
        201,
    ),
    (
        "get-profile.json",
        include_str!("../../../events/users/get-profile.json"),
        200,
    ),
    (
        "patch-profile.json",
        include_str!("../../../events/users/patch-profile.json"),
        200,
    ),
    (
        "list-api-keys.json",
        include_str!("../../../events/users/list-api-keys.json"),
        200,
    ),
    (
        "issue-api-key.json",
        include_str!("../../../events/users/issue-api-key.json"),
        201,
    ),
    (
        "revoke-api-key.json",
        include_str!("../../../events/users/revoke-api-key.json"),
        204,
    ),
    (
        "get-me.json",
        include_str!("../../../events/users/get-me.json"),
        200,
    ),
    (
        "patch-me.json",
        include_str!("../../../events/users/patch-me.json"),
        200,
    ),
    (
        "get-my-profile.json",
        include_str!("../../../events/users/get-my-profile.json"),
        200,
    ),
    (
        "patch-my-profile.json",
        include_str!("../../../events/users/patch-my-profile.json"),
        200,
    ),
    (
        "list-languages.json",
        include_str!("../../../events/users/list-languages.json"),
        200,
    ),
    (
        "list-audit.json",
        include_str!("../../../events/users/list-audit.json"),
        200,
    ),
    (
        "list-audit-by-target.json",
        include_str!("../../../events/users/list-audit-by-target.json"),
        200,
    ),
    (
        "list-audit-by-party.json",
        include_str!("../../../events/users/list-audit-by-party.json"),
        200,
    ),
    (
        "list-audit-by-actor.json",
        include_str!("../../../events/users/list-audit-by-actor.json"),
        200,
    ),
    (
        "seed000-list-users.json",
        include_str!("../../../events/users/seed000-list-users.json"),
        200,
    ),
    (
        "seed000-put-user.json",
        include_str!("../../../events/users/seed000-put-user.json"),
        201,
    ),
    (
        "seed000-delete-user.json",
        include_str!("../../../events/users/seed000-delete-user.json"),
        204,
    ),
    (
        "seed001-get-user.json",
        include_str!("../../../events/users/seed001-get-user.json"),
        200,
    ),
    (
        "seed001-update-from.json",
        include_str!("../../../events/users/seed001-update-from.json"),
        200,
    ),
    (
        "seed001-create-users.json",
        include_str!("../../../events/users/seed001-create-users.json"),
        201,
    ),
    (
        "seed001-update-user.json",
        include_str!("../../../events/users/seed001-update-user.json"),
        200,
    ),
    (
        "seed001-delete-user.json",
        include_str!("../../../events/users/seed001-delete-user.json"),
        200,
    ),
    (
        "seed002-v4-list-users.json",
        include_str!("../../../events/users/seed002-v4-list-users.json"),
        200,
    ),
    (
        "seed002-v4-create-user.json",
        include_str!("../../../events/users/seed002-v4-create-user.json"),
        201,
    ),
    (
        "seed002-v4-get-user.json",
        include_str!("../../../events/users/seed002-v4-get-user.json"),
        200,
    ),
    (
        "seed002-v4-patch-user.json",
        include_str!("../../../events/users/seed002-v4-patch-user.json"),
        200,
    ),
    (
        "seed002-v4-delete-user.json",
        include_str!("../../../events/users/seed002-v4-delete-user.json"),
        204,
    ),
    (
        "seed002-legacy-list-users.json",
        include_str!("../../../events/users/seed002-legacy-list-users.json"),
        200,
    ),
    (
        "seed002-legacy-create-user.json",
        include_str!("../../../events/users/seed002-legacy-create-user.json"),
        201,
    ),
    (
        "seed002-legacy-update-user.json",
        include_str!("../../../events/users/seed002-legacy-update-user.json"),
        200,
    ),
    (
        "seed002-legacy-delete-user.json",
        include_str!("../../../events/users/seed002-legacy-delete-user.json"),
        204,
    ),
    (
        "seed003-index.json",
        include_str!("../../../events/users/seed003-index.json"),
        200,
    ),
    (
        "seed003-get-user.json",
        include_str!("../../../events/users/seed003-get-user.json"),
        200,
    ),
    (
        "seed003-add-users.json",
        include_str!("../../../events/users/seed003-add-users.json"),
        200,
    ),
    (
        "seed003-update-users.json",
        include_str!("../../../events/users/seed003-update-users.json"),
        200,
    ),
    (
        "scim-service-provider-config.json",
        include_str!("../../../events/users/scim-service-provider-config.json"),
        200,
    ),
    (
        "scim-schemas.json",
        include_str!("../../../events/users/scim-schemas.json"),
        200,
    ),
    (
        "scim-resource-types.json",
        include_str!("../../../events/users/scim-resource-types.json"),
        200,
    ),
    (
        "scim-list-users.json",
        include_str!("../../../events/users/scim-list-users.json"),
        200,
    ),
    (
        "scim-search-users.json",
        include_str!("../../../events/users/scim-search-users.json"),
        200,
    ),
    (
        "scim-create-user.json",
        include_str!("../../../events/users/scim-create-user.json"),
        201,
    ),
    (
        "scim-get-user.json",
        include_str!("../../../events/users/scim-get-user.json"),
        200,
    ),
    (
        "scim-replace-user.json",
        include_str!("../../../events/users/scim-replace-user.json"),
        200,
    ),
    (
        "scim-patch-user.json",
        include_str!("../../../events/users/scim-patch-user.json"),
        200,
    ),
    (
        "scim-delete-user.json",
        include_str!("../../../events/users/scim-delete-user.json"),
        204,
    ),
    (
        "scim-unknown-path.json",
        include_str!("../../../events/users/scim-unknown-path.json"),
        404,
    ),
];

/// `(file, event, expected status)` for the party function.
const PARTY_EVENTS: &[(&str, &str, u16)] = &[
    (
        "list-user-parties.json",
        include_str!("../../../events/party/list-user-parties.json"),
        200,
    ),
    (
        "grant-party.json",
        include_str!("../../../events/party/grant-party.json"),
        200,
    ),
    (
        "revoke-party.json",
        include_str!("../../../events/party/revoke-party.json"),
        204,
    ),
    (
        "list-parties.json",
        include_str!("../../../events/party/list-parties.json"),
        200,
    ),
    (
        "register-party.json",
        include_str!("../../../events/party/register-party.json"),
        201,
    ),
    (
        "get-party.json",
        include_str!("../../../events/party/get-party.json"),
        200,
    ),
    (
        "patch-party.json",
        include_str!("../../../events/party/patch-party.json"),
        200,
    ),
    (
        "delete-party.json",
        include_str!("../../../events/party/delete-party.json"),
        204,
    ),
    (
        "list-party-users.json",
        include_str!("../../../events/party/list-party-users.json"),
        200,
    ),
    (
        "list-my-parties.json",
        include_str!("../../../events/party/list-my-parties.json"),
        200,
    ),
    (
        "seed000-list-user-parties.json",
        include_str!("../../../events/party/seed000-list-user-parties.json"),
        200,
    ),
    (
        "seed000-put-user-party.json",
        include_str!("../../../events/party/seed000-put-user-party.json"),
        200,
    ),
    (
        "seed000-delete-user-party.json",
        include_str!("../../../events/party/seed000-delete-user-party.json"),
        204,
    ),
];

/// `(file, event, expected status)` for the activation function's HTTP routes (the scheduled
/// event is run by `activation::the_sweep_deactivates_expired_users_in_every_organization_once`).
const ACTIVATION_EVENTS: &[(&str, &str, u16)] = &[
    (
        "activate-user.json",
        include_str!("../../../events/activation/activate-user.json"),
        200,
    ),
    (
        "deactivate-user.json",
        include_str!("../../../events/activation/deactivate-user.json"),
        200,
    ),
    (
        "restore-user.json",
        include_str!("../../../events/activation/restore-user.json"),
        200,
    ),
    (
        "activate-users-batch.json",
        include_str!("../../../events/activation/activate-users-batch.json"),
        200,
    ),
    (
        "deactivate-users-batch.json",
        include_str!("../../../events/activation/deactivate-users-batch.json"),
        200,
    ),
    (
        "seed003-deactivate-users.json",
        include_str!("../../../events/activation/seed003-deactivate-users.json"),
        200,
    ),
    (
        "seed003-activate-users.json",
        include_str!("../../../events/activation/seed003-activate-users.json"),
        200,
    ),
];

fn files_in(folder: &str) -> Vec<String> {
    let dir = format!("{}/../events/{folder}", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

fn names(table: &[(&str, &str, u16)], extra: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = table
        .iter()
        .map(|(f, _, _)| (*f).to_string())
        .chain(extra.iter().map(|s| (*s).to_string()))
        .collect();
    names.sort();
    names
}

#[test]
fn every_event_file_is_in_a_table() {
    assert_eq!(files_in("users"), names(USERS_EVENTS, &[]));
    assert_eq!(files_in("party"), names(PARTY_EVENTS, &[]));
    assert_eq!(
        files_in("activation"),
        names(ACTIVATION_EVENTS, &["scheduled-sweep.json"])
    );
}

/// Everything an event may name: a fresh user (`target<i>`, email `target<i>@example.com`) with
/// a key, authorized for a fresh party.
struct Target {
    user: String,
    key_id: String,
    party: String,
    username: String,
    email: String,
}

async fn targets(app: &TestApp, i: usize) -> Target {
    let username = format!("target{i}");
    let email = format!("target{i}@example.com");
    let user = app
        .create_user(json!({"username": username, "name": "Target", "emails": [email]}))
        .await;
    let user_id = user["id"].as_str().unwrap_or_default().to_string();
    let (_, issued) = app
        .call(Method::POST, &format!("/v1/users/{user_id}/api-keys"), None)
        .await;
    let party = fresh_party();
    let permissions = json!({"canSendDocument": true, "canReceiveDocument": true, "canRemoveDocument": true, "canManageHook": true});
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/v1/users/{user_id}/parties/{party}"),
            Some(json!({"name": "Target Party", "permissions": permissions})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    Target {
        user: user_id,
        key_id: issued["id"].as_str().unwrap_or_default().to_string(),
        party,
        username,
        email,
    }
}

fn fill(event: &str, app: &TestApp, target: &Target) -> String {
    event
        .replace(SAMPLE_EMAIL, &target.email)
        .replace(SAMPLE_USERNAME, &target.username)
        .replace(SAMPLE_KEY, &app.manager_key)
        .replace(SAMPLE_USER, &target.user)
        .replace(SAMPLE_USERNAME_000, &target.username)
        .replace(SAMPLE_KEY_ID, &target.key_id)
        .replace(SAMPLE_PARTY, &target.party)
        .replace(SAMPLE_GLN, &fresh_gln())
}

/// Seed 003 answers 200 even when an item fails: the sample events must not fail any.
fn assert_no_failed_item(file: &str, body: &str) {
    assert!(
        !body.contains("\"Status\":\"ERROR\""),
        "{file}: an item failed: {body}"
    );
}

#[tokio::test]
async fn every_users_and_party_event_runs_through_the_lambda_entry_path() {
    let app = TestApp::spawn().await;
    let functions = [
        (
            roster_users::routes().into_router(app.roster.clone()),
            USERS_EVENTS,
        ),
        (
            roster_party::routes().into_router(app.roster.clone()),
            PARTY_EVENTS,
        ),
    ];
    let mut i = 0;
    for (router, events) in functions {
        for (file, event, expected) in events {
            i += 1;
            let target = targets(&app, i).await;
            let filled = fill(event, &app, &target);
            let request = lambda::request_from_event(&filled)
                .unwrap_or_else(|e| panic!("{file} is not an API Gateway event: {e}"));
            let response = lambda::handle(router.clone(), request)
                .await
                .unwrap_or_else(|e| match e {});
            let status = response.status().as_u16();
            let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap_or_default();
            let body = String::from_utf8_lossy(&body);
            assert_eq!(status, *expected, "{file}: {body}");
            assert_no_failed_item(file, &body);
        }
    }
}

#[tokio::test]
async fn every_activation_event_runs_through_the_activation_entry_path() {
    let app = TestApp::spawn().await;
    for (i, (file, event, expected)) in ACTIVATION_EVENTS.iter().enumerate() {
        let target = targets(&app, i).await;
        let payload: serde_json::Value = serde_json::from_str(&fill(event, &app, &target))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!roster_activation::is_scheduled_event(&payload));
        let router = roster_activation::routes().into_router(app.roster.clone());
        let context = lambda_http::Context::default();
        let response = roster_activation::handle_event(
            router,
            app.roster.clone(),
            lambda_http::LambdaEvent::new(payload, context),
        )
        .await
        .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(response["statusCode"], *expected, "{file}: {response}");
        assert_no_failed_item(file, response["body"].as_str().unwrap_or_default());
    }
}
