//! The party function: the organization's party registry (business partners) and users'
//! authorizations to act for parties. Handlers are thin: parse, call the service, render.

pub mod compat;
mod dto;
mod handlers;

use http::Method;
use roster_shared::http::RouteSet;

/// Every route of this function, as `template.yaml` declares them.
pub fn routes() -> RouteSet {
    use handlers::*;
    RouteSet::new()
        .add(Method::GET, "/v1/users/{id}/parties", user_parties)
        .add(Method::PUT, "/v1/users/{id}/parties/{partyId}", grant)
        .add(Method::DELETE, "/v1/users/{id}/parties/{partyId}", revoke)
        .add(Method::GET, "/v1/parties", list_parties)
        .add(Method::POST, "/v1/parties", register_party)
        .add(Method::GET, "/v1/parties/{partyId}", get_party)
        .add(Method::PATCH, "/v1/parties/{partyId}", patch_party)
        .add(Method::DELETE, "/v1/parties/{partyId}", delete_party)
        .add(Method::GET, "/v1/parties/{partyId}/users", party_users)
        .add(Method::GET, "/v1/me/parties", my_parties)
        .merge(compat::seed000::routes())
}
