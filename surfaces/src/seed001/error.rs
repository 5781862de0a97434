//! Seed 001's error format, exactly `{"code": N, "error": "…"}`, with the seed's messages:
//!
//! | status | `error` |
//! |---|---|
//! | 400 | `Parameter $parameter is required` (a missing parameter, by its real name); `Parameter $parameter is invalid: …` (a bad value); the reason for an unreadable body |
//! | 401 | `Unauthorized.` |
//! | 403 | why the caller may not (not in the seed; same shape) |
//! | 404 | `No entity found for User with $id.` |
//! | 405 | `This path does not support that method.` (not in the seed; same shape) |
//! | 409 | `Duplicate entry => Care with email and username` (username, email or idRemote taken); other conflicts say why |
//! | 429 | `Too Many Requests` (storage throttled, or too many concurrent writes) |
//! | 500 | `Database connection failed.` (storage unreachable or failing, and any internal error) |
//!
//! Errors are JSON even when the request asked for XML: the seed documents them as JSON only.

use roster_shared::error::Resource;
use roster_shared::http::{RequestInfo, Surface};
use roster_shared::{Error, FieldError};

pub const UNAUTHORIZED: &str = "Unauthorized.";
pub const DUPLICATE: &str = "Duplicate entry => Care with email and username";
pub const TOO_MANY_REQUESTS: &str = "Too Many Requests";
pub const DATABASE_FAILED: &str = "Database connection failed.";

/// Seed 001's errors: its status and message table, its `{code, error}` body.
#[derive(Debug)]
pub struct Seed001Errors;

/// Seed 001's errors.
pub static ERRORS: Seed001Errors = Seed001Errors;

pub type Result<T> = std::result::Result<T, Error>;

/// `Parameter x is required` / `Parameter x is invalid: why`, for one field.
fn parameter_message(e: &FieldError) -> String {
    if e.message == "is required" {
        format!("Parameter {} is required", e.field)
    } else {
        format!("Parameter {} is invalid: {}", e.field, e.message)
    }
}

impl Seed001Errors {
    /// The `error` text of `error`.
    pub fn message(&self, error: &Error) -> String {
        match error {
            Error::Validation(errors) => errors
                .iter()
                .map(parameter_message)
                .collect::<Vec<_>>()
                .join("; "),
            Error::InvalidCursor => "Parameter cursor is invalid: it was not issued for this organization; start again without it".into(),
            // Natively a 409 (the registry lacks the party); seed 001 treats an unknown
            // business partner as an invalid parameter, as its create does.
            Error::PartyNotRegistered(party) => format!(
                "Parameter businessPartnerId is invalid: no party {party} is registered in this organization"
            ),
            Error::MissingApiKey | Error::InvalidApiKey => UNAUTHORIZED.into(),
            Error::NotFoundNamed(Resource::User, id) => format!("No entity found for User with {id}."),
            Error::NotFound(Resource::User) => "No entity found for User.".into(),
            Error::UsernameTaken | Error::EmailTaken(_) | Error::ExternalIdTaken => DUPLICATE.into(),
            Error::Throttled(_) => TOO_MANY_REQUESTS.into(),
            Error::Unavailable(_) | Error::Internal(_) => DATABASE_FAILED.into(),
            other => other.detail(),
        }
    }
}

impl Surface for Seed001Errors {
    fn status(&self, error: &Error) -> u16 {
        match error {
            Error::PartyNotRegistered(_) => 400,
            Error::Throttled(_) => 429,
            Error::Unavailable(_) => 500,
            other => other.status(),
        }
    }

    fn body(&self, error: &Error, status: u16, _: &RequestInfo) -> (&'static str, String) {
        // Keys in the documented order: code, then error.
        let body = format!(
            "{{\"code\":{status},\"error\":{}}}",
            serde_json::Value::String(self.message(error))
        );
        ("application/json", body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(error: Error) -> (u16, String) {
        (ERRORS.status(&error), ERRORS.message(&error))
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
            of(Error::NotFound(Resource::User).named("crm-7")),
            (404, "No entity found for User with crm-7.".to_string())
        );
    }

    #[test]
    fn several_bad_parameters_are_all_named_and_batch_items_prefixed() {
        let error = Error::Validation(vec![
            FieldError::new("username", "is required"),
            FieldError::new("languageId", "must be a known language"),
        ]);
        assert_eq!(
            of(error.with_field_prefix("[1].")).1,
            "Parameter [1].username is required; Parameter [1].languageId is invalid: must be a known language"
        );
    }

    #[tokio::test]
    async fn the_body_is_exactly_code_and_error() {
        let response = roster_shared::http::render_on(
            &ERRORS,
            &Error::NotFound(Resource::User).named("usr_1"),
        );
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
