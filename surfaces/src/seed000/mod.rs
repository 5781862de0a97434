//! Seed 000, User Management v1 (`/api/v1/user…`): users named by their username, with a
//! password, and their party authorizations. `ApManager` keys only. The seed documents no error
//! format, so errors are the native problem+json (see `error.rs`). See `docs/compat.md`.

mod dto;
mod error;
mod handlers;

use http::Method;
use roster_shared::http::RouteSet;

/// The seed's user routes (users function).
pub fn users() -> RouteSet {
    use handlers::users::*;
    RouteSet::new(&error::ERRORS)
        .add(Method::GET, "/api/v1/user", list_users)
        .add(Method::PUT, "/api/v1/user", put_user)
        .add(Method::DELETE, "/api/v1/user/{name}", delete_user)
}

/// The seed's party routes (party function).
pub fn party() -> RouteSet {
    use handlers::party::*;
    RouteSet::new(&error::ERRORS)
        .add(Method::GET, "/api/v1/user/{name}/party", list_parties)
        .add(Method::PUT, "/api/v1/user/{name}/party", put_party)
        .add(
            Method::DELETE,
            "/api/v1/user/{name}/party/{partyId}",
            delete_party,
        )
}
