//! The answers the layer makes itself, in DynamoDB's JSON protocol.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, StatusCode};
use serde_json::{json, Value};

pub(crate) const CONFLICT_MESSAGE: &str = "Transaction is ongoing for the item";
pub(crate) const JSON_10: &str = "application/x-amz-json-1.0";

pub(crate) fn json_response(status: StatusCode, body: String) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_10));
    if let Ok(id) = HeaderValue::from_str(&format!("semantics-{}", request_id())) {
        headers.insert("x-amzn-requestid", id);
    }
    (status, headers, body).into_response()
}

fn request_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

pub(crate) fn error_response(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = json!({
        "__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"),
        "message": message,
    });
    json_response(status, body.to_string())
}

/// DynamoDB's answer to a transaction that overlaps an in-flight one.
pub(crate) fn cancelled(overlapping: &[bool]) -> Response {
    let codes: Vec<&str> = overlapping
        .iter()
        .map(|o| if *o { "TransactionConflict" } else { "None" })
        .collect();
    let reasons: Vec<Value> = overlapping
        .iter()
        .map(|o| {
            if *o {
                json!({ "Code": "TransactionConflict", "Message": CONFLICT_MESSAGE })
            } else {
                json!({ "Code": "None" })
            }
        })
        .collect();
    let body = json!({
        "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
        "Message": format!(
            "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
            codes.join(", ")
        ),
        "CancellationReasons": reasons,
    });
    json_response(StatusCode::BAD_REQUEST, body.to_string())
}

/// The answer when DynamoDB Local's response body could not be read.
pub(crate) fn upstream_body_failed(e: impl std::fmt::Display) -> Response {
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        &format!("semantics proxy: upstream body: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_cancellation_names_each_item_in_order() {
        let response = cancelled(&[false, true, false]);
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap_or_default();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or_default();
        assert_eq!(
            body["__type"],
            "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
        );
        let codes: Vec<&str> = body["CancellationReasons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["Code"].as_str())
            .collect();
        assert_eq!(codes, ["None", "TransactionConflict", "None"]);
    }
}
