//! HTTP glue shared by every function: the request context (id, format, logging), problem+json,
//! typed extractors, content negotiation (JSON or XML), and the Lambda entry path.

mod context;
mod extract;
mod fields;
pub mod lambda;
mod problem;
mod query;
mod respond;
mod routes;
mod views;
pub mod xml;

pub use context::{request_context, RequestInfo};
pub use extract::{Caller, IfMatch, JsonBody, LenientJsonBody, OptionalJsonBody, MAX_BODY_BYTES};
pub use fields::ObjectReader;
pub use problem::{method_not_allowed, not_found_fallback};
pub use query::QueryParams;
pub use respond::{etag, page_body, Doc};
pub use routes::RouteSet;
pub use views::{user_json, RegistrationView, UserView};
