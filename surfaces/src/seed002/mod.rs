//! Seed 002, User Management V4: `/api/user/management/v4/users` (JSON:API-style documents,
//! `dto::v4`) and the legacy routes of its migration guide, `/api/management/user` (flat
//! objects, users named by email, `dto::legacy`). Both map onto the same service as the native
//! API.
//!
//! Shared by both: authentication (`Authorization: Apikey KEY`; the `Caller` extractor, so keys
//! of unregistered users are refused where the organization requires registration), errors as
//! the native `application/problem+json` (the seed documents none), the refusal of the retired
//! `service` parameter, and the login name (a Roster username, which the seed does not know):
//! `username` when given, else the contact email. See `docs/compat-2.md`.

mod dto;
mod error;
mod handlers;

use http::Method;
use roster_shared::http::RouteSet;

use dto::{legacy, v4};

/// The routes of this surface (all in the users function).
pub fn users() -> RouteSet {
    use handlers::users::*;
    RouteSet::new(&error::ERRORS)
        .add(Method::GET, v4::BASE, v4_index)
        .add(Method::POST, v4::BASE, v4_create)
        .add(
            Method::GET,
            "/api/user/management/v4/users/{user_id}",
            v4_get,
        )
        .add(
            Method::PATCH,
            "/api/user/management/v4/users/{user_id}",
            v4_patch,
        )
        .add(
            Method::DELETE,
            "/api/user/management/v4/users/{user_id}",
            v4_delete,
        )
        .add(Method::GET, legacy::BASE, legacy_list)
        .add(Method::POST, legacy::BASE, legacy_create)
        .add(Method::PUT, "/api/management/user/{email}", legacy_update)
        .add(
            Method::DELETE,
            "/api/management/user/{email}",
            legacy_delete,
        )
}
