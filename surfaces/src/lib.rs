//! Every HTTP surface Roster speaks, one folder each with the same inner layout:
//!
//! - [`native`]: the native API (`/v1`, problem+json errors, `openapi.yaml`);
//! - [`seed000`]: User Management v1 (`/api/v1/user…`);
//! - [`seed001`]: the B2B platform (`/User/getUser`, `/User/create`, …);
//! - [`seed002`]: User Management V4 (`/api/user/management/v4/users…`) and its legacy routes;
//! - [`seed003`]: the eSignatur users API (`/User/Index`, `/User/Add`, …);
//! - [`scim`]: SCIM 2.0 provisioning (`/scim/v2`, RFC 7643/7644) for identity providers.
//!
//! Each surface exposes one [`RouteSet`] per function group it serves (`users()`, `party()`,
//! `activation()`); its `dto.rs` maps its wire shapes to the service's commands and back, its
//! `error.rs` is its error body, and `handlers/<group>.rs` are its thin handlers (extract →
//! service → respond). The functions below merge every surface's route set of a group: a
//! function crate serves exactly one of them.

pub mod native;
pub mod scim;
pub mod seed000;
pub mod seed001;
pub mod seed002;
pub mod seed003;

use roster_shared::http::RouteSet;

/// The users function's routes: every surface's user routes.
pub fn users() -> RouteSet {
    native::users()
        .merge(seed000::users())
        .merge(seed001::users())
        .merge(seed002::users())
        .merge(seed003::users())
        .merge(scim::users())
}

/// The party function's routes.
pub fn party() -> RouteSet {
    native::party().merge(seed000::party())
}

/// The activation function's routes.
pub fn activation() -> RouteSet {
    native::activation().merge(seed003::activation())
}
