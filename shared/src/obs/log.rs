//! The log subscriber: one flat JSON object per line, with AWS Lambda Powertools' logger keys
//! (`level`, `message`, `timestamp`, `service`, `cold_start`, `function_name`,
//! `function_request_id`, `xray_trace_id`) and, inside a request, Roster's (`request_id`,
//! `organization`, `route`); the event's own fields follow (the request line adds `status`,
//! `latency_ms`, `error_code`). Keys whose value is unknown are `null`, so every line has the
//! same shape.
//!
//! The level follows Lambda's advanced logging controls (`AWS_LAMBDA_LOG_LEVEL`), then
//! `RUST_LOG` (a level, or directives of which the bare level counts), then `INFO`. Events of
//! other crates (the AWS SDK, hyper, the Lambda runtime) are kept at `INFO` at most: their debug
//! output can carry request payloads, and those hold password and key hashes.
//!
//! No `tracing-subscriber`: spans carry nothing Roster logs (the request's keys come from the
//! request context), so a subscriber that formats events is all it takes.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use crate::http::RequestInfo;

/// Where lines go: stdout on Lambda; tests capture them.
pub type Sink = Box<dyn Fn(&[u8]) + Send + Sync>;

static SINK: OnceLock<Sink> = OnceLock::new();

/// Writes one line (a JSON document and its newline) in one write, so lines never interleave.
pub fn write_line(mut line: Vec<u8>) {
    line.push(b'\n');
    match SINK.get() {
        Some(sink) => sink(&line),
        None => {
            let _ = std::io::stdout().lock().write_all(&line);
        }
    }
}

/// The level from `AWS_LAMBDA_LOG_LEVEL`, then `RUST_LOG`, then `INFO`.
pub fn level_from(aws_lambda_log_level: Option<&str>, rust_log: Option<&str>) -> LevelFilter {
    let parse = |s: &str| -> Option<LevelFilter> {
        match s.trim().to_ascii_lowercase().as_str() {
            "trace" => Some(LevelFilter::TRACE),
            "debug" => Some(LevelFilter::DEBUG),
            "info" => Some(LevelFilter::INFO),
            "warn" | "warning" => Some(LevelFilter::WARN),
            "error" | "fatal" => Some(LevelFilter::ERROR),
            "off" => Some(LevelFilter::OFF),
            _ => None,
        }
    };
    if let Some(level) = aws_lambda_log_level.and_then(parse) {
        return level;
    }
    rust_log
        .and_then(|directives| directives.split(',').rev().find_map(parse))
        .unwrap_or(LevelFilter::INFO)
}

/// The subscriber. Build it with [`JsonLog::from_env`].
pub struct JsonLog {
    level: LevelFilter,
    next_span: AtomicU64,
}

impl JsonLog {
    pub fn new(level: LevelFilter) -> Self {
        Self {
            level,
            next_span: AtomicU64::new(1),
        }
    }

    pub fn from_env() -> Self {
        let aws = std::env::var("AWS_LAMBDA_LOG_LEVEL").ok();
        let rust = std::env::var("RUST_LOG").ok();
        Self::new(level_from(aws.as_deref(), rust.as_deref()))
    }

    fn level_for(&self, target: &str) -> LevelFilter {
        if target.starts_with("roster") {
            self.level
        } else {
            self.level.min(LevelFilter::INFO)
        }
    }
}

/// Installs the subscriber (once per process; later calls change nothing), writing to `sink`
/// (stdout when `None`).
pub fn init(subscriber: JsonLog, sink: Option<Sink>) {
    if let Some(sink) = sink {
        let _ = SINK.set(sink);
    }
    let _ = tracing::subscriber::set_global_default(subscriber);
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "TRACE",
        Level::DEBUG => "DEBUG",
        Level::INFO => "INFO",
        Level::WARN => "WARN",
        Level::ERROR => "ERROR",
    }
}

/// The keys every line has, for the request being handled (if any).
pub fn base_fields(level: &str, message: &str) -> Map<String, Value> {
    let info = RequestInfo::current();
    let in_request = !info.id.is_empty();
    let opt = |v: Option<String>| v.map_or(Value::Null, Value::String);
    let mut map = Map::new();
    map.insert("level".into(), level.into());
    map.insert("message".into(), message.into());
    map.insert("timestamp".into(), crate::clock::now().into());
    map.insert("service".into(), super::service().into());
    let cold = if in_request {
        info.obs.cold_start
    } else {
        super::still_cold()
    };
    map.insert("cold_start".into(), cold.into());
    map.insert("function_name".into(), super::function_name().into());
    map.insert(
        "function_request_id".into(),
        opt(info.obs.function_request_id.clone()),
    );
    map.insert(
        "xray_trace_id".into(),
        opt(info.obs.xray_trace_id().map(str::to_string)),
    );
    if in_request {
        map.insert("request_id".into(), info.id.clone().into());
        let org = info.org.lock().ok().and_then(|o| o.clone());
        map.insert("organization".into(), opt(org));
        map.insert("route".into(), opt(info.obs.route()));
    }
    map
}

struct Fields {
    message: String,
    fields: Vec<(&'static str, Value)>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        if field.name() == "message" {
            self.message = text;
        } else {
            self.fields.push((field.name(), Value::String(text)));
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.fields.push((field.name(), value.into()));
        }
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.fields.push((field.name(), value.into()));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields.push((field.name(), value.into()));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.fields.push((field.name(), value.into()));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields.push((field.name(), value.into()));
    }
}

impl Subscriber for JsonLog {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        *metadata.level() <= self.level_for(metadata.target())
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.level)
    }

    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(self.next_span.fetch_add(1, Ordering::Relaxed))
    }

    fn record(&self, _span: &Id, _values: &Record<'_>) {}

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields {
            message: String::new(),
            fields: Vec::new(),
        };
        event.record(&mut fields);
        let mut map = base_fields(level_name(event.metadata().level()), &fields.message);
        for (name, value) in fields.fields {
            map.insert(name.to_string(), value);
        }
        // The request line names its error code, `null` on success (tracing skips `None`s).
        if fields.message == "request" && map.contains_key("request_id") {
            map.entry("error_code").or_insert(Value::Null);
        }
        if let Ok(line) = serde_json::to_vec(&Value::Object(map)) {
            write_line(line);
        }
    }

    fn enter(&self, _span: &Id) {}

    fn exit(&self, _span: &Id) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_follows_lambda_then_rust_log() {
        assert_eq!(level_from(Some("DEBUG"), Some("error")), LevelFilter::DEBUG);
        assert_eq!(level_from(Some("FATAL"), None), LevelFilter::ERROR);
        assert_eq!(level_from(None, Some("warn")), LevelFilter::WARN);
        assert_eq!(
            level_from(None, Some("roster_users=trace,debug")),
            LevelFilter::DEBUG
        );
        assert_eq!(level_from(Some("bogus"), None), LevelFilter::INFO);
        assert_eq!(level_from(None, None), LevelFilter::INFO);
    }

    #[test]
    fn dependencies_stay_at_info() {
        let log = JsonLog::new(LevelFilter::TRACE);
        assert_eq!(log.level_for("roster_shared::store"), LevelFilter::TRACE);
        assert_eq!(
            log.level_for("aws_smithy_runtime::client"),
            LevelFilter::INFO
        );
    }

    #[test]
    fn outside_a_request_lines_have_the_powertools_keys() {
        let map = base_fields("INFO", "hello");
        for key in [
            "level",
            "message",
            "timestamp",
            "service",
            "cold_start",
            "function_name",
            "function_request_id",
            "xray_trace_id",
        ] {
            assert!(map.contains_key(key), "{key}");
        }
        assert!(!map.contains_key("request_id"));
    }
}
