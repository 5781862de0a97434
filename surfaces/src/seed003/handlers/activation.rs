//! Seed 003's activation routes (activation function): `POST /User/Deactivate` and
//! `POST /User/Activate`. The body is a JSON array of `UserId`s (usernames). As documented, one
//! id is answered with one `UserChangeResponseModel` object; several ids (or none) with an
//! array of them, in input order. Each id is changed on its own; both are idempotent.

use axum::extract::State;
use axum::response::Response;
use http::StatusCode;
use serde_json::Value;

use crate::seed003::dto::{json_response, user_ref, UserChangeResponse};
use crate::seed003::error::{message, Result};
use crate::seed003::extract::EsignaturCaller;
use roster_shared::domain::Status;
use roster_shared::http::LenientJsonBody;
use roster_shared::service::Roster;
use roster_shared::Error;

async fn set_status(
    roster: Roster,
    caller: roster_shared::auth::Principal,
    body: Value,
    status: Status,
) -> Result<Response> {
    let Value::Array(items) = body else {
        return Err(Error::field(
            "body",
            "must be a JSON array of UserIds, like [\"15243\"]",
        ));
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
pub async fn deactivate(
    State(roster): State<Roster>,
    EsignaturCaller(caller): EsignaturCaller,
    LenientJsonBody(body): LenientJsonBody<Value>,
) -> Result<Response> {
    set_status(roster, caller, body, Status::Inactive).await
}

/// `POST /User/Activate`: `["15243"]` → `{"UserId": "15243", "Status": "OK", "Message":
/// "User activated"}`.
pub async fn activate(
    State(roster): State<Roster>,
    EsignaturCaller(caller): EsignaturCaller,
    LenientJsonBody(body): LenientJsonBody<Value>,
) -> Result<Response> {
    set_status(roster, caller, body, Status::Active).await
}
