//! Seed 002's wire shapes: the V4 JSON:API documents ([`v4`]) and the legacy flat objects
//! ([`legacy`]), and what both share: the refusal of the retired `service` parameter, the login
//! name (a Roster username, which the seed does not know: `username` when given, else the
//! contact email), the JSON response document.

pub mod legacy;
pub mod v4;

use axum::response::{IntoResponse, Response};
use http::{header, HeaderName, HeaderValue, StatusCode};
use serde_json::Value;

use roster_shared::domain::{Email, Username};
use roster_shared::http::{ObjectReader, QueryParams};

pub use roster_shared::http::encode;
use roster_shared::service::Patch;
use roster_shared::Error;

/// The migration guide's note: "user management API no longer support service parameter, use
/// Management licenses v4 API to mange user licenses".
pub const SERVICE_RETIRED: &str =
    "is no longer supported: use the Management licenses v4 API to manage user licenses";

/// 400 when the query carries the retired `service` parameter.
pub fn refuse_service_query(query: &QueryParams) -> Result<(), Error> {
    if query.get("service").is_some() {
        return Err(Error::field("service", SERVICE_RETIRED));
    }
    Ok(())
}

/// Records an error when a body carries the retired `service` field.
pub fn refuse_service_field(reader: &mut ObjectReader) {
    if reader.has("service") {
        reader.ignore("service");
        reader.reject("service", SERVICE_RETIRED);
    }
}

/// The login name of a new user: `username` when given (`username` is what `reader.parsed`
/// returned for it, `present` whether the field was there), else the contact email when it is
/// a valid username; otherwise an error names what to give. `email` is what was read for the
/// email (`email_present`: whether it was there), `email_field` names it in errors.
pub fn login_name(
    reader: &mut ObjectReader,
    (username, present): (Patch<Username>, bool),
    (email, email_present): (Option<&Email>, bool),
    email_field: &str,
) -> Option<Username> {
    match username {
        Patch::Set(name) => return Some(name),
        // Given but invalid: its error is recorded already.
        Patch::Keep if present => return None,
        Patch::Keep | Patch::Clear => {}
    }
    if email.is_none() && email_present {
        // An invalid email: its error is recorded already.
        return None;
    }
    match email {
        Some(email) => match Username::parse(email.as_str()) {
            Ok(name) => Some(name),
            Err(why) => {
                reader.reject(
                    "username",
                    &format!(
                        "is required because {email_field} cannot serve as the login name (it {why})"
                    ),
                );
                None
            }
        },
        None => {
            reader.reject(
                email_field,
                "is required: it is the user's login name (or give a username)",
            );
            None
        }
    }
}

/// A JSON document with its status, content type and headers.
pub struct JsonDoc {
    status: StatusCode,
    body: Value,
    content_type: &'static str,
    headers: Vec<(HeaderName, String)>,
}

impl JsonDoc {
    pub fn new(status: StatusCode, body: Value, content_type: &'static str) -> Self {
        Self {
            status,
            body,
            content_type,
            headers: Vec::new(),
        }
    }

    pub fn header(mut self, name: HeaderName, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

impl IntoResponse for JsonDoc {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        for (name, value) in self.headers {
            if let Ok(value) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(text: &str) -> Option<Email> {
        Email::parse(text).ok()
    }

    fn fields(reader: ObjectReader) -> Vec<String> {
        match reader.finish() {
            Err(Error::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            _ => vec![],
        }
    }

    #[test]
    fn the_login_name_is_the_username_or_else_the_email() {
        let mut reader = ObjectReader::new(Default::default());
        let alice = Username::parse("alice").ok();
        let given = alice.clone().map_or(Patch::Keep, Patch::Set);
        let a = email("a@x.io");
        assert_eq!(
            login_name(&mut reader, (given, true), (a.as_ref(), true), "email"),
            alice
        );
        assert_eq!(
            login_name(
                &mut reader,
                (Patch::Keep, false),
                (a.as_ref(), true),
                "email"
            ),
            Username::parse("a@x.io").ok()
        );
        assert_eq!(
            login_name(
                &mut reader,
                (Patch::Clear, true),
                (a.as_ref(), true),
                "email"
            ),
            Username::parse("a@x.io").ok(),
            "a null username means: use the email"
        );
        assert_eq!(
            login_name(
                &mut reader,
                (Patch::Keep, true),
                (a.as_ref(), true),
                "email"
            ),
            None,
            "an invalid username is reported where it was read"
        );
        assert_eq!(
            login_name(&mut reader, (Patch::Keep, false), (None, true), "email"),
            None,
            "an invalid email is reported where it was read"
        );
        assert_eq!(fields(reader), Vec::<String>::new());

        let mut reader = ObjectReader::new(Default::default()).with_prefix("data.attributes.");
        let field = "contact_details.email";
        assert_eq!(
            login_name(&mut reader, (Patch::Keep, false), (None, false), field),
            None
        );
        let odd = email("o'neil@x.io");
        assert_eq!(
            login_name(
                &mut reader,
                (Patch::Keep, false),
                (odd.as_ref(), true),
                field
            ),
            None
        );
        assert_eq!(
            fields(reader),
            [
                "data.attributes.contact_details.email",
                "data.attributes.username"
            ]
        );
    }
}
