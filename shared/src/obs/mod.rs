//! Operability: structured logs (AWS Lambda Powertools' logger keys), CloudWatch Embedded Metric
//! Format documents (metrics without an API call), the SDK interceptor that counts DynamoDB
//! calls, retries and conflicts per request, and X-Ray subsegments for those calls.
//!
//! Everything is written to stdout, one JSON object per line; on Lambda, CloudWatch Logs keeps the
//! log lines and extracts the metrics from the EMF documents.

pub mod log;
pub mod metrics;
pub mod sdk;
pub mod xray;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Mutex;

/// The `service` key of every log line and metric (Powertools' `POWERTOOLS_SERVICE_NAME`).
pub fn service() -> &'static str {
    static SERVICE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SERVICE.get_or_init(|| {
        std::env::var("POWERTOOLS_SERVICE_NAME")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "roster".into())
    })
}

/// The function's name on Lambda (`AWS_LAMBDA_FUNCTION_NAME`), `local` elsewhere.
pub fn function_name() -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        std::env::var("AWS_LAMBDA_FUNCTION_NAME")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "local".into())
    })
}

static COLD: AtomicBool = AtomicBool::new(true);

/// True exactly once per process: for the first invocation (the cold start). Lines logged before
/// it (init) are cold too.
pub fn take_cold_start() -> bool {
    COLD.swap(false, Ordering::Relaxed)
}

/// Whether this process has not served an invocation yet.
pub fn still_cold() -> bool {
    COLD.load(Ordering::Relaxed)
}

/// What one request's observability needs besides [`crate::http::RequestInfo`]'s id: the Lambda
/// invocation it belongs to, its route, the DynamoDB counters the SDK interceptor fills in, and the
/// error code of a problem answer.
#[derive(Debug, Default)]
pub struct RequestObs {
    /// Lambda's request id of the invocation (`function_request_id`).
    pub function_request_id: Option<String>,
    /// The X-Ray trace header of the invocation (`Root=…;Parent=…;Sampled=…`).
    pub trace_header: Option<String>,
    /// `METHOD /path/{template}` once routed.
    pub route: Mutex<Option<String>>,
    pub cold_start: bool,
    pub dynamodb_calls: AtomicU32,
    pub dynamodb_attempts: AtomicU32,
    pub dynamodb_conflicts: AtomicU32,
    pub error_code: Mutex<Option<&'static str>>,
}

impl RequestObs {
    pub fn for_invocation(context: Option<&lambda_http::Context>, cold_start: bool) -> Self {
        Self {
            function_request_id: context
                .map(|c| c.request_id.clone())
                .filter(|id| !id.is_empty()),
            trace_header: context
                .and_then(|c| c.xray_trace_id.clone())
                .or_else(|| std::env::var("_X_AMZN_TRACE_ID").ok())
                .filter(|t| !t.is_empty()),
            cold_start,
            ..Self::default()
        }
    }

    /// The trace id alone (`1-5759e988-bd862e3fe1be46a994272793`), as Powertools logs it.
    pub fn xray_trace_id(&self) -> Option<&str> {
        let header = self.trace_header.as_deref()?;
        header
            .split(';')
            .find_map(|part| part.trim().strip_prefix("Root="))
    }

    pub fn set_route(&self, route: &str) {
        if let Ok(mut slot) = self.route.lock() {
            *slot = Some(route.to_string());
        }
    }

    pub fn route(&self) -> Option<String> {
        self.route.lock().ok().and_then(|r| r.clone())
    }

    pub fn set_error_code(&self, code: &'static str) {
        if let Ok(mut slot) = self.error_code.lock() {
            *slot = Some(code);
        }
    }

    pub fn error_code(&self) -> Option<&'static str> {
        self.error_code.lock().ok().and_then(|c| *c)
    }

    /// A transaction the store had to retry because a concurrent one held an item.
    pub fn count_conflict(&self) {
        self.dynamodb_conflicts.fetch_add(1, Ordering::Relaxed);
    }

    pub fn counts(&self) -> (u32, u32, u32) {
        let calls = self.dynamodb_calls.load(Ordering::Relaxed);
        let attempts = self.dynamodb_attempts.load(Ordering::Relaxed);
        let conflicts = self.dynamodb_conflicts.load(Ordering::Relaxed);
        (calls, attempts.saturating_sub(calls), conflicts)
    }
}

/// Runs a non-HTTP invocation (the authorizer, the scheduled sweep) as a request named `route`
/// for logs and metrics: its lines carry the invocation's ids, and one EMF document follows with
/// the status `f` reports (200, or the 4xx/5xx it stands for) and its error code.
pub async fn invocation<T>(
    context: &lambda_http::Context,
    route: &str,
    f: impl std::future::Future<Output = (T, u16, Option<&'static str>)>,
) -> T {
    let started = std::time::Instant::now();
    let obs = RequestObs::for_invocation(Some(context), take_cold_start());
    obs.set_route(route);
    let info = std::sync::Arc::new(crate::http::RequestInfo {
        id: obs
            .function_request_id
            .clone()
            .unwrap_or_else(|| ulid::Ulid::new().to_string()),
        obs,
        ..crate::http::RequestInfo::default()
    });
    let (value, status, error_code) = crate::http::with_request_context(info.clone(), f).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    emit_request_metrics(&info, route, status, latency_ms, error_code);
    value
}

/// Emits the EMF document of the request `info` (its organization, ids, cold start and
/// DynamoDB counts), answered with `status` after `latency_ms`.
pub(crate) fn emit_request_metrics(
    info: &crate::http::RequestInfo,
    route: &str,
    status: u16,
    latency_ms: f64,
    error_code: Option<&str>,
) {
    let org = info.org.lock().ok().and_then(|o| o.clone());
    let (dynamodb_calls, dynamodb_retries, dynamodb_conflicts) = info.obs.counts();
    let line = metrics::request_line(&metrics::RequestMetrics {
        route,
        status,
        latency_ms,
        error_code,
        organization: org.as_deref(),
        request_id: &info.id,
        function_request_id: info.obs.function_request_id.as_deref(),
        xray_trace_id: info.obs.xray_trace_id(),
        cold_start: info.obs.cold_start,
        dynamodb_calls,
        dynamodb_retries,
        dynamodb_conflicts,
    });
    log::write_line(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_id_is_the_root_of_the_header() {
        let obs = RequestObs {
            trace_header: Some(
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1".into(),
            ),
            ..RequestObs::default()
        };
        assert_eq!(
            obs.xray_trace_id(),
            Some("1-5759e988-bd862e3fe1be46a994272793")
        );
        assert_eq!(RequestObs::default().xray_trace_id(), None);
    }
}
