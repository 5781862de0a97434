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
        let mut root = self.members;
        root.insert(
            "_aws".into(),
            json!({
                "Timestamp": now_epoch_millis(),
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
    fn a_sweep_reports_its_counts() {
        let doc = sweep_document(5, 3, 1, 1).into_value();
        assert_eq!(doc["SweepDeactivated"], json!(3.0));
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["service"]])
        );
    }
}
