//! The native handlers, one file per function group: extract → service → respond.

pub mod activation;
pub mod party;
pub mod users;
