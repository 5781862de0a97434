//! CloudWatch Embedded Metric Format: a JSON document on stdout from which CloudWatch Logs
//! extracts metrics — no `PutMetricData` call, nothing on the request path but a line of output.
//!
//! Namespace `POWERTOOLS_METRICS_NAMESPACE` (default `Roster`). Dimensions are kept to values
//! with a small, fixed set (service, route, error code, function name): every distinct
//! combination is a billed custom metric. The organization, request id and trace id ride along
//! as properties (searchable in Logs Insights, not dimensions).
//!
//! | metric | unit | dimensions | when |
//! |---|---|---|---|
//! | `Requests`, `Latency`, `ClientErrors` (4xx), `ServerErrors` (5xx), `DynamoDBCalls`, `DynamoDBRetries`, `DynamoDBConflicts` | Count / Milliseconds | service, route | every request |
//! | `ErrorsByCode` | Count | service, route, error_code | every problem answer |
//! | `ColdStart` | Count | service, function_name | the first invocation of an instance |
//! | `SweepExamined`, `SweepDeactivated`, `SweepSkipped`, `SweepFailed` | Count | service | each expiry sweep run |

use serde_json::{json, Map, Value};

pub fn namespace() -> &'static str {
    static NAMESPACE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAMESPACE.get_or_init(|| {
        std::env::var("POWERTOOLS_METRICS_NAMESPACE")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Roster".into())
    })
}

fn now_epoch_millis() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// One EMF document under construction.
#[derive(Debug, Default)]
pub struct Document {
    directives: Vec<Value>,
    members: Map<String, Value>,
}

impl Document {
    pub fn new() -> Self {
        Self::default()
    }

    /// A property (or dimension value) of the document.
    pub fn set(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.members.insert(key.to_string(), value.into());
        self
    }

    /// Declares `metrics` (name, unit, value) under the dimension set `dimensions` (whose values
    /// must be set as members).
    pub fn metrics(mut self, dimensions: &[&str], metrics: &[(&str, &str, f64)]) -> Self {
        let declared: Vec<Value> = metrics
            .iter()
            .map(|(name, unit, _)| json!({"Name": name, "Unit": unit}))
            .collect();
        self.directives.push(json!({
            "Namespace": namespace(),
            "Dimensions": [dimensions],
            "Metrics": declared,
        }));
        for (name, _, value) in metrics {
            self.members.insert((*name).to_string(), json!(value));
        }
        self
    }

    pub fn into_value(self) -> Value {
        self.into_value_at(now_epoch_millis())
    }

    fn into_value_at(self, timestamp_ms: i64) -> Value {
        let mut root = self.members;
        root.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": self.directives,
            }),
        );
        Value::Object(root)
    }

    /// Writes the document as one line of stdout.
    pub fn emit(self) {
        if let Ok(line) = serde_json::to_vec(&self.into_value()) {
            super::log::write_line(line);
        }
    }
}

/// What one request reports.
#[derive(Debug, Clone, Default)]
pub struct RequestMetrics<'a> {
    pub route: &'a str,
    pub status: u16,
    pub latency_ms: f64,
    pub error_code: Option<&'a str>,
    pub organization: Option<&'a str>,
    pub request_id: &'a str,
    pub function_request_id: Option<&'a str>,
    pub xray_trace_id: Option<&'a str>,
    pub cold_start: bool,
    pub dynamodb_calls: u32,
    pub dynamodb_retries: u32,
    pub dynamodb_conflicts: u32,
}

/// The metrics every request declares (name, unit), in their declared order.
const REQUEST_METRICS: [(&str, &str); 7] = [
    ("Requests", "Count"),
    ("Latency", "Milliseconds"),
    ("ClientErrors", "Count"),
    ("ServerErrors", "Count"),
    ("DynamoDBCalls", "Count"),
    ("DynamoDBRetries", "Count"),
    ("DynamoDBConflicts", "Count"),
];

/// The line of [`request_document`] (without its newline), written straight into one buffer:
/// the same bytes as serialising the document's `Value` (whose object keys serde_json keeps
/// sorted), without building the maps. Every request emits one, so it is on the hot path.
pub fn request_line(m: &RequestMetrics<'_>) -> Vec<u8> {
    request_line_at(m, now_epoch_millis())
}

fn request_line_at(m: &RequestMetrics<'_>, timestamp_ms: i64) -> Vec<u8> {
    fn key(out: &mut Vec<u8>, name: &str) {
        out.push(b'"');
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"\":");
    }
    // Strings and numbers through serde_json itself: its escaping and float format.
    fn string(out: &mut Vec<u8>, name: &str, value: &str) {
        key(out, name);
        let _ = serde_json::to_writer(&mut *out, value);
        out.push(b',');
    }
    fn number(out: &mut Vec<u8>, name: &str, value: f64) {
        key(out, name);
        let _ = serde_json::to_writer(&mut *out, &value);
        out.push(b',');
    }
    fn directive(out: &mut Vec<u8>, dimensions: &[&str], metrics: &[(&str, &str)]) {
        out.extend_from_slice(b"{\"Dimensions\":[[");
        for (i, dimension) in dimensions.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let _ = serde_json::to_writer(&mut *out, dimension);
        }
        out.extend_from_slice(b"]],\"Metrics\":[");
        for (i, (name, unit)) in metrics.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"Name\":\"");
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b"\",\"Unit\":\"");
            out.extend_from_slice(unit.as_bytes());
            out.extend_from_slice(b"\"}");
        }
        out.extend_from_slice(b"],\"Namespace\":");
        let _ = serde_json::to_writer(&mut *out, namespace());
        out.push(b'}');
    }
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let mut out = Vec::with_capacity(1024);
    out.push(b'{');
    // Keys in serde_json's (sorted) order: the metrics, `_aws`, then the properties.
    number(
        &mut out,
        "ClientErrors",
        flag((400..500).contains(&m.status)),
    );
    if m.cold_start {
        number(&mut out, "ColdStart", 1.0);
    }
    number(&mut out, "DynamoDBCalls", f64::from(m.dynamodb_calls));
    number(
        &mut out,
        "DynamoDBConflicts",
        f64::from(m.dynamodb_conflicts),
    );
    number(&mut out, "DynamoDBRetries", f64::from(m.dynamodb_retries));
    if m.error_code.is_some() {
        number(&mut out, "ErrorsByCode", 1.0);
    }
    number(&mut out, "Latency", m.latency_ms);
    number(&mut out, "Requests", 1.0);
    number(&mut out, "ServerErrors", flag(m.status >= 500));
    out.extend_from_slice(b"\"_aws\":{\"CloudWatchMetrics\":[");
    directive(&mut out, &["service", "route"], &REQUEST_METRICS);
    if m.error_code.is_some() {
        out.push(b',');
        directive(
            &mut out,
            &["service", "route", "error_code"],
            &[("ErrorsByCode", "Count")],
        );
    }
    if m.cold_start {
        out.push(b',');
        directive(
            &mut out,
            &["service", "function_name"],
            &[("ColdStart", "Count")],
        );
    }
    out.extend_from_slice(b"],\"Timestamp\":");
    let _ = serde_json::to_writer(&mut out, &timestamp_ms);
    out.extend_from_slice(b"},");
    if let Some(code) = m.error_code {
        string(&mut out, "error_code", code);
    }
    if m.cold_start {
        string(&mut out, "function_name", super::function_name());
    }
    if let Some(id) = m.function_request_id {
        string(&mut out, "function_request_id", id);
    }
    if let Some(org) = m.organization {
        string(&mut out, "organization", org);
    }
    string(&mut out, "request_id", m.request_id);
    string(&mut out, "route", m.route);
    string(&mut out, "service", super::service());
    key(&mut out, "status");
    let _ = serde_json::to_writer(&mut out, &m.status);
    out.push(b',');
    if let Some(id) = m.xray_trace_id {
        string(&mut out, "xray_trace_id", id);
    }
    // Every member above ends with a comma: the last one closes the object instead.
    out.pop();
    out.push(b'}');
    out
}

/// The EMF document of one request.
pub fn request_document(m: &RequestMetrics<'_>) -> Document {
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    let mut doc = Document::new()
        .set("service", super::service())
        .set("route", m.route)
        .set("status", m.status)
        .set("request_id", m.request_id)
        .metrics(
            &["service", "route"],
            &[
                ("Requests", "Count", 1.0),
                ("Latency", "Milliseconds", m.latency_ms),
                (
                    "ClientErrors",
                    "Count",
                    flag((400..500).contains(&m.status)),
                ),
                ("ServerErrors", "Count", flag(m.status >= 500)),
                ("DynamoDBCalls", "Count", f64::from(m.dynamodb_calls)),
                ("DynamoDBRetries", "Count", f64::from(m.dynamodb_retries)),
                (
                    "DynamoDBConflicts",
                    "Count",
                    f64::from(m.dynamodb_conflicts),
                ),
            ],
        );
    if let Some(org) = m.organization {
        doc = doc.set("organization", org);
    }
    if let Some(id) = m.function_request_id {
        doc = doc.set("function_request_id", id);
    }
    if let Some(id) = m.xray_trace_id {
        doc = doc.set("xray_trace_id", id);
    }
    if let Some(code) = m.error_code {
        doc = doc.set("error_code", code).metrics(
            &["service", "route", "error_code"],
            &[("ErrorsByCode", "Count", 1.0)],
        );
    }
    if m.cold_start {
        doc = doc.set("function_name", super::function_name()).metrics(
            &["service", "function_name"],
            &[("ColdStart", "Count", 1.0)],
        );
    }
    doc
}

/// The EMF document of one expiry sweep run.
pub fn sweep_document(examined: u64, deactivated: u64, skipped: u64, failed: u64) -> Document {
    let n = |v: u64| v as f64;
    Document::new().set("service", super::service()).metrics(
        &["service"],
        &[
            ("SweepExamined", "Count", n(examined)),
            ("SweepDeactivated", "Count", n(deactivated)),
            ("SweepSkipped", "Count", n(skipped)),
            ("SweepFailed", "Count", n(failed)),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_cold_request_declares_every_metric_it_carries() {
        let doc = request_document(&RequestMetrics {
            route: "GET /v1/users/{id}",
            status: 404,
            latency_ms: 3.5,
            error_code: Some("USER_NOT_FOUND"),
            organization: Some("acme"),
            request_id: "r1",
            cold_start: true,
            dynamodb_calls: 1,
            ..RequestMetrics::default()
        })
        .into_value();
        let aws = &doc["_aws"];
        assert!(aws["Timestamp"].as_i64().unwrap_or(0) > 1_600_000_000_000);
        let directives = aws["CloudWatchMetrics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(directives.len(), 3);
        for d in &directives {
            for set in d["Dimensions"].as_array().into_iter().flatten() {
                for dim in set.as_array().into_iter().flatten() {
                    let dim = dim.as_str().unwrap_or_default();
                    assert!(doc[dim].is_string(), "dimension {dim} has a value");
                }
            }
            for m in d["Metrics"].as_array().into_iter().flatten() {
                let name = m["Name"].as_str().unwrap_or_default();
                assert!(doc[name].is_number(), "metric {name} has a value");
            }
        }
        assert_eq!(doc["ClientErrors"], json!(1.0));
        assert_eq!(doc["organization"], "acme");
        // The organization is never a dimension.
        assert!(!doc["_aws"].to_string().contains("organization"));
    }

    #[test]
    fn the_request_line_is_the_documents_bytes() {
        let cases = [
            RequestMetrics {
                route: "GET /v1/users/{id}",
                status: 200,
                latency_ms: 0.1 + 0.2,
                request_id: "01M8TEPHWKE80V8SPYE4W62G1H",
                organization: Some("acme"),
                dynamodb_calls: 1,
                ..RequestMetrics::default()
            },
            RequestMetrics {
                route: "POST /v1/users",
                status: 503,
                latency_ms: 10_000.0,
                error_code: Some("UNAVAILABLE"),
                request_id: "r\"1\\\u{1}é",
                function_request_id: Some("c6af9ac6-7b61-11e6-9a41-93e812345678"),
                xray_trace_id: Some("1-5759e988-bd862e3fe1be46a994272793"),
                cold_start: true,
                dynamodb_calls: 3,
                dynamodb_retries: 2,
                dynamodb_conflicts: 1,
                ..RequestMetrics::default()
            },
            RequestMetrics {
                route: "(unmatched)",
                status: 404,
                latency_ms: f64::NAN,
                error_code: Some("NOT_FOUND"),
                ..RequestMetrics::default()
            },
            RequestMetrics {
                route: "GET /v1/me",
                status: 401,
                latency_ms: 1e-7,
                cold_start: true,
                xray_trace_id: Some("1-x"),
                ..RequestMetrics::default()
            },
        ];
        for m in &cases {
            let line = request_line_at(m, 1_796_184_164_299);
            let expected =
                serde_json::to_vec(&request_document(m).into_value_at(1_796_184_164_299))
                    .unwrap_or_default();
            assert_eq!(
                String::from_utf8_lossy(&line),
                String::from_utf8_lossy(&expected)
            );
        }
    }

    #[test]
    fn a_sweep_reports_its_counts() {
        let doc = sweep_document(5, 3, 1, 1).into_value();
        assert_eq!(doc["SweepDeactivated"], json!(3.0));
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["service"]])
        );
    }
}
