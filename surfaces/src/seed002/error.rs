//! Seed 002's errors: the seed documents no error body, so the surface answers with the native
//! `application/problem+json` (RFC 9457).
