//! `/api/user/management/v4/users`: the V4 user resource as a JSON:API document (the seed lists
//! the resource's *attributes*, *relationships* and *meta*):
//!
//! ```json
//! {"data": {"type": "users", "id": "usr_…",
//!   "attributes": {"name", "username", "user_flags", "contact_details": {"email",
//!     "telephone_number_E123"}, "registration_information": {"registration_state",
//!     "registration_time"}, "external_id"},
//!   "relationships": {"default_user_profile": {"data": {"type": "user_profiles", "id": "usr_…"}}},
//!   "meta": {"security": {"role", "status", "has_password"}, "created_at", "updated_at", "version"},
//!   "links": {"self": "/api/user/management/v4/users/usr_…"}},
//!  "included": [the default user profile]}
//! ```
//!
//! Requests send `{"data": {"type": "users", "attributes": {…}}}` or, leniently, the attributes
//! object alone. `PATCH` is a merge patch of the attributes.

use http::{header, StatusCode, Uri};
use serde_json::{json, Map, Value};

use super::{encode, login_name, refuse_service_field, JsonDoc};
use roster_shared::domain::{
    Email, Emails, ExternalId, Flag, PersonName, Phone, Profile, RegistrationState, Status, User,
    UserId, Username,
};
use roster_shared::error::{Conflict, Resource};
use roster_shared::http::{etag, ObjectReader, PagingSpec};
use roster_shared::service::{ListPage, NewUser, Patch, UserChanges};
use roster_shared::Error;

pub const BASE: &str = "/api/user/management/v4/users";
/// The JSON:API media type, for responses.
pub const MEDIA: &str = "application/vnd.api+json";

type Result<T> = std::result::Result<T, Error>;

pub fn self_link(user: &UserId) -> String {
    format!("{BASE}/{user}")
}

/// The user as a JSON:API resource object.
pub fn resource(user: &User) -> Value {
    json!({
        "type": "users",
        "id": user.id,
        "attributes": {
            "name": user.name,
            "username": user.username,
            "user_flags": user.flags,
            "contact_details": {
                "email": user.emails.primary(),
                "telephone_number_E123": user.phone,
            },
            "registration_information": {
                "registration_state": user.registration.state,
                "registration_time": user.registration.time,
            },
            "external_id": user.external_id,
        },
        "relationships": {
            "default_user_profile": {
                "data": {"type": "user_profiles", "id": user.id},
                "links": {"related": format!("/v1/users/{}/profile", user.id)},
            }
        },
        "meta": {
            "security": {
                "role": user.role,
                "status": user.status,
                "has_password": user.password_hash.is_some(),
            },
            "created_at": user.created_at,
            "updated_at": user.updated_at,
            "version": user.version,
        },
        "links": {"self": self_link(&user.id)},
    })
}

/// The default user profile as a JSON:API resource object.
fn profile_resource(profile: &Profile) -> Value {
    json!({
        "type": "user_profiles",
        "id": profile.user_id,
        "attributes": {
            "name": profile.name,
            "is_default": profile.is_default,
            "timezone": profile.timezone,
            "preferences": profile.preferences,
        },
        "meta": {
            "created_at": profile.created_at,
            "updated_at": profile.updated_at,
        },
    })
}

/// A V4 client expects a deleted user to be gone: a deleted user is 404 on this resource
/// (natively it stays readable, as `DELETED`).
pub fn live(user: User) -> Result<User> {
    if user.status == Status::Deleted {
        return Err(Error::NotFound(Resource::User));
    }
    Ok(user)
}

/// A change refused because the user is deleted: 404 on this resource, like a read.
pub fn gone(error: Error) -> Error {
    match error {
        Error::Conflict(Conflict::UserDeleted, _) => Error::NotFound(Resource::User),
        other => other,
    }
}

/// A single-user document, its default profile included.
pub fn single(status: StatusCode, user: &User, profile: &Profile) -> JsonDoc {
    let body = json!({
        "data": resource(user),
        "included": [profile_resource(profile)],
    });
    JsonDoc::new(status, body, MEDIA).header(header::ETAG, etag(user.version))
}

/// `page[size]` (1–100, default 10) with `page[number]` (from 1) or `page[cursor]`.
pub const PAGING: PagingSpec = PagingSpec {
    limit: "page[size]",
    page: "page[number]",
    cursor: "page[cursor]",
    max_limit: 100,
    lenient: false,
};

/// The index document: `{data, meta: {total_items, items_per_page, current_page, total_pages},
/// links: {self, next}}`.
pub fn index_body(page: &ListPage<User>, uri: &Uri, filters: &[(&str, String)]) -> Value {
    let next = page.next_cursor.as_ref().map(|cursor| {
        let mut query = vec![
            format!("{}={}", encode("page[size]"), page.items_per_page),
            format!("{}={}", encode("page[cursor]"), encode(cursor)),
        ];
        query.extend(
            filters
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v))),
        );
        format!("{BASE}?{}", query.join("&"))
    });
    json!({
        "data": page.items.iter().map(resource).collect::<Vec<_>>(),
        "meta": {
            "total_items": page.total_items,
            "items_per_page": page.items_per_page,
            "current_page": page.current_page,
            "total_pages": page.total_pages,
        },
        "links": {
            "self": uri.path_and_query().map_or(BASE, |p| p.as_str()),
            "next": next,
        },
    })
}

/// A request document: the `data` member (when JSON:API) and the attributes reader.
struct Document {
    data: ObjectReader,
    attributes: ObjectReader,
}

impl Document {
    /// Reads `{"data": {"type": "users", "id"?, "attributes": {…}}}` or a bare attributes
    /// object. `path_id` is the id of the user being patched (none when creating).
    fn read(body: Value, path_id: Option<&UserId>) -> Result<Self> {
        let Value::Object(mut top) = body else {
            return Err(Error::field(
                "body",
                "must be a JSON object: {\"data\": {\"type\": \"users\", \"attributes\": {…}}}",
            ));
        };
        let Some(data) = top.remove("data") else {
            return Ok(Self {
                data: ObjectReader::new(Map::new()),
                attributes: ObjectReader::new(top),
            });
        };
        let mut outer = ObjectReader::new(top);
        for member in ["jsonapi", "meta", "links", "included"] {
            outer.ignore(member);
        }
        let Value::Object(data) = data else {
            return Err(Error::field("data", "must be a users resource object"));
        };
        let mut reader = ObjectReader::new(data).with_prefix("data.");
        reader.absorb(outer);
        let kind = reader.parsed("type", |t| {
            if t == "users" {
                Ok(())
            } else {
                Err("must be \"users\"".to_string())
            }
        });
        if matches!(kind, Patch::Clear) {
            reader.reject("type", "must be \"users\"");
        }
        let id = reader.parsed("id", |v| Ok::<_, String>(v.to_string()));
        match (path_id, id) {
            (None, Patch::Set(_) | Patch::Clear) => {
                reader.reject("id", "is assigned by the server");
            }
            (Some(path), Patch::Set(given)) if given != path.as_str() => {
                reader.reject("id", "must be the id in the path");
            }
            (Some(_), Patch::Clear) => {
                reader.reject("id", "must be the id in the path (or left out)");
            }
            _ => {}
        }
        // Read-only members a client may echo back.
        for member in ["relationships", "meta", "links"] {
            reader.ignore(member);
        }
        let present = reader.has("attributes");
        let attributes = match reader.object("attributes") {
            Patch::Set(attributes) => attributes,
            // A patch may change nothing.
            Patch::Keep if path_id.is_some() && !present => {
                ObjectReader::new(Map::new()).with_prefix("data.attributes.")
            }
            other => {
                // Not an object (its error is recorded), or missing or null: nothing to read.
                if !matches!(other, Patch::Keep) || !present {
                    reader.reject("attributes", "is required (an object)");
                }
                reader.finish()?;
                return Err(Error::field("data.attributes", "is required (an object)"));
            }
        };
        Ok(Self {
            data: reader,
            attributes,
        })
    }

    fn finish(mut self) -> Result<()> {
        self.data.absorb(self.attributes);
        self.data.finish()
    }
}

/// `contact_details` → the email patch (and whether an email was there), the telephone patch.
fn contact_details(reader: &mut ObjectReader) -> ((Patch<Email>, bool), Patch<Phone>) {
    match reader.object("contact_details") {
        Patch::Set(mut contact) => {
            let email_present = contact.has("email");
            let email = contact.parsed("email", Email::parse);
            let phone = contact.parsed("telephone_number_E123", Phone::parse);
            reader.absorb(contact);
            ((email, email_present), phone)
        }
        Patch::Clear => ((Patch::Clear, false), Patch::Clear),
        Patch::Keep => ((Patch::Keep, false), Patch::Keep),
    }
}

/// `registration_information` → the state patch (`registration_time` is read-only).
fn registration(reader: &mut ObjectReader) -> Patch<RegistrationState> {
    match reader.object("registration_information") {
        Patch::Set(mut info) => {
            let state = info.parsed("registration_state", RegistrationState::parse);
            if info.has("registration_time") {
                info.ignore("registration_time");
                info.reject(
                    "registration_time",
                    "is read-only: the server sets it when the state becomes REGISTERED",
                );
            }
            reader.absorb(info);
            state
        }
        Patch::Clear => Patch::Clear,
        Patch::Keep => Patch::Keep,
    }
}

fn flags(reader: &mut ObjectReader) -> Patch<Vec<Flag>> {
    reader.list("user_flags", Flag::parse)
}

/// A create request → a new user (registration state UNREGISTERED unless given).
pub fn new_user(body: Value) -> Result<NewUser> {
    let mut doc = Document::read(body, None)?;
    let a = &mut doc.attributes;
    refuse_service_field(a);
    let name = a.required("name", PersonName::parse);
    let username_present = a.has("username");
    let username = a.parsed("username", Username::parse);
    let ((email, email_present), phone) = contact_details(a);
    let email_present = email_present && !matches!(email, Patch::Clear);
    let email = email.given();
    let username = login_name(
        a,
        (username, username_present),
        (email.as_ref(), email_present),
        "contact_details.email",
    );
    let flags = flags(a);
    let state = registration(a);
    if matches!(state, Patch::Clear) {
        a.reject(
            "registration_information.registration_state",
            "must be UNREGISTERED or REGISTERED",
        );
    }
    let external_id = a.parsed("external_id", ExternalId::parse);
    doc.finish()?;
    Ok(NewUser {
        username,
        name,
        emails: Emails::default().with_primary(email),
        phone: phone.given(),
        external_id: external_id.given(),
        flags: flags.given().unwrap_or_default(),
        registration_state: state.given(),
        ..NewUser::default()
    })
}

/// A merge patch of the attributes → the changes.
pub fn user_changes(body: Value, id: &UserId) -> Result<UserChanges> {
    let mut doc = Document::read(body, Some(id))?;
    let a = &mut doc.attributes;
    refuse_service_field(a);
    let name = a.parsed("name", PersonName::parse);
    let name = a.not_null("name", name);
    let username = a.parsed("username", Username::parse);
    let username = a.not_null("username", username);
    let ((primary_email, _), phone) = contact_details(a);
    let flags = match flags(a) {
        Patch::Clear => Some(Vec::new()),
        other => other.given(),
    };
    let state = registration(a);
    let registration_state = a.not_null("registration_information.registration_state", state);
    let external_id = a.parsed("external_id", ExternalId::parse);
    doc.finish()?;
    Ok(UserChanges {
        username,
        name,
        primary_email,
        phone,
        external_id,
        flags,
        registration_state,
        ..UserChanges::default()
    })
}
