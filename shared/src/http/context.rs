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

/// The middleware every router uses.
pub async fn request_context(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let lambda_id = request
        .extensions()
        .get::<lambda_http::Context>()
        .map(|c| c.request_id.clone())
        .filter(|id| !id.is_empty());
    // The function's deadline reaches the service (conflict retries, batches) through a
    // task-local; without a Lambda context, the template's timeout from now.
    let deadline = request
        .extensions()
        .get::<lambda_http::Context>()
        .and_then(|c| crate::deadline::from_epoch_millis(c.deadline))
        .unwrap_or_else(|| started + crate::deadline::DEFAULT_BUDGET);
    let public_prefix = public_prefix(&request);
    let info = Arc::new(RequestInfo {
        id: lambda_id.unwrap_or_else(|| ulid::Ulid::new().to_string()),
        xml: wants_xml(
            request
                .headers()
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok()),
        ),
        org: Mutex::new(None),
        public_prefix,
    });
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(unmatched)".to_string(), |p| p.as_str().to_string());
    let mut response = CURRENT
        .scope(
            info.clone(),
            crate::deadline::scope(deadline, next.run(request)),
        )
        .await;
    if let Ok(value) = HeaderValue::from_str(&info.id) {
        response.headers_mut().insert("x-request-id", value);
    }
    let org = info
        .org
        .lock()
        .ok()
        .and_then(|o| o.clone())
        .unwrap_or_default();
    tracing::info!(
        request_id = %info.id,
        organization = %org,
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    response
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
