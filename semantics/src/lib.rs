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
//! runs that pay the same proxy cost. `GET /__semantics` answers the counters as JSON, with
//! `upstreamBusyMs`: how long DynamoDB Local had at least one forwarded request outstanding.

mod busy;
mod layer;
mod responses;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::Router;
use http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::Value;

use layer::{Call, Layer, Stats};
use responses::json_response;

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
    let call = Call {
        method,
        uri,
        headers,
        body,
    };
    if call.uri.path() == "/__semantics" {
        return json_response(StatusCode::OK, layer.stats_json().to_string());
    }
    let operation = call
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or_default()
        .to_string();
    if !layer.settings.conflicts {
        return layer.forward(&call).await;
    }
    match operation.as_str() {
        "TransactWriteItems" => layer.transact(&call).await,
        "PutItem" | "UpdateItem" | "DeleteItem" => layer.single_write(&call).await,
        "BatchWriteItem" => layer.batch_write(&call).await,
        _ => layer.forward(&call).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
