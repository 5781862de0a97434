//! Typed extractors. Each failure is a domain [`Error`], so it renders as problem+json.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use http::header;
use http::request::Parts;
use serde::de::DeserializeOwned;

use super::context::RequestInfo;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, MatchedPath};

use crate::audit::Surface;
use crate::auth::{gateway, key_from_headers, Origin, Principal};
use crate::domain::Precondition;
use crate::service::Roster;
use crate::{Error, FieldError};

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// The authenticated caller.
pub struct Caller(pub Principal);

impl FromRequestParts<Roster> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, roster: &Roster) -> Result<Self, Error> {
        let principal = match authorizer_principal(parts) {
            // On AWS the REQUEST authorizer has validated the key (and the source address).
            Some(p) => p,
            None => {
                let key = key_from_headers(&parts.headers).ok_or(Error::MissingApiKey)?;
                roster.auth.authenticate(&key, source_ip(parts)).await?
            }
        };
        let info = RequestInfo::current();
        info.set_org(principal.org.as_str());
        let mut principal = principal;
        principal.origin = Origin {
            request_id: Some(info.id.clone()).filter(|id| !id.is_empty()),
            source_ip: source_ip(parts),
            surface: parts
                .extensions
                .get::<MatchedPath>()
                .map_or(Surface::Native, |p| Surface::of_route(p.as_str())),
        };
        Ok(Self(principal))
    }
}

/// The authenticated caller, an `ApManager` (403 for any other role): the routes only managers
/// may use.
pub struct Manager(pub Principal);

impl FromRequestParts<Roster> for Manager {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, roster: &Roster) -> Result<Self, Error> {
        let Caller(principal) = Caller::from_request_parts(parts, roster).await?;
        principal.require_manager()?;
        Ok(Self(principal))
    }
}

/// The principal API Gateway's authorizer put in a REST event's context, if any.
fn authorizer_principal(parts: &Parts) -> Option<Principal> {
    match parts
        .extensions
        .get::<lambda_http::request::RequestContext>()?
    {
        lambda_http::request::RequestContext::ApiGatewayV1(context) => {
            gateway::principal_from_context(&context.authorizer.fields)
        }
        _ => None,
    }
}

/// The caller's address: API Gateway's `sourceIp` on Lambda, the peer address locally.
pub fn source_ip(parts: &Parts) -> Option<IpAddr> {
    match parts
        .extensions
        .get::<lambda_http::request::RequestContext>()
    {
        Some(lambda_http::request::RequestContext::ApiGatewayV1(c)) => c
            .identity
            .source_ip
            .as_deref()
            .and_then(|ip| ip.parse().ok()),
        Some(lambda_http::request::RequestContext::ApiGatewayV2(c)) => {
            c.http.source_ip.as_deref().and_then(|ip| ip.parse().ok())
        }
        Some(_) => None,
        None => parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip()),
    }
}

/// `If-Match` (RFC 9110 §13.1.1), parsed by [`Precondition::parse_if_match`]: absent → `None`;
/// `*` or a list of entity tags → the versions it admits (a well-formed tag that does not match
/// is the service's 412, not a 400); anything else → 400 naming the header. Several `If-Match`
/// lines are one list.
pub struct IfMatch(pub Option<Precondition>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        let mut lines = parts.headers.get_all(header::IF_MATCH).iter().peekable();
        if lines.peek().is_none() {
            return Ok(Self(None));
        }
        let mut value = Vec::new();
        for (i, line) in lines.enumerate() {
            if i > 0 {
                value.push(b',');
            }
            value.extend_from_slice(line.as_bytes());
        }
        Precondition::parse_if_match(&value)
            .map(|p| Self(Some(p)))
            .map_err(|message| Error::field("If-Match", message))
    }
}

fn is_json(content_type: Option<&str>) -> bool {
    content_type
        .and_then(|ct| ct.split(';').next())
        .map(str::trim)
        .is_some_and(|mime| {
            let mime = mime.to_ascii_lowercase();
            mime == "application/json"
                || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
}

async fn read_body(request: Request) -> Result<(Option<String>, Bytes), Error> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
        .await
        .map_err(|_| Error::PayloadTooLarge)?;
    Ok((content_type, bytes))
}

/// Turns a serde failure into a 400 that names the field.
fn body_error(err: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let path = err.path().to_string();
    let inner = err.into_inner();
    let message = inner.to_string();
    if inner.is_syntax() || inner.is_eof() {
        return Error::MalformedBody(format!("not valid JSON ({message})"));
    }
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let field = if path == "." || path.is_empty() || path.ends_with(name) {
            path.trim_start_matches('.').to_string()
        } else {
            format!("{path}.{name}")
        };
        let field = if field.is_empty() {
            name.to_string()
        } else {
            field
        };
        return Error::Validation(vec![FieldError::new(field, "is not a known field")]);
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let field = if path == "." {
            name.to_string()
        } else {
            format!("{path}.{name}")
        };
        return Error::Validation(vec![FieldError::new(field, "is required")]);
    }
    let field = if path == "." {
        "body".to_string()
    } else {
        path
    };
    Error::Validation(vec![FieldError::new(field, message)])
}

pub(crate) fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(body_error)?;
    de.end()
        .map_err(|e| Error::MalformedBody(format!("not valid JSON ({e})")))?;
    Ok(value)
}

/// A JSON body (415 unless JSON, 413 when too large, 400 naming the bad field otherwise).
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Error;

    async fn from_request(request: Request, _: &S) -> Result<Self, Error> {
        let (content_type, bytes) = read_body(request).await?;
        if !is_json(content_type.as_deref()) {
            return Err(Error::UnsupportedMediaType);
        }
        if bytes.is_empty() {
            return Err(Error::MalformedBody("the body is empty".into()));
        }
        parse_json(&bytes).map(Self)
    }
}

/// A JSON body read whatever its `Content-Type` says (413 when too large, 400 when it is not
/// JSON). For compatible surfaces whose clients do not all label their JSON (.NET's
/// `StringContent` sends `text/plain` unless told otherwise).
pub struct LenientJsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for LenientJsonBody<T> {
    type Rejection = Error;

    async fn from_request(request: Request, _: &S) -> Result<Self, Error> {
        let (_, bytes) = read_body(request).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(Error::MalformedBody("the body is empty".into()));
        }
        parse_json(&bytes).map(Self)
    }
}

/// A JSON body that may be left out entirely.
pub struct OptionalJsonBody<T>(pub Option<T>);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for OptionalJsonBody<T> {
    type Rejection = Error;

    async fn from_request(request: Request, _: &S) -> Result<Self, Error> {
        let (content_type, bytes) = read_body(request).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(None));
        }
        if !is_json(content_type.as_deref()) {
            return Err(Error::UnsupportedMediaType);
        }
        parse_json(&bytes).map(|v| Self(Some(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        name: String,
        emails: Vec<String>,
    }

    fn field_of(json: &str) -> Vec<String> {
        match parse_json::<Sample>(json.as_bytes()) {
            Err(Error::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            Err(Error::MalformedBody(_)) => vec!["<malformed>".into()],
            other => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn bad_bodies_name_their_field() {
        assert_eq!(field_of(r#"{"name": 1, "emails": []}"#), ["name"]);
        assert_eq!(field_of(r#"{"name": "a", "emails": [1]}"#), ["emails[0]"]);
        assert_eq!(
            field_of(r#"{"name": "a", "emails": [], "bogus": 1}"#),
            ["bogus"]
        );
        assert_eq!(field_of(r#"{"emails": []}"#), ["name"]);
        assert_eq!(field_of(r#"{"name": "a""#), ["<malformed>"]);
        assert_eq!(
            field_of(r#"{"name": "a", "emails": []} trailing"#),
            ["<malformed>"]
        );
    }

    #[test]
    fn json_content_types() {
        assert!(is_json(Some("application/json")));
        assert!(is_json(Some("application/json; charset=utf-8")));
        assert!(is_json(Some("application/merge-patch+json")));
        assert!(!is_json(Some("text/plain")));
        assert!(!is_json(None));
    }
}
