//! Seed 000's handlers, one file per function group: extract → service → respond.

pub mod party;
pub mod users;
