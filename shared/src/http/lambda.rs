//! The Lambda entry path: API Gateway (REST or HTTP API / Function URL) events become requests
//! for the same axum router `make dev` serves.

use axum::body::Body;
use axum::Router;
use lambda_http::lambda_runtime::LambdaEvent;
use lambda_http::request::LambdaRequest;
use lambda_http::{Request, RequestExt};

use crate::config::Config;
use crate::service::Roster;
use crate::store::Store;
use tower::ServiceExt;

/// Makes an axum request of a Lambda one. The path is the resource path without the stage
/// (`/v1/users`, not `/prod/v1/users`), so routes match on AWS, under `sam local` and under
/// `cargo lambda watch` alike.
pub fn to_axum_request(request: Request) -> http::Request<Body> {
    let raw_path = request.raw_http_path().to_string();
    let (mut parts, body) = request.into_parts();
    if !raw_path.is_empty() {
        let path_and_query = match parts.uri.query() {
            Some(q) => format!("{raw_path}?{q}"),
            None => raw_path,
        };
        if let Ok(uri) = path_and_query.parse() {
            parts.uri = uri;
        }
    }
    let bytes: Vec<u8> = match body {
        lambda_http::Body::Empty => Vec::new(),
        lambda_http::Body::Text(t) => t.into_bytes(),
        lambda_http::Body::Binary(b) => b,
        _ => Vec::new(),
    };
    http::Request::from_parts(parts, Body::from(bytes))
}

/// Handles one Lambda HTTP request with `router`.
pub async fn handle(
    router: Router,
    request: Request,
) -> Result<http::Response<Body>, std::convert::Infallible> {
    router.oneshot(to_axum_request(request)).await
}

/// Runs `router` as a Lambda function until the runtime stops it.
pub async fn run(router: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(lambda_http::service_fn(move |request: Request| {
        handle(router.clone(), request)
    }))
    .await
}

/// Decodes a sample API Gateway event (as in `events/`) into a Lambda HTTP request.
pub fn request_from_event(event_json: &str) -> Result<Request, serde_json::Error> {
    let event: lambda_http::request::LambdaRequest = serde_json::from_str(event_json)?;
    Ok(event.into())
}

/// Installs the JSON log subscriber (once per cold start): Powertools' keys, the level from
/// `AWS_LAMBDA_LOG_LEVEL` then `RUST_LOG` (see [`crate::obs::log`]).
pub fn init_tracing() {
    crate::obs::log::init(crate::obs::log::JsonLog::from_env(), None);
}

/// The one entry every Lambda binary calls: per cold start the JSON log subscriber, the
/// configuration, the SDK client (connection warmed) and the service, then `make`'s handler
/// answers every event until the runtime stops it.
pub async fn serve<H, F>(make: impl FnOnce(Roster) -> H) -> Result<(), lambda_http::Error>
where
    H: Fn(LambdaEvent<serde_json::Value>) -> F,
    F: std::future::Future<Output = Result<serde_json::Value, lambda_http::Error>>,
{
    init_tracing();
    let config = Config::from_env()?;
    let store = Store::connect(&config);
    store.warm_up().await;
    let handler = make(Roster::new(store, &config));
    lambda_http::lambda_runtime::run(lambda_http::service_fn(handler)).await
}

/// One API Gateway event (REST, HTTP API or Function URL) answered by `router`, exactly as
/// `lambda_http::run` answers it.
pub async fn http_event(
    router: Router,
    event: LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, lambda_http::Error> {
    let (payload, context) = event.into_parts();
    let request: LambdaRequest = serde_json::from_value(payload)?;
    let mut adapter = lambda_http::Adapter::from(lambda_http::service_fn(move |request| {
        handle(router.clone(), request)
    }));
    let response = tower::Service::call(&mut adapter, LambdaEvent::new(request, context)).await?;
    Ok(serde_json::to_value(response)?)
}
