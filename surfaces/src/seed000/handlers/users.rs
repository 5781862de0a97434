//! Seed 000's user routes (users function): `GET /api/v1/user` lists the organization's
//! users, `PUT /api/v1/user` with `{name, password}` adds the user of that name or sets its
//! password, `DELETE /api/v1/user/{name}` (soft) deletes it.

use axum::extract::State;
use http::StatusCode;
use serde_json::Value;

use crate::seed000::dto::{put_user_body, PutUser, UserView};
use crate::seed000::error::Result;
use roster_shared::domain::UserFilter;
use roster_shared::http::{Caller, Doc, JsonBody, Manager, UsernamePath};
use roster_shared::service::Roster;

/// 200 with every live user of the organization, as `[{name}]` (no paging: the seed has none).
pub async fn list_users(State(roster): State<Roster>, Caller(caller): Caller) -> Result<Doc> {
    let users = roster
        .list_all_users(&caller, UserFilter::default())
        .await?;
    let data: Vec<UserView> = users.iter().map(UserView::from).collect();
    Ok(Doc::ok(data))
}

/// 201 `{name}` when the user was added, 200 `{name}` when its password was set.
pub async fn put_user(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    JsonBody(body): JsonBody<Value>,
) -> Result<Doc> {
    let PutUser { name, password } = put_user_body(body)?;
    let (user, created) = roster
        .set_password_by_username(&caller, name, password)
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(Doc::with_status(status, UserView::from(&user)))
}

/// 204: the user is soft-deleted (its name is free again; see the native `DELETE /v1/users/{id}`).
pub async fn delete_user(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    UsernamePath(name): UsernamePath,
) -> Result<StatusCode> {
    let user = roster.user_by_username(&caller, &name).await?;
    roster.delete_user(&caller, &user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
