//! Route handlers: extract → service → respond.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode, Uri};
use serde_json::{json, Value};

use crate::native::dto::{self, DeletedView, IssuedKeyView, KeyView, ProfileView, UserView};
use roster_shared::clock;
use roster_shared::domain::{Email, ExternalId, Profile, Status, User, Username, LANGUAGES};
use roster_shared::error::Problems;
use roster_shared::http::{
    etag, page_body, Caller, Doc, IfMatch, JsonBody, KeyIdPath, Manager, NewUsernamePath,
    OptionalJsonBody, PagingSpec, QueryParams, UserIdPath,
};
use roster_shared::service::{Roster, MAX_BATCH};
use roster_shared::store::UserFilter;
use roster_shared::Error;

use super::Paged;
use crate::native::error::Result;

fn user_doc(user: &User) -> Doc {
    Doc::ok(UserView::from(user)).header(header::ETAG, &etag(user.version))
}

fn profile_doc(profile: &Profile) -> Doc {
    Doc::ok(ProfileView::from(profile)).header(header::ETAG, &etag(profile.version))
}

fn user_location(user: &User) -> String {
    format!("/v1/users/{}", user.id)
}

pub async fn list_users(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    uri: Uri,
    query: QueryParams,
) -> Result<Doc> {
    let mut problems = Problems::default();
    let paging = query.paging(&PagingSpec::NATIVE, &mut problems);
    let filter = UserFilter {
        status: query.parse("status", &mut problems, Status::parse),
        updated_since: query.parse("updatedSince", &mut problems, |v| {
            clock::parse_since(v)
                .ok_or_else(|| "must be a date (2024-01-31) or an RFC 3339 date-time".to_string())
        }),
        username: query.parse("username", &mut problems, Username::parse),
        email: query.parse("email", &mut problems, Email::parse),
        external_id: query.parse("externalId", &mut problems, ExternalId::parse),
    };
    problems.finish()?;
    let page = roster
        .list_users(&caller, filter, &paging)
        .await?
        .map(|u| UserView::from(&u));
    Ok(Doc::ok(page_body(&page, &uri)))
}

/// One object → 201 with `Location`; an array (≤ 100) → 200 with a result per item.
pub async fn create_users(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response> {
    match body {
        Value::Array(items) => {
            if items.len() > MAX_BATCH {
                return Err(Error::field(
                    "body",
                    format!("must hold at most {MAX_BATCH} items"),
                ));
            }
            let commands = items
                .into_iter()
                .enumerate()
                .map(|(i, item)| {
                    dto::object(item, &format!("[{i}]"))
                        .and_then(|m| dto::new_user(m, &format!("[{i}].")))
                })
                .collect();
            let results = roster.create_users(&caller, commands).await?;
            let results: Vec<Value> = results
                .iter()
                .enumerate()
                .map(|(index, result)| match result {
                    Ok(user) => json!({"index": index, "id": user.id, "status": 201}),
                    Err(e) => {
                        let mut item = json!({"index": index, "status": e.status(), "code": e.code(), "detail": e.detail()});
                        if !e.field_errors().is_empty() {
                            item["errors"] = json!(e.field_errors());
                        }
                        item
                    }
                })
                .collect();
            Ok(Doc::ok(json!({ "results": results })).into_response())
        }
        Value::Object(map) => {
            let command = dto::new_user(map, "")?;
            let user = roster.create_user(&caller, command).await?;
            Ok(Doc::created(UserView::from(&user), &user_location(&user))
                .header(header::ETAG, &etag(user.version))
                .into_response())
        }
        _ => Err(Error::field(
            "body",
            "must be a user object or an array of them",
        )),
    }
}

pub async fn get_user(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    UserIdPath(id): UserIdPath,
) -> Result<Doc> {
    let user = roster.get_user(&caller, &id).await?;
    Ok(user_doc(&user))
}

pub async fn patch_user(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    UserIdPath(id): UserIdPath,
    IfMatch(if_match): IfMatch,
    JsonBody(body): JsonBody<Value>,
) -> Result<Doc> {
    let changes = dto::user_changes(dto::object(body, "body")?)?;
    let user = roster.update_user(&caller, &id, changes, if_match).await?;
    Ok(user_doc(&user))
}

pub async fn delete_user(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    UserIdPath(id): UserIdPath,
) -> Result<StatusCode> {
    roster.delete_user(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn upsert_user(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    NewUsernamePath(username): NewUsernamePath,
    JsonBody(body): JsonBody<Value>,
) -> Result<Response> {
    let mut map = dto::object(body, "body")?;
    if let Some(given) = map.remove("username") {
        if given.as_str() != Some(username.as_str()) {
            return Err(Error::field(
                "username",
                "must match the username in the path (rename with PATCH)",
            ));
        }
    }
    let command = dto::new_user(map, "")?;
    let (user, created) = roster.upsert_user(&caller, username, command).await?;
    let doc = if created {
        Doc::created(UserView::from(&user), &user_location(&user))
    } else {
        Doc::ok(UserView::from(&user))
    };
    Ok(doc
        .header(header::ETAG, &etag(user.version))
        .into_response())
}

pub async fn list_deleted(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    paged: Paged,
) -> Result<Doc> {
    let page = roster.list_deleted(&caller, &paged.paging).await?;
    Ok(paged.doc(page, |r| DeletedView::from(r)))
}

pub async fn get_profile(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    UserIdPath(id): UserIdPath,
) -> Result<Doc> {
    let profile = roster.get_profile(&caller, &id).await?;
    Ok(profile_doc(&profile))
}

pub async fn patch_profile(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    UserIdPath(id): UserIdPath,
    IfMatch(if_match): IfMatch,
    JsonBody(body): JsonBody<Value>,
) -> Result<Doc> {
    let changes = dto::profile_changes(dto::object(body, "body")?)?;
    let profile = roster
        .update_profile(&caller, &id, changes, if_match)
        .await?;
    Ok(profile_doc(&profile))
}

pub async fn list_keys(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    UserIdPath(id): UserIdPath,
) -> Result<Doc> {
    let keys = roster.list_keys(&caller, &id).await?;
    let data: Vec<KeyView> = keys.iter().map(KeyView::from).collect();
    Ok(Doc::ok(json!({ "data": data })))
}

pub async fn issue_key(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    UserIdPath(id): UserIdPath,
    OptionalJsonBody(body): OptionalJsonBody<Value>,
) -> Result<Doc> {
    if let Some(body) = body {
        // Nothing is configurable yet; an empty object is accepted for clients that always send one.
        let map = dto::object(body, "body")?;
        roster_shared::http::ObjectReader::new(map).finish()?;
    }
    let issued = roster.issue_key(&caller, &id).await?;
    let location = format!("/v1/users/{}/api-keys/{}", id, issued.record.key_id);
    Ok(Doc::created(IssuedKeyView::from(&issued), &location)
        .header(header::CACHE_CONTROL, "no-store"))
}

pub async fn revoke_key(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    UserIdPath(id): UserIdPath,
    KeyIdPath(key): KeyIdPath,
) -> Result<StatusCode> {
    roster.revoke_key(&caller, &id, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn get_me(State(roster): State<Roster>, Caller(caller): Caller) -> Result<Doc> {
    Ok(user_doc(&roster.me(&caller).await?))
}

pub async fn patch_me(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    IfMatch(if_match): IfMatch,
    JsonBody(body): JsonBody<Value>,
) -> Result<Doc> {
    let changes = dto::me_changes(dto::object(body, "body")?)?;
    Ok(user_doc(
        &roster.update_me(&caller, changes, if_match).await?,
    ))
}

pub async fn get_my_profile(State(roster): State<Roster>, Caller(caller): Caller) -> Result<Doc> {
    let profile = roster.get_profile(&caller, &caller.user_id).await?;
    Ok(profile_doc(&profile))
}

pub async fn patch_my_profile(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    IfMatch(if_match): IfMatch,
    JsonBody(body): JsonBody<Value>,
) -> Result<Doc> {
    let changes = dto::profile_changes(dto::object(body, "body")?)?;
    let profile = roster
        .update_profile(&caller, &caller.user_id, changes, if_match)
        .await?;
    Ok(profile_doc(&profile))
}

pub async fn languages(Caller(_caller): Caller) -> Result<Doc> {
    let data: Vec<Value> = LANGUAGES
        .iter()
        .map(|(code, name, native)| json!({"code": code, "name": name, "nativeName": native}))
        .collect();
    Ok(Doc::ok(json!({ "data": data })))
}
