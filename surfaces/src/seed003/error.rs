//! Seed 003's error body: a request-level error is `{"Status": "ERROR", "Message", "Code"}` with
//! the domain error's HTTP status (the seed documents no error body; this mirrors its
//! `UserChangeResponseModel`). Per-item errors of `Add`, `Update`, `Activate`, `Deactivate` are
//! `UserChangeResponseModel`s with [`message`] as their `Message`.

use serde_json::json;

use roster_shared::error::Resource;
use roster_shared::http::{RequestInfo, Surface};
use roster_shared::Error;

/// Seed 003's errors: its message table and its `{Status, Message, Code}` body.
#[derive(Debug)]
pub struct EsignaturErrors;

/// Seed 003's errors.
pub static ERRORS: EsignaturErrors = EsignaturErrors;

pub type Result<T> = std::result::Result<T, Error>;

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
        Error::ActorRefused(..) => format!("X-eSignatur-CreatorId: {}", error.detail()),
        Error::NotFound(Resource::User) => "User not found".into(),
        other => other.detail(),
    }
}

impl Surface for EsignaturErrors {
    fn body(&self, error: &Error, _: u16, _: &RequestInfo) -> (&'static str, String) {
        let body = json!({
            "Status": "ERROR",
            "Message": message(error),
            "Code": error.code(),
        });
        ("application/json; charset=utf-8", body.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster_shared::error::ActorRefusal;
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
            message(&Error::ActorRefused(ActorRefusal::Unknown, "gone".into()))
                .starts_with("X-eSignatur-CreatorId: ")
        );
        assert_eq!(message(&Error::NotFound(Resource::User)), "User not found");
        assert_eq!(
            message(&Error::internal("secret table detail")),
            "An internal error occurred."
        );
    }
}
