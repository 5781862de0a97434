//! Seed 001's error format, exactly `{"code": N, "error": "…"}`, with the seed's messages:
//!
//! | status | `error` |
//! |---|---|
//! | 400 | `Parameter $parameter is required` (a missing parameter, by its real name); `Parameter $parameter is invalid: …` (a bad value); the reason for an unreadable body |
//! | 401 | `Unauthorized.` |
//! | 403 | why the caller may not (not in the seed; same shape) |
//! | 404 | `No entity found for User with $id.` |
//! | 409 | `Duplicate entry => Care with email and username` (username, email or idRemote taken); other conflicts say why |
//! | 429 | `Too Many Requests` (storage throttled, or too many concurrent writes) |
//! | 500 | `Database connection failed.` (storage unreachable or failing, and any internal error) |
//!
//! Errors are JSON even when the request asked for XML: the seed documents them as JSON only.

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{header, HeaderValue, StatusCode};

use roster_shared::auth::Principal;
use roster_shared::http::{Caller, RequestInfo};
use roster_shared::service::Roster;
use roster_shared::{Error, FieldError};

pub const UNAUTHORIZED: &str = "Unauthorized.";
pub const DUPLICATE: &str = "Duplicate entry => Care with email and username";
pub const TOO_MANY_REQUESTS: &str = "Too Many Requests";
pub const DATABASE_FAILED: &str = "Database connection failed.";

/// An error of the seed-001 surface.
#[derive(Debug, PartialEq, Eq)]
pub struct Error001 {
    pub code: u16,
    pub error: String,
}

/// `Parameter x is required` / `Parameter x is invalid: why`, for one field.
fn parameter_message(e: &FieldError) -> String {
    if e.message == "is required" {
        format!("Parameter {} is required", e.field)
    } else {
        format!("Parameter {} is invalid: {}", e.field, e.message)
    }
}

impl Error001 {
    fn new(code: u16, error: impl Into<String>) -> Self {
        Self {
            code,
            error: error.into(),
        }
    }

    /// 404 `No entity found for User with $id.`
    pub fn user_not_found(id: &str) -> Self {
        Self::new(404, format!("No entity found for User with {id}."))
    }

    /// `error`, where a user that was not found is named by the reference the caller used.
    pub fn for_user(error: Error, id: &str) -> Self {
        match error {
            Error::NotFound("user") => Self::user_not_found(id),
            other => other.into(),
        }
    }

    /// Field errors renamed into the caller's terms (`[2].` for the third item of a batch).
    pub fn with_prefix(error: Error, prefix: &str) -> Self {
        match error {
            Error::Validation(errors) => Error::Validation(
                errors
                    .into_iter()
                    .map(|e| FieldError::new(format!("{prefix}{}", e.field), e.message))
                    .collect(),
            )
            .into(),
            other => other.into(),
        }
    }
}

impl From<Error> for Error001 {
    fn from(error: Error) -> Self {
        let info = RequestInfo::current();
        match &error {
            Error::Validation(errors) => Self::new(
                400,
                errors
                    .iter()
                    .map(parameter_message)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Error::InvalidCursor => Self::new(
                400,
                "Parameter cursor is invalid: it was not issued for this organization; start again without it",
            ),
            // Natively a 409 (the registry lacks the party); seed 001 treats an unknown
            // business partner as an invalid parameter, as its create does.
            Error::Conflict("PARTY_NOT_REGISTERED", detail) => {
                let why = detail.trim_start_matches("businessPartnerId: ").trim_end_matches('.');
                Self::new(400, format!("Parameter businessPartnerId is invalid: {why}"))
            }
            Error::MissingApiKey | Error::InvalidApiKey => Self::new(401, UNAUTHORIZED),
            Error::NotFound("user") => Self::new(404, "No entity found for User."),
            Error::UsernameTaken | Error::EmailTaken(_) | Error::ExternalIdTaken => {
                Self::new(409, DUPLICATE)
            }
            Error::Throttled(context) => {
                tracing::warn!(request_id = %info.id, error = %context, "storage busy");
                Self::new(429, TOO_MANY_REQUESTS)
            }
            Error::Unavailable(context) => {
                tracing::warn!(request_id = %info.id, error = %context, "storage unavailable");
                Self::new(500, DATABASE_FAILED)
            }
            Error::Internal(context) => {
                tracing::error!(request_id = %info.id, error = %context, "internal error");
                Self::new(500, DATABASE_FAILED)
            }
            other => Self::new(other.status(), other.detail()),
        }
    }
}

impl IntoResponse for Error001 {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // Keys in the documented order: code, then error.
        let body = format!(
            "{{\"code\":{},\"error\":{}}}",
            self.code,
            serde_json::Value::String(self.error)
        );
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if self.code == 429 {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// The authenticated caller; a missing or refused key is a seed-001 401 (`Unauthorized.`), an
/// inactive caller a 403, unreachable storage a 500.
pub struct Caller001(pub Principal);

impl FromRequestParts<Roster> for Caller001 {
    type Rejection = Error001;

    async fn from_request_parts(parts: &mut Parts, roster: &Roster) -> Result<Self, Error001> {
        let Caller(principal) = Caller::from_request_parts(parts, roster).await?;
        Ok(Self(principal))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(error: Error) -> (u16, String) {
        let e = Error001::from(error);
        (e.code, e.error)
    }

    #[test]
    fn domain_errors_map_to_the_documented_codes_and_messages() {
        let cases: Vec<(Error, u16, &str)> = vec![
            (
                Error::field("date", "is required"),
                400,
                "Parameter date is required",
            ),
            (
                Error::field("pageSize", "must be a whole number from 1 to 100"),
                400,
                "Parameter pageSize is invalid: must be a whole number from 1 to 100",
            ),
            (Error::MissingApiKey, 401, "Unauthorized."),
            (Error::InvalidApiKey, 401, "Unauthorized."),
            (Error::UsernameTaken, 409, DUPLICATE),
            (Error::EmailTaken("a@b.c".into()), 409, DUPLICATE),
            (Error::ExternalIdTaken, 409, DUPLICATE),
            (Error::Throttled("x".into()), 429, "Too Many Requests"),
            (
                Error::Unavailable("x".into()),
                500,
                "Database connection failed.",
            ),
            (
                Error::internal("secret detail"),
                500,
                "Database connection failed.",
            ),
        ];
        for (error, code, message) in cases {
            let shown = format!("{error:?}");
            assert_eq!(of(error), (code, message.to_string()), "{shown}");
        }
    }

    #[test]
    fn a_user_not_found_is_named_by_the_reference_used() {
        assert_eq!(
            Error001::for_user(Error::NotFound("user"), "crm-7"),
            Error001 {
                code: 404,
                error: "No entity found for User with crm-7.".into()
            }
        );
    }

    #[test]
    fn several_bad_parameters_are_all_named_and_batch_items_prefixed() {
        let error = Error::Validation(vec![
            FieldError::new("username", "is required"),
            FieldError::new("languageId", "must be a known language"),
        ]);
        assert_eq!(
            Error001::with_prefix(error, "[1].").error,
            "Parameter [1].username is required; Parameter [1].languageId is invalid: must be a known language"
        );
    }

    #[tokio::test]
    async fn the_body_is_exactly_code_and_error() {
        let response = Error001::user_not_found("usr_1").into_response();
        assert_eq!(response.status(), 404);
        let bytes = axum::body::to_bytes(response.into_body(), 1024)
            .await
            .unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            r#"{"code":404,"error":"No entity found for User with usr_1."}"#
        );
    }
}
