//! Route handlers: extract → service → respond, every failure in the seed's format.

use axum::extract::State;
use serde_json::Value;

use crate::seed001::doc::Export;
use crate::seed001::dto;
use crate::seed001::error::Result;
use crate::seed001::extract::RequestUrl;
use roster_shared::auth::Principal;
use roster_shared::domain::UserFilter;
use roster_shared::domain::{PartyInfo, User};
use roster_shared::error::Problems;
use roster_shared::http::{JsonBody, Manager, UserRefPath};
use roster_shared::service::{ListPage, Roster};

/// The registered business partners of `users`, looked up once.
async fn partners(roster: &Roster, caller: &Principal, users: &[User]) -> Result<Vec<PartyInfo>> {
    roster.parties_by_id(caller, &dto::partner_ids(users)).await
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
    Manager(caller): Manager,
    url: RequestUrl,
) -> Result<Export> {
    let query = &url.params;
    let mut problems = Problems::default();
    let paging = query.paging(&dto::PAGING, &mut problems);
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
                .map_err(|e| e.named(&id))?;
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
    Manager(caller): Manager,
    url: RequestUrl,
) -> Result<Export> {
    let mut problems = Problems::default();
    let updated_since = dto::update_date(&url.params, &mut problems);
    let paging = url.params.paging(&dto::PAGING, &mut problems);
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
    Manager(caller): Manager,
    JsonBody(body): JsonBody<Value>,
) -> Result<Export> {
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
            failure.error.with_field_prefix(&prefix)
        })?;
    let parties = partners(&roster, &caller, &users).await?;
    Ok(Export::created(dto::users_node(&users, &parties)))
}

/// `PUT /User/update/{id}`: 200 with `{data: [the user]}`; left-out fields keep their values.
pub async fn update(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    UserRefPath(id): UserRefPath,
    JsonBody(body): JsonBody<Value>,
) -> Result<Export> {
    let changes = dto::user_changes(body)?;
    let user = roster
        .user_by_id_or_external_id(&caller, &id)
        .await
        .map_err(|e| e.named(&id))?;
    let user = roster
        .update_user(&caller, &user.id, changes, None)
        .await
        .map_err(|e| e.named(&id))?;
    let parties = partners(&roster, &caller, std::slice::from_ref(&user)).await?;
    Ok(Export::ok(dto::users_node(&[user], &parties)))
}

/// `DELETE /User/delete/{id}`: the soft delete (username, email and idRemote released, a
/// deleted-history record written); 200 with `{data: [the deleted user]}`. Deleting a deleted
/// user (by its server id) changes nothing.
pub async fn delete(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    UserRefPath(id): UserRefPath,
) -> Result<Export> {
    let user = roster
        .user_by_id_or_external_id(&caller, &id)
        .await
        .map_err(|e| e.named(&id))?;
    roster
        .delete_user(&caller, &user.id)
        .await
        .map_err(|e| e.named(&id))?;
    let deleted = roster
        .get_user(&caller, &user.id)
        .await
        .map_err(|e| e.named(&id))?;
    let parties = partners(&roster, &caller, std::slice::from_ref(&deleted)).await?;
    Ok(Export::ok(dto::users_node(&[deleted], &parties)))
}
