//! Seed 002's handlers (it serves users only): the V4 resource (`v4_*`) and the legacy routes
//! (`legacy_*`). Extract → service → respond; errors are the native problem+json.

use axum::extract::State;
use http::{header, StatusCode, Uri};
use serde_json::{json, Value};

use crate::seed002::dto::{legacy, refuse_service_query, v4, JsonDoc};
use axum::extract::FromRequestParts;
use http::request::Parts;
use roster_shared::domain::{Email, ExternalId, Profile, UserFilter};
use roster_shared::error::Problems;
use roster_shared::http::{Caller, EmailPath, IfMatch, JsonBody, Manager, QueryParams, UserIdPath};
use roster_shared::service::Roster;
use roster_shared::service::UserRef;

use crate::seed002::error::Result;

/// The query, which may not carry the retired `service` parameter (400 naming it).
pub struct ServiceFree(QueryParams);

impl<S: Send + Sync> FromRequestParts<S> for ServiceFree {
    type Rejection = roster_shared::Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        let query = QueryParams::from_request_parts(parts, state).await?;
        refuse_service_query(&query)?;
        Ok(Self(query))
    }
}

/// `GET /api/user/management/v4/users`: a page of users (`filter[email]`,
/// `filter[external_id]` narrow it to the one live user holding them).
pub async fn v4_index(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    uri: Uri,
    ServiceFree(query): ServiceFree,
) -> Result<JsonDoc> {
    let mut problems = Problems::default();
    let paging = query.paging(&v4::PAGING, &mut problems);
    let filter = UserFilter {
        email: query.parse("filter[email]", &mut problems, Email::parse),
        external_id: query.parse("filter[external_id]", &mut problems, ExternalId::parse),
        ..UserFilter::default()
    };
    problems.finish()?;
    let mut filters = Vec::new();
    if let Some(email) = &filter.email {
        filters.push(("filter[email]", email.to_string()));
    }
    if let Some(external_id) = &filter.external_id {
        filters.push(("filter[external_id]", external_id.to_string()));
    }
    let page = roster.list_users(&caller, filter, &paging).await?;
    Ok(JsonDoc::new(
        StatusCode::OK,
        v4::index_body(&page, &uri, &filters),
        v4::MEDIA,
    ))
}

/// `POST /api/user/management/v4/users`: 201 with the user, its default profile included, and
/// `Location`.
pub async fn v4_create(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    ServiceFree(_query): ServiceFree,
    JsonBody(body): JsonBody<Value>,
) -> Result<JsonDoc> {
    let user = roster.create_user(&caller, v4::new_user(body)?).await?;
    // The profile written with the user, exactly.
    let profile = Profile::default_for(&user);
    Ok(v4::single(StatusCode::CREATED, &user, &profile)
        .header(header::LOCATION, v4::self_link(&user.id)))
}

/// `GET /api/user/management/v4/users/{user_id}`: 404 once the user is deleted.
pub async fn v4_get(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    UserIdPath(id): UserIdPath,
    ServiceFree(_query): ServiceFree,
) -> Result<JsonDoc> {
    let (user, profile) = tokio::try_join!(
        roster.get_user(&caller, &id),
        roster.get_profile(&caller, &id)
    )?;
    Ok(v4::single(StatusCode::OK, &v4::live(user)?, &profile))
}

/// `PATCH /api/user/management/v4/users/{user_id}`: merge patch of the attributes (`If-Match`
/// with the `ETag` → 412 when the user changed meanwhile); 404 once the user is deleted.
pub async fn v4_patch(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    UserIdPath(id): UserIdPath,
    IfMatch(if_match): IfMatch,
    ServiceFree(_query): ServiceFree,
    JsonBody(body): JsonBody<Value>,
) -> Result<JsonDoc> {
    let changes = v4::user_changes(body, &id)?;
    let user = roster
        .update_user(&caller, &id, changes, if_match)
        .await
        .map_err(v4::gone)?;
    let profile = roster.get_profile(&caller, &id).await?;
    Ok(v4::single(StatusCode::OK, &user, &profile))
}

/// `DELETE /api/user/management/v4/users/{user_id}`: soft delete, 204.
pub async fn v4_delete(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    UserIdPath(id): UserIdPath,
    ServiceFree(_query): ServiceFree,
) -> Result<StatusCode> {
    roster.delete_user(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/management/user`: every live user (active and inactive) as an array, optionally
/// only the one holding `email` or `cid`.
pub async fn legacy_list(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    ServiceFree(query): ServiceFree,
) -> Result<JsonDoc> {
    let mut problems = Problems::default();
    let filter = UserFilter {
        email: query.parse("email", &mut problems, Email::parse),
        external_id: query.parse("cid", &mut problems, ExternalId::parse),
        ..UserFilter::default()
    };
    problems.finish()?;
    let users = roster.list_all_users(&caller, filter).await?;
    let body: Vec<Value> = users.iter().map(legacy::legacy_user).collect();
    Ok(JsonDoc::new(StatusCode::OK, json!(body), legacy::MEDIA))
}

/// `POST /api/management/user`: `{email, name, cid?, telephone_number_E123?, user_flags?,
/// registration_state?, username?}` → 201 with the user and `Location: …/user/{email}`.
pub async fn legacy_create(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    ServiceFree(_query): ServiceFree,
    JsonBody(body): JsonBody<Value>,
) -> Result<JsonDoc> {
    let new = legacy::new_user(body)?;
    let user = roster.create_user(&caller, new).await?;
    Ok(JsonDoc::new(
        StatusCode::CREATED,
        legacy::legacy_user(&user),
        legacy::MEDIA,
    )
    .header(header::LOCATION, legacy::location(&user)))
}

/// `PUT /api/management/user/{email}`: changes the fields given (`email` changes the address
/// the user is known by; `null` removes `cid`, `telephone_number_E123`, `user_flags`).
pub async fn legacy_update(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    EmailPath(email): EmailPath,
    ServiceFree(_query): ServiceFree,
    JsonBody(body): JsonBody<Value>,
) -> Result<JsonDoc> {
    let target = UserRef::Email(email);
    let changes = legacy::user_changes(body)?;
    let (_, user) = roster.update_user_ref(&caller, &target, changes).await?;
    Ok(JsonDoc::new(
        StatusCode::OK,
        legacy::legacy_user(&user),
        legacy::MEDIA,
    ))
}

/// `DELETE /api/management/user/{email}`: soft delete, 204.
pub async fn legacy_delete(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    EmailPath(email): EmailPath,
    ServiceFree(_query): ServiceFree,
) -> Result<StatusCode> {
    let user = roster.find_user(&caller, &UserRef::Email(email)).await?;
    roster.delete_user(&caller, &user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
