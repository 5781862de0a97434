//! Every Lambda function's routes merged into one router: the very route sets the function
//! binaries serve, not copies.

use roster_shared::http::RouteSet;

/// The routes of all functions.
pub fn all_routes() -> RouteSet {
    roster_users::routes()
        .merge(roster_party::routes())
        .merge(roster_activation::routes())
}
