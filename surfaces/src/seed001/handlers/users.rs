//! Route handlers: extract → service → respond, every failure in the seed's format.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde_json::Value;

use crate::seed001::doc::Export;
use crate::seed001::dto;
use crate::seed001::error::{Caller001, Error001};
use crate::seed001::extract::RequestUrl;
use roster_shared::auth::Principal;
use roster_shared::domain::{Party, User};
use roster_shared::error::Problems;
use roster_shared::http::{JsonBody, QueryParams};
use roster_shared::service::{ListPage, Roster};
use roster_shared::store::UserFilter;
use roster_shared::Error;

type Result<T> = std::result::Result<T, Error001>;

/// The `{id}` of `update` and `delete` (the server id or the idRemote).
fn path_id(path: std::result::Result<Path<String>, PathRejection>) -> Result<String> {
    path.map(|Path(id)| id).map_err(|e| {
        Error001::from(Error::field(
            "id",
            format!("could not be read ({})", e.body_text()),
        ))
    })
}

/// The registered business partners of `users`, looked up once.
async fn partners(roster: &Roster, caller: &Principal, users: &[User]) -> Result<Vec<Party>> {
    Ok(roster
        .parties_by_id(caller, &dto::partner_ids(users))
        .await?)
}

async fn page_export(
    roster: &Roster,
    caller: &Principal,
    page: ListPage<User>,
    url: &RequestUrl,
) -> Result<Export> {
    let parties = partners(roster, caller, &page.items).await?;
    let next = page
        .next_cursor
        .as_ref()
        .map(|cursor| url.page(page.current_page + 1, cursor));
    Ok(Export::ok(dto::page_node(&page, &parties, next)))
}

/// `GET /User/getUser?id&page&pageSize`: a page of the organization's live users (ACTIVE and
/// INACTIVE, oldest first), or with `id` (server id or idRemote) that one user.
pub async fn get_user(
    State(roster): State<Roster>,
    Caller001(caller): Caller001,
    url: RequestUrl,
    query: std::result::Result<QueryParams, Error>,
) -> Result<Export> {
    caller.require_manager()?;
    let query = query?;
    let mut problems = Problems::default();
    let paging = dto::paging(&query, &mut problems);
    let id = query
        .get("id")
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    problems.finish()?;
    let page = match id {
        Some(id) => {
            let user = roster
                .user_by_id_or_external_id(&caller, &id)
                .await
                .map_err(|e| Error001::for_user(e, &id))?;
            ListPage {
                items: vec![user],
                total_items: 1,
                items_per_page: paging.limit,
                current_page: 1,
                total_pages: 1,
                next_cursor: None,
            }
        }
        None => {
            roster
                .list_users(&caller, UserFilter::default(), &paging)
                .await?
        }
    };
    page_export(&roster, &caller, page, &url).await
}

/// `GET /User/updateFrom?date&page&pageSize`: the users changed since `date` (required), oldest
/// change first, deleted users included (status `DELETED`) so that a sync sees deletions.
pub async fn update_from(
    State(roster): State<Roster>,
    Caller001(caller): Caller001,
    url: RequestUrl,
    query: std::result::Result<QueryParams, Error>,
) -> Result<Export> {
    caller.require_manager()?;
    let query = query?;
    let mut problems = Problems::default();
    let updated_since = dto::update_date(&query, &mut problems);
    let paging = dto::paging(&query, &mut problems);
    problems.finish()?;
    let filter = UserFilter {
        updated_since,
        ..UserFilter::default()
    };
    let page = roster.list_users(&caller, filter, &paging).await?;
    page_export(&roster, &caller, page, &url).await
}

/// `POST /User/create` with the documented array: 201 with `{data: [users]}`, all created, or
/// the error of the first failing item and none created (see `create_users_all_or_none`).
pub async fn create(
    State(roster): State<Roster>,
    Caller001(caller): Caller001,
    body: std::result::Result<JsonBody<Value>, Error>,
) -> Result<Export> {
    caller.require_manager()?;
    let body = body?.0;
    let is_array = body.is_array();
    let items = dto::new_users(body)?;
    let users = roster
        .create_users_all_or_none(&caller, items)
        .await
        .map_err(|failure| {
            let prefix = if is_array {
                format!("[{}].", failure.index)
            } else {
                String::new()
            };
            Error001::with_prefix(failure.error, &prefix)
        })?;
    let parties = partners(&roster, &caller, &users).await?;
    Ok(Export::created(dto::users_node(&users, &parties)))
}

/// `PUT /User/update/{id}`: 200 with `{data: [the user]}`; left-out fields keep their values.
pub async fn update(
    State(roster): State<Roster>,
    Caller001(caller): Caller001,
    path: std::result::Result<Path<String>, PathRejection>,
    body: std::result::Result<JsonBody<Value>, Error>,
) -> Result<Export> {
    caller.require_manager()?;
    let id = path_id(path)?;
    let changes = dto::user_changes(body?.0)?;
    let user = roster
        .user_by_id_or_external_id(&caller, &id)
        .await
        .map_err(|e| Error001::for_user(e, &id))?;
    let user = roster
        .update_user(&caller, &user.id, changes, None)
        .await
        .map_err(|e| Error001::for_user(e, &id))?;
    let parties = partners(&roster, &caller, std::slice::from_ref(&user)).await?;
    Ok(Export::ok(dto::users_node(&[user], &parties)))
}

/// `DELETE /User/delete/{id}`: the soft delete (username, email and idRemote released, a
/// deleted-history record written); 200 with `{data: [the deleted user]}`. Deleting a deleted
/// user (by its server id) changes nothing.
pub async fn delete(
    State(roster): State<Roster>,
    Caller001(caller): Caller001,
    path: std::result::Result<Path<String>, PathRejection>,
) -> Result<Export> {
    caller.require_manager()?;
    let id = path_id(path)?;
    let user = roster
        .user_by_id_or_external_id(&caller, &id)
        .await
        .map_err(|e| Error001::for_user(e, &id))?;
    roster
        .delete_user(&caller, &user.id)
        .await
        .map_err(|e| Error001::for_user(e, &id))?;
    let deleted = roster
        .get_user(&caller, &user.id)
        .await
        .map_err(|e| Error001::for_user(e, &id))?;
    let parties = partners(&roster, &caller, std::slice::from_ref(&deleted)).await?;
    Ok(Export::ok(dto::users_node(&[deleted], &parties)))
}
