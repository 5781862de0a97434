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

use serde_json::{json, Value};

use super::{encode, login_name, refuse_service_field};
use roster_shared::domain::{
    Email, Emails, ExternalId, Flag, PersonName, Phone, RegistrationState, User, Username,
};
use roster_shared::http::ObjectReader;
use roster_shared::service::{NewUser, Patch, UserChanges};
use roster_shared::Error;

pub const BASE: &str = "/api/management/user";
pub const MEDIA: &str = "application/json";

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

pub fn location(user: &User) -> String {
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

/// The `POST` body: `{email, name, cid?, telephone_number_E123?, user_flags?,
/// registration_state?, username?}` → the new user.
pub fn new_user(body: Value) -> Result<NewUser> {
    let mut reader = object(body)?;
    let name = reader.required("name", PersonName::parse);
    let fields = read_fields(&mut reader);
    let email_present = fields.email_present && !matches!(fields.email, Patch::Clear);
    let email = fields.email.given();
    let username = login_name(
        &mut reader,
        (fields.username, fields.username_present),
        (email.as_ref(), email_present),
        "email",
    );
    let state = reader.not_null("registration_state", fields.state);
    reader.finish()?;
    Ok(NewUser {
        username,
        name,
        emails: Emails::default().with_primary(email),
        phone: fields.phone.given(),
        external_id: fields.cid.given(),
        flags: fields.flags.given().unwrap_or_default(),
        registration_state: state,
        ..NewUser::default()
    })
}

/// The `PUT` body: the fields it gives (`email` changes the address the user is known by;
/// `null` removes `cid`, `telephone_number_E123`, `user_flags`).
pub fn user_changes(body: Value) -> Result<UserChanges> {
    let mut reader = object(body)?;
    let name = reader.parsed("name", PersonName::parse);
    let name = reader.not_null("name", name);
    let fields = read_fields(&mut reader);
    let username = reader.not_null("username", fields.username);
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
    let state = reader.not_null("registration_state", fields.state);
    reader.finish()?;
    Ok(UserChanges {
        username,
        name,
        primary_email: email,
        phone: fields.phone,
        external_id: fields.cid,
        flags: match fields.flags {
            Patch::Clear => Some(Vec::new()),
            other => other.given(),
        },
        registration_state: state,
        ..UserChanges::default()
    })
}
