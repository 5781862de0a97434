//! Test harness: the whole API (every function's routes, exactly as `make dev` serves them) on a
//! random local port, on DynamoDB Local (`DYNAMODB_ENDPOINT`, started by `make test`). Each test
//! gets its own organization on a shared table, so tests run in parallel without seeing each
//! other.

use std::io::Write;
use std::sync::{Mutex, OnceLock};

use reqwest::{Method, RequestBuilder, StatusCode};
use roster_shared::config::Config;
use roster_shared::domain::{Language, OrgId, UserId, Username};
use roster_shared::service::Roster;
use roster_shared::store::Store;
use serde_json::{json, Value};

pub mod faults;

pub const TABLE: &str = "roster-tests";

static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());
static TRACING: OnceLock<()> = OnceLock::new();

struct Capture;

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut logs) = LOGS.lock() {
            logs.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Every log line written so far by any test in this process.
pub fn captured_logs() -> String {
    LOGS.lock()
        .map(|l| String::from_utf8_lossy(&l).into_owned())
        .unwrap_or_default()
}

/// The functions' own log subscriber (`roster_shared::obs::log`, at DEBUG), writing into the
/// capture buffer instead of stdout: log lines and EMF documents alike.
fn init_logs() {
    TRACING.get_or_init(|| {
        roster_shared::obs::log::init(
            roster_shared::obs::log::JsonLog::new(tracing::level_filters::LevelFilter::DEBUG),
            Some(Box::new(|line: &[u8]| {
                let _ = Capture.write(line);
            })),
        );
    });
}

pub fn config() -> Config {
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").expect(
        "DYNAMODB_ENDPOINT is not set: run the tests with `make test` (it starts DynamoDB Local)",
    );
    Config {
        table_name: TABLE.into(),
        dynamodb_endpoint: Some(endpoint),
        auth_cache_ttl: roster_shared::auth::DEFAULT_CACHE_TTL,
    }
}

pub struct TestApp {
    pub url: String,
    pub http: reqwest::Client,
    pub roster: Roster,
    pub store: Store,
    pub org: OrgId,
    pub manager_key: String,
    pub manager_id: UserId,
}

/// A fresh organization id.
pub fn fresh_org() -> OrgId {
    OrgId::parse(&format!(
        "t-{}",
        ulid::Ulid::new().to_string().to_lowercase()
    ))
    .expect("valid org id")
}

/// A party id no other test uses: party ids belong to one organization table-wide.
pub fn fresh_party() -> String {
    format!("0106:{:08}", ulid::Ulid::new().random() % 100_000_000)
}

/// A fresh GLN (`0088:` + 13 digits).
pub fn fresh_gln() -> String {
    format!(
        "0088:{:013}",
        ulid::Ulid::new().random() % 10_000_000_000_000
    )
}

/// The DynamoDB-semantics proxy (DynamoDB's transaction conflicts, 15 ms hold) that every test
/// of this process shares, in front of DynamoDB Local (`DYNAMODB_LOCAL_ENDPOINT` when the run
/// already goes through a proxy, else `DYNAMODB_ENDPOINT`).
pub fn semantics() -> &'static roster_semantics::Running {
    static PROXY: OnceLock<roster_semantics::Running> = OnceLock::new();
    PROXY.get_or_init(|| {
        let upstream = std::env::var("DYNAMODB_LOCAL_ENDPOINT")
            .or_else(|_| std::env::var("DYNAMODB_ENDPOINT"))
            .expect("DYNAMODB_ENDPOINT is not set: run the tests with `make test`");
        roster_semantics::spawn(&upstream, roster_semantics::Settings::dynamodb())
            .expect("semantics proxy started")
    })
}

/// [`config`] with the SDK pointed at the semantics proxy.
pub fn semantics_config() -> Config {
    Config {
        dynamodb_endpoint: Some(semantics().endpoint.clone()),
        ..config()
    }
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(config()).await
    }

    /// The app on the DynamoDB-semantics proxy: concurrent transactions conflict as on DynamoDB.
    pub async fn spawn_on_semantics() -> Self {
        Self::spawn_with(semantics_config()).await
    }

    pub async fn spawn_with(config: Config) -> Self {
        let store = Store::connect(&config);
        Self::spawn_on(config, store).await
    }

    /// The app on a client whose responses `plan` can rewrite (see [`faults`]).
    pub async fn spawn_with_faults(plan: &faults::FaultPlan) -> Self {
        let config = config();
        let conf = roster_shared::store::client_builder(&config)
            .interceptor(roster_shared::obs::sdk::Observe)
            .interceptor(faults::FaultInjector(plan.clone()))
            .build();
        let store = Store::new(
            aws_sdk_dynamodb::Client::from_conf(conf),
            config.table_name.clone(),
        );
        Self::spawn_on(config, store).await
    }

    pub async fn spawn_on(config: Config, store: Store) -> Self {
        init_logs();
        store.create_table_if_missing().await.expect("table");
        let roster = Roster::new(store.clone(), &config);
        let org = fresh_org();
        let (manager, key) = roster
            .bootstrap_org(
                &org,
                Username::parse("admin").expect("username"),
                Language::default_language(),
            )
            .await
            .expect("bootstrap");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let app = roster_dev::all_routes().into_router(roster.clone());
        tokio::spawn(async move {
            // With the peer address, as `make dev` serves: the IP allow-list needs it.
            let _ = axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await;
        });
        Self {
            url,
            http: reqwest::Client::new(),
            roster,
            store,
            org,
            manager_key: key.key.secret,
            manager_id: manager.id,
        }
    }

    /// A request with the manager's key.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.req_as(&self.manager_key, method, path)
    }

    pub fn req_as(&self, key: &str, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.url))
            .header("x-api-key", key)
    }

    /// Sends and returns `(status, JSON body or Null, headers)`.
    pub async fn send(
        &self,
        request: RequestBuilder,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, body, headers)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.req(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let (status, body, _) = self.send(request).await;
        (status, body)
    }

    pub async fn call_as(
        &self,
        key: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.req_as(key, method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let (status, body, _) = self.send(request).await;
        (status, body)
    }

    /// Creates a user (asserting 201) and returns it.
    pub async fn create_user(&self, body: Value) -> Value {
        let (status, user) = self
            .call(Method::POST, "/v1/users", Some(body.clone()))
            .await;
        assert_eq!(status, StatusCode::CREATED, "creating {body}: {user}");
        user
    }

    /// Creates a user with `username` and a key for it; returns `(user, key)`.
    pub async fn user_with_key(&self, username: &str, role: &str) -> (Value, String) {
        let user = self
            .create_user(
                json!({"username": username, "name": format!("{username} Person"), "role": role}),
            )
            .await;
        let key = self.issue_key(user["id"].as_str().expect("id")).await;
        (user, key)
    }

    pub async fn issue_key(&self, user_id: &str) -> String {
        let (status, body) = self
            .call(Method::POST, &format!("/v1/users/{user_id}/api-keys"), None)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["key"].as_str().expect("key").to_string()
    }

    /// Every item of this organization's partition, as `(SK, item)` (to check markers).
    pub async fn partition(
        &self,
    ) -> Vec<(
        String,
        std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    )> {
        self.partition_of(&roster_shared::store::keys::org_pk(&self.org))
            .await
    }

    /// Every item under partition key `pk` (read consistently, all pages), as `(SK, item)`.
    pub async fn partition_of(
        &self,
        pk: &str,
    ) -> Vec<(
        String,
        std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
    )> {
        let mut out = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .store
                .client()
                .query()
                .table_name(TABLE)
                .key_condition_expression("PK = :pk")
                .expression_attribute_values(
                    ":pk",
                    aws_sdk_dynamodb::types::AttributeValue::S(pk.to_string()),
                )
                .set_exclusive_start_key(start)
                .consistent_read(true)
                .send()
                .await
                .expect("query partition");
            for item in page.items.unwrap_or_default() {
                let sk = item
                    .get("SK")
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default();
                out.push((sk, item));
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return out;
            }
        }
    }

    /// Asserts the organization's invariants (markers, counters, parties, keys) hold.
    pub async fn assert_invariants(&self) {
        let violations = self
            .store
            .check_invariants(&self.org)
            .await
            .expect("invariant check ran");
        assert!(
            violations.is_empty(),
            "invariants broken in {}: {violations:#?}",
            self.org
        );
    }

    /// Sets the organization's `requiresRegistration` setting directly on its item (there is
    /// no API for organization settings yet).
    pub async fn set_requires_registration(&self, on: bool) {
        use aws_sdk_dynamodb::types::AttributeValue;
        use roster_shared::store::keys;
        self.store
            .client()
            .update_item()
            .table_name(TABLE)
            .key(keys::PK, AttributeValue::S(keys::org_pk(&self.org)))
            .key(keys::SK, AttributeValue::S(keys::org_sk()))
            .update_expression("SET requiresRegistration = :on")
            .expression_attribute_values(":on", AttributeValue::Bool(on))
            .send()
            .await
            .expect("organization updated");
        let (org, _) = self
            .store
            .get_org(&self.org)
            .await
            .expect("organization read")
            .expect("organization exists");
        assert_eq!(org.requires_registration, on);
    }

    /// Sort keys of the partition's uniqueness markers.
    pub async fn markers(&self) -> Vec<String> {
        let mut m: Vec<String> = self
            .partition()
            .await
            .into_iter()
            .map(|(sk, _)| sk)
            .filter(|sk| sk.starts_with("UNIQUE#"))
            .collect();
        m.sort();
        m
    }
}
