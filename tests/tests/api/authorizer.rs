//! The REQUEST authorizer through its Lambda entry path (`roster_authorizer::handle`) against
//! DynamoDB Local, and the functions trusting its context; the IP allow-list on the local API.

use reqwest::{Method, StatusCode};
use roster_shared::domain::Cidr;
use roster_shared::http::lambda;
use roster_shared::store::OrgSettings;
use roster_tests::TestApp;
use serde_json::Value;

const SAMPLE_KEY: &str = "REPLACE_WITH_ROSTER_API_KEY";
const X_API_KEY: &str = include_str!("../../../events/authorizer/x-api-key.json");
const AUTHORIZATION: &str = include_str!("../../../events/authorizer/authorization-apikey.json");
const BEARER: &str = include_str!("../../../events/authorizer/authorization-bearer.json");
const ESIGNATUR: &str = include_str!("../../../events/authorizer/esignatur-id.json");
const NO_KEY: &str = include_str!("../../../events/authorizer/no-key.json");

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
    app.store
        .update_org_settings(&app.org, &settings)
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
            "esignatur-id.json",
            "no-key.json",
            "x-api-key.json"
        ]
    );
}
