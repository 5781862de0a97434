//! Route handlers: extract → service → respond.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};
use serde_json::{json, Value};

use crate::native::dto::{self, AuthorizationView, PartyView};
use roster_shared::error::Problems;
use roster_shared::http::{
    etag, Caller, Doc, ExistingPartyIdPath, IfMatch, JsonBody, Manager, PartyIdPath, QueryParams,
    UserIdPath,
};
use roster_shared::service::Roster;

use super::Paged;
use crate::native::error::Result;

fn party_doc(party: &roster_shared::domain::Party) -> Doc {
    Doc::ok(PartyView::from(party)).header(header::ETAG, &etag(party.version))
}

pub async fn user_parties(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    UserIdPath(id): UserIdPath,
) -> Result<Doc> {
    let auths = roster.user_parties(&caller, &id).await?;
    let data: Vec<AuthorizationView> = auths.iter().map(AuthorizationView::from).collect();
    Ok(Doc::ok(json!({ "data": data })))
}

/// 201 when newly granted, 200 when changed.
pub async fn grant(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    UserIdPath(user): UserIdPath,
    PartyIdPath(party): PartyIdPath,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response> {
    let grant = dto::grant(dto::object(body, "body")?, &[])?;
    let (state, created) = roster.grant(&caller, &user, &party, grant).await?;
    let view = AuthorizationView::from(&state);
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(Doc::with_status(status, view).into_response())
}

pub async fn revoke(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    UserIdPath(user): UserIdPath,
    ExistingPartyIdPath(party): ExistingPartyIdPath,
) -> Result<StatusCode> {
    roster.revoke(&caller, &user, &party).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_parties(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    paged: Paged,
) -> Result<Doc> {
    let page = roster.list_parties(&caller, &paged.paging).await?;
    Ok(paged.doc(page, |p| PartyView::from(p)))
}

pub async fn register_party(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response> {
    let party = roster
        .register_party(&caller, dto::new_party(dto::object(body, "body")?)?)
        .await?;
    let location = format!("/v1/parties/{}", party.id);
    Ok(Doc::created(PartyView::from(&party), &location)
        .header(header::ETAG, &etag(party.version))
        .into_response())
}

pub async fn get_party(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    ExistingPartyIdPath(party): ExistingPartyIdPath,
) -> Result<Doc> {
    let party = roster.get_party(&caller, &party).await?;
    Ok(party_doc(&party))
}

pub async fn patch_party(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    ExistingPartyIdPath(party): ExistingPartyIdPath,
    IfMatch(if_match): IfMatch,
    JsonBody(body): JsonBody<Value>,
) -> Result<Doc> {
    let changes = dto::party_changes(dto::object(body, "body")?)?;
    Ok(party_doc(
        &roster
            .update_party(&caller, &party, changes, if_match)
            .await?,
    ))
}

/// `?cascade=true` revokes the party's authorizations first; otherwise 409 while any exist.
pub async fn delete_party(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    ExistingPartyIdPath(party): ExistingPartyIdPath,
    query: QueryParams,
) -> Result<StatusCode> {
    let mut problems = Problems::default();
    let cascade = query
        .parse("cascade", &mut problems, |v| match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err("must be true or false".to_string()),
        })
        .unwrap_or(false);
    problems.finish()?;
    roster.delete_party(&caller, &party, cascade).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn party_users(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    ExistingPartyIdPath(party): ExistingPartyIdPath,
    paged: Paged,
) -> Result<Doc> {
    let page = roster.party_users(&caller, &party, &paged.paging).await?;
    Ok(paged.doc(page, |s| AuthorizationView::from(s)))
}

pub async fn my_parties(State(roster): State<Roster>, Caller(caller): Caller) -> Result<Doc> {
    let auths = roster.my_parties(&caller).await?;
    let data: Vec<AuthorizationView> = auths.iter().map(AuthorizationView::from).collect();
    Ok(Doc::ok(json!({ "data": data })))
}
