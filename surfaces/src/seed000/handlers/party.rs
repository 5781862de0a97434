//! Seed 000's party-authorization routes (party function): `GET /api/v1/user/{name}/party`
//! (the user's authorizations as `[{name, permissions, id}]`), `PUT /api/v1/user/{name}/party`
//! with one such object (grant or change), `DELETE /api/v1/user/{name}/party/{partyId}`
//! (revoke). `{name}` is the username.

use axum::extract::State;
use http::StatusCode;
use serde_json::Value;

use crate::seed000::dto::{put_party_body, PartyView};
use crate::seed000::error::Result;
use roster_shared::http::{Caller, Doc, ExistingPartyIdPath, JsonBody, Manager, UsernamePath};
use roster_shared::service::Roster;

/// 200 with the user's authorizations (404 for a name no live user of the organization holds).
pub async fn list_parties(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    UsernamePath(name): UsernamePath,
) -> Result<Doc> {
    let user = roster.user_by_username(&caller, &name).await?;
    let auths = roster.user_parties(&caller, &user.id).await?;
    let data: Vec<PartyView> = auths.iter().map(PartyView::from).collect();
    Ok(Doc::ok(data))
}

/// 201 when the authorization is new, 200 when it changed; the body is the authorization. A
/// party not registered yet is registered with `name` (as the native grant does).
pub async fn put_party(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    UsernamePath(name): UsernamePath,
    JsonBody(body): JsonBody<Value>,
) -> Result<Doc> {
    let user = roster.user_by_username(&caller, &name).await?;
    let (party, grant) = put_party_body(body)?;
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
    Caller(caller): Caller,
    UsernamePath(name): UsernamePath,
    ExistingPartyIdPath(party): ExistingPartyIdPath,
) -> Result<StatusCode> {
    let user = roster.user_by_username(&caller, &name).await?;
    roster.revoke(&caller, &user.id, &party).await?;
    Ok(StatusCode::NO_CONTENT)
}
