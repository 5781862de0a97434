//! The one domain error enum: every failure is a variant (conflicts, refusals and missing
//! resources are typed, never strings to match on). Its HTTP status and machine code are
//! decided in one place ([`Error::status`], [`Error::code`]); `http::render` answers it, each
//! surface supplying only its body shape and status/message table.

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

/// What a request named that does not exist (404).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resource {
    User,
    ApiKey,
    Party,
    Authorization,
    Organization,
    Route,
}

impl Resource {
    /// The resource's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::ApiKey => "API key",
            Self::Party => "party",
            Self::Authorization => "authorization",
            Self::Organization => "organization",
            Self::Route => "route",
        }
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A conflict with stored state (409) other than a taken unique value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// A manager may not take its own ApManager role away.
    CannotDemoteSelf,
    /// A caller may not deactivate itself.
    CannotDeactivateSelf,
    /// A caller may not unregister itself where the organization requires registration.
    CannotUnregisterSelf,
    /// A caller may not delete itself.
    CannotDeleteSelf,
    /// The user is deleted (restore it first).
    UserDeleted,
    OrganizationExists,
    /// The party id belongs to another organization.
    PartyOwnedElsewhere,
    PartyExists,
    /// The party still has authorizations (delete with `cascade`).
    PartyHasAuthorizations,
    /// The user already holds the most API keys one user may hold.
    TooManyKeys,
}

impl Conflict {
    /// The stable machine code.
    pub fn code(self) -> &'static str {
        match self {
            Self::CannotDemoteSelf => "CANNOT_DEMOTE_SELF",
            Self::CannotDeactivateSelf => "CANNOT_DEACTIVATE_SELF",
            Self::CannotUnregisterSelf => "CANNOT_UNREGISTER_SELF",
            Self::CannotDeleteSelf => "CANNOT_DELETE_SELF",
            Self::UserDeleted => "USER_DELETED",
            Self::OrganizationExists => "ORGANIZATION_EXISTS",
            Self::PartyOwnedElsewhere => "PARTY_OWNED_ELSEWHERE",
            Self::PartyExists => "PARTY_EXISTS",
            Self::PartyHasAuthorizations => "PARTY_HAS_AUTHORIZATIONS",
            Self::TooManyKeys => "TOO_MANY_KEYS",
        }
    }
}

/// Why a user may not act (its keys are refused, or it cannot be acted for): the rule
/// [`crate::domain::User::may_act`] decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inactivity {
    Deactivated,
    /// Past its `validUntil`.
    Expired,
    /// Unregistered where the organization requires registration.
    Unregistered,
}

impl Inactivity {
    /// The reason, completing "The user …".
    pub fn reason(self) -> &'static str {
        match self {
            Self::Deactivated => "is deactivated",
            Self::Expired => "has passed its validUntil date",
            Self::Unregistered => "is not registered",
        }
    }
}

/// Why the user a request says it acts for (seed 003 `X-eSignatur-CreatorId`) is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActorRefusal {
    /// No live user of that name in the organization.
    Unknown,
    /// Not an administrator (ApManager).
    NotManager,
    Inactive(Inactivity),
}

impl ActorRefusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::Unknown => "ACTOR_UNKNOWN",
            Self::NotManager => "ACTOR_NOT_MANAGER",
            Self::Inactive(_) => "ACTOR_INACTIVE",
        }
    }

    fn reason(self) -> &'static str {
        match self {
            Self::Unknown => "does not exist in this organization",
            Self::NotManager => "is not an administrator (ApManager)",
            Self::Inactive(why) => why.reason(),
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
    /// 403: the caller's user may not act (inactive, expired or unregistered).
    #[error("caller inactive: {0:?}")]
    CallerInactive(Inactivity),
    /// 403: the user a request says it acts for may not act for it.
    #[error("acting user {1} refused: {0:?}")]
    ActorRefused(ActorRefusal, String),
    /// 404: the resource does not exist in the caller's organization.
    #[error("{0} not found")]
    NotFound(Resource),
    /// 404: as [`Error::NotFound`], with the reference the caller named it by (for surfaces
    /// whose messages repeat it). See [`Error::named`].
    #[error("{0} {1} not found")]
    NotFoundNamed(Resource, String),
    /// 405: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the username is held by another live user.
    #[error("username taken")]
    UsernameTaken,
    /// 409: the email is held by another live user.
    #[error("email taken: {0}")]
    EmailTaken(String),
    /// 409: the external id is held by another live user.
    #[error("external id taken")]
    ExternalIdTaken,
    /// 409: the user's `businessPartnerId` names a party the organization has not registered.
    #[error("party {0} not registered")]
    PartyNotRegistered(String),
    /// 409: any other state conflict; the text explains it.
    #[error("conflict: {1}")]
    Conflict(Conflict, String),
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

    /// A not-found error that remembers the reference the caller used (`crm-7`, `alice`);
    /// any other error is returned as it is.
    pub fn named(self, reference: &str) -> Self {
        match self {
            Self::NotFound(what) => Self::NotFoundNamed(what, reference.to_string()),
            other => other,
        }
    }

    /// Field errors renamed into the caller's terms (`[2].` for the third item of a batch);
    /// any other error is returned as it is.
    pub fn with_field_prefix(self, prefix: &str) -> Self {
        match self {
            Self::Validation(errors) => Self::Validation(
                errors
                    .into_iter()
                    .map(|e| FieldError::new(format!("{prefix}{}", e.field), e.message))
                    .collect(),
            ),
            other => other,
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::Validation(_) | Self::MalformedBody(_) | Self::InvalidCursor => 400,
            Self::MissingApiKey | Self::InvalidApiKey => 401,
            Self::Forbidden(_)
            | Self::CallerInactive(_)
            | Self::IpNotAllowed
            | Self::ActorRefused(..) => 403,
            Self::NotFound(_) | Self::NotFoundNamed(..) => 404,
            Self::MethodNotAllowed => 405,
            Self::UsernameTaken
            | Self::EmailTaken(_)
            | Self::ExternalIdTaken
            | Self::PartyNotRegistered(_)
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
            Self::ActorRefused(why, _) => why.code(),
            Self::NotFound(_) | Self::NotFoundNamed(..) => "NOT_FOUND",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::UsernameTaken => "USERNAME_TAKEN",
            Self::EmailTaken(_) => "EMAIL_TAKEN",
            Self::ExternalIdTaken => "EXTERNAL_ID_TAKEN",
            Self::PartyNotRegistered(_) => "PARTY_NOT_REGISTERED",
            Self::Conflict(conflict, _) => conflict.code(),
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
            Self::Forbidden(why) => why.clone(),
            Self::CallerInactive(why) => format!("The key's user {}.", why.reason()),
            Self::ActorRefused(why, acting) => {
                format!("The acting user {acting} {}.", why.reason())
            }
            Self::IpNotAllowed => {
                "Requests from this address are not allowed for the organization.".into()
            }
            Self::NotFound(what) | Self::NotFoundNamed(what, _) => {
                format!("The {what} does not exist.")
            }
            Self::MethodNotAllowed => "This path does not support that method.".into(),
            Self::UsernameTaken => "The username is already taken in this organization.".into(),
            Self::EmailTaken(email) => {
                format!("The email {email} is already used in this organization.")
            }
            Self::ExternalIdTaken => "The externalId is already used in this organization.".into(),
            Self::PartyNotRegistered(party) => {
                format!("businessPartnerId: no party {party} is registered in this organization.")
            }
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
