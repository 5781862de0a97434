//! The eSignatur surface (seed 003, `/User/…`): the wire pieces both of its functions use (users:
//! `Index`, `Get`, `Add`, `Update`; activation: `Deactivate`, `Activate`).
//!
//! - [`EsignaturCaller`]: the key from `X-eSignatur-Id` and the administrator named by
//!   `X-eSignatur-CreatorId`, resolved by [`Roster::acting_for`] (changes are recorded as made by
//!   that administrator).
//! - [`EsignaturError`]: a request-level error as `{"Status": "ERROR", "Message", "Code"}` with
//!   the domain error's HTTP status (the seed documents no error body; this mirrors its
//!   `UserChangeResponseModel`).
//! - [`UserChangeResponse`]: the seed's `UserChangeResponseModel`.

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{header, HeaderValue, StatusCode};
use serde::Serialize;
use serde_json::{json, Value};

use super::context::RequestInfo;
use super::extract::Caller;
use crate::auth::Principal;
use crate::domain::Username;
use crate::service::Roster;
use crate::Error;

/// The header naming the administrator a request acts for.
pub const CREATOR_HEADER: &str = "x-esignatur-creatorid";

/// A JSON response with the given status (the surface speaks JSON only).
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "null".into());
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

/// The seed's `UserChangeResponseModel`: `{UserId, Status: OK|ERROR, Message}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserChangeResponse {
    /// The `UserId` as the request gave it (`null` when it gave none).
    pub user_id: Option<String>,
    pub status: &'static str,
    pub message: String,
}

impl UserChangeResponse {
    pub fn ok(user_id: Option<String>, message: impl Into<String>) -> Self {
        Self {
            user_id,
            status: "OK",
            message: message.into(),
        }
    }

    pub fn error(user_id: Option<String>, message: impl Into<String>) -> Self {
        Self {
            user_id,
            status: "ERROR",
            message: message.into(),
        }
    }
}

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

/// The caller of an eSignatur route: the key's principal acting for the administrator named by
/// `X-eSignatur-CreatorId` (400 when the header is missing or malformed; 403 when that user is
/// unknown in the key's organization, inactive or not an administrator).
pub struct EsignaturCaller(pub Principal);

impl FromRequestParts<Roster> for EsignaturCaller {
    type Rejection = EsignaturError;

    async fn from_request_parts(
        parts: &mut Parts,
        roster: &Roster,
    ) -> Result<Self, EsignaturError> {
        let Caller(principal) = Caller::from_request_parts(parts, roster).await?;
        let creator = parts
            .headers
            .get(CREATOR_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                Error::field(
                    "X-eSignatur-CreatorId",
                    "is required: the UserId of an administrator of your company",
                )
            })?;
        let creator = Username::parse(creator).map_err(|e| {
            Error::field(
                "X-eSignatur-CreatorId",
                format!("is not a valid UserId: it {e}"),
            )
        })?;
        Ok(Self(roster.acting_for(&principal, &creator).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FieldError;

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

    #[test]
    fn change_responses_use_the_documented_names() {
        let ok = serde_json::to_value(UserChangeResponse::ok(Some("54321".into()), "Created"))
            .unwrap_or_default();
        assert_eq!(
            ok,
            json!({"UserId": "54321", "Status": "OK", "Message": "Created"})
        );
    }
}
