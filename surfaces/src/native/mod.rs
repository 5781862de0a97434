//! The native API (`/v1`): camelCase JSON (or the same document as XML), RFC 9457
//! problem+json errors, the contract in `openapi.yaml`.

mod dto;
mod error;
mod handlers;

use http::Method;
use roster_shared::http::RouteSet;

/// The users function's native routes: user CRUD, the deleted history, profiles, API keys,
/// `/v1/me`, languages, the audit trail.
pub fn users() -> RouteSet {
    use handlers::users::*;
    RouteSet::new(&error::ERRORS)
        .add(Method::GET, "/v1/users", list_users)
        .add(Method::POST, "/v1/users", create_users)
        .add(Method::GET, "/v1/users/deleted", list_deleted)
        .add(Method::GET, "/v1/users/{id}", get_user)
        .add(Method::PATCH, "/v1/users/{id}", patch_user)
        .add(Method::DELETE, "/v1/users/{id}", delete_user)
        .add(Method::PUT, "/v1/users/by-username/{username}", upsert_user)
        .add(Method::GET, "/v1/users/{id}/profile", get_profile)
        .add(Method::PATCH, "/v1/users/{id}/profile", patch_profile)
        .add(Method::GET, "/v1/users/{id}/api-keys", list_keys)
        .add(Method::POST, "/v1/users/{id}/api-keys", issue_key)
        .add(
            Method::DELETE,
            "/v1/users/{id}/api-keys/{keyId}",
            revoke_key,
        )
        .add(Method::GET, "/v1/me", get_me)
        .add(Method::PATCH, "/v1/me", patch_me)
        .add(Method::GET, "/v1/me/profile", get_my_profile)
        .add(Method::PATCH, "/v1/me/profile", patch_my_profile)
        .add(Method::GET, "/v1/languages", languages)
        .add(Method::GET, "/v1/audit", handlers::audit::list_audit)
}

/// The party function's native routes: the party registry and users' authorizations.
pub fn party() -> RouteSet {
    use handlers::party::*;
    RouteSet::new(&error::ERRORS)
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
}

/// The activation function's native routes: activate, deactivate, restore (one or a batch).
pub fn activation() -> RouteSet {
    use handlers::activation::*;
    RouteSet::new(&error::ERRORS)
        .add(Method::POST, "/v1/users/{id}/activate", activate)
        .add(Method::POST, "/v1/users/{id}/deactivate", deactivate)
        .add(Method::POST, "/v1/users/{id}/restore", restore)
        .add(Method::POST, "/v1/users/activate", activate_batch)
        .add(Method::POST, "/v1/users/deactivate", deactivate_batch)
}
