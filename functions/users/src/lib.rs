//! The users function: user CRUD, the deleted history, profiles, API keys, `/v1/me`, languages,
//! and the compatible surfaces' user routes. The routes live in `roster-surfaces`.

use roster_shared::http::RouteSet;

/// Every route of this function, as `template.yaml` declares them.
pub fn routes() -> RouteSet {
    roster_surfaces::users()
}
