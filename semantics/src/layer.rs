//! The layer's state and its answers: which items in-flight transactions hold, and how each
//! kind of write is forwarded, cancelled or partly held back.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use axum::body::Bytes;
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, Method, StatusCode, Uri};
use serde_json::{json, Map, Value};

use crate::busy::Busy;
use crate::responses::{
    cancelled, error_response, json_response, upstream_body_failed, CONFLICT_MESSAGE, JSON_10,
};
use crate::Settings;

/// One DynamoDB request as received: forwarded as it is, or answered by the layer.
pub(crate) struct Call {
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl Call {
    /// The request's JSON body (none: not JSON, forwarded untouched).
    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Counters of what the layer did, as `GET /__semantics` answers them.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub(crate) transactions: AtomicU64,
    pub(crate) cancelled: AtomicU64,
    pub(crate) write_conflicts: AtomicU64,
    pub(crate) batch_unprocessed: AtomicU64,
    pub(crate) forwarded: AtomicU64,
    /// Time the upstream had a forwarded request outstanding.
    pub(crate) upstream_busy: Busy,
}

pub(crate) struct Layer {
    pub(crate) upstream: String,
    pub(crate) http: reqwest::Client,
    pub(crate) settings: Settings,
    /// Held items, each with the `ClientRequestToken` of the transaction holding it.
    pub(crate) held: Mutex<HashMap<String, String>>,
    pub(crate) schemas: Mutex<HashMap<String, Vec<String>>>,
    pub(crate) stats: Stats,
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
    pub(crate) fn stats_json(&self) -> Value {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        json!({
            "conflicts": self.settings.conflicts,
            "holdMs": self.settings.hold.as_millis() as u64,
            "transactions": get(&self.stats.transactions),
            "cancelled": get(&self.stats.cancelled),
            "writeConflicts": get(&self.stats.write_conflicts),
            "batchUnprocessed": get(&self.stats.batch_unprocessed),
            "forwarded": get(&self.stats.forwarded),
            "upstreamBusyMs": self.stats.upstream_busy.total().as_secs_f64() * 1000.0,
            "held": self.held.lock().map(|h| h.len()).unwrap_or(0),
        })
    }

    /// Forwards `call` unchanged.
    pub(crate) async fn forward(&self, call: &Call) -> Response {
        self.forward_body(call, call.body.clone()).await
    }

    /// Forwards `call` with `body` in place of its own.
    async fn forward_body(&self, call: &Call, body: Bytes) -> Response {
        let Call {
            method,
            uri,
            headers,
            ..
        } = call;
        self.stats.forwarded.fetch_add(1, Ordering::Relaxed);
        let _outstanding = self.stats.upstream_busy.outstanding();
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.upstream));
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
            Err(e) => upstream_body_failed(e),
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

    pub(crate) async fn transact(&self, call: &Call) -> Response {
        self.stats.transactions.fetch_add(1, Ordering::Relaxed);
        let Some(request) = call.json() else {
            return self.forward(call).await;
        };
        let mut ids = Vec::new();
        for item in request["TransactItems"].as_array().into_iter().flatten() {
            let id = if let Some(put) = item.get("Put") {
                self.item_id(
                    put["TableName"].as_str(),
                    put["Item"].as_object(),
                    &call.headers,
                )
                .await
            } else {
                let action = ["Update", "Delete", "ConditionCheck"]
                    .iter()
                    .find_map(|a| item.get(*a));
                match action {
                    Some(a) => {
                        self.item_id(a["TableName"].as_str(), a["Key"].as_object(), &call.headers)
                            .await
                    }
                    None => None,
                }
            };
            ids.push(id);
        }
        let hold = {
            let Ok(mut held) = self.held.lock() else {
                return self.forward(call).await;
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
        self.forward(call).await
    }

    fn is_held(&self, id: &Option<String>) -> bool {
        match (id, self.held.lock()) {
            (Some(id), Ok(held)) => held.contains_key(id),
            _ => false,
        }
    }

    pub(crate) async fn single_write(&self, call: &Call) -> Response {
        let Some(request) = call.json() else {
            return self.forward(call).await;
        };
        let attributes = request
            .get("Key")
            .or_else(|| request.get("Item"))
            .and_then(Value::as_object);
        let id = self
            .item_id(request["TableName"].as_str(), attributes, &call.headers)
            .await;
        if self.is_held(&id) {
            self.stats.write_conflicts.fetch_add(1, Ordering::Relaxed);
            return error_response(
                StatusCode::BAD_REQUEST,
                "TransactionConflictException",
                CONFLICT_MESSAGE,
            );
        }
        self.forward(call).await
    }

    pub(crate) async fn batch_write(&self, call: &Call) -> Response {
        let Some(mut request) = call.json() else {
            return self.forward(call).await;
        };
        let Some(tables) = request
            .get_mut("RequestItems")
            .and_then(Value::as_object_mut)
        else {
            return self.forward(call).await;
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
                let id = self.item_id(Some(table), attributes, &call.headers).await;
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
            return self.forward(call).await;
        }
        tables.retain(|_, writes| writes.as_array().is_some_and(|l| !l.is_empty()));
        let mut answer = json!({});
        if remaining > 0 {
            let response = self
                .forward_body(call, Bytes::from(request.to_string()))
                .await;
            if !response.status().is_success() {
                return response;
            }
            let bytes = match axum::body::to_bytes(response.into_body(), usize::MAX).await {
                Ok(b) => b,
                Err(e) => return upstream_body_failed(e),
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
