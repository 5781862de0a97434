//! SCIM 2.0 (RFC 7643 schemas, RFC 7644 protocol) at `/scim/v2`: identity providers (Okta,
//! Microsoft Entra ID) provision an organization's users. A mapping onto the shared service; no
//! business rule lives here (see `docs/scim.md`).
//!
//! | route | service call |
//! |---|---|
//! | `GET /ServiceProviderConfig`, `/Schemas[/{id}]`, `/ResourceTypes[/{id}]` | none (static documents) |
//! | `POST /Users` | `create_user` |
//! | `GET /Users/{id}` | `get_user` (a deleted user is 404) |
//! | `GET /Users`, `POST /Users/.search` | `list_users_from` (no filter), `find_user` (`userName`/`externalId`/`emails.value`/`id eq`), `users_within` (`meta.lastModified gt/ge`, other filters) |
//! | `PUT /Users/{id}`, `PATCH /Users/{id}` | `get_user`, `update_user` (conditional on the version read) |
//! | `DELETE /Users/{id}` | `get_user`, `delete_user` (soft) |
//!
//! Besides the common layout (`dto/` the resource mapping, `error.rs` the SCIM `Error`,
//! `extract.rs` the request edge, `handlers/`), `filter/` parses and evaluates filters,
//! `plan.rs` decides how a filter reads storage, `patch/` reads and applies PatchOps and
//! `schema.rs` describes the attributes Roster keeps.

pub mod dto;
pub mod error;
pub mod extract;
pub mod filter;
pub mod handlers;
pub mod patch;
pub mod plan;
pub mod schema;

use axum::routing::{get, post};
use axum::Router;
use roster_shared::http::RouteSet;
use roster_shared::service::Roster;

/// Where the surface is mounted.
pub const PREFIX: &str = "/scim/v2";

/// The surface's router: its own SCIM answers for unknown paths and methods under `/scim/v2`.
fn router() -> Router<Roster> {
    use handlers::{discovery, users};
    Router::new()
        .route(
            "/ServiceProviderConfig",
            get(discovery::service_provider_config),
        )
        .route("/Schemas", get(discovery::schemas))
        .route("/Schemas/{id}", get(discovery::schema))
        .route("/ResourceTypes", get(discovery::resource_types))
        .route("/ResourceTypes/{id}", get(discovery::resource_type))
        .route("/Users", get(users::list).post(users::create))
        .route("/Users/.search", post(users::search))
        .route("/.search", post(users::search))
        .route(
            "/Users/{id}",
            get(users::get)
                .put(users::replace)
                .patch(users::update)
                .delete(users::delete),
        )
        .fallback(handlers::not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
}

/// The surface's routes (all in the users function), declared to API Gateway as
/// `ANY /scim/v2/{proxy+}`.
pub fn users() -> RouteSet {
    RouteSet::default().nest(PREFIX, router(), "/scim/v2/{proxy+}")
}
