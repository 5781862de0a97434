//! The one domain error enum. Its HTTP status and machine code are decided in one place
//! ([`Error::status`], [`Error::code`]); `http::problem` renders it as problem+json and each
//! compatible surface maps it once to its own format.

use serde::Serialize;

/// One invalid input field: `field` is a JSON path such as `emails[1]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400: one or more fields are invalid; each is named.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 400: the body is not JSON, or not the expected shape.
    #[error("malformed body: {0}")]
    MalformedBody(String),
    /// 400: the pagination cursor was not issued by this service for this organization.
    #[error("invalid cursor")]
    InvalidCursor,
    /// 401: no API key was sent.
    #[error("missing API key")]
    MissingApiKey,
    /// 401: the API key is unknown, revoked, or its user deleted.
    #[error("invalid API key")]
    InvalidApiKey,
    /// 403: the caller's role does not allow this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 403: the request comes from an address outside the organization's allow-list.
    #[error("source address not allowed")]
    IpNotAllowed,
    /// 403: the caller's user is inactive, expired or unregistered.
    #[error("caller inactive: {0}")]
    CallerInactive(String),
    /// 403: the user a request says it acts for (seed 003 `X-eSignatur-CreatorId`) may not act:
    /// unknown in the organization, inactive, or not an administrator. Carries its code.
    #[error("acting user refused: {1}")]
    ActorRefused(&'static str, String),
    /// 404: the resource does not exist in the caller's organization.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 409: the username is held by another live user.
    #[error("username taken")]
    UsernameTaken,
    /// 409: the email is held by another live user.
    #[error("email taken: {0}")]
    EmailTaken(String),
    /// 409: the external id is held by another live user.
    #[error("external id taken")]
    ExternalIdTaken,
    /// 409: any other state conflict, with its code.
    #[error("conflict: {1}")]
    Conflict(&'static str, String),
    /// 412: `If-Match` did not match the current version.
    #[error("precondition failed")]
    PreconditionFailed,
    /// 413: the body exceeds the limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// 415: the body is not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 503: storage unreachable or failing; retry later.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// 503: storage throttled, or writes kept conflicting with concurrent ones (too many
    /// requests at once); retry later. Natively the same answer as `Unavailable`; surfaces that
    /// document a "too many requests" error (seed 001) answer this one with it.
    #[error("storage busy: {0}")]
    Throttled(String),
    /// 500: a bug or an unexpected storage answer. The string is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn internal(context: impl Into<String>) -> Self {
        Self::Internal(context.into())
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, message)])
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::Validation(_) | Self::MalformedBody(_) | Self::InvalidCursor => 400,
            Self::MissingApiKey | Self::InvalidApiKey => 401,
            Self::Forbidden(_)
            | Self::CallerInactive(_)
            | Self::IpNotAllowed
            | Self::ActorRefused(..) => 403,
            Self::NotFound(_) => 404,
            Self::UsernameTaken
            | Self::EmailTaken(_)
            | Self::ExternalIdTaken
            | Self::Conflict(..) => 409,
            Self::PreconditionFailed => 412,
            Self::PayloadTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::Internal(_) => 500,
            Self::Unavailable(_) | Self::Throttled(_) => 503,
        }
    }

    /// The stable machine code callers can switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "VALIDATION_FAILED",
            Self::MalformedBody(_) => "MALFORMED_BODY",
            Self::InvalidCursor => "INVALID_CURSOR",
            Self::MissingApiKey => "MISSING_API_KEY",
            Self::InvalidApiKey => "INVALID_API_KEY",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::CallerInactive(_) => "CALLER_INACTIVE",
            Self::IpNotAllowed => "IP_NOT_ALLOWED",
            Self::ActorRefused(code, _) => code,
            Self::NotFound(_) => "NOT_FOUND",
            Self::UsernameTaken => "USERNAME_TAKEN",
            Self::EmailTaken(_) => "EMAIL_TAKEN",
            Self::ExternalIdTaken => "EXTERNAL_ID_TAKEN",
            Self::Conflict(code, _) => code,
            Self::PreconditionFailed => "PRECONDITION_FAILED",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::Internal(_) => "INTERNAL",
            Self::Unavailable(_) | Self::Throttled(_) => "STORAGE_UNAVAILABLE",
        }
    }

    /// The human explanation shown to the caller. Internal details never appear here.
    pub fn detail(&self) -> String {
        match self {
            Self::Validation(errors) => match errors.as_slice() {
                [one] => format!("{}: {}", one.field, one.message),
                _ => format!("{} fields are invalid", errors.len()),
            },
            Self::MalformedBody(why) => format!("The request body could not be read: {why}"),
            Self::InvalidCursor => "The cursor is invalid; start again without it.".into(),
            Self::MissingApiKey => {
                "An API key is required (x-api-key or Authorization: Apikey).".into()
            }
            Self::InvalidApiKey => "The API key is not valid.".into(),
            Self::Forbidden(why) | Self::CallerInactive(why) | Self::ActorRefused(_, why) => {
                why.clone()
            }
            Self::IpNotAllowed => {
                "Requests from this address are not allowed for the organization.".into()
            }
            Self::NotFound(what) => format!("The {what} does not exist."),
            Self::UsernameTaken => "The username is already taken in this organization.".into(),
            Self::EmailTaken(email) => {
                format!("The email {email} is already used in this organization.")
            }
            Self::ExternalIdTaken => "The externalId is already used in this organization.".into(),
            Self::Conflict(_, why) => why.clone(),
            Self::PreconditionFailed => {
                "The resource has changed since you read it (If-Match).".into()
            }
            Self::PayloadTooLarge => "The request body is too large.".into(),
            Self::UnsupportedMediaType => "Send the body as application/json.".into(),
            Self::Unavailable(_) | Self::Throttled(_) => {
                "Storage is temporarily unavailable; retry later.".into()
            }
            Self::Internal(_) => "An internal error occurred.".into(),
        }
    }

    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Self::Validation(errors) => errors,
            _ => &[],
        }
    }
}

/// Collects field errors while parsing a whole input, so every invalid field is reported at once.
#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    /// Records the error of `result` under `field` and returns the value if it was valid.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_errors(self) -> Vec<FieldError> {
        self.0
    }

    /// `Ok(())` when nothing was recorded.
    pub fn finish(self) -> Result<(), Error> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self.0))
        }
    }
}
