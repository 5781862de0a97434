//! Seed 000 (User Management v1), its user routes: `GET /api/v1/user` lists the organization's
//! users, `PUT /api/v1/user` with `{name, password}` adds the user of that name or sets its
//! password, `DELETE /api/v1/user/{name}` (soft) deletes it. `ApManager` keys only. Errors are the
//! native problem+json ([`Seed000Error`]); the party routes live in the party function.

use axum::extract::{Path, State};
use http::{Method, StatusCode};
use serde::Serialize;
use serde_json::Value;

use roster_shared::domain::{User, Username};
use roster_shared::http::seed000::{Seed000Caller, Seed000Error};
use roster_shared::http::{Doc, JsonBody, ObjectReader, RouteSet};
use roster_shared::password::Password;
use roster_shared::service::{Patch, Roster};
use roster_shared::store::UserFilter;
use roster_shared::Error;

type Result<T> = std::result::Result<T, Seed000Error>;

/// The seed's user routes, as `template.yaml` declares them (users function).
pub fn routes() -> RouteSet {
    RouteSet::new()
        .add(Method::GET, "/api/v1/user", list_users)
        .add(Method::PUT, "/api/v1/user", put_user)
        .add(Method::DELETE, "/api/v1/user/{name}", delete_user)
}

/// A user as seed 000 knows it: its name (the username). The password is never shown.
#[derive(Serialize)]
struct UserView {
    name: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            name: user.username.to_string(),
        }
    }
}

/// `{name, password}`: both required.
struct PutUser {
    name: Username,
    password: Password,
}

fn put_user_body(body: Value) -> std::result::Result<PutUser, Error> {
    let Value::Object(map) = body else {
        return Err(Error::field("body", "must be a JSON object"));
    };
    let mut reader = ObjectReader::new(map);
    let name = required(&mut reader, "name", |r, f| r.parsed(f, Username::parse));
    let password = required(&mut reader, "password", |r, f| r.parsed(f, Password::parse));
    reader.finish()?;
    match (name, password) {
        (Some(name), Some(password)) => Ok(PutUser { name, password }),
        _ => Err(Error::internal("seed 000 user fields checked above")),
    }
}

/// Reads an obligatory field with `read`: left out or `null` is "is required"; an invalid value
/// keeps the error `read` recorded.
fn required<T>(
    reader: &mut ObjectReader,
    field: &str,
    read: impl FnOnce(&mut ObjectReader, &str) -> Patch<T>,
) -> Option<T> {
    let present = reader.has(field);
    match read(reader, field) {
        Patch::Set(v) => Some(v),
        Patch::Clear => {
            reader.reject(field, "is required");
            None
        }
        Patch::Keep => {
            if !present {
                reader.reject(field, "is required");
            }
            None
        }
    }
}

/// A username in a path: one that cannot exist is not found.
fn username(raw: &str) -> std::result::Result<Username, Error> {
    Username::parse(raw).map_err(|_| Error::NotFound("user"))
}

/// 200 with every live user of the organization, as `[{name}]` (no paging: the seed has none).
pub async fn list_users(
    State(roster): State<Roster>,
    Seed000Caller(caller): Seed000Caller,
) -> Result<Doc> {
    let users = roster
        .list_all_users(&caller, UserFilter::default())
        .await?;
    let data: Vec<UserView> = users.iter().map(UserView::from).collect();
    Ok(Doc::ok(data))
}

/// 201 `{name}` when the user was added, 200 `{name}` when its password was set.
pub async fn put_user(
    State(roster): State<Roster>,
    Seed000Caller(caller): Seed000Caller,
    body: std::result::Result<JsonBody<Value>, Error>,
) -> Result<Doc> {
    caller.require_manager()?;
    let PutUser { name, password } = put_user_body(body?.0)?;
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
    Seed000Caller(caller): Seed000Caller,
    Path(name): Path<String>,
) -> Result<StatusCode> {
    let user = roster.user_by_username(&caller, &username(&name)?).await?;
    roster.delete_user(&caller, &user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(body: Value) -> Vec<(String, String)> {
        match put_user_body(body) {
            Err(Error::Validation(errors)) => {
                errors.into_iter().map(|e| (e.field, e.message)).collect()
            }
            Err(other) => vec![("error".into(), other.to_string())],
            Ok(_) => vec![],
        }
    }

    #[test]
    fn name_and_password_are_both_required() {
        assert_eq!(
            fields(json!({})),
            [
                ("name".to_string(), "is required".to_string()),
                ("password".to_string(), "is required".to_string())
            ]
        );
        assert_eq!(
            fields(json!({"name": "alice", "password": null})),
            [("password".to_string(), "is required".to_string())]
        );
    }

    #[test]
    fn bad_values_and_unknown_fields_are_named() {
        let cases = [
            (json!({"name": "a b", "password": "long enough"}), "name"),
            (json!({"name": "alice", "password": "short"}), "password"),
            (json!({"name": 7, "password": "long enough"}), "name"),
            (
                json!({"name": "alice", "password": "long enough", "role": "ApManager"}),
                "role",
            ),
        ];
        for (body, field) in cases {
            let found = fields(body.clone());
            assert_eq!(found.len(), 1, "{body}: {found:?}");
            assert_eq!(found[0].0, field, "{body}: {found:?}");
        }
        assert_eq!(
            fields(json!(["alice"])),
            [("body".to_string(), "must be a JSON object".to_string())]
        );
    }
}
