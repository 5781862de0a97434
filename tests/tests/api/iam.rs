//! Least privilege, checked against the code: every sample event of every function (and of the
//! authorizer) runs through its Lambda entry path on a client that records the IAM action each
//! DynamoDB request needs (a transaction needs its items' actions: `PutItem`, `UpdateItem`,
//! `DeleteItem`, `ConditionCheckItem`) and the index it queries. What a function does must be
//! allowed by its policy in `template.yaml`; what its policy allows beyond that must be a path
//! the sample events do not take, named below with its reason.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use reqwest::Method;
use roster_shared::http::lambda;
use roster_shared::store::Store;
use roster_tests::TestApp;
use serde_json::{json, Value};

/// An IAM action, with the index for a `Query` on one (`"GSI1"`…; empty for the table).
type Action = (String, String);

/// The attribute names an `UpdateItem` request names, and its `ReturnValues`.
type Update = (BTreeSet<String>, Option<String>);

#[derive(Clone, Debug, Default)]
struct Recorder {
    actions: Arc<Mutex<BTreeSet<Action>>>,
    /// Attribute names of every `UpdateItem` request (for the authorizer's condition).
    updates: Arc<Mutex<Vec<Update>>>,
}

impl Recorder {
    fn take(&self) -> BTreeSet<Action> {
        self.actions
            .lock()
            .map(|mut a| std::mem::take(&mut *a))
            .unwrap_or_default()
    }
}

#[derive(Debug)]
struct Record(Recorder);

impl Intercept for Record {
    fn name(&self) -> &'static str {
        "IamRecorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map(|m| m.name().to_string())
            .unwrap_or_default();
        let body: Value = context
            .request()
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null);
        let mut found = Vec::new();
        match operation.as_str() {
            "TransactWriteItems" => {
                for item in body["TransactItems"].as_array().into_iter().flatten() {
                    for (kind, action) in [
                        ("Put", "PutItem"),
                        ("Update", "UpdateItem"),
                        ("Delete", "DeleteItem"),
                        ("ConditionCheck", "ConditionCheckItem"),
                    ] {
                        if item.get(kind).is_some() {
                            found.push((action.to_string(), String::new()));
                        }
                    }
                }
            }
            "Query" => found.push((
                "Query".into(),
                body["IndexName"].as_str().unwrap_or_default().into(),
            )),
            other => found.push((other.to_string(), String::new())),
        }
        if operation == "UpdateItem" {
            let mut names: BTreeSet<String> = BTreeSet::new();
            for object in [&body["Key"], &body["ExpressionAttributeNames"]] {
                if let Some(map) = object.as_object() {
                    if object == &body["Key"] {
                        names.extend(map.keys().cloned());
                    } else {
                        names.extend(map.values().filter_map(Value::as_str).map(str::to_string));
                    }
                }
            }
            let returns = body["ReturnValues"].as_str().map(str::to_string);
            if let Ok(mut updates) = self.0.updates.lock() {
                updates.push((names, returns));
            }
        }
        if let Ok(mut actions) = self.0.actions.lock() {
            actions.extend(found);
        }
        Ok(())
    }
}

async fn recording_app(recorder: &Recorder) -> TestApp {
    let config = roster_tests::config();
    let conf = roster_shared::store::client_builder(&config)
        .interceptor(Record(recorder.clone()))
        .build();
    let store = Store::new(
        aws_sdk_dynamodb::Client::from_conf(conf),
        config.table_name.clone(),
    );
    TestApp::spawn_on(config, store).await
}

/// Every string inside a YAML value (through tags, sequences and maps).
fn strings_in(value: &serde_yaml::Value) -> Vec<String> {
    match value {
        serde_yaml::Value::String(s) => vec![s.clone()],
        serde_yaml::Value::Tagged(tagged) => strings_in(&tagged.value),
        serde_yaml::Value::Sequence(items) => items.iter().flat_map(strings_in).collect(),
        serde_yaml::Value::Mapping(map) => map.values().flat_map(strings_in).collect(),
        _ => Vec::new(),
    }
}

/// `(actions, indexes)` a function's policy in `template.yaml` allows.
fn allowed(resource: &str) -> (BTreeSet<String>, BTreeSet<String>, Vec<serde_yaml::Value>) {
    let doc: serde_yaml::Value = serde_yaml::from_str(include_str!("../../../template.yaml"))
        .unwrap_or_else(|e| panic!("template.yaml: {e}"));
    let statements = doc["Resources"][resource]["Properties"]["Policies"][0]["Statement"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    let mut actions = BTreeSet::new();
    let mut indexes = BTreeSet::new();
    for statement in &statements {
        for action in statement["Action"].as_sequence().into_iter().flatten() {
            if let Some(a) = action.as_str().and_then(|a| a.strip_prefix("dynamodb:")) {
                actions.insert(a.to_string());
            }
        }
        for target in statement["Resource"].as_sequence().into_iter().flatten() {
            // A resource may be a string, a `!Sub`, or an `!If` choosing between the stack's
            // table and an existing one (`ExistingTableName`): every string inside counts.
            for text in strings_in(target) {
                if let Some(index) = text.split("/index/").nth(1) {
                    indexes.insert(index.to_string());
                }
            }
        }
    }
    (actions, indexes, statements)
}

/// Compares what ran with what the policy allows; `unexercised` lists what the policy may allow
/// beyond the sample events, each with the code path that needs it.
fn check(resource: &str, ran: &BTreeSet<Action>, unexercised: &[(&str, &str)]) {
    let (actions, indexes, _) = allowed(resource);
    let mut ran_actions: BTreeSet<String> = ran.iter().map(|(a, _)| a.clone()).collect();
    // Every function's main() warms its connections (`Store::warm_up`, not an event): a
    // DescribeTable beside GetItems of a key that never exists.
    ran_actions.insert("DescribeTable".into());
    ran_actions.insert("GetItem".into());
    let ran_indexes: BTreeSet<String> = ran
        .iter()
        .filter(|(_, i)| !i.is_empty())
        .map(|(_, i)| i.clone())
        .collect();
    let missing: Vec<_> = ran_actions.difference(&actions).collect();
    assert!(
        missing.is_empty(),
        "{resource} calls {missing:?}, not in its policy"
    );
    assert!(
        ran_indexes.is_subset(&indexes),
        "{resource} queries {ran_indexes:?}, policy allows {indexes:?}"
    );
    assert_eq!(
        indexes, ran_indexes,
        "{resource}: the policy names exactly the indexes it queries"
    );
    let extra: BTreeSet<String> = actions.difference(&ran_actions).cloned().collect();
    let explained: BTreeSet<String> = unexercised.iter().map(|(a, _)| a.to_string()).collect();
    assert_eq!(
        extra, explained,
        "{resource}: allowed but neither called by its events nor explained"
    );
}

fn event_file(path: &str) -> String {
    let full = format!("{}/../events/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn files(folder: &str) -> Vec<String> {
    let dir = format!("{}/../events/{folder}", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Fills an event's placeholders with a fresh user (with a key, a party grant) of `app`.
async fn filled(app: &TestApp, event: &str, i: usize) -> String {
    let username = format!("iam{i}");
    let email = format!("iam{i}@example.com");
    let user = app
        .create_user(json!({"username": username, "name": "Iam", "emails": [email]}))
        .await;
    let id = user["id"].as_str().unwrap_or_default().to_string();
    let (_, issued) = app
        .call(Method::POST, &format!("/v1/users/{id}/api-keys"), None)
        .await;
    let party = roster_tests::fresh_party();
    let permissions = json!({"canSendDocument": true, "canReceiveDocument": true, "canRemoveDocument": true, "canManageHook": true});
    app.call(
        Method::PUT,
        &format!("/v1/users/{id}/parties/{party}"),
        Some(json!({"name": "Iam Party", "permissions": permissions})),
    )
    .await;
    event
        .replace("sample.mail@example.com", &email)
        .replace("sample-user", &username)
        .replace("REPLACE_WITH_ROSTER_API_KEY", &app.manager_key)
        .replace("usr_01JDSAMPXE0000000000000000", &id)
        .replace("REPLACE_WITH_USERNAME", &username)
        .replace(
            "key_01JDSAMPXE0000000000000000",
            issued["id"].as_str().unwrap_or_default(),
        )
        .replace("0106:12345678", &party)
        .replace("0088:5790000435975", &roster_tests::fresh_gln())
}

#[tokio::test]
async fn each_function_policy_allows_what_its_code_calls_and_little_else() {
    let recorder = Recorder::default();
    let app = recording_app(&recorder).await;
    let mut ran: BTreeMap<&str, BTreeSet<Action>> = BTreeMap::new();
    let mut i = 0;

    for (resource, folder) in [("UsersFunction", "users"), ("PartyFunction", "party")] {
        let router = match folder {
            "users" => roster_users::routes().into_router(app.roster.clone()),
            _ => roster_party::routes().into_router(app.roster.clone()),
        };
        for file in files(folder) {
            i += 1;
            let event = filled(&app, &event_file(&format!("{folder}/{file}")), i).await;
            // The function authenticates the key itself here (no authorizer context): drop the
            // setup's calls and warm the key, so only the event's own calls are recorded.
            app.roster.auth.invalidate_org(&app.org);
            let _ = app.roster.auth.resolve(&app.manager_key).await;
            recorder.take();
            let request =
                lambda::request_from_event(&event).unwrap_or_else(|e| panic!("{file}: {e}"));
            let _ = lambda::handle(router.clone(), request).await;
            ran.entry(resource).or_default().extend(recorder.take());
        }
    }
    for file in files("activation") {
        i += 1;
        let event = filled(&app, &event_file(&format!("activation/{file}")), i).await;
        let payload: Value = serde_json::from_str(&event).unwrap_or_else(|e| panic!("{e}"));
        let _ = app.roster.auth.resolve(&app.manager_key).await;
        recorder.take();
        let router = roster_activation::routes().into_router(app.roster.clone());
        let _ = roster_activation::handle_event(
            router,
            app.roster.clone(),
            lambda_http::LambdaEvent::new(payload, lambda_http::Context::default()),
        )
        .await;
        ran.entry("ActivationFunction")
            .or_default()
            .extend(recorder.take());
    }
    // A restore of a deleted user (the sample restores a live one, which writes nothing).
    let (victim, _) = app.user_with_key("iam-restore", "ApUser").await;
    let victim = victim["id"].as_str().unwrap_or_default().to_string();
    app.call(Method::DELETE, &format!("/v1/users/{victim}"), None)
        .await;
    let mut restore: Value = serde_json::from_str(&event_file("activation/restore-user.json"))
        .unwrap_or_else(|e| panic!("{e}"));
    let text = restore
        .to_string()
        .replace("REPLACE_WITH_ROSTER_API_KEY", &app.manager_key)
        .replace("usr_01JDSAMPXE0000000000000000", &victim);
    restore = serde_json::from_str(&text).unwrap_or_default();
    recorder.take();
    let response = roster_activation::handle_event(
        roster_activation::routes().into_router(app.roster.clone()),
        app.roster.clone(),
        lambda_http::LambdaEvent::new(restore, lambda_http::Context::default()),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response["statusCode"], 200, "{response}");
    ran.entry("ActivationFunction")
        .or_default()
        .extend(recorder.take());

    // The authorizer: every event, on a cold cache, with a manager key never used yet (so its
    // lastUsedAt is stale and the first event writes it, in the background).
    let key = app.issue_key(app.manager_id.as_str()).await;
    if let Ok(mut updates) = recorder.updates.lock() {
        updates.clear();
    }
    for file in files("authorizer") {
        let fresh = roster_shared::service::Roster::new(app.store.clone(), &roster_tests::config());
        let event =
            event_file(&format!("authorizer/{file}")).replace("REPLACE_WITH_ROSTER_API_KEY", &key);
        let payload: Value = serde_json::from_str(&event).unwrap_or_default();
        recorder.take();
        let _ = roster_authorizer::handle(
            &fresh,
            lambda_http::LambdaEvent::new(payload, lambda_http::Context::default()),
        )
        .await;
        ran.entry("AuthorizerFunction")
            .or_default()
            .extend(recorder.take());
    }
    // The lastUsedAt write is not awaited by the answer: wait for it (bounded).
    for _ in 0..500 {
        if recorder.updates.lock().is_ok_and(|u| !u.is_empty()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    ran.entry("AuthorizerFunction")
        .or_default()
        .extend(recorder.take());

    check("UsersFunction", &ran["UsersFunction"], &[]);
    check("PartyFunction", &ran["PartyFunction"], &[]);
    check(
        "ActivationFunction",
        &ran["ActivationFunction"],
        &[
            // Restore removes keys issued while the user was being deleted (a race; see
            // revocation::a_key_that_raced_the_delete_is_refused_and_removed_by_the_restore).
            ("DeleteItem", "restore of a user with leftover keys"),
        ],
    );
    check("AuthorizerFunction", &ran["AuthorizerFunction"], &[]);

    // The authorizer's only write names just the attributes its condition allows.
    let (_, _, statements) = allowed("AuthorizerFunction");
    let update = statements
        .iter()
        .find(|s| {
            s["Action"]
                .as_sequence()
                .is_some_and(|a| a.iter().any(|x| x.as_str() == Some("dynamodb:UpdateItem")))
        })
        .unwrap_or_else(|| panic!("no UpdateItem statement"));
    let permitted: BTreeSet<String> = update["Condition"]["ForAllValues:StringEquals"]
        ["dynamodb:Attributes"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    assert_eq!(
        update["Condition"]["StringEquals"]["dynamodb:ReturnValues"].as_str(),
        Some("NONE")
    );
    let updates = recorder
        .updates
        .lock()
        .map(|u| u.clone())
        .unwrap_or_default();
    assert!(!updates.is_empty(), "the authorizer wrote lastUsedAt");
    for (names, returns) in updates {
        assert!(
            names.is_subset(&permitted),
            "UpdateItem names {names:?}, allowed {permitted:?}"
        );
        assert!(returns.is_none() || returns.as_deref() == Some("NONE"));
    }
}
