//! Typed path extractors: each reads its parameter, percent-decoded, and parses it into its
//! domain type; every failure (a segment that does not decode, like `%FF`, included) is a
//! domain [`Error`], so it answers in the route's surface's shape.

use axum::extract::{FromRequestParts, RawPathParams};
use http::request::Parts;

use crate::domain::{Email, KeyId, PartyId, UserId, Username};
use crate::error::Resource;
use crate::Error;

/// The decoded text of the first of `names` among the route's parameters; `None` when the
/// route has none of them or its path does not decode.
async fn param(parts: &mut Parts, names: &[&str]) -> Option<String> {
    let params = RawPathParams::from_request_parts(parts, &()).await.ok()?;
    let found = names
        .iter()
        .find_map(|name| params.iter().find(|(key, _)| key == name));
    found.map(|(_, value)| value.to_string())
}

/// A path parameter that can only name an existing thing: absent, undecodable or invalid is
/// 404 (like an id of another organization).
async fn existing<T, E>(
    parts: &mut Parts,
    names: &[&str],
    what: Resource,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, Error> {
    param(parts, names)
        .await
        .and_then(|raw| parse(&raw).ok())
        .ok_or(Error::NotFound(what))
}

/// A path parameter that is input (it may create something): invalid is 400 naming it.
async fn input<T>(
    parts: &mut Parts,
    name: &'static str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<T, Error> {
    let raw = param(parts, &[name])
        .await
        .ok_or_else(|| Error::field(name, "must be percent-encoded UTF-8"))?;
    parse(&raw).map_err(|why| Error::field(name, why))
}

/// A user id in the path (`{id}` natively, `{user_id}` on seed 002).
pub struct UserIdPath(pub UserId);

impl<S: Send + Sync> FromRequestParts<S> for UserIdPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        existing(parts, &["id", "user_id"], Resource::User, UserId::parse)
            .await
            .map(Self)
    }
}

/// A username naming an existing user (`{name}` on seed 000, `{userId}` on seed 003).
pub struct UsernamePath(pub Username);

impl<S: Send + Sync> FromRequestParts<S> for UsernamePath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        existing(parts, &["name", "userId"], Resource::User, Username::parse)
            .await
            .map(Self)
    }
}

/// A username a request may create a user with (`{username}` of the native upsert): invalid is
/// 400 naming `username`.
pub struct NewUsernamePath(pub Username);

impl<S: Send + Sync> FromRequestParts<S> for NewUsernamePath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        input(parts, "username", Username::parse).await.map(Self)
    }
}

/// An email naming an existing user (`{email}` of seed 002's legacy routes).
pub struct EmailPath(pub Email);

impl<S: Send + Sync> FromRequestParts<S> for EmailPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        existing(parts, &["email"], Resource::User, Email::parse)
            .await
            .map(Self)
    }
}

/// A party id in the path (`{partyId}`): invalid is 400 naming `partyId`.
pub struct PartyIdPath(pub PartyId);

impl<S: Send + Sync> FromRequestParts<S> for PartyIdPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        input(parts, "partyId", PartyId::parse).await.map(Self)
    }
}

/// A party id in the path naming an existing party (`{partyId}`): an ICD removed from the code
/// list since still names the party it was registered with; invalid is 400 naming `partyId`.
pub struct ExistingPartyIdPath(pub PartyId);

impl<S: Send + Sync> FromRequestParts<S> for ExistingPartyIdPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        input(parts, "partyId", PartyId::parse_existing)
            .await
            .map(Self)
    }
}

/// An API key id in the path (`{keyId}`): one that cannot exist is 404.
pub struct KeyIdPath(pub KeyId);

impl<S: Send + Sync> FromRequestParts<S> for KeyIdPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        existing(parts, &["keyId"], Resource::ApiKey, KeyId::parse)
            .await
            .map(Self)
    }
}

/// The text of a path parameter naming a user by a reference the surface resolves itself
/// (seed 001's `{id}`: the server id or the idRemote); undecodable is 400 naming `id`.
pub struct UserRefPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for UserRefPath {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        param(parts, &["id"]).await.map(Self).ok_or_else(|| {
            Error::field("id", "could not be read (it is not percent-encoded UTF-8)")
        })
    }
}
