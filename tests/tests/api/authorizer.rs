//! The REQUEST authorizer through its Lambda entry path (`roster_authorizer::handle`) against
//! DynamoDB Local, and the functions trusting its context; the IP allow-list on the local API.

use reqwest::{Method, StatusCode};
use roster_shared::domain::Cidr;
use roster_shared::http::lambda;
use roster_shared::store::OrgSettings;
use roster_tests::faults::{Fault, FaultPlan};
use roster_tests::TestApp;
use serde_json::{json, Value};

const SAMPLE_KEY: &str = "REPLACE_WITH_ROSTER_API_KEY";
const X_API_KEY: &str = include_str!("../../../events/authorizer/x-api-key.json");
const AUTHORIZATION: &str = include_str!("../../../events/authorizer/authorization-apikey.json");
const BEARER: &str = include_str!("../../../events/authorizer/authorization-bearer.json");
const ESIGNATUR: &str = include_str!("../../../events/authorizer/esignatur-id.json");
const NO_KEY: &str = include_str!("../../../events/authorizer/no-key.json");
const REVOKED: &str = include_str!("../../../events/authorizer/revoked-key.json");
const DELETED_RESTORED: &str =
    include_str!("../../../events/authorizer/deleted-restored-user-old-key.json");
const INACTIVE: &str = include_str!("../../../events/authorizer/inactive-user.json");
const BLOCKED: &str = include_str!("../../../events/authorizer/blocked-source.json");
const STORAGE_FAILURE: &str = include_str!("../../../events/authorizer/storage-failure.json");

async fn authorize(
    app: &TestApp,
    event: &str,
    key: &str,
    source_ip: &str,
) -> Result<Value, String> {
    let filled = event
        .replace(SAMPLE_KEY, key)
        .replace("203.0.113.10", source_ip);
    let payload: Value = serde_json::from_str(&filled).map_err(|e| e.to_string())?;
    roster_authorizer::handle(
        &app.roster,
        lambda_http::LambdaEvent::new(payload, lambda_http::Context::default()),
    )
    .await
    .map_err(|e| e.to_string())
}

fn effect(answer: &Value) -> &str {
    answer["policyDocument"]["Statement"][0]["Effect"]
        .as_str()
        .unwrap_or_default()
}

async fn set(app: &TestApp, settings: OrgSettings) {
    app.roster
        .operator_update_org(&app.org, &settings)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    app.roster.auth.invalidate_org(&app.org);
}

fn cidrs(list: &[&str]) -> Vec<Cidr> {
    list.iter()
        .map(|c| Cidr::parse(c).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

#[tokio::test]
async fn every_header_form_is_allowed_with_the_principal_and_usage_key() {
    let app = TestApp::spawn().await;
    set(
        &app,
        OrgSettings {
            usage_key: Some(("gwkey1".into(), "gw-usage-key-value".into())),
            ..OrgSettings::default()
        },
    )
    .await;
    for (name, event) in [
        ("x-api-key", X_API_KEY),
        ("Authorization: Apikey", AUTHORIZATION),
        ("Authorization: Bearer", BEARER),
        ("X-eSignatur-Id", ESIGNATUR),
    ] {
        let answer = authorize(&app, event, &app.manager_key, "203.0.113.10")
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(effect(&answer), "Allow", "{name}: {answer}");
        assert_eq!(
            answer["policyDocument"]["Statement"][0]["Resource"],
            "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/users"
        );
        assert_eq!(answer["context"]["org"], app.org.as_str());
        assert_eq!(answer["context"]["userId"], app.manager_id.as_str());
        assert_eq!(answer["context"]["role"], "ApManager");
        assert_eq!(
            answer["usageIdentifierKey"], "gw-usage-key-value",
            "metered under the organization"
        );
        assert!(
            !answer.to_string().contains(&app.manager_key),
            "the key is never echoed"
        );
    }
}

#[tokio::test]
async fn unknown_missing_revoked_and_inactive_keys_are_refused() {
    let app = TestApp::spawn().await;
    assert_eq!(
        authorize(&app, NO_KEY, "", "203.0.113.10")
            .await
            .err()
            .as_deref(),
        Some("Unauthorized")
    );
    assert_eq!(
        authorize(&app, X_API_KEY, "rst_not-a-real-key", "203.0.113.10")
            .await
            .err()
            .as_deref(),
        Some("Unauthorized")
    );

    let (user, key) = app.user_with_key("ivan", "ApUser").await;
    let id = user["id"].as_str().unwrap_or_default();
    assert_eq!(
        effect(
            &authorize(&app, X_API_KEY, &key, "203.0.113.10")
                .await
                .unwrap_or_default()
        ),
        "Allow"
    );
    app.call(Method::POST, &format!("/v1/users/{id}/deactivate"), None)
        .await;
    let denied = authorize(&app, AUTHORIZATION, &key, "203.0.113.10")
        .await
        .unwrap_or_default();
    assert_eq!(
        (effect(&denied), denied["context"]["code"].as_str()),
        ("Deny", Some("CALLER_INACTIVE")),
        "{denied}"
    );
    app.call(Method::POST, &format!("/v1/users/{id}/activate"), None)
        .await;

    let (_, keys) = app
        .call(Method::GET, &format!("/v1/users/{id}/api-keys"), None)
        .await;
    let key_id = keys["data"][0]["id"].as_str().unwrap_or_default();
    app.call(
        Method::DELETE,
        &format!("/v1/users/{id}/api-keys/{key_id}"),
        None,
    )
    .await;
    assert_eq!(
        authorize(&app, ESIGNATUR, &key, "203.0.113.10")
            .await
            .err()
            .as_deref(),
        Some("Unauthorized")
    );
}

#[tokio::test]
async fn a_blocked_source_address_is_denied() {
    let app = TestApp::spawn().await;
    set(
        &app,
        OrgSettings {
            ip_allow_list: Some(cidrs(&["198.51.100.0/24", "2001:db8::/32"])),
            ..OrgSettings::default()
        },
    )
    .await;
    let blocked = authorize(&app, X_API_KEY, &app.manager_key, "203.0.113.10")
        .await
        .unwrap_or_default();
    assert_eq!(
        (effect(&blocked), blocked["context"]["code"].as_str()),
        ("Deny", Some("IP_NOT_ALLOWED"))
    );
    let allowed = authorize(&app, X_API_KEY, &app.manager_key, "198.51.100.77")
        .await
        .unwrap_or_default();
    assert_eq!(effect(&allowed), "Allow");
}

#[tokio::test]
async fn the_local_api_applies_the_allow_list_to_the_peer_address() {
    let app = TestApp::spawn().await;
    set(
        &app,
        OrgSettings {
            ip_allow_list: Some(cidrs(&["10.0.0.0/8"])),
            ..OrgSettings::default()
        },
    )
    .await;
    let (status, problem) = app.call(Method::GET, "/v1/me", None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("IP_NOT_ALLOWED"))
    );
    set(
        &app,
        OrgSettings {
            ip_allow_list: Some(cidrs(&["10.0.0.0/8", "127.0.0.1"])),
            ..OrgSettings::default()
        },
    )
    .await;
    let (status, _) = app.call(Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    set(
        &app,
        OrgSettings {
            ip_allow_list: Some(vec![]),
            ..OrgSettings::default()
        },
    )
    .await;
    let (status, _) = app.call(Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK, "an empty list allows any address");
}

#[tokio::test]
async fn functions_act_as_the_principal_the_authorizer_named() {
    let app = TestApp::spawn().await;
    let (user, key) = app.user_with_key("ola", "ApUser").await;
    let answer = authorize(&app, X_API_KEY, &key, "203.0.113.10")
        .await
        .unwrap_or_default();
    // An API Gateway event as it reaches the function: the authorizer's context, no key header.
    let mut event: Value =
        serde_json::from_str(include_str!("../../../events/users/get-me.json")).unwrap_or_default();
    event["headers"]
        .as_object_mut()
        .map(|h| h.remove("x-api-key"));
    event["multiValueHeaders"]
        .as_object_mut()
        .map(|h| h.remove("x-api-key"));
    let mut context = answer["context"].clone();
    context["principalId"] = answer["principalId"].clone();
    event["requestContext"]["authorizer"] = context;
    let request = lambda::request_from_event(&event.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let router = roster_users::routes().into_router(app.roster.clone());
    let response = lambda::handle(router.clone(), request)
        .await
        .unwrap_or_else(|e| match e {});
    assert_eq!(response.status(), 200);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let me: Value = serde_json::from_slice(&body).unwrap_or_default();
    assert_eq!(me["id"], user["id"]);
    // Without a context (or a key) the function refuses, as on any unauthenticated path.
    let mut bare: Value =
        serde_json::from_str(include_str!("../../../events/users/get-me.json")).unwrap_or_default();
    bare["headers"]
        .as_object_mut()
        .map(|h| h.remove("x-api-key"));
    bare["multiValueHeaders"]
        .as_object_mut()
        .map(|h| h.remove("x-api-key"));
    let request = lambda::request_from_event(&bare.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let response = lambda::handle(router, request)
        .await
        .unwrap_or_else(|e| match e {});
    assert_eq!(response.status(), 401);
}

/// The event as it is (its own key header and source address), with `key` filled in.
async fn authorize_event(app: &TestApp, event: &str, key: &str) -> Result<Value, String> {
    let payload: Value =
        serde_json::from_str(&event.replace(SAMPLE_KEY, key)).map_err(|e| e.to_string())?;
    roster_authorizer::handle(
        &app.roster,
        lambda_http::LambdaEvent::new(payload, lambda_http::Context::default()),
    )
    .await
    .map_err(|e| e.to_string())
}

async fn key_id_of(app: &TestApp, user: &str) -> String {
    let (_, keys) = app
        .call(Method::GET, &format!("/v1/users/{user}/api-keys"), None)
        .await;
    keys["data"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn the_revoked_key_event_is_unauthorized() {
    let app = TestApp::spawn().await;
    let (user, key) = app.user_with_key("rhea", "ApUser").await;
    let id = user["id"].as_str().unwrap_or_default();
    let allowed = authorize_event(&app, REVOKED, &key)
        .await
        .unwrap_or_default();
    assert_eq!(effect(&allowed), "Allow");
    let key_id = key_id_of(&app, id).await;
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/users/{id}/api-keys/{key_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        authorize_event(&app, REVOKED, &key).await.err().as_deref(),
        Some("Unauthorized")
    );
}

#[tokio::test]
async fn the_old_key_of_a_deleted_then_restored_user_stays_unauthorized() {
    let app = TestApp::spawn().await;
    let (user, key) = app.user_with_key("theo", "ApUser").await;
    let id = user["id"].as_str().unwrap_or_default();
    let allowed = authorize_event(&app, DELETED_RESTORED, &key)
        .await
        .unwrap_or_default();
    assert_eq!(effect(&allowed), "Allow");
    let (status, _) = app
        .call(Method::DELETE, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        authorize_event(&app, DELETED_RESTORED, &key)
            .await
            .err()
            .as_deref(),
        Some("Unauthorized")
    );
    let (status, _) = app
        .call(Method::POST, &format!("/v1/users/{id}/restore"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        authorize_event(&app, DELETED_RESTORED, &key)
            .await
            .err()
            .as_deref(),
        Some("Unauthorized"),
        "restoring the user does not revive its old key"
    );
    let fresh = app.issue_key(id).await;
    let allowed = authorize_event(&app, DELETED_RESTORED, &fresh)
        .await
        .unwrap_or_default();
    assert_eq!(effect(&allowed), "Allow", "a new key works");
}

#[tokio::test]
async fn the_inactive_user_event_is_denied_with_its_code_and_reason() {
    let app = TestApp::spawn().await;
    let (user, key) = app.user_with_key("inka", "ApUser").await;
    let id = user["id"].as_str().unwrap_or_default();
    app.call(Method::POST, &format!("/v1/users/{id}/deactivate"), None)
        .await;
    let denied = authorize_event(&app, INACTIVE, &key)
        .await
        .unwrap_or_default();
    assert_eq!(effect(&denied), "Deny", "{denied}");
    assert_eq!(denied["context"]["code"], "CALLER_INACTIVE");
    assert_eq!(
        denied["context"]["detail"],
        "The key's user is deactivated."
    );
    assert!(
        denied["context"].get("userId").is_none(),
        "no principal on a deny"
    );
}

#[tokio::test]
async fn the_blocked_source_event_is_denied_with_ip_not_allowed() {
    let app = TestApp::spawn().await;
    set(
        &app,
        OrgSettings {
            ip_allow_list: Some(cidrs(&["203.0.113.0/24"])),
            ..OrgSettings::default()
        },
    )
    .await;
    let denied = authorize_event(&app, BLOCKED, &app.manager_key)
        .await
        .unwrap_or_default();
    assert_eq!(
        (effect(&denied), denied["context"]["code"].as_str()),
        ("Deny", Some("IP_NOT_ALLOWED")),
        "{denied}"
    );
    assert!(denied["context"]["detail"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    // The same key from inside the list is allowed.
    let allowed = authorize(&app, X_API_KEY, &app.manager_key, "203.0.113.10")
        .await
        .unwrap_or_default();
    assert_eq!(effect(&allowed), "Allow");
}

#[tokio::test]
async fn a_storage_failure_is_a_logged_authorizer_failure_not_a_401_and_not_cached() {
    let plan = FaultPlan::default();
    let app = TestApp::spawn_with_faults(&plan).await;
    // Every attempt of the key's reads (one BatchGetItem) is throttled (the SDK tries 3 times).
    plan.inject("BatchGetItem", Fault::Throttling, 3);
    let failed = authorize_event(&app, STORAGE_FAILURE, &app.manager_key).await;
    let message = failed.err().unwrap_or_default();
    assert!(
        !message.is_empty() && message != "Unauthorized",
        "a failure, not a 401: {message:?}"
    );
    let logs = roster_tests::captured_logs();
    let line = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|l| {
            l["decision"] == "error"
                && l.get("function_request_id").is_some()
                && l["code"] == "STORAGE_UNAVAILABLE"
        });
    assert!(
        line.is_some(),
        "the metric filter's line is logged: {:?}",
        logs.lines()
            .filter(|l| l.contains("decision"))
            .collect::<Vec<_>>()
    );
    assert!(!logs.contains(&app.manager_key), "never the key");
    // Storage back: the same key is allowed (the failure was not cached).
    assert_eq!(plan.pending(), 0);
    let allowed = authorize_event(&app, STORAGE_FAILURE, &app.manager_key)
        .await
        .unwrap_or_default();
    assert_eq!(effect(&allowed), "Allow");
}

/// A gateway response of `template.yaml`: `(status, headers, body template)`.
fn gateway_response(kind: &str) -> (String, serde_yaml::Value, String) {
    let doc: serde_yaml::Value = serde_yaml::from_str(include_str!("../../../template.yaml"))
        .unwrap_or_else(|e| panic!("template.yaml: {e}"));
    let response = &doc["Resources"]["Api"]["Properties"]["GatewayResponses"][kind];
    (
        response["StatusCode"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        response["ResponseParameters"]["Headers"].clone(),
        response["ResponseTemplates"]["application/json"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

/// Fills a gateway-response template as API Gateway does (`$context.*` substituted verbatim).
fn render(template: &str, authorizer: &Value) -> Value {
    let mut body = template.replace("$context.requestId", "req-1");
    if let Some(fields) = authorizer.as_object() {
        for (name, value) in fields {
            body = body.replace(
                &format!("$context.authorizer.{name}"),
                value.as_str().unwrap_or_default(),
            );
        }
    }
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{body}: {e}"))
}

#[tokio::test]
async fn gateway_responses_carry_the_authorizers_code_and_storage_failures_are_503() {
    let app = TestApp::spawn().await;
    set(
        &app,
        OrgSettings {
            // The event's 198.51.100.99 is outside; this test's own calls (127.0.0.1) inside.
            ip_allow_list: Some(cidrs(&["203.0.113.0/24", "127.0.0.1"])),
            ..OrgSettings::default()
        },
    )
    .await;
    let denied = authorize_event(&app, BLOCKED, &app.manager_key)
        .await
        .unwrap_or_default();
    let (status, _, template) = gateway_response("ACCESS_DENIED");
    assert_eq!(status, "403");
    let problem = render(&template, &denied["context"]);
    assert_eq!(problem["code"], "IP_NOT_ALLOWED", "{problem}");
    assert_eq!(problem["status"], 403);
    assert_eq!(problem["detail"], denied["context"]["detail"]);

    let (_, key) = app.user_with_key("ines", "ApUser").await;
    let (_, me) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    let id = me["id"].as_str().unwrap_or_default();
    app.call(Method::POST, &format!("/v1/users/{id}/deactivate"), None)
        .await;
    let inactive = authorize_event(&app, INACTIVE, &key)
        .await
        .unwrap_or_default();
    let problem = render(&template, &inactive["context"]);
    assert_eq!(
        (problem["code"].as_str(), problem["detail"].as_str()),
        (
            Some("CALLER_INACTIVE"),
            Some("The key's user is deactivated.")
        )
    );
    // The same code the functions answer when they check the key themselves (make dev).
    let (status, local) = app.call_as(&key, Method::GET, "/v1/me", None).await;
    assert_eq!(
        (status, &local["code"]),
        (StatusCode::FORBIDDEN, &problem["code"])
    );

    // A failing authorizer (storage) reaches callers as a retryable 503 problem.
    for kind in ["AUTHORIZER_CONFIGURATION_ERROR", "AUTHORIZER_FAILURE"] {
        let (status, headers, template) = gateway_response(kind);
        assert_eq!(status, "503", "{kind}");
        assert_eq!(headers["Retry-After"].as_str(), Some("'1'"), "{kind}");
        assert_eq!(
            headers["Content-Type"].as_str(),
            Some("'application/problem+json'")
        );
        let problem = render(&template, &json!({}));
        assert_eq!(
            (problem["status"].as_i64(), problem["code"].as_str()),
            (Some(503), Some("STORAGE_UNAVAILABLE")),
            "{kind}"
        );
    }
    let (status, _, _) = gateway_response("UNAUTHORIZED");
    assert_eq!(status, "401");
}

#[test]
fn every_authorizer_event_is_used() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/authorizer");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    assert_eq!(
        files,
        [
            "authorization-apikey.json",
            "authorization-bearer.json",
            "blocked-source.json",
            "deleted-restored-user-old-key.json",
            "esignatur-id.json",
            "inactive-user.json",
            "no-key.json",
            "revoked-key.json",
            "storage-failure.json",
            "x-api-key.json"
        ]
    );
}
