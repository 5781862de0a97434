//! Seed 002's handlers (it serves users only): extract → service → respond.

pub mod users;
