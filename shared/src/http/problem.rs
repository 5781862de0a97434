//! The one error renderer, and the problem+json body (RFC 9457) most surfaces answer with.
//!
//! [`Error`] answers itself through [`render`]: it logs what needs logging (internal errors,
//! storage trouble), asks the request's [`Surface`] for the status and body, and adds
//! `Retry-After` to every 429 and 503. A surface supplies only its body shape and its
//! status/message table; the [`RouteSet`](super::RouteSet) it builds its routes with makes it the
//! surface of every request those routes (and their 405 answers) handle.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use serde_json::json;

use super::context::RequestInfo;
use super::xml;
use crate::error::Resource;
use crate::Error;

/// What a surface supplies to the one renderer.
pub trait Surface: Send + Sync + 'static {
    /// The HTTP status of `error` on this surface: by default the domain's.
    fn status(&self, error: &Error) -> u16 {
        error.status()
    }

    /// The body of `error`, answered with `status`: its content type and text.
    fn body(&self, error: &Error, status: u16, info: &RequestInfo) -> (&'static str, String);
}

tokio::task_local! {
    /// The surface whose route is handling the request (set by its [`RouteSet`](super::RouteSet)).
    static SURFACE: &'static dyn Surface;
}

/// Runs `future` (a route's handling of a request) with `surface` as the shape of its errors.
pub async fn with_surface<F: std::future::Future>(
    surface: &'static dyn Surface,
    future: F,
) -> F::Output {
    SURFACE.scope(surface, future).await
}

/// The answer to `error` on the request's surface (the native problem document outside any
/// surface's route, e.g. for an unknown path).
pub fn render(error: &Error) -> Response {
    let surface = SURFACE
        .try_with(|surface| *surface)
        .unwrap_or(&ProblemDocument::NEGOTIATED);
    render_on(surface, error)
}

/// The answer to `error` on `surface`.
pub fn render_on(surface: &dyn Surface, error: &Error) -> Response {
    let info = RequestInfo::current();
    info.obs.set_error_code(error.code());
    match error {
        Error::Internal(context) => {
            tracing::error!(request_id = %info.id, error = %context, "internal error")
        }
        Error::Unavailable(context) => {
            tracing::warn!(request_id = %info.id, error = %context, "storage unavailable")
        }
        Error::Throttled(context) => {
            tracing::warn!(request_id = %info.id, error = %context, "storage busy")
        }
        _ => {}
    }
    let status = surface.status(error);
    let (content_type, text) = surface.body(error, status, &info);
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, text).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if matches!(status.as_u16(), 429 | 503) {
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        render(&self)
    }
}

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

/// The problem document (RFC 9457): `type`, `title`, `status`, `detail`, `code`, `requestId`,
/// and `errors: [{field, message}]` for validation. The native API's errors (and those of the
/// surfaces whose seeds document none); also the answer to an unknown route.
#[derive(Debug)]
pub struct ProblemDocument {
    /// As `application/problem+xml` when the caller asks for XML (else always JSON).
    pub negotiates_xml: bool,
}

impl ProblemDocument {
    /// JSON, or XML when the caller asks for it (the native API).
    pub const NEGOTIATED: Self = Self {
        negotiates_xml: true,
    };
    /// Always `application/problem+json`.
    pub const JSON: Self = Self {
        negotiates_xml: false,
    };
}

impl Surface for ProblemDocument {
    fn body(&self, error: &Error, status: u16, info: &RequestInfo) -> (&'static str, String) {
        let code = error.code();
        let mut body = json!({
            "type": format!("https://roster.dev/problems/{}", code.to_ascii_lowercase().replace('_', "-")),
            "title": title(status),
            "status": status,
            "detail": error.detail(),
            "code": code,
            "requestId": info.id,
        });
        if !error.field_errors().is_empty() {
            body["errors"] = json!(error.field_errors());
        }
        if self.negotiates_xml && info.xml {
            ("application/problem+xml", xml::render("problem", &body))
        } else {
            ("application/problem+json", body.to_string())
        }
    }
}

/// The router's fallback: unknown paths are a 404 (problem+json: no surface owns them).
pub async fn not_found_fallback() -> Error {
    Error::NotFound(Resource::Route)
}

/// Known path, wrong method: 405 in the path's surface's shape (axum adds `Allow`).
pub async fn method_not_allowed() -> Error {
    Error::MethodNotAllowed
}
