//! The SCIM surface's request edge: its base URL, its body (`application/scim+json`,
//! `application/json` or no content type), its query parameters (names case-insensitive), its
//! `If-Match`, and its response (`application/scim+json`, `ETag`, `Location`).

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{header, HeaderValue, StatusCode};
use serde_json::Value;

use roster_shared::domain::Precondition;
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

/// `If-Match`, read by the domain's parser ([`Precondition::parse_if_match`], RFC 9110 §13.1.1):
/// absent → `None`; `*` admits any existing user; a list admits the versions its tags name (a
/// well-formed tag naming another version is the 412 of the write); several `If-Match` lines are
/// one list; anything else is 400 `invalidValue`. This surface issues weak tags (`W/"3"`, as
/// RFC 7644 §3.14 shows) and clients send them back, so its tags compare weakly (RFC 9110
/// §8.8.3.2): `W/"3"` and `"3"` both name version 3.
pub struct IfMatch(pub Option<Precondition>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ScimError> {
        let lines: Vec<&[u8]> = parts
            .headers
            .get_all(header::IF_MATCH)
            .iter()
            .map(HeaderValue::as_bytes)
            .collect();
        if lines.is_empty() {
            return Ok(Self(None));
        }
        let value = lines.join(&b","[..]);
        let malformed = |_| {
            ScimError::bad(
                "invalidValue",
                "If-Match: must be * or a list of entity tags like W/\"3\" (the meta.version of the User).",
            )
        };
        // Checked as sent first: dropping the `W/`s must not make a malformed value well-formed.
        Precondition::parse_if_match(&value).map_err(malformed)?;
        Precondition::parse_if_match(&weak_as_strong(&value))
            .map(|p| Self(Some(p)))
            .map_err(malformed)
    }
}

/// A well-formed `If-Match` list with every `W/` prefix dropped (outside a tag's quotes only `,`,
/// whitespace and `W/` stand), so that the strong comparison of the parser is the weak one.
fn weak_as_strong(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len());
    let mut quoted = false;
    let mut rest = value;
    while let Some((&byte, tail)) = rest.split_first() {
        if !quoted && rest.starts_with(b"W/") {
            rest = &rest[2..];
            continue;
        }
        if byte == b'"' {
            quoted = !quoted;
        }
        out.push(byte);
        rest = tail;
    }
    out
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

    async fn if_match(lines: &[&[u8]]) -> Result<Option<Precondition>, ScimError> {
        let mut request = http::Request::builder();
        for line in lines {
            request = request.header(
                header::IF_MATCH,
                HeaderValue::from_bytes(line).unwrap_or_else(|e| panic!("{e}")),
            );
        }
        let (mut parts, ()) = request
            .body(())
            .unwrap_or_else(|e| panic!("{e}"))
            .into_parts();
        IfMatch::from_request_parts(&mut parts, &())
            .await
            .map(|IfMatch(p)| p)
    }

    #[tokio::test]
    async fn if_match_tags_compare_weakly_through_the_domain_parser() {
        let cases: &[(&[&[u8]], Option<Precondition>)] = &[
            (&[], None),
            (&[b"*"], Some(Precondition::Any)),
            (&[b"W/\"3\""], Some(Precondition::OneOf(vec![3]))),
            (&[b"\"3\""], Some(Precondition::OneOf(vec![3]))),
            (
                &[b"W/\"1\", W/\"4\""],
                Some(Precondition::OneOf(vec![1, 4])),
            ),
            (
                &[b"W/\"1\"", b"\"4\""],
                Some(Precondition::OneOf(vec![1, 4])),
            ),
            // Well-formed tags naming no version: admit none (412 on the write).
            (&[b"W/\"abc\""], Some(Precondition::OneOf(vec![]))),
            // `W/` inside a tag's quotes is part of the opaque tag.
            (&[b"\"W/3\", \"a,W/b\""], Some(Precondition::OneOf(vec![]))),
            (&[b"\"\xE9\""], Some(Precondition::OneOf(vec![]))),
        ];
        for (lines, expected) in cases {
            assert_eq!(if_match(lines).await.as_ref(), Ok(expected), "{lines:?}");
        }
        for bad in [
            &b"3"[..],
            b"W/3",
            b"garbage",
            b"\"3",
            b"*, W/\"3\"",
            b"W/W/\"3\"",
            b"w/\"3\"",
            b"",
        ] {
            let err = if_match(&[bad])
                .await
                .err()
                .unwrap_or_else(|| panic!("{bad:?}"));
            assert_eq!(
                (err.status, err.scim_type),
                (400, Some("invalidValue")),
                "{bad:?}"
            );
            assert!(err.detail.starts_with("If-Match:"), "{}", err.detail);
        }
    }
}
