//! The party function: the organization's party registry (business partners) and users'
//! authorizations to act for parties, on every surface. The routes live in `roster-surfaces`.

use roster_shared::http::RouteSet;

/// Every route of this function, as `template.yaml` declares them.
pub fn routes() -> RouteSet {
    roster_surfaces::party()
}
