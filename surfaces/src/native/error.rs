//! The native error body: the RFC 9457 problem document (`application/problem+json`, or
//! `application/problem+xml` when the caller asks for XML) with the domain error's status,
//! code and detail, rendered by `roster_shared::http::render`.

use roster_shared::http::ProblemDocument;

/// The native surface's errors.
pub static ERRORS: ProblemDocument = ProblemDocument::NEGOTIATED;

pub type Result<T> = std::result::Result<T, roster_shared::Error>;
