//! The SCIM surface's request edge: its base URL, its body (`application/scim+json`,
//! `application/json` or no content type), its query parameters (names case-insensitive), and
//! its response (`application/scim+json`, `ETag`, `Location`).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{header, HeaderValue, StatusCode};
use serde_json::Value;

use roster_shared::http::{QueryParams, MAX_BODY_BYTES};

use super::dto::version_tag;
use super::error::{ScimError, SCIM_JSON};

/// Where the surface lives, as the caller reached it (`https://host/stage/scim/v2`), for
/// `meta.location` and `Location`.
pub struct Base(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Base {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ScimError> {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
                .filter(|v| !v.is_empty() && !v.contains(['/', ' ', '"']))
        };
        let host = header("x-forwarded-host")
            .or_else(|| header("host"))
            .unwrap_or("localhost");
        let local = host.starts_with("127.0.0.1")
            || host.starts_with("localhost")
            || host.starts_with("[::1]");
        let scheme = match header("x-forwarded-proto") {
            Some(p) if p.eq_ignore_ascii_case("http") || p.eq_ignore_ascii_case("https") => {
                p.to_ascii_lowercase()
            }
            _ if local => "http".into(),
            _ => "https".into(),
        };
        // The API Gateway stage (or any mount point) before `/scim/v2`.
        let path = parts.uri.path();
        let prefix = path
            .find("/scim/v2")
            .map(|i| &path[..i])
            .unwrap_or_default();
        Ok(Self(format!("{scheme}://{host}{prefix}/scim/v2")))
    }
}

fn is_scim_json(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else {
        return true;
    };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    mime.is_empty() || mime == "application/json" || mime == SCIM_JSON
}

/// A JSON body: 415 for a content type other than `application/scim+json` /
/// `application/json` (none is accepted: Entra sends some requests without), 413 past the
/// size limit, `invalidSyntax` when it is not JSON.
pub struct Body(pub Value);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ScimError;

    async fn from_request(request: Request, _: &S) -> Result<Self, ScimError> {
        let content_type = request
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or("?").to_string());
        if !is_scim_json(content_type.as_deref()) {
            return Err(ScimError::new(
                415,
                None,
                "Send the body as application/scim+json (or application/json).",
            ));
        }
        let bytes: Bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| ScimError::new(413, None, "The request body is too large."))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ScimError::bad(
                "invalidSyntax",
                "The request body is empty.",
            ));
        }
        serde_json::from_slice(&bytes).map(Self).map_err(|e| {
            ScimError::bad("invalidSyntax", format!("The body is not valid JSON: {e}."))
        })
    }
}

/// Query parameters; SCIM's names are matched case-insensitively.
pub struct Query(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ScimError> {
        // Form-urlencoded: `+` is a space (Entra's `userName+eq+"x"`), `%2B` a plus.
        let QueryParams(map) = QueryParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ScimError::bad("invalidSyntax", "The query string is not valid."))?;
        Ok(Self(map.into_iter().collect()))
    }
}

impl Query {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A SCIM document response.
pub struct Scim {
    pub status: StatusCode,
    pub body: Value,
    pub version: Option<u64>,
    pub location: Option<String>,
}

impl Scim {
    pub fn ok(body: Value) -> Self {
        Self {
            status: StatusCode::OK,
            body,
            version: None,
            location: None,
        }
    }

    pub fn versioned(mut self, version: u64) -> Self {
        self.version = Some(version);
        self
    }
}

impl IntoResponse for Scim {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
        if let Some(v) = self
            .version
            .and_then(|v| HeaderValue::from_str(&version_tag(v)).ok())
        {
            headers.insert(header::ETAG, v);
        }
        if let Some(l) = self.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
            headers.insert(header::LOCATION, l);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scim_json_json_and_no_content_type_are_accepted() {
        for ok in [
            None,
            Some("application/scim+json"),
            Some("application/scim+json; charset=utf-8"),
            Some("Application/JSON"),
        ] {
            assert!(is_scim_json(ok), "{ok:?}");
        }
        for bad in [
            "text/plain",
            "application/xml",
            "application/merge-patch+json",
        ] {
            assert!(!is_scim_json(Some(bad)), "{bad}");
        }
    }
}
