//! The legacy routes of seed 002's migration guide, `/api/management/user`: users are named by
//! email and shown as flat objects (`cid` is the legacy name of `external_id`):
//!
//! ```json
//! {"id": "usr_…", "username": "…", "email": "…", "name": "…", "cid": "…",
//!  "telephone_number_E123": "…", "user_flags": […], "registration_state": "UNREGISTERED",
//!  "registration_time": null}
//! ```
//!
//! `GET` lists every live user (optionally `?email=` / `?cid=`), `POST` creates one, `PUT
//! /{email}` changes the fields it gives, `DELETE /{email}` soft-deletes. The retired `service`
//! parameter is refused, pointing to the Management licenses v4 API.

use axum::extract::State;
use http::{header, StatusCode};
use serde_json::{json, Value};

use super::{
    encode, login_name, not_null, refuse_service_field, refuse_service_query, required, segment,
    set, JsonDoc, Segment,
};
use roster_shared::domain::{
    Email, Emails, ExternalId, Flag, PersonName, Phone, RegistrationState, User, Username,
};
use roster_shared::error::Problems;
use roster_shared::http::{Caller, JsonBody, ObjectReader, QueryParams};
use roster_shared::service::{NewUser, Patch, Roster, UserChanges, UserRef};
use roster_shared::store::UserFilter;
use roster_shared::Error;

pub const BASE: &str = "/api/management/user";
const MEDIA: &str = "application/json";

type Result<T> = std::result::Result<T, Error>;

/// The user as the legacy routes show it.
pub fn legacy_user(user: &User) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "email": user.emails.primary(),
        "name": user.name,
        "cid": user.external_id,
        "telephone_number_E123": user.phone,
        "user_flags": user.flags,
        "registration_state": user.registration.state,
        "registration_time": user.registration.time,
    })
}

fn location(user: &User) -> String {
    match user.emails.primary() {
        Some(email) => format!("{BASE}/{}", encode(email.as_str())),
        None => BASE.to_string(),
    }
}

fn object(body: Value) -> Result<ObjectReader> {
    match body {
        Value::Object(map) => Ok(ObjectReader::new(map)),
        _ => Err(Error::field("body", "must be a JSON object")),
    }
}

/// The legacy fields both `POST` and `PUT` read.
struct Fields {
    username: Patch<Username>,
    username_present: bool,
    email: Patch<Email>,
    email_present: bool,
    cid: Patch<ExternalId>,
    phone: Patch<Phone>,
    flags: Patch<Vec<Flag>>,
    state: Patch<RegistrationState>,
}

fn read_fields(reader: &mut ObjectReader) -> Fields {
    refuse_service_field(reader);
    for read_only in ["id", "registration_time"] {
        if reader.has(read_only) {
            reader.ignore(read_only);
            reader.reject(read_only, "is read-only");
        }
    }
    let username_present = reader.has("username");
    let email_present = reader.has("email");
    Fields {
        username: reader.parsed("username", Username::parse),
        username_present,
        email: reader.parsed("email", Email::parse),
        email_present,
        cid: reader.parsed("cid", ExternalId::parse),
        phone: reader.parsed("telephone_number_E123", Phone::parse),
        flags: reader.list("user_flags", Flag::parse),
        state: reader.parsed("registration_state", RegistrationState::parse),
    }
}

/// `GET /api/management/user`: every live user (active and inactive) as an array, optionally
/// only the one holding `email` or `cid`.
pub async fn list(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    query: QueryParams,
) -> Result<JsonDoc> {
    refuse_service_query(&query)?;
    let mut problems = Problems::default();
    let filter = UserFilter {
        email: query.parse("email", &mut problems, Email::parse),
        external_id: query.parse("cid", &mut problems, ExternalId::parse),
        ..UserFilter::default()
    };
    problems.finish()?;
    let users = roster.list_all_users(&caller, filter).await?;
    let body: Vec<Value> = users.iter().map(legacy_user).collect();
    Ok(JsonDoc::new(StatusCode::OK, json!(body), MEDIA))
}

/// `POST /api/management/user`: `{email, name, cid?, telephone_number_E123?, user_flags?,
/// registration_state?, username?}` → 201 with the user and `Location: …/user/{email}`.
pub async fn create(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    query: QueryParams,
    JsonBody(body): JsonBody<Value>,
) -> Result<JsonDoc> {
    caller.require_manager()?;
    refuse_service_query(&query)?;
    let mut reader = object(body)?;
    let name = required(&mut reader, "name", PersonName::parse);
    let fields = read_fields(&mut reader);
    let email_present = fields.email_present && !matches!(fields.email, Patch::Clear);
    let email = set(fields.email);
    let username = login_name(
        &mut reader,
        (fields.username, fields.username_present),
        (email.as_ref(), email_present),
        "email",
    );
    let state = not_null(&mut reader, "registration_state", fields.state);
    reader.finish()?;
    let new = NewUser {
        username,
        name,
        emails: Emails::default().with_primary(email),
        phone: set(fields.phone),
        external_id: set(fields.cid),
        flags: set(fields.flags).unwrap_or_default(),
        registration_state: state,
        ..NewUser::default()
    };
    let user = roster.create_user(&caller, new).await?;
    Ok(JsonDoc::new(StatusCode::CREATED, legacy_user(&user), MEDIA)
        .header(header::LOCATION, location(&user)))
}

/// The user the path's email names (404 when no live user of the organization holds it).
fn email_ref(raw: &str) -> Result<UserRef> {
    Email::parse(raw)
        .map(UserRef::Email)
        .map_err(|_| Error::NotFound("user"))
}

/// `PUT /api/management/user/{email}`: changes the fields given (`email` changes the address
/// the user is known by; `null` removes `cid`, `telephone_number_E123`, `user_flags`).
pub async fn update(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    email: Segment,
    query: QueryParams,
    JsonBody(body): JsonBody<Value>,
) -> Result<JsonDoc> {
    caller.require_manager()?;
    refuse_service_query(&query)?;
    let target = email_ref(&segment(email)?)?;
    let mut reader = object(body)?;
    let name = reader.parsed("name", PersonName::parse);
    let name = not_null(&mut reader, "name", name);
    let fields = read_fields(&mut reader);
    let username = not_null(&mut reader, "username", fields.username);
    let email = match fields.email {
        Patch::Clear => {
            reader.reject(
                "email",
                "cannot be removed (the legacy API names users by email)",
            );
            Patch::Keep
        }
        other => other,
    };
    let state = not_null(&mut reader, "registration_state", fields.state);
    reader.finish()?;
    let changes = UserChanges {
        username,
        name,
        primary_email: email,
        phone: fields.phone,
        external_id: fields.cid,
        flags: match fields.flags {
            Patch::Clear => Some(Vec::new()),
            other => set(other),
        },
        registration_state: state,
        ..UserChanges::default()
    };
    let (_, user) = roster.update_user_ref(&caller, &target, changes).await?;
    Ok(JsonDoc::new(StatusCode::OK, legacy_user(&user), MEDIA))
}

/// `DELETE /api/management/user/{email}`: soft delete, 204.
pub async fn delete(
    State(roster): State<Roster>,
    Caller(caller): Caller,
    email: Segment,
    query: QueryParams,
) -> Result<StatusCode> {
    refuse_service_query(&query)?;
    let user = roster
        .find_user(&caller, &email_ref(&segment(email)?)?)
        .await?;
    roster.delete_user(&caller, &user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
