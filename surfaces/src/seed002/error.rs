//! Seed 002's errors: the seed documents no error body, so the surface answers with the native
//! problem document, always as `application/problem+json` (its successes are JSON whatever the
//! `Accept` header says, and so are its errors).

use roster_shared::http::ProblemDocument;

/// Seed 002's errors.
pub static ERRORS: ProblemDocument = ProblemDocument::JSON;

pub type Result<T> = std::result::Result<T, roster_shared::Error>;
