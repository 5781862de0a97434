//! X-Ray subsegments for the SDK's DynamoDB calls, sent to the X-Ray daemon Lambda runs beside a
//! function when active tracing is on (`AWS_XRAY_DAEMON_ADDRESS`, UDP). Lambda itself records the
//! function's segment (Initialization, Invocation, Overhead); each DynamoDB call becomes a
//! subsegment of it named `DynamoDB` (namespace `aws`, so the trace map shows the table's
//! service), with the operation, the retries and the HTTP status, flagged `error` (4xx),
//! `throttle` (400/429 throttling) or `fault` (5xx, no response). Only sampled invocations
//! (`Sampled=1`) send anything; without the daemon address (tracing off, local runs) nothing is
//! sent. One UDP datagram per call, no response awaited: no latency on the request path.

use std::net::UdpSocket;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

pub struct Call<'a> {
    /// `Root=…;Parent=…;Sampled=…` of the invocation.
    pub trace_header: &'a str,
    pub operation: &'a str,
    pub started: SystemTime,
    pub ended: SystemTime,
    pub status: Option<u16>,
    pub retries: u32,
}

fn part<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    header.split(';').find_map(|p| {
        p.trim()
            .strip_prefix(key)
            .and_then(|rest| rest.strip_prefix('='))
    })
}

fn seconds(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

fn random_id() -> String {
    let mut bytes = [0u8; 8];
    let _ = getrandom::getrandom(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The datagram for `call`: the daemon's header line and the subsegment document; `None` when
/// the invocation is not sampled or the header lacks its ids.
pub fn datagram(call: &Call<'_>) -> Option<String> {
    if part(call.trace_header, "Sampled") != Some("1") {
        return None;
    }
    let trace_id = part(call.trace_header, "Root")?;
    let parent_id = part(call.trace_header, "Parent")?;
    let status = call.status;
    let mut doc = json!({
        "name": "DynamoDB",
        "id": random_id(),
        "trace_id": trace_id,
        "parent_id": parent_id,
        "type": "subsegment",
        "namespace": "aws",
        "start_time": seconds(call.started),
        "end_time": seconds(call.ended),
        "aws": { "operation": call.operation, "retries": call.retries },
    });
    match status {
        Some(code) => {
            doc["http"] = json!({ "response": { "status": code } });
            if code == 429 {
                doc["throttle"] = json!(true);
            }
            if (400..500).contains(&code) {
                doc["error"] = json!(true);
            } else if code >= 500 {
                doc["fault"] = json!(true);
            }
        }
        None => doc["fault"] = json!(true),
    }
    Some(format!("{{\"format\":\"json\",\"version\":1}}\n{doc}"))
}

fn daemon() -> Option<&'static (UdpSocket, String)> {
    static DAEMON: OnceLock<Option<(UdpSocket, String)>> = OnceLock::new();
    DAEMON
        .get_or_init(|| {
            let address = std::env::var("AWS_XRAY_DAEMON_ADDRESS").ok()?;
            // `AWS_XRAY_DAEMON_ADDRESS` may be `host:port` or `tcp:host:port udp:host:port`.
            let udp = address
                .split_whitespace()
                .find_map(|a| a.strip_prefix("udp:"))
                .unwrap_or(address.as_str())
                .to_string();
            let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
            socket.set_nonblocking(true).ok()?;
            Some((socket, udp))
        })
        .as_ref()
}

/// Sends the subsegment of `call`, if the invocation is sampled and the daemon is there.
pub fn send_subsegment(call: &Call<'_>) {
    let Some((socket, address)) = daemon() else {
        return;
    };
    if let Some(datagram) = datagram(call) {
        let _ = socket.send_to(datagram.as_bytes(), address.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sampled_call_becomes_a_subsegment_of_the_function_segment() {
        let now = SystemTime::now();
        let call = Call {
            trace_header:
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
            operation: "GetItem",
            started: now,
            ended: now,
            status: Some(200),
            retries: 0,
        };
        let text = datagram(&call).unwrap_or_default();
        let (header, body) = text.split_once('\n').unwrap_or_default();
        assert_eq!(header, r#"{"format":"json","version":1}"#);
        let doc: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        assert_eq!(doc["trace_id"], "1-5759e988-bd862e3fe1be46a994272793");
        assert_eq!(doc["parent_id"], "53995c3f42cd8ad8");
        assert_eq!(doc["type"], "subsegment");
        assert_eq!(doc["aws"]["operation"], "GetItem");
        assert_eq!(doc["id"].as_str().map(str::len), Some(16));
        let unsampled = Call {
            trace_header:
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
            ..call
        };
        assert!(datagram(&unsampled).is_none());
    }
}
