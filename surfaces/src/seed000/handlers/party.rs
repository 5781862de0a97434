//! Seed 000's party-authorization routes (party function): `GET /api/v1/user/{name}/party`
//! (the user's authorizations as `[{name, permissions, id}]`), `PUT /api/v1/user/{name}/party`
//! with one such object (grant or change), `DELETE /api/v1/user/{name}/party/{partyId}`
//! (revoke). `{name}` is the username.

use axum::extract::{Path, State};
use http::StatusCode;
use serde_json::Value;

use super::username;
use crate::seed000::dto::{put_party_body, PartyView};
use crate::seed000::error::{Result, Seed000Caller};
use roster_shared::domain::PartyId;
use roster_shared::http::{Doc, JsonBody};
use roster_shared::service::Roster;
use roster_shared::Error;

/// 200 with the user's authorizations (404 for a name no live user of the organization holds).
pub async fn list_parties(
    State(roster): State<Roster>,
    Seed000Caller(caller): Seed000Caller,
    Path(name): Path<String>,
) -> Result<Doc> {
    let user = roster.user_by_username(&caller, &username(&name)?).await?;
    let auths = roster.user_parties(&caller, &user.id).await?;
    let data: Vec<PartyView> = auths.iter().map(PartyView::from).collect();
    Ok(Doc::ok(data))
}

/// 201 when the authorization is new, 200 when it changed; the body is the authorization. A
/// party not registered yet is registered with `name` (as the native grant does).
pub async fn put_party(
    State(roster): State<Roster>,
    Seed000Caller(caller): Seed000Caller,
    Path(name): Path<String>,
    body: std::result::Result<JsonBody<Value>, Error>,
) -> Result<Doc> {
    caller.require_manager()?;
    let user = roster.user_by_username(&caller, &username(&name)?).await?;
    let (party, grant) = put_party_body(body?.0)?;
    let (state, created) = roster.grant(&caller, &user.id, &party, grant).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(Doc::with_status(status, PartyView::from(&state)))
}

/// 204: the authorization is revoked (404 when the user has none for that party).
pub async fn delete_party(
    State(roster): State<Roster>,
    Seed000Caller(caller): Seed000Caller,
    Path((name, party)): Path<(String, String)>,
) -> Result<StatusCode> {
    let user = roster.user_by_username(&caller, &username(&name)?).await?;
    let party = PartyId::parse(&party).map_err(|e| Error::field("partyId", e))?;
    roster.revoke(&caller, &user.id, &party).await?;
    Ok(StatusCode::NO_CONTENT)
}
