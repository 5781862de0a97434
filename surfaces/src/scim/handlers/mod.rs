//! The SCIM surface's handlers: `users` (the `/Users` resource) and `discovery` (the read-only
//! service provider documents), and the answers for paths and methods it does not serve.

pub mod discovery;
pub mod users;

use axum::extract::OriginalUri;
use http::Method;

use super::error::ScimError;

/// Any path under `/scim/v2` that names nothing: a SCIM 404 (never a gateway 403). `/Me`,
/// `/Bulk` and `/Groups` say why they are absent.
pub async fn not_found(OriginalUri(uri): OriginalUri) -> ScimError {
    let path = uri.path();
    let tail = path.split("/scim/v2").nth(1).unwrap_or_default();
    let first = tail
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    match first.to_ascii_lowercase().as_str() {
        "me" => ScimError::new(
            501,
            None,
            "/Me is not supported: provision users with /Users.",
        ),
        "bulk" => ScimError::new(
            501,
            None,
            "Bulk operations are not supported (ServiceProviderConfig bulk.supported is false).",
        ),
        "groups" => {
            ScimError::not_found("Roster keeps no groups: only the User resource type is served.")
        }
        _ => ScimError::not_found(format!("No SCIM endpoint at {path}.")),
    }
}

/// A known path with a method it does not take: a SCIM 405.
pub async fn method_not_allowed(method: Method, OriginalUri(uri): OriginalUri) -> ScimError {
    ScimError::new(
        405,
        None,
        format!("{method} is not allowed on {}.", uri.path()),
    )
}
