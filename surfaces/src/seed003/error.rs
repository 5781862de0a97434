//! Seed 003's error body: a request-level error is `{"Status": "ERROR", "Message", "Code"}` with
//! the domain error's HTTP status (the seed documents no error body; this mirrors its
//! `UserChangeResponseModel`). Per-item errors of `Add`, `Update`, `Activate`, `Deactivate` are
//! `UserChangeResponseModel`s with [`message`] as their `Message`.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue, StatusCode};
use serde_json::{json, Value};

use super::dto::json_response;
use roster_shared::http::RequestInfo;
use roster_shared::Error;

pub type Result<T> = std::result::Result<T, EsignaturError>;

/// The text of an error in this surface's messages: field errors are listed one by one
/// (`Name: is required; Emails[0]: must be an email address …`), key and creator problems name
/// their header.
pub fn message(error: &Error) -> String {
    match error {
        Error::Validation(errors) => errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; "),
        Error::MissingApiKey => "An API key is required in the X-eSignatur-Id header.".into(),
        Error::InvalidApiKey => "The API key in X-eSignatur-Id is not valid.".into(),
        Error::ActorRefused(_, why) => format!("X-eSignatur-CreatorId: {why}"),
        Error::NotFound("user") => "User not found".into(),
        other => other.detail(),
    }
}

/// A request-level error of this surface.
#[derive(Debug)]
pub struct EsignaturError(pub Error);

impl From<Error> for EsignaturError {
    fn from(error: Error) -> Self {
        Self(error)
    }
}

impl IntoResponse for EsignaturError {
    fn into_response(self) -> Response {
        let info = RequestInfo::current();
        let error = self.0;
        match &error {
            Error::Internal(context) => {
                tracing::error!(request_id = %info.id, error = %context, "internal error")
            }
            Error::Unavailable(context) => {
                tracing::warn!(request_id = %info.id, error = %context, "storage unavailable")
            }
            _ => {}
        }
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body: Value = json!({
            "Status": "ERROR",
            "Message": message(&error),
            "Code": error.code(),
        });
        let mut response = json_response(status, &body);
        if matches!(status.as_u16(), 429 | 503) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_shared::FieldError;

    #[test]
    fn messages_list_every_field_and_name_the_headers() {
        let validation = Error::Validation(vec![
            FieldError::new("Name", "is required"),
            FieldError::new(
                "Emails[0]",
                "must be an email address like name@example.com",
            ),
        ]);
        assert_eq!(
            message(&validation),
            "Name: is required; Emails[0]: must be an email address like name@example.com"
        );
        assert!(message(&Error::MissingApiKey).contains("X-eSignatur-Id"));
        assert!(
            message(&Error::ActorRefused("ACTOR_UNKNOWN", "gone".into()))
                .starts_with("X-eSignatur-CreatorId: ")
        );
        assert_eq!(message(&Error::NotFound("user")), "User not found");
        assert_eq!(
            message(&Error::internal("secret table detail")),
            "An internal error occurred."
        );
    }
}
