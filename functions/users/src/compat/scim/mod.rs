//! SCIM 2.0 (RFC 7643 schemas, RFC 7644 protocol) at `/scim/v2`: identity providers (Okta,
//! Microsoft Entra ID) provision an organization's users. A mapping onto the shared service; no
//! business rule lives here (see `docs/scim.md`).

pub mod filter;
pub mod error;
pub mod patch;
pub mod resource;
pub mod schema;
pub mod plan;
