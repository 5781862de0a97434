//! Seed 001 (B2B platform, `/User/…`): users with a remote id (`idRemote`), one email, a
//! language and a business partner, in JSON or (`Accept: application/xml`) in the documented
//! `<export>` XML, errors exactly `{"code": N, "error": "…"}`.
//!
//! | route | service call |
//! |---|---|
//! | `GET /User/getUser?id&page&pageSize` | `list_users` (live users), or `user_by_id_or_external_id` with `id` |
//! | `GET /User/updateFrom?date&page&pageSize` | `list_users` with `updatedSince` (deletions included) |
//! | `POST /User/create` | `create_users_all_or_none` |
//! | `PUT /User/update/{id}` | `user_by_id_or_external_id`, `update_user` |
//! | `DELETE /User/delete/{id}` | `user_by_id_or_external_id`, `delete_user` (soft, with history) |
//!
//! `{id}` is the server id or the `idRemote`. Besides the common layout, `doc.rs` renders the
//! documented `<export>` document and `extract.rs` reads the request URL for page links.
//! Choices where the seed is silent: `docs/compat.md`.

mod doc;
mod dto;
mod error;
mod extract;
mod handlers;

use http::Method;
use roster_shared::http::RouteSet;

/// The seed's routes (all in the users function).
pub fn users() -> RouteSet {
    use handlers::users::*;
    RouteSet::new(&error::ERRORS)
        .add(Method::GET, "/User/getUser", get_user)
        .add(Method::GET, "/User/updateFrom", update_from)
        .add(Method::POST, "/User/create", create)
        .add(Method::PUT, "/User/update/{id}", update)
        .add(Method::DELETE, "/User/delete/{id}", delete)
}
