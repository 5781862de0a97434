//! The native API's JSON shapes (camelCase) and their mapping to domain commands: users,
//! profiles, API keys, parties and authorizations.

use serde::Serialize;
use serde_json::{Map, Value};

use roster_shared::domain::{
    party_text, Attributes, Email, Emails, ExternalId, Flag, Language, Party, PartyId, Permissions,
    PersonName, Phone, Profile, RegistrationState, Role, Status, Username, ValidUntil,
};
use roster_shared::http::ObjectReader;
use roster_shared::password::Password;
use roster_shared::service::{
    AuthorizationState, Grant, IssuedKey, MeChanges, NewParty, NewUser, PartyChanges, Patch,
    ProfileChanges, UserChanges,
};
use roster_shared::store::{DeletedRecord, KeyRecord};
use roster_shared::Error;

pub use roster_shared::http::UserView;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProfileView {
    pub user_id: String,
    pub name: String,
    pub is_default: bool,
    pub timezone: Option<String>,
    pub preferences: std::collections::BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl From<&Profile> for ProfileView {
    fn from(p: &Profile) -> Self {
        Self {
            user_id: p.user_id.to_string(),
            name: p.name.clone(),
            is_default: p.is_default,
            timezone: p.timezone.clone(),
            preferences: p.preferences.as_map().clone(),
            created_at: p.created_at.clone(),
            updated_at: p.updated_at.clone(),
            version: p.version,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedView {
    pub user_id: String,
    pub username: String,
    pub name: String,
    pub external_id: Option<String>,
    pub emails: Vec<String>,
    pub deleted_at: String,
    pub deleted_by: Option<String>,
}

impl From<&DeletedRecord> for DeletedView {
    fn from(r: &DeletedRecord) -> Self {
        Self {
            user_id: r.user_id.to_string(),
            username: r.username.to_string(),
            name: r.name.clone(),
            external_id: r.external_id.as_ref().map(ToString::to_string),
            emails: r.emails.clone(),
            deleted_at: r.deleted_at.clone(),
            deleted_by: r.deleted_by.as_ref().map(ToString::to_string),
        }
    }
}

/// Key metadata: never the key or its hash.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    pub id: String,
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

impl From<&KeyRecord> for KeyView {
    fn from(k: &KeyRecord) -> Self {
        Self {
            id: k.key_id.to_string(),
            prefix: k.prefix.clone(),
            created_at: k.created_at.clone(),
            last_used_at: k.last_used_at.clone(),
        }
    }
}

/// A key just issued: the only time `key` is shown.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedKeyView {
    pub id: String,
    pub key: String,
    pub prefix: String,
    pub created_at: String,
}

impl From<&IssuedKey> for IssuedKeyView {
    fn from(k: &IssuedKey) -> Self {
        Self {
            id: k.record.key_id.to_string(),
            key: k.key.secret.clone(),
            prefix: k.record.prefix.clone(),
            created_at: k.record.created_at.clone(),
        }
    }
}

fn emails(list: Vec<Email>) -> Result<Emails, String> {
    Emails::new(list)
}

fn set<T>(patch: Patch<T>) -> Option<T> {
    match patch {
        Patch::Set(v) => Some(v),
        _ => None,
    }
}

/// Reads the fields shared by create, upsert and patch. `required` fields may not be `null`.
struct UserFields {
    username: Patch<Username>,
    name: Patch<PersonName>,
    emails: Patch<Emails>,
    phone: Patch<Phone>,
    language: Patch<Language>,
    external_id: Patch<ExternalId>,
    business_partner_id: Patch<PartyId>,
    role: Patch<Role>,
    status: Patch<Status>,
    valid_until: Patch<ValidUntil>,
    flags: Patch<Vec<Flag>>,
    registration_state: Patch<RegistrationState>,
    attributes: Patch<Attributes>,
    password: Patch<Password>,
}

fn read_user_fields(reader: &mut ObjectReader) -> UserFields {
    let email_list = reader.list("emails", Email::parse);
    let emails = match email_list {
        Patch::Set(list) => match emails(list) {
            Ok(e) => Patch::Set(e),
            Err(message) => {
                reader.reject("emails", &message);
                Patch::Keep
            }
        },
        Patch::Clear => Patch::Clear,
        Patch::Keep => Patch::Keep,
    };
    let attributes = match reader.string_map("attributes") {
        Patch::Set(map) => match Attributes::new(map) {
            Ok(a) => Patch::Set(a),
            Err(message) => {
                reader.reject("attributes", &message);
                Patch::Keep
            }
        },
        Patch::Clear => Patch::Clear,
        Patch::Keep => Patch::Keep,
    };
    let registration_state = match reader.object("registration") {
        Patch::Set(mut nested) => {
            let state = nested.parsed("state", RegistrationState::parse);
            if let Patch::Clear = state {
                nested.reject("state", "must not be null");
            }
            reader.absorb(nested);
            state
        }
        Patch::Clear => {
            reader.reject("registration", "must not be null");
            Patch::Keep
        }
        Patch::Keep => Patch::Keep,
    };
    UserFields {
        username: reader.parsed("username", Username::parse),
        name: reader.parsed("name", PersonName::parse),
        emails,
        phone: reader.parsed("phone", Phone::parse),
        language: reader.parsed("language", Language::parse),
        external_id: reader.parsed("externalId", ExternalId::parse),
        business_partner_id: reader.parsed("businessPartnerId", PartyId::parse),
        role: reader.parsed("role", Role::parse),
        status: reader.parsed("status", Status::parse),
        valid_until: reader.parsed("validUntil", ValidUntil::parse),
        flags: reader.list("flags", Flag::parse),
        registration_state,
        attributes,
        password: reader.parsed("password", Password::parse),
    }
}

/// A new user from a JSON object (`POST /v1/users`, batch items, upsert). `prefix` names the
/// item in a batch (`[3].`).
pub fn new_user(map: Map<String, Value>, prefix: &str) -> Result<NewUser, Error> {
    let mut reader = ObjectReader::new(map).with_prefix(prefix);
    let f = read_user_fields(&mut reader);
    reader.finish()?;
    Ok(NewUser {
        username: set(f.username),
        name: set(f.name),
        emails: set(f.emails).unwrap_or_default(),
        phone: set(f.phone),
        language: set(f.language),
        external_id: set(f.external_id),
        business_partner_id: set(f.business_partner_id),
        role: set(f.role),
        status: set(f.status),
        valid_until: set(f.valid_until),
        flags: set(f.flags).unwrap_or_default(),
        registration_state: set(f.registration_state),
        attributes: set(f.attributes).unwrap_or_default(),
        surface_data: Default::default(),
        password: set(f.password),
    })
}

/// A merge patch of a user (`PATCH /v1/users/{id}`).
pub fn user_changes(map: Map<String, Value>) -> Result<UserChanges, Error> {
    let mut reader = ObjectReader::new(map);
    let f = read_user_fields(&mut reader);
    for (name, cleared) in [
        ("username", matches!(f.username, Patch::Clear)),
        ("name", matches!(f.name, Patch::Clear)),
        ("language", matches!(f.language, Patch::Clear)),
        ("role", matches!(f.role, Patch::Clear)),
        ("status", matches!(f.status, Patch::Clear)),
        ("password", matches!(f.password, Patch::Clear)),
    ] {
        if cleared {
            reader.reject(name, "cannot be removed");
        }
    }
    reader.finish()?;
    Ok(UserChanges {
        username: set(f.username),
        name: set(f.name),
        emails: match f.emails {
            Patch::Clear => Some(Emails::default()),
            other => set(other),
        },
        primary_email: Patch::Keep,
        phone: f.phone,
        language: set(f.language),
        external_id: f.external_id,
        business_partner_id: f.business_partner_id,
        role: set(f.role),
        status: set(f.status),
        valid_until: f.valid_until,
        flags: match f.flags {
            Patch::Clear => Some(Vec::new()),
            other => set(other),
        },
        registration_state: set(f.registration_state),
        attributes: match f.attributes {
            Patch::Clear => Some(Attributes::default()),
            other => set(other),
        },
        attribute_updates: Default::default(),
        surface_data: Default::default(),
        password: set(f.password),
    })
}

/// What a user may change of itself (`PATCH /v1/me`).
pub fn me_changes(map: Map<String, Value>) -> Result<MeChanges, Error> {
    let mut reader = ObjectReader::new(map);
    let name = reader.parsed("name", PersonName::parse);
    let email_list = reader.list("emails", Email::parse);
    let phone = reader.parsed("phone", Phone::parse);
    let language = reader.parsed("language", Language::parse);
    let password = reader.parsed("password", Password::parse);
    let current_password = reader.parsed("currentPassword", |s| Ok::<_, String>(s.to_string()));
    let emails = match email_list {
        Patch::Set(list) => match Emails::new(list) {
            Ok(e) => Some(e),
            Err(message) => {
                reader.reject("emails", &message);
                None
            }
        },
        Patch::Clear => Some(Emails::default()),
        Patch::Keep => None,
    };
    for (field, cleared) in [
        ("name", matches!(name, Patch::Clear)),
        ("language", matches!(language, Patch::Clear)),
        ("password", matches!(password, Patch::Clear)),
    ] {
        if cleared {
            reader.reject(field, "cannot be removed");
        }
    }
    reader.finish()?;
    Ok(MeChanges {
        name: set(name),
        emails,
        phone,
        language: set(language),
        password: set(password),
        current_password: set(current_password),
    })
}

/// A merge patch of a profile.
pub fn profile_changes(map: Map<String, Value>) -> Result<ProfileChanges, Error> {
    let mut reader = ObjectReader::new(map);
    let name = reader.parsed("name", |s| {
        if (1..=64).contains(&s.chars().count()) && s.trim() == s {
            Ok(s.to_string())
        } else {
            Err("must be 1-64 characters without surrounding whitespace".to_string())
        }
    });
    let timezone = reader.parsed("timezone", Profile::parse_timezone);
    let preferences = match reader.string_map("preferences") {
        Patch::Set(map) => match Attributes::new(map) {
            Ok(a) => Some(a),
            Err(message) => {
                reader.reject("preferences", &message);
                None
            }
        },
        Patch::Clear => Some(Attributes::default()),
        Patch::Keep => None,
    };
    if matches!(name, Patch::Clear) {
        reader.reject("name", "cannot be removed");
    }
    reader.finish()?;
    Ok(ProfileChanges {
        name: set(name),
        timezone,
        preferences,
    })
}

/// The body must be a JSON object.
pub fn object(value: Value, field: &str) -> Result<Map<String, Value>, Error> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(Error::field(field, "must be a JSON object")),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartyView {
    pub id: String,
    pub name: String,
    pub tin: Option<String>,
    pub contact_name: Option<String>,
    pub commercial_name: Option<String>,
    pub external_id: Option<String>,
    /// How many users are authorized for the party.
    pub authorizations: u64,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl From<&Party> for PartyView {
    fn from(p: &Party) -> Self {
        Self {
            id: p.id.to_string(),
            name: p.name.clone(),
            tin: p.tin.clone(),
            contact_name: p.contact_name.clone(),
            commercial_name: p.commercial_name.clone(),
            external_id: p.external_id.clone(),
            authorizations: p.authorizations,
            created_at: p.created_at.clone(),
            updated_at: p.updated_at.clone(),
            version: p.version,
        }
    }
}

/// An authorization; `active` is false while its user is inactive, expired or deleted (such a
/// user does not act for the party).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationView {
    pub user_id: String,
    pub party_id: String,
    pub name: String,
    pub permissions: Permissions,
    pub user_status: Status,
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&AuthorizationState> for AuthorizationView {
    fn from(s: &AuthorizationState) -> Self {
        let a = &s.authorization;
        Self {
            user_id: a.user_id.to_string(),
            party_id: a.party_id.to_string(),
            name: a.name.clone(),
            permissions: a.permissions,
            user_status: s.user_status,
            active: s.active,
            created_at: a.created_at.clone(),
            updated_at: a.updated_at.clone(),
        }
    }
}

/// `{name, permissions: {canSendDocument, canReceiveDocument, canRemoveDocument, canManageHook}}`,
/// every field required, the flags booleans. `extra_allowed` fields are accepted and ignored.
pub fn grant(map: Map<String, Value>, extra_allowed: &[&str]) -> Result<Grant, Error> {
    let mut reader = ObjectReader::new(map);
    for name in extra_allowed {
        reader.ignore(name);
    }
    let name = reader.required("name", party_text);
    let permissions = reader.permissions("permissions");
    reader.finish()?;
    match (name, permissions) {
        (Some(name), Some(permissions)) => Ok(Grant { name, permissions }),
        _ => Err(Error::internal("grant fields checked above")),
    }
}

fn optional_text(reader: &mut ObjectReader, name: &str) -> Patch<String> {
    reader.parsed(name, party_text)
}

pub fn new_party(map: Map<String, Value>) -> Result<NewParty, Error> {
    let mut reader = ObjectReader::new(map);
    let id = reader.required("id", PartyId::parse);
    let name = reader.required("name", party_text);
    let tin = optional_text(&mut reader, "tin");
    let contact_name = optional_text(&mut reader, "contactName");
    let commercial_name = optional_text(&mut reader, "commercialName");
    let external_id = optional_text(&mut reader, "externalId");
    reader.finish()?;
    let set = |p: Patch<String>| match p {
        Patch::Set(v) => Some(v),
        _ => None,
    };
    match (id, name) {
        (Some(id), Some(name)) => Ok(NewParty {
            id,
            name,
            tin: set(tin),
            contact_name: set(contact_name),
            commercial_name: set(commercial_name),
            external_id: set(external_id),
        }),
        _ => Err(Error::internal("party fields checked above")),
    }
}

pub fn party_changes(map: Map<String, Value>) -> Result<PartyChanges, Error> {
    let mut reader = ObjectReader::new(map);
    let name = reader.parsed("name", party_text);
    let changes = PartyChanges {
        name: match name {
            Patch::Set(v) => Some(v),
            Patch::Clear => {
                reader.reject("name", "cannot be removed");
                None
            }
            Patch::Keep => None,
        },
        tin: optional_text(&mut reader, "tin"),
        contact_name: optional_text(&mut reader, "contactName"),
        commercial_name: optional_text(&mut reader, "commercialName"),
        external_id: optional_text(&mut reader, "externalId"),
    };
    if reader.has("id") {
        reader.ignore("id");
        reader.reject("id", "cannot be changed");
    }
    reader.finish()?;
    Ok(changes)
}
