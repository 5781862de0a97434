//! Route handlers: extract → service → respond.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode, Uri};
use serde_json::{json, Value};

use crate::native::dto::{self, AuthorizationView, PartyView};
use roster_shared::domain::{PartyId, UserId};
use roster_shared::error::Problems;
use roster_shared::http::{etag, page_body, Caller, Doc, IfMatch, JsonBody, QueryParams};
use roster_shared::service::Roster;
use roster_shared::Error;

use crate::native::error::Result;

fn user_id(raw: &str) -> Result<UserId> {
    UserId::parse(raw).map_err(|_| Error::NotFound("user"))
}

fn party_id(raw: &str) -> Result<PartyId> {
    PartyId::parse(raw).map_err(|e| Error::field("partyId", e))
}

fn party_doc(party: &roster_shared::domain::Party) -> Doc {
    Doc::ok(PartyView::from(party)).header(header::ETAG, &etag(party.version))
}

pub async fn user_parties(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    Path(id): Path<String>,
) -> Result<Doc> {
    let auths = roster.user_parties(&caller, &user_id(&id)?).await?;
    let data: Vec<AuthorizationView> = auths.iter().map(AuthorizationView::from).collect();
    Ok(Doc::ok(json!({ "data": data })))
}

/// 201 when newly granted, 200 when changed.
pub async fn grant(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    Path((id, party)): Path<(String, String)>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response> {
    caller.require_manager()?;
    let (user, party) = (user_id(&id)?, party_id(&party)?);
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
    Caller(caller): Caller,
    Path((id, party)): Path<(String, String)>,
) -> Result<StatusCode> {
    caller.require_manager()?;
    roster
        .revoke(&caller, &user_id(&id)?, &party_id(&party)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_parties(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    uri: Uri,
    query: QueryParams,
) -> Result<Doc> {
    let mut problems = Problems::default();
    let paging = query.paging(&mut problems);
    problems.finish()?;
    let page = roster
        .list_parties(&caller, &paging)
        .await?
        .map(|p| PartyView::from(&p));
    Ok(Doc::ok(page_body(&page, &uri)))
}

pub async fn register_party(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response> {
    caller.require_manager()?;
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
    Caller(caller): Caller,
    Path(party): Path<String>,
) -> Result<Doc> {
    caller.require_manager()?;
    let party = roster.get_party(&caller, &party_id(&party)?).await?;
    Ok(party_doc(&party))
}

pub async fn patch_party(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    Path(party): Path<String>,
    IfMatch(if_match): IfMatch,
    JsonBody(body): JsonBody<Value>,
) -> Result<Doc> {
    caller.require_manager()?;
    let party = party_id(&party)?;
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
    Caller(caller): Caller,
    Path(party): Path<String>,
    query: QueryParams,
) -> Result<StatusCode> {
    caller.require_manager()?;
    let mut problems = Problems::default();
    let cascade = query
        .parse("cascade", &mut problems, |v| match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err("must be true or false".to_string()),
        })
        .unwrap_or(false);
    problems.finish()?;
    roster
        .delete_party(&caller, &party_id(&party)?, cascade)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn party_users(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    Path(party): Path<String>,
    uri: Uri,
    query: QueryParams,
) -> Result<Doc> {
    caller.require_manager()?;
    let mut problems = Problems::default();
    let paging = query.paging(&mut problems);
    problems.finish()?;
    let page = roster
        .party_users(&caller, &party_id(&party)?, &paging)
        .await?
        .map(|s| AuthorizationView::from(&s));
    Ok(Doc::ok(page_body(&page, &uri)))
}

pub async fn my_parties(State(roster): State<Roster>, Caller(caller): Caller) -> Result<Doc> {
    let auths = roster.my_parties(&caller).await?;
    let data: Vec<AuthorizationView> = auths.iter().map(AuthorizationView::from).collect();
    Ok(Doc::ok(json!({ "data": data })))
}
