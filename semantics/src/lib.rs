//! The DynamoDB-semantics layer: an HTTP proxy in front of DynamoDB Local that gives
//! transactions DynamoDB's concurrency behaviour, which DynamoDB Local lacks (it serialises
//! transactions, so concurrent writers never see a conflict there).
//!
//! Every request is forwarded unchanged (the JSON protocol, `X-Amz-Target`), except:
//!
//! - `TransactWriteItems`: its items are *held* for [`Settings::hold`] (default 15 ms, a
//!   realistic in-region transaction time), then it is forwarded. A transaction
//!   that names an item held by another in-flight transaction is cancelled without being
//!   forwarded: HTTP 400 `TransactionCanceledException` with one `CancellationReasons` entry per
//!   item — `TransactionConflict` on the overlapping items, `None` on the others — as DynamoDB
//!   answers, so the SDK parses it into its typed error with the reasons.
//! - `PutItem`, `UpdateItem`, `DeleteItem` on a held item: HTTP 400
//!   `TransactionConflictException`, not forwarded.
//! - `BatchWriteItem`: requests on held items are not forwarded; they come back in
//!   `UnprocessedItems` (the batch's way of saying "not done, send again"), the others are
//!   forwarded.
//!
//! Items are identified by table and primary key; a table's key schema is read once with
//! `DescribeTable`. The state is in the proxy, so several processes (several "Lambda
//! instances") writing through one proxy see each other's transactions. With
//! [`Settings::passthrough`] (conflicts and hold off) the proxy only forwards, for comparison
//! runs that pay the same proxy cost. `GET /__semantics` answers the counters as JSON.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Router;
use http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use serde_json::{json, Map, Value};

/// What the layer does on top of forwarding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Cancel or fail writes that overlap an in-flight transaction.
    pub conflicts: bool,
    /// How long each transaction holds its items (before it is forwarded).
    pub hold: Duration,
}

impl Settings {
    /// DynamoDB's behaviour with a 15 ms transaction time.
    pub fn dynamodb() -> Self {
        Self {
            conflicts: true,
            hold: Duration::from_millis(15),
        }
    }

    /// Forward only: conflicts and hold off.
    pub fn passthrough() -> Self {
        Self {
            conflicts: false,
            hold: Duration::ZERO,
        }
    }

    /// From `ROSTER_SEMANTICS_HOLD_MS` (default 15) and `ROSTER_SEMANTICS_CONFLICTS`
    /// (`off`/`0`/`false` switches conflicts and hold off).
    pub fn from_env() -> Self {
        let mut settings = Self::dynamodb();
        if let Some(ms) = std::env::var("ROSTER_SEMANTICS_HOLD_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
        {
            settings.hold = Duration::from_millis(ms);
        }
        if std::env::var("ROSTER_SEMANTICS_CONFLICTS")
            .is_ok_and(|v| matches!(v.as_str(), "off" | "0" | "false"))
        {
            settings = Self::passthrough();
        }
        settings
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self::dynamodb()
    }
}

/// Counters of what the layer did, as `GET /__semantics` answers them.
#[derive(Debug, Default)]
struct Stats {
    transactions: AtomicU64,
    cancelled: AtomicU64,
    write_conflicts: AtomicU64,
    batch_unprocessed: AtomicU64,
    forwarded: AtomicU64,
}

struct Layer {
    upstream: String,
    http: reqwest::Client,
    settings: Settings,
    /// Held items, each with the `ClientRequestToken` of the transaction holding it.
    held: Mutex<HashMap<String, String>>,
    schemas: Mutex<HashMap<String, Vec<String>>>,
    stats: Stats,
}

const CONFLICT_MESSAGE: &str = "Transaction is ongoing for the item";
const JSON_10: &str = "application/x-amz-json-1.0";

/// The proxy as an axum router forwarding to `upstream` (e.g. `http://127.0.0.1:8000`).
pub fn router(upstream: &str, settings: Settings) -> Router {
    let layer = Arc::new(Layer {
        upstream: upstream.trim_end_matches('/').to_string(),
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .unwrap_or_default(),
        settings,
        held: Mutex::new(HashMap::new()),
        schemas: Mutex::new(HashMap::new()),
        stats: Stats::default(),
    });
    Router::new().fallback(handle).with_state(layer)
}

/// Serves the proxy on `listener` until the process ends.
pub async fn serve(
    listener: tokio::net::TcpListener,
    upstream: &str,
    settings: Settings,
) -> std::io::Result<()> {
    axum::serve(listener, router(upstream, settings)).await
}

/// A proxy running on a thread of its own (its own runtime, so it outlives any test's runtime).
#[derive(Clone, Debug)]
pub struct Running {
    /// `http://127.0.0.1:<port>`: the endpoint to give the SDK.
    pub endpoint: String,
    pub addr: SocketAddr,
}

impl Running {
    /// The counters (`GET /__semantics`).
    pub async fn stats(&self) -> Result<Value, String> {
        reqwest::get(format!("{}/__semantics", self.endpoint))
            .await
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())
    }
}

/// Starts a proxy to `upstream` on a free local port, on its own thread.
pub fn spawn(upstream: &str, settings: Settings) -> std::io::Result<Running> {
    let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let upstream = upstream.to_string();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("ddb-semantics".into())
        .spawn(move || {
            runtime.block_on(async move {
                match tokio::net::TcpListener::from_std(std_listener) {
                    Ok(listener) => {
                        if let Err(e) = serve(listener, &upstream, settings).await {
                            tracing::error!(error = %e, "semantics proxy stopped");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "semantics proxy could not listen"),
                }
            });
        })?;
    Ok(Running {
        endpoint: format!("http://{addr}"),
        addr,
    })
}

async fn handle(
    State(layer): State<Arc<Layer>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if uri.path() == "/__semantics" {
        return json_response(StatusCode::OK, layer.stats_json().to_string());
    }
    let operation = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or_default()
        .to_string();
    if !layer.settings.conflicts {
        return layer.forward(method, &uri, &headers, body).await;
    }
    match operation.as_str() {
        "TransactWriteItems" => layer.transact(method, &uri, &headers, body).await,
        "PutItem" | "UpdateItem" | "DeleteItem" => {
            layer.single_write(method, &uri, &headers, body).await
        }
        "BatchWriteItem" => layer.batch_write(method, &uri, &headers, body).await,
        _ => layer.forward(method, &uri, &headers, body).await,
    }
}

/// Releases a transaction's items when dropped (also when the caller went away).
struct Hold<'a> {
    layer: &'a Layer,
    keys: Vec<String>,
}

impl Drop for Hold<'_> {
    fn drop(&mut self) {
        if let Ok(mut held) = self.layer.held.lock() {
            for key in &self.keys {
                held.remove(key);
            }
        }
    }
}

impl Layer {
    fn stats_json(&self) -> Value {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        json!({
            "conflicts": self.settings.conflicts,
            "holdMs": self.settings.hold.as_millis() as u64,
            "transactions": get(&self.stats.transactions),
            "cancelled": get(&self.stats.cancelled),
            "writeConflicts": get(&self.stats.write_conflicts),
            "batchUnprocessed": get(&self.stats.batch_unprocessed),
            "forwarded": get(&self.stats.forwarded),
            "held": self.held.lock().map(|h| h.len()).unwrap_or(0),
        })
    }

    async fn forward(
        &self,
        method: Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Response {
        self.stats.forwarded.fetch_add(1, Ordering::Relaxed);
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.upstream));
        for (name, value) in headers {
            if matches!(
                *name,
                header::HOST
                    | header::CONTENT_LENGTH
                    | header::CONNECTION
                    | header::TRANSFER_ENCODING
            ) {
                continue;
            }
            request = request.header(name, value);
        }
        let response = match request.body(body).send().await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("roster-semantics: upstream request failed: {e:?}");
                return error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalServerError",
                    &format!("semantics proxy: upstream unreachable: {e}"),
                );
            }
        };
        let status = response.status();
        let mut out_headers = HeaderMap::new();
        for (name, value) in response.headers() {
            if matches!(
                *name,
                header::CONTENT_LENGTH | header::CONNECTION | header::TRANSFER_ENCODING
            ) {
                continue;
            }
            out_headers.append(name.clone(), value.clone());
        }
        match response.bytes().await {
            Ok(bytes) => (status, out_headers, bytes).into_response(),
            Err(e) => error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                &format!("semantics proxy: upstream body: {e}"),
            ),
        }
    }

    /// The key attribute names of `table` (hash, then range), read once with `DescribeTable`.
    async fn schema(&self, table: &str, headers: &HeaderMap) -> Option<Vec<String>> {
        if let Some(found) = self.schemas.lock().ok()?.get(table) {
            return Some(found.clone());
        }
        let mut request = self
            .http
            .post(format!("{}/", self.upstream))
            .header("x-amz-target", "DynamoDB_20120810.DescribeTable")
            .header(header::CONTENT_TYPE, JSON_10)
            .body(json!({ "TableName": table }).to_string());
        // DynamoDB Local keeps one database per access key and region: ask as the caller.
        if let Some(auth) = headers.get(header::AUTHORIZATION) {
            request = request.header(header::AUTHORIZATION, auth);
        }
        let described: Value = request.send().await.ok()?.json().await.ok()?;
        let mut key_schema: Vec<(bool, String)> = described["Table"]["KeySchema"]
            .as_array()?
            .iter()
            .filter_map(|k| {
                Some((
                    k["KeyType"].as_str()? != "HASH",
                    k["AttributeName"].as_str()?.to_string(),
                ))
            })
            .collect();
        key_schema.sort();
        let names: Vec<String> = key_schema.into_iter().map(|(_, n)| n).collect();
        if names.is_empty() {
            return None;
        }
        self.schemas
            .lock()
            .ok()?
            .insert(table.to_string(), names.clone());
        Some(names)
    }

    /// `table` + primary key of `attributes` (an item or a key), as one comparable string.
    async fn item_id(
        &self,
        table: Option<&str>,
        attributes: Option<&Map<String, Value>>,
        headers: &HeaderMap,
    ) -> Option<String> {
        let (table, attributes) = (table?, attributes?);
        let schema = self.schema(table, headers).await?;
        let mut id = format!("{table}\u{1e}");
        for name in &schema {
            id.push_str(name);
            id.push('=');
            id.push_str(&attributes.get(name)?.to_string());
            id.push('\u{1f}');
        }
        Some(id)
    }

    async fn transact(
        &self,
        method: Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Response {
        self.stats.transactions.fetch_add(1, Ordering::Relaxed);
        let Ok(request) = serde_json::from_slice::<Value>(&body) else {
            return self.forward(method, uri, headers, body).await;
        };
        let mut ids = Vec::new();
        for item in request["TransactItems"].as_array().into_iter().flatten() {
            let id = if let Some(put) = item.get("Put") {
                self.item_id(put["TableName"].as_str(), put["Item"].as_object(), headers)
                    .await
            } else {
                let action = ["Update", "Delete", "ConditionCheck"]
                    .iter()
                    .find_map(|a| item.get(*a));
                match action {
                    Some(a) => {
                        self.item_id(a["TableName"].as_str(), a["Key"].as_object(), headers)
                            .await
                    }
                    None => None,
                }
            };
            ids.push(id);
        }
        let hold = {
            let Ok(mut held) = self.held.lock() else {
                return self.forward(method, uri, headers, body).await;
            };
            // The SDK's retry of an attempt that timed out carries the same token: the same
            // transaction, not a conflicting one.
            let token = request["ClientRequestToken"].as_str().unwrap_or_default();
            let overlapping: Vec<bool> = ids
                .iter()
                .map(|id| {
                    id.as_ref()
                        .and_then(|id| held.get(id))
                        .is_some_and(|holder| holder.is_empty() || holder != token)
                })
                .collect();
            if overlapping.iter().any(|o| *o) {
                drop(held);
                self.stats.cancelled.fetch_add(1, Ordering::Relaxed);
                return cancelled(&overlapping);
            }
            let keys: Vec<String> = ids
                .into_iter()
                .flatten()
                .filter(|id| !held.contains_key(id))
                .collect();
            for key in &keys {
                held.insert(key.clone(), token.to_string());
            }
            Hold { layer: self, keys }
        };
        // The transaction's time in DynamoDB: its items are held for exactly `hold`. Then it
        // is forwarded, released: DynamoDB Local applies transactions one at a time, so its own
        // queueing (an artefact of a local, shared JVM) does not stretch the conflict window.
        tokio::time::sleep(self.settings.hold).await;
        drop(hold);
        self.forward(method, uri, headers, body).await
    }

    fn is_held(&self, id: &Option<String>) -> bool {
        match (id, self.held.lock()) {
            (Some(id), Ok(held)) => held.contains_key(id),
            _ => false,
        }
    }

    async fn single_write(
        &self,
        method: Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Response {
        let Ok(request) = serde_json::from_slice::<Value>(&body) else {
            return self.forward(method, uri, headers, body).await;
        };
        let attributes = request
            .get("Key")
            .or_else(|| request.get("Item"))
            .and_then(Value::as_object);
        let id = self
            .item_id(request["TableName"].as_str(), attributes, headers)
            .await;
        if self.is_held(&id) {
            self.stats.write_conflicts.fetch_add(1, Ordering::Relaxed);
            return error_response(
                StatusCode::BAD_REQUEST,
                "TransactionConflictException",
                CONFLICT_MESSAGE,
            );
        }
        self.forward(method, uri, headers, body).await
    }

    async fn batch_write(
        &self,
        method: Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Response {
        let Ok(mut request) = serde_json::from_slice::<Value>(&body) else {
            return self.forward(method, uri, headers, body).await;
        };
        let Some(tables) = request
            .get_mut("RequestItems")
            .and_then(Value::as_object_mut)
        else {
            return self.forward(method, uri, headers, body).await;
        };
        let mut unprocessed = Map::new();
        let mut remaining = 0usize;
        for (table, writes) in tables.iter_mut() {
            let Some(list) = writes.as_array_mut() else {
                continue;
            };
            let mut keep = Vec::new();
            let mut left = Vec::new();
            for write in list.drain(..) {
                let attributes = write
                    .get("PutRequest")
                    .and_then(|p| p.get("Item"))
                    .or_else(|| write.get("DeleteRequest").and_then(|d| d.get("Key")))
                    .and_then(Value::as_object);
                let id = self.item_id(Some(table), attributes, headers).await;
                if self.is_held(&id) {
                    left.push(write);
                } else {
                    keep.push(write);
                }
            }
            remaining += keep.len();
            *list = keep;
            if !left.is_empty() {
                self.stats
                    .batch_unprocessed
                    .fetch_add(left.len() as u64, Ordering::Relaxed);
                unprocessed.insert(table.clone(), Value::Array(left));
            }
        }
        if unprocessed.is_empty() {
            return self.forward(method, uri, headers, body).await;
        }
        tables.retain(|_, writes| writes.as_array().is_some_and(|l| !l.is_empty()));
        let mut answer = json!({});
        if remaining > 0 {
            let response = self
                .forward(method, uri, headers, Bytes::from(request.to_string()))
                .await;
            if !response.status().is_success() {
                return response;
            }
            let bytes = match axum::body::to_bytes(response.into_body(), usize::MAX).await {
                Ok(b) => b,
                Err(e) => {
                    return error_response(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "InternalServerError",
                        &format!("semantics proxy: upstream body: {e}"),
                    )
                }
            };
            answer = serde_json::from_slice(&bytes).unwrap_or_else(|_| json!({}));
        }
        let merged = answer
            .as_object_mut()
            .map(|a| a.entry("UnprocessedItems").or_insert_with(|| json!({})));
        if let Some(Value::Object(existing)) = merged {
            for (table, writes) in unprocessed {
                let entry = existing.entry(table).or_insert_with(|| json!([]));
                if let (Some(list), Value::Array(more)) = (entry.as_array_mut(), writes) {
                    list.extend(more);
                }
            }
        }
        json_response(StatusCode::OK, answer.to_string())
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_10));
    if let Ok(id) = HeaderValue::from_str(&format!("semantics-{}", request_id())) {
        headers.insert("x-amzn-requestid", id);
    }
    (status, headers, body).into_response()
}

fn request_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

fn error_response(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = json!({
        "__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"),
        "message": message,
    });
    json_response(status, body.to_string())
}

/// DynamoDB's answer to a transaction that overlaps an in-flight one.
fn cancelled(overlapping: &[bool]) -> Response {
    let codes: Vec<&str> = overlapping
        .iter()
        .map(|o| if *o { "TransactionConflict" } else { "None" })
        .collect();
    let reasons: Vec<Value> = overlapping
        .iter()
        .map(|o| {
            if *o {
                json!({ "Code": "TransactionConflict", "Message": CONFLICT_MESSAGE })
            } else {
                json!({ "Code": "None" })
            }
        })
        .collect();
    let body = json!({
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": format!(
            "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
            codes.join(", ")
        ),
        "CancellationReasons": reasons,
    });
    json_response(StatusCode::BAD_REQUEST, body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cancellation_names_each_item_in_order() {
        let response = cancelled(&[false, true, false]);
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or_default();
        assert_eq!(
            body["__type"],
            "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
        );
        let codes: Vec<&str> = body["CancellationReasons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["Code"].as_str())
            .collect();
        assert_eq!(codes, ["None", "TransactionConflict", "None"]);
    }

    #[test]
    fn settings_default_to_dynamodb_with_a_15_ms_hold() {
        assert_eq!(
            Settings::default(),
            Settings {
                conflicts: true,
                hold: Duration::from_millis(15)
            }
        );
        assert!(!Settings::passthrough().conflicts);
    }
}
