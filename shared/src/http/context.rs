//! Per-request context: a request id, the negotiated format, the caller's organization once
//! known, and one structured log line per request (never a secret: no headers, no bodies).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use http::HeaderValue;

#[derive(Debug, Default)]
pub struct RequestInfo {
    pub id: String,
    /// The caller asked for XML (`Accept: application/xml`).
    pub xml: bool,
    pub org: Mutex<Option<String>>,
    /// What goes before the router's path in links the caller can follow: on API Gateway
    /// `https://<domain>/<stage or base path>`, locally nothing (links stay relative).
    pub public_prefix: String,
    /// The Lambda invocation, route, DynamoDB counters and error code (logs and metrics).
    pub obs: crate::obs::RequestObs,
}

tokio::task_local! {
    static CURRENT: Arc<RequestInfo>;
}

impl RequestInfo {
    /// The context of the request being handled (a default one outside a request).
    pub fn current() -> Arc<RequestInfo> {
        CURRENT.try_with(Arc::clone).unwrap_or_default()
    }

    pub fn set_org(&self, org: &str) {
        if let Ok(mut slot) = self.org.lock() {
            *slot = Some(org.to_string());
        }
    }
}

/// True when `accept` prefers XML over JSON.
fn wants_xml(accept: Option<&str>) -> bool {
    let Some(accept) = accept else { return false };
    let xml = accept
        .find("application/xml")
        .or_else(|| accept.find("text/xml"));
    let json = accept.find("application/json");
    match (xml, json) {
        (Some(x), Some(j)) => x < j,
        (Some(_), None) => true,
        _ => false,
    }
}

/// `https://domain/stage` of an API Gateway request (the part of the called path before the
/// path the router sees); empty locally.
fn public_prefix(request: &Request) -> String {
    let path = request.uri().path();
    let (domain, called) = match request
        .extensions()
        .get::<lambda_http::request::RequestContext>()
    {
        Some(lambda_http::request::RequestContext::ApiGatewayV1(c)) => {
            (c.domain_name.as_deref(), c.path.as_deref())
        }
        Some(lambda_http::request::RequestContext::ApiGatewayV2(c)) => {
            (c.domain_name.as_deref(), c.http.path.as_deref())
        }
        _ => (None, None),
    };
    match (domain, called.and_then(|c| c.strip_suffix(path))) {
        (Some(domain), Some(base)) => format!("https://{domain}{base}"),
        _ => String::new(),
    }
}

/// API Gateway's own request id (`$context.requestId`, the access log's), if the request came
/// through API Gateway.
fn gateway_request_id(request: &Request) -> Option<String> {
    match request
        .extensions()
        .get::<lambda_http::request::RequestContext>()
    {
        Some(lambda_http::request::RequestContext::ApiGatewayV1(c)) => c.request_id.clone(),
        Some(lambda_http::request::RequestContext::ApiGatewayV2(c)) => c.request_id.clone(),
        _ => None,
    }
    .filter(|id| !id.is_empty())
}

/// The middleware every router uses: the request's context, then one log line and one EMF
/// metrics document per request.
pub async fn request_context(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let cold_start = crate::obs::take_cold_start();
    let lambda = request.extensions().get::<lambda_http::Context>();
    let obs = crate::obs::RequestObs::for_invocation(lambda, cold_start);
    // API Gateway's id (the access log's), else Lambda's, else a fresh one (local runs).
    let id = gateway_request_id(&request)
        .or_else(|| obs.function_request_id.clone())
        .unwrap_or_else(|| ulid::Ulid::new().to_string());
    // The function's deadline reaches the service (conflict retries, batches) through a
    // task-local. Served locally (no Lambda context) there is no deadline, unless
    // `ROSTER_REQUEST_BUDGET_MS` sets one (to try the deadline paths by hand).
    let deadline = request
        .extensions()
        .get::<lambda_http::Context>()
        .and_then(|c| crate::deadline::from_epoch_millis(c.deadline))
        .or_else(|| crate::deadline::local_budget().map(|budget| started + budget));
    let public_prefix = public_prefix(&request);
    let info = Arc::new(RequestInfo {
        id,
        xml: wants_xml(
            request
                .headers()
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok()),
        ),
        org: Mutex::new(None),
        public_prefix,
        obs,
    });
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_string(), |p| p.as_str().to_string());
    info.obs.set_route(&format!("{method} {route}"));
    let mut response = match deadline {
        Some(deadline) => {
            CURRENT
                .scope(
                    info.clone(),
                    crate::deadline::scope(deadline, next.run(request)),
                )
                .await
        }
        None => CURRENT.scope(info.clone(), next.run(request)).await,
    };
    if let Ok(value) = HeaderValue::from_str(&info.id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let status = response.status().as_u16();
    let error_code = info.obs.error_code();
    let route = info.obs.route().unwrap_or_default();
    // The request line: the base keys come from the context (still in scope here).
    CURRENT.sync_scope(info.clone(), || {
        tracing::info!(
            method = %method,
            status,
            latency_ms,
            error_code,
            "request"
        )
    });
    crate::obs::emit_request_metrics(&info, &route, status, latency_ms, error_code);
    response
}

/// Runs `f` with `info` as the current request context (for handlers outside the axum
/// middleware, e.g. the authorizer and the scheduled sweep).
pub async fn with_request_context<F: std::future::Future>(
    info: Arc<RequestInfo>,
    f: F,
) -> F::Output {
    CURRENT.scope(info, f).await
}

#[cfg(test)]
mod tests {
    use super::wants_xml;

    #[test]
    fn xml_only_when_preferred() {
        assert!(wants_xml(Some("application/xml")));
        assert!(wants_xml(Some("text/xml")));
        assert!(wants_xml(Some("application/xml, application/json")));
        assert!(!wants_xml(Some("application/json, application/xml")));
        assert!(!wants_xml(Some("*/*")));
        assert!(!wants_xml(None));
    }
}
