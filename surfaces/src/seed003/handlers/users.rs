//! Seed 003's user routes (users function): `GET /User/Index`, `GET /User/Get/{userId}`,
//! `POST /User/Add`, `POST /User/Update`. Every change is recorded as made by the
//! `X-eSignatur-CreatorId` administrator.

use axum::extract::State;
use axum::response::Response;
use http::StatusCode;

use crate::seed003::dto::{
    changes_message, given_user_id, json_response, new_user, user_changes, UserChangeResponse,
    UserModels, UserResponseModel,
};
use crate::seed003::error::{message, Result};
use crate::seed003::extract::EsignaturCaller;
use roster_shared::domain::UserFilter;
use roster_shared::http::UsernamePath;
use roster_shared::service::{Roster, UserRef};
use roster_shared::Error;

/// `GET /User/Index`: every live user of the company (active and deactivated), in creation order.
pub async fn index(
    State(roster): State<Roster>,
    EsignaturCaller(caller): EsignaturCaller,
) -> Result<Response> {
    let users = roster
        .list_all_users(&caller, UserFilter::default())
        .await?;
    let body: Vec<UserResponseModel> = users.iter().map(UserResponseModel::from).collect();
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /User/Get/{userId}`: one user by `UserId` (404 when the company has no such user).
pub async fn get(
    State(roster): State<Roster>,
    EsignaturCaller(caller): EsignaturCaller,
    UsernamePath(username): UsernamePath,
) -> Result<Response> {
    let user = roster
        .find_user(&caller, &UserRef::Username(username))
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &UserResponseModel::from(&user),
    ))
}

/// `POST /User/Add`: an array of `UserModel`; each item is created on its own and answered with
/// a `UserChangeResponseModel` (`Created`, or `ERROR` — e.g. when the `UserId` exists).
pub async fn add(
    State(roster): State<Roster>,
    EsignaturCaller(caller): EsignaturCaller,
    UserModels(items): UserModels,
) -> Result<Response> {
    let ids: Vec<Option<String>> = items.iter().map(given_user_id).collect();
    let commands = items.into_iter().map(new_user).collect();
    let results = roster.create_users(&caller, commands).await?;
    let answers: Vec<UserChangeResponse> = ids
        .into_iter()
        .zip(results)
        .map(|(id, result)| match result {
            Ok(_) => UserChangeResponse::ok(id, "Created"),
            Err(Error::UsernameTaken) => {
                let text = format!("User {} already exists", id.as_deref().unwrap_or_default());
                UserChangeResponse::error(id, text)
            }
            Err(e) => UserChangeResponse::error(id, message(&e)),
        })
        .collect();
    Ok(json_response(StatusCode::OK, &answers))
}

/// `POST /User/Update`: an array of `UserModel`; each item changes only the attributes it gives
/// (`NewUserId` renames, failing when taken) and is answered with the list of its changes.
pub async fn update(
    State(roster): State<Roster>,
    EsignaturCaller(caller): EsignaturCaller,
    UserModels(items): UserModels,
) -> Result<Response> {
    let ids: Vec<Option<String>> = items.iter().map(given_user_id).collect();
    let new_ids: Vec<Option<String>> = items
        .iter()
        .map(|item| {
            item.as_object()?
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("NewUserId"))
                .and_then(|(_, v)| v.as_str())
                .map(str::to_string)
        })
        .collect();
    let commands = items.into_iter().map(user_changes).collect();
    let results = roster.update_users(&caller, commands).await?;
    let answers: Vec<UserChangeResponse> = ids
        .into_iter()
        .zip(new_ids)
        .zip(results)
        .map(|((id, new_id), result)| match result {
            Ok((before, after)) => UserChangeResponse::ok(id, changes_message(&before, &after)),
            Err(Error::UsernameTaken) => {
                let text = format!(
                    "UserId {} already exists",
                    new_id.as_deref().unwrap_or_default()
                );
                UserChangeResponse::error(id, text)
            }
            Err(Error::PreconditionFailed) => UserChangeResponse::error(
                id,
                "The user was changed by another request meanwhile; retry.",
            ),
            Err(e) => UserChangeResponse::error(id, message(&e)),
        })
        .collect();
    Ok(json_response(StatusCode::OK, &answers))
}
