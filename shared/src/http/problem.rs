//! Errors as RFC 9457 problem documents (`application/problem+json`, or XML when asked).

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use serde_json::json;

use super::context::RequestInfo;
use super::xml;
use crate::Error;

fn title(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        415 => "Unsupported Media Type",
        429 => "Too Many Requests",
        503 => "Service Unavailable",
        _ => "Internal Server Error",
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let info = RequestInfo::current();
        let status = self.status();
        info.obs.set_error_code(self.code());
        match &self {
            Error::Internal(context) => {
                tracing::error!(request_id = %info.id, error = %context, "internal error")
            }
            Error::Unavailable(context) | Error::Throttled(context) => {
                tracing::warn!(request_id = %info.id, error = %context, "storage unavailable")
            }
            _ => {}
        }
        let mut body = json!({
            "type": format!("https://roster.dev/problems/{}", self.code().to_ascii_lowercase().replace('_', "-")),
            "title": title(status),
            "status": status,
            "detail": self.detail(),
            "code": self.code(),
            "requestId": info.id,
        });
        if !self.field_errors().is_empty() {
            body["errors"] = json!(self.field_errors());
        }
        let (content_type, text) = if info.xml {
            ("application/problem+xml", xml::render("problem", &body))
        } else {
            ("application/problem+json", body.to_string())
        };
        let mut response = (
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            text,
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        if status == 503 || status == 429 {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// The router's fallback: unknown paths are a problem+json 404.
pub async fn not_found_fallback() -> Error {
    Error::NotFound("route")
}

/// Known path, wrong method: 405 as problem+json.
pub async fn method_not_allowed() -> Response {
    let info = RequestInfo::current();
    let body = json!({
        "type": "https://roster.dev/problems/method-not-allowed",
        "title": "Method Not Allowed",
        "status": 405,
        "detail": "This path does not support that method.",
        "code": "METHOD_NOT_ALLOWED",
        "requestId": info.id,
    });
    let mut response = (StatusCode::METHOD_NOT_ALLOWED, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    response
}
