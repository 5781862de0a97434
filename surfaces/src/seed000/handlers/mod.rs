//! Seed 000's handlers, one file per function group: extract → service → respond.

pub mod party;
pub mod users;

use roster_shared::domain::Username;
use roster_shared::Error;

/// A username in a path: one that cannot exist is not found.
fn username(raw: &str) -> std::result::Result<Username, Error> {
    Username::parse(raw).map_err(|_| Error::NotFound("user"))
}
