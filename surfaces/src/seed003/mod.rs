//! Seed 003, the eSignatur users API: `GET /User/Index`, `GET /User/Get/{userId}`,
//! `POST /User/Add`, `POST /User/Update` (users function), `POST /User/Deactivate`,
//! `POST /User/Activate` (activation function). Keys come in `X-eSignatur-Id`; every request
//! names the administrator it acts for in `X-eSignatur-CreatorId` (`extract.rs`). The mapping
//! is in `dto.rs`; see `docs/compat-2.md`.

mod dto;
mod error;
mod extract;
mod handlers;

use http::Method;
use roster_shared::http::RouteSet;

/// The routes of this surface served by the users function.
pub fn users() -> RouteSet {
    use handlers::users::*;
    RouteSet::new(&error::ERRORS)
        .add(Method::GET, "/User/Index", index)
        .add(Method::GET, "/User/Get/{userId}", get)
        .add(Method::POST, "/User/Add", add)
        .add(Method::POST, "/User/Update", update)
}

/// The routes of this surface served by the activation function.
pub fn activation() -> RouteSet {
    use handlers::activation::*;
    RouteSet::new(&error::ERRORS)
        .add(Method::POST, "/User/Deactivate", deactivate)
        .add(Method::POST, "/User/Activate", activate)
}
