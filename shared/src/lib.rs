//! Roster's common crate: everything the Lambda functions share.
//!
//! - [`domain`]: newtypes that can only hold valid values, and the user model.
//! - [`error`]: the one domain error enum.
//! - [`store`]: the DynamoDB single-table store (the only code that touches `AttributeValue`).
//! - [`service`]: the use cases; the only place business rules live.
//! - [`auth`]: API keys and principals.
//! - [`http`]: axum glue — extractors, problem+json, XML, pagination, the Lambda entry path.

pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod deadline;
pub mod domain;
pub mod error;
pub mod http;
pub mod obs;
pub mod password;
pub mod service;
pub mod store;

pub use error::{Error, FieldError};
