//! Route handlers: extract → service → respond.

use axum::extract::State;
use serde_json::{json, Value};

use roster_shared::domain::{Status, User};
use roster_shared::http::{etag, Caller, Doc, JsonBody, Manager, ObjectReader, UserIdPath};
use roster_shared::service::Roster;
use roster_shared::Error;

use crate::native::error::Result;

/// The user as the users function shows it (one JSON shape for a user across the API).
fn user_doc(user: &User) -> Doc {
    Doc::ok(roster_shared::http::user_json(user)).header(http::header::ETAG, &etag(user.version))
}

pub async fn activate(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    UserIdPath(id): UserIdPath,
) -> Result<Doc> {
    Ok(user_doc(&roster.activate(&caller, &id).await?))
}

pub async fn deactivate(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    UserIdPath(id): UserIdPath,
) -> Result<Doc> {
    Ok(user_doc(&roster.deactivate(&caller, &id).await?))
}

pub async fn restore(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    UserIdPath(id): UserIdPath,
) -> Result<Doc> {
    Ok(user_doc(&roster.restore(&caller, &id).await?))
}

/// `{ids: [...]}` → `{results: [{id, status: OK|ERROR, code?, detail?}]}`.
fn ids(body: Value) -> Result<Vec<String>> {
    let Value::Object(map) = body else {
        return Err(Error::field(
            "body",
            "must be a JSON object {\"ids\": [...]}",
        ));
    };
    let mut reader = ObjectReader::new(map);
    let ids = reader.list("ids", |s| Ok::<_, String>(s.to_string()));
    let ids = match ids {
        roster_shared::service::Patch::Set(ids) => Some(ids),
        _ => {
            reader.reject("ids", "is required");
            None
        }
    };
    reader.finish()?;
    ids.ok_or_else(|| Error::field("ids", "is required"))
}

async fn batch(
    roster: Roster,
    caller: roster_shared::auth::Principal,
    body: Value,
    status: Status,
) -> Result<Doc> {
    let results = roster.set_status_batch(&caller, ids(body)?, status).await?;
    let results: Vec<Value> = results
        .into_iter()
        .map(|(id, result)| match result {
            Ok(_) => json!({"id": id, "status": "OK"}),
            Err(e) => json!({"id": id, "status": "ERROR", "code": e.code(), "detail": e.detail()}),
        })
        .collect();
    Ok(Doc::ok(json!({ "results": results })))
}

pub async fn activate_batch(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    JsonBody(body): JsonBody<Value>,
) -> Result<Doc> {
    batch(roster, caller, body, Status::Active).await
}

pub async fn deactivate_batch(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    JsonBody(body): JsonBody<Value>,
) -> Result<Doc> {
    batch(roster, caller, body, Status::Inactive).await
}
