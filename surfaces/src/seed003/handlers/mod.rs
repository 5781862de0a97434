//! Seed 003's handlers, one file per function group: extract → service → respond.

pub mod activation;
pub mod users;
