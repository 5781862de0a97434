//! SCIM `Error` responses (RFC 7644 §3.12): `schemas`, `status` as a string, `scimType` where
//! the RFC defines one, `detail`; `application/scim+json`. Every failure on `/scim/v2` — domain
//! errors, authentication, unknown paths and methods — is answered in this shape.

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{header, HeaderValue, StatusCode};
use serde_json::json;

use roster_shared::auth::Principal;
use roster_shared::http::Caller;
use roster_shared::service::Roster;
use roster_shared::Error;

use super::schema::ERROR;

pub const SCIM_JSON: &str = "application/scim+json";

/// An error of the SCIM surface.
#[derive(Debug, PartialEq, Eq)]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type,
            detail: detail.into(),
        }
    }

    /// 400 with a scimType (`invalidFilter`, `invalidValue`, `invalidSyntax`, `invalidPath`,
    /// `noTarget`, `mutability`, `tooMany`, `invalidVers`).
    pub fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::new(400, Some(scim_type), detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, None, detail)
    }

    pub fn precondition() -> Self {
        Self::new(
            412,
            None,
            "The resource has changed since you read it (If-Match does not match meta.version).",
        )
    }

    pub fn user_not_found(id: &str) -> Self {
        Self::not_found(format!("No User with id {id}."))
    }
}

impl From<Error> for ScimError {
    fn from(error: Error) -> Self {
        let status = error.status();
        match &error {
            Error::Internal(context) => {
                tracing::error!(%context, "internal error on the SCIM surface");
                Self::new(500, None, error.detail())
            }
            Error::Validation(_) => Self::new(400, Some("invalidValue"), error.detail()),
            Error::MalformedBody(_) => Self::new(400, Some("invalidSyntax"), error.detail()),
            Error::UsernameTaken | Error::EmailTaken(_) | Error::ExternalIdTaken => {
                Self::new(409, Some("uniqueness"), error.detail())
            }
            Error::MissingApiKey => Self::new(
                401,
                None,
                "An API key is required: Authorization: Bearer <Roster API key>.",
            ),
            Error::NotFound(_) => Self::new(404, None, "The resource does not exist."),
            _ => Self::new(status, None, error.detail()),
        }
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "schemas": [ERROR],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type {
            body["scimType"] = json!(t);
        }
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
        if self.status == 503 {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        if self.status == 401 {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"roster\""),
            );
        }
        response
    }
}

/// The authenticated caller; every refusal is a SCIM error (401 without or with an unknown key,
/// 403 for an inactive caller or a blocked address).
pub struct ScimCaller(pub Principal);

impl FromRequestParts<Roster> for ScimCaller {
    type Rejection = ScimError;

    async fn from_request_parts(parts: &mut Parts, roster: &Roster) -> Result<Self, ScimError> {
        let Caller(principal) = Caller::from_request_parts(parts, roster).await?;
        Ok(Self(principal))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_errors_get_their_scim_types() {
        let cases: Vec<(Error, u16, Option<&str>)> = vec![
            (Error::field("userName", "bad"), 400, Some("invalidValue")),
            (Error::MalformedBody("x".into()), 400, Some("invalidSyntax")),
            (Error::UsernameTaken, 409, Some("uniqueness")),
            (Error::EmailTaken("a@b.c".into()), 409, Some("uniqueness")),
            (Error::ExternalIdTaken, 409, Some("uniqueness")),
            (Error::MissingApiKey, 401, None),
            (Error::InvalidApiKey, 401, None),
            (Error::Forbidden("no".into()), 403, None),
            (
                Error::NotFound(roster_shared::error::Resource::User),
                404,
                None,
            ),
            (Error::PreconditionFailed, 412, None),
            (Error::Unavailable("x".into()), 503, None),
            (Error::internal("secret"), 500, None),
        ];
        for (error, status, scim_type) in cases {
            let shown = format!("{error:?}");
            let e = ScimError::from(error);
            assert_eq!((e.status, e.scim_type), (status, scim_type), "{shown}");
            assert!(!e.detail.contains("secret"));
        }
    }

    #[tokio::test]
    async fn the_body_is_a_scim_error_with_the_status_as_a_string() {
        let response = ScimError::bad("invalidFilter", "nope").into_response();
        assert_eq!(response.status(), 400);
        assert_eq!(response.headers()[header::CONTENT_TYPE], SCIM_JSON);
        let bytes = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap_or_default();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        assert_eq!(
            body,
            json!({"schemas": [ERROR], "status": "400", "scimType": "invalidFilter", "detail": "nope"})
        );
    }
}
