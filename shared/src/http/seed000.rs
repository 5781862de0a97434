//! The error format and caller extractor of the seed-000 surface (User Management v1,
//! `/api/v1/user…`), shared by the users and party functions that serve its routes.
//!
//! The seed documents no error format, so the surface answers with the native problem+json
//! (RFC 9457): its own type still, so the choice is made in one place.

use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;

use super::extract::Caller;
use crate::auth::Principal;
use crate::service::Roster;
use crate::Error;

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

    async fn from_request_parts(parts: &mut Parts, roster: &Roster) -> Result<Self, Seed000Error> {
        let Caller(principal) = Caller::from_request_parts(parts, roster).await?;
        Ok(Self(principal))
    }
}
