//! Seed 003's caller: the key from `X-eSignatur-Id` and the administrator named by
//! `X-eSignatur-CreatorId`, resolved by `Roster::acting_for` (changes are recorded as made by
//! that administrator).

use axum::extract::FromRequestParts;
use http::request::Parts;

use roster_shared::auth::Principal;
use roster_shared::domain::Username;
use roster_shared::http::Caller;
use roster_shared::service::Roster;
use roster_shared::Error;

/// The header naming the administrator a request acts for.
pub const CREATOR_HEADER: &str = "x-esignatur-creatorid";

/// The caller of an eSignatur route: the key's principal acting for the administrator named by
/// `X-eSignatur-CreatorId` (400 when the header is missing or malformed; 403 when that user is
/// unknown in the key's organization, inactive or not an administrator).
pub struct EsignaturCaller(pub Principal);

impl FromRequestParts<Roster> for EsignaturCaller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, roster: &Roster) -> Result<Self, Error> {
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
