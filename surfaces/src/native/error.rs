//! The native error body: RFC 9457 problem+json (or problem+xml when the caller asks for XML),
//! rendered by `roster_shared::http` from the domain error's status, code and detail.

pub type Result<T> = std::result::Result<T, roster_shared::Error>;
