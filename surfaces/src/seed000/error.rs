//! Seed 000's errors: the seed documents no error format, so the surface answers with the
//! native problem document (RFC 9457, problem+json or problem+xml as the caller asks).

use roster_shared::http::ProblemDocument;

/// Seed 000's errors.
pub static ERRORS: ProblemDocument = ProblemDocument::NEGOTIATED;

pub type Result<T> = std::result::Result<T, roster_shared::Error>;
