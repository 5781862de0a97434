//! The users function: user CRUD, the deleted history, profiles, API keys, `/v1/me`, languages.
//! Handlers are thin: parse into a domain command, call the shared service, render.

pub mod compat;
mod dto;
mod handlers;

use http::Method;
use roster_shared::http::RouteSet;

/// Every route of this function, as `template.yaml` declares them: the native ones and the
/// compatible surfaces' user routes.
pub fn routes() -> RouteSet {
    use handlers::*;
    RouteSet::new()
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
        .merge(compat::seed000::routes())
        .merge(compat::seed001::routes())
        .merge(compat::seed002::routes())
        .merge(compat::seed003::routes())
        .merge(compat::scim::users())
}
