//! Seed 003, the eSignatur users API: `POST /User/Deactivate` and `POST /User/Activate` (its
//! other routes live in the users function; the shared wire pieces in
//! `roster_shared::http::esignatur`).
//!
//! The body is a JSON array of `UserId`s (usernames). As documented, one id is answered with one
//! `UserChangeResponseModel` object; several ids (or none) with an array of them, in input order.
//! Each id is changed on its own; both operations are idempotent.

use axum::extract::State;
use axum::response::Response;
use http::{Method, StatusCode};
use serde_json::Value;

use roster_shared::domain::{Status, Username};
use roster_shared::http::esignatur::{
    json_response, message, EsignaturCaller, EsignaturError, UserChangeResponse,
};
use roster_shared::http::{LenientJsonBody, RouteSet};
use roster_shared::service::{Roster, UserRef};
use roster_shared::Error;

type Result<T> = std::result::Result<T, EsignaturError>;

/// The routes of this surface served by the activation function.
pub fn routes() -> RouteSet {
    RouteSet::new()
        .add(Method::POST, "/User/Deactivate", deactivate)
        .add(Method::POST, "/User/Activate", activate)
}

/// One array item → the user it names (its text is echoed as `UserId` in the answer).
fn user_ref(item: &Value) -> (Option<String>, std::result::Result<UserRef, Error>) {
    match item {
        Value::String(text) => (
            Some(text.clone()),
            // A malformed UserId cannot exist.
            Username::parse(text)
                .map(UserRef::Username)
                .map_err(|_| Error::NotFound("user")),
        ),
        _ => (
            None,
            Err(Error::field("UserId", "must be a string (a UserId)")),
        ),
    }
}

async fn set_status(
    roster: Roster,
    caller: roster_shared::auth::Principal,
    body: std::result::Result<LenientJsonBody<Value>, Error>,
    status: Status,
) -> Result<Response> {
    let LenientJsonBody(body) = body?;
    let Value::Array(items) = body else {
        return Err(
            Error::field("body", "must be a JSON array of UserIds, like [\"15243\"]").into(),
        );
    };
    let (ids, refs): (Vec<Option<String>>, Vec<_>) = items.iter().map(user_ref).unzip();
    let results = roster.set_status_many(&caller, refs, status).await?;
    let done = match status {
        Status::Active => "User activated",
        _ => "User deactivated",
    };
    let mut answers: Vec<UserChangeResponse> = ids
        .into_iter()
        .zip(results)
        .map(|(id, result)| match result {
            Ok(_) => UserChangeResponse::ok(id, done),
            Err(e) => UserChangeResponse::error(id, message(&e)),
        })
        .collect();
    if answers.len() == 1 {
        if let Some(only) = answers.pop() {
            return Ok(json_response(StatusCode::OK, &only));
        }
    }
    Ok(json_response(StatusCode::OK, &answers))
}

/// `POST /User/Deactivate`: `["15243"]` → `{"UserId": "15243", "Status": "OK", "Message":
/// "User deactivated"}`.
async fn deactivate(
    State(roster): State<Roster>,
    EsignaturCaller(caller): EsignaturCaller,
    body: std::result::Result<LenientJsonBody<Value>, Error>,
) -> Result<Response> {
    set_status(roster, caller, body, Status::Inactive).await
}

/// `POST /User/Activate`: `["15243"]` → `{"UserId": "15243", "Status": "OK", "Message":
/// "User activated"}`.
async fn activate(
    State(roster): State<Roster>,
    EsignaturCaller(caller): EsignaturCaller,
    body: std::result::Result<LenientJsonBody<Value>, Error>,
) -> Result<Response> {
    set_status(roster, caller, body, Status::Active).await
}
