//! Domain commands: validated inputs of the use cases, made by each API surface from its DTOs.

use std::collections::BTreeMap;

use crate::domain::{
    Attributes, Email, Emails, ExternalId, Flag, Language, PartyId, PersonName, Phone,
    RegistrationState, Role, Status, SurfaceData, UserId, Username, ValidUntil,
};
use crate::password::Password;

/// A JSON-merge-patch field: left out, set to `null`, or given a value.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Patch<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    pub fn apply(self, current: Option<T>) -> Option<T> {
        match self {
            Self::Keep => current,
            Self::Clear => None,
            Self::Set(v) => Some(v),
        }
    }

    /// The value when one was given; `None` for left out and `null` alike.
    pub fn given(self) -> Option<T> {
        match self {
            Self::Set(v) => Some(v),
            Self::Keep | Self::Clear => None,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Self::Keep => Patch::Keep,
            Self::Clear => Patch::Clear,
            Self::Set(v) => Patch::Set(f(v)),
        }
    }
}

/// A user to create (or, for upsert, the full new state of one).
#[derive(Clone, Debug, Default)]
pub struct NewUser {
    pub username: Option<Username>,
    pub name: Option<PersonName>,
    pub emails: Emails,
    pub phone: Option<Phone>,
    pub language: Option<Language>,
    pub external_id: Option<ExternalId>,
    pub business_partner_id: Option<PartyId>,
    pub role: Option<Role>,
    /// ACTIVE or INACTIVE; DELETED is refused by the surfaces.
    pub status: Option<Status>,
    pub valid_until: Option<ValidUntil>,
    pub flags: Vec<Flag>,
    pub registration_state: Option<RegistrationState>,
    pub attributes: Attributes,
    /// Values a surface keeps to return exactly as sent (opaque to the service).
    pub surface_data: SurfaceData,
    pub password: Option<Password>,
}

/// How a surface names a user: the server id, or a live user's username or email (compatible
/// surfaces key users by username — seed 003 `UserId` — or by email — the seed-002 legacy routes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserRef {
    Id(UserId),
    Username(Username),
    Email(Email),
    /// The external id of a live user (SCIM `externalId eq`).
    ExternalId(ExternalId),
}

/// A partial update of a user (manager view).
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    pub username: Option<Username>,
    pub name: Option<PersonName>,
    pub emails: Option<Emails>,
    /// Replaces (`Set`) or removes (`Clear`) only the primary address, keeping the others
    /// (applied after `emails`; seed 002 knows one `email`).
    pub primary_email: Patch<Email>,
    pub phone: Patch<Phone>,
    pub language: Option<Language>,
    pub external_id: Patch<ExternalId>,
    pub business_partner_id: Patch<PartyId>,
    pub role: Option<Role>,
    pub status: Option<Status>,
    pub valid_until: Patch<ValidUntil>,
    pub flags: Option<Vec<Flag>>,
    pub registration_state: Option<RegistrationState>,
    pub attributes: Option<Attributes>,
    /// Sets (`Some`) or removes (`None`) single attributes, keeping the others (applied after
    /// `attributes`; seed 003 `NetsId`, `UserIdentificationType`).
    pub attribute_updates: BTreeMap<String, Option<String>>,
    /// Sets (`Some`) or removes (`None`) the document a surface keeps (see `SurfaceData`).
    pub surface_data: BTreeMap<String, Option<String>>,
    pub password: Option<Password>,
}

/// What a user may change of itself.
#[derive(Clone, Debug, Default)]
pub struct MeChanges {
    pub name: Option<PersonName>,
    pub emails: Option<Emails>,
    pub phone: Patch<Phone>,
    pub language: Option<Language>,
    pub password: Option<Password>,
    pub current_password: Option<String>,
}

/// A partial update of a profile.
#[derive(Clone, Debug, Default)]
pub struct ProfileChanges {
    pub name: Option<String>,
    pub timezone: Patch<String>,
    pub preferences: Option<Attributes>,
}
