//! HTTP plumbing shared by every surface: the request context (id, format, logging), the one
//! error renderer (and the problem document), typed extractors (caller, manager, path
//! parameters, bodies, paging), field readers, content negotiation (JSON or XML), route sets and
//! the Lambda entry path. The surfaces themselves live in the `roster-surfaces` crate.

mod context;
mod extract;
mod fields;
pub mod lambda;
mod path;
mod problem;
mod query;
mod respond;
mod routes;
mod views;
pub mod xml;

pub use context::{request_context, with_request_context, RequestInfo};
pub use extract::{
    Caller, IfMatch, JsonBody, LenientJsonBody, Manager, OptionalJsonBody, MAX_BODY_BYTES,
};
pub use fields::ObjectReader;
pub use path::{
    EmailPath, ExistingPartyIdPath, KeyIdPath, NewUsernamePath, PartyIdPath, UserIdPath,
    UserRefPath, UsernamePath,
};
pub use problem::{
    method_not_allowed, not_found_fallback, render, render_on, ProblemDocument, Surface,
};
pub use query::{PagingSpec, QueryParams};
pub use respond::{encode, etag, page_body, Doc};
pub use routes::RouteSet;
pub use views::{user_json, RegistrationView, UserView};
