//! Every sample event in `events/` goes through the Lambda entry path (lambda_http's event
//! decoding → the function's router) against DynamoDB Local, with its placeholders filled in.

use reqwest::Method;
use roster_shared::http::lambda;
use roster_tests::TestApp;
use serde_json::json;

const SAMPLE_KEY: &str = "REPLACE_WITH_ROSTER_API_KEY";
const SAMPLE_USER: &str = "usr_01JDSAMPXE0000000000000000";
const SAMPLE_KEY_ID: &str = "key_01JDSAMPXE0000000000000000";

/// `(file, event, expected status)` for the users function.
const USERS_EVENTS: &[(&str, &str, u16)] = &[
    ("list-users.json", include_str!("../../../events/users/list-users.json"), 200),
    ("create-user.json", include_str!("../../../events/users/create-user.json"), 201),
    ("create-users-batch.json", include_str!("../../../events/users/create-users-batch.json"), 200),
    ("list-deleted-users.json", include_str!("../../../events/users/list-deleted-users.json"), 200),
    ("get-user.json", include_str!("../../../events/users/get-user.json"), 200),
    ("patch-user.json", include_str!("../../../events/users/patch-user.json"), 200),
    ("delete-user.json", include_str!("../../../events/users/delete-user.json"), 204),
    ("upsert-user.json", include_str!("../../../events/users/upsert-user.json"), 201),
    ("get-profile.json", include_str!("../../../events/users/get-profile.json"), 200),
    ("patch-profile.json", include_str!("../../../events/users/patch-profile.json"), 200),
    ("list-api-keys.json", include_str!("../../../events/users/list-api-keys.json"), 200),
    ("issue-api-key.json", include_str!("../../../events/users/issue-api-key.json"), 201),
    ("revoke-api-key.json", include_str!("../../../events/users/revoke-api-key.json"), 204),
    ("get-me.json", include_str!("../../../events/users/get-me.json"), 200),
    ("patch-me.json", include_str!("../../../events/users/patch-me.json"), 200),
    ("get-my-profile.json", include_str!("../../../events/users/get-my-profile.json"), 200),
    ("patch-my-profile.json", include_str!("../../../events/users/patch-my-profile.json"), 200),
    ("list-languages.json", include_str!("../../../events/users/list-languages.json"), 200),
];

#[test]
fn every_event_file_is_in_the_table() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/users");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    files.sort();
    let mut listed: Vec<String> = USERS_EVENTS.iter().map(|(f, _, _)| (*f).to_string()).collect();
    listed.sort();
    assert_eq!(files, listed);
}

#[tokio::test]
async fn every_users_event_runs_through_the_lambda_entry_path() {
    let app = TestApp::spawn().await;
    let router = roster_users::routes().into_router(app.roster.clone());
    for (i, (file, event, expected)) in USERS_EVENTS.iter().enumerate() {
        // A fresh user with a key, so that each event finds what it names.
        let user = app.create_user(json!({"username": format!("target{i}"), "name": "Target"})).await;
        let user_id = user["id"].as_str().unwrap_or_default();
        let (_, issued) = app.call(Method::POST, &format!("/v1/users/{user_id}/api-keys"), None).await;
        let filled = event
            .replace(SAMPLE_KEY, &app.manager_key)
            .replace(SAMPLE_USER, user_id)
            .replace(SAMPLE_KEY_ID, issued["id"].as_str().unwrap_or_default());
        let request = lambda::request_from_event(&filled).unwrap_or_else(|e| panic!("{file} is not an API Gateway event: {e}"));
        let response = lambda::handle(router.clone(), request).await.unwrap_or_else(|e| match e {});
        let status = response.status().as_u16();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap_or_default();
        assert_eq!(status, *expected, "{file}: {}", String::from_utf8_lossy(&body));
    }
}
