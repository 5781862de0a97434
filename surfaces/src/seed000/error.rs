//! Seed 000's error format and caller extractor.
//!
//! The seed documents no error format, so the surface answers with the native problem+json
//! (RFC 9457): its own type still, so the choice is made in one place.

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use roster_shared::auth::Principal;
use roster_shared::http::Caller;
use roster_shared::service::Roster;
use roster_shared::Error;

pub type Result<T> = std::result::Result<T, Seed000Error>;

/// An error of the seed-000 surface: rendered as the native problem+json.
#[derive(Debug)]
pub struct Seed000Error(pub Error);

impl From<Error> for Seed000Error {
    fn from(error: Error) -> Self {
        Self(error)
    }
}

impl IntoResponse for Seed000Error {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

/// The authenticated caller; a refused key is a [`Seed000Error`].
pub struct Seed000Caller(pub Principal);

impl FromRequestParts<Roster> for Seed000Caller {
    type Rejection = Seed000Error;

    async fn from_request_parts(parts: &mut Parts, roster: &Roster) -> Result<Self> {
        let Caller(principal) = Caller::from_request_parts(parts, roster).await?;
        Ok(Self(principal))
    }
}
