//! The user and its default profile, as stored and as the service works with them.

use crate::error::Inactivity;
use serde::{Deserialize, Serialize};

use super::{
    Attributes, Emails, ExternalId, Flag, Language, OrgId, PartyId, PersonName, Phone, SurfaceData,
    UserId, Username,
};
use crate::clock;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// Uses the document APIs; here it may only read and update itself.
    #[default]
    ApUser,
    /// Manages the organization's users, parties and keys.
    ApManager,
}

impl Role {
    pub fn parse(value: &str) -> Result<Self, String> {
        match value {
            "ApUser" => Ok(Self::ApUser),
            "ApManager" => Ok(Self::ApManager),
            _ => Err("must be ApUser or ApManager".into()),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    #[default]
    Active,
    Inactive,
    Deleted,
}

impl Status {
    pub fn parse(value: &str) -> Result<Self, String> {
        match value {
            "ACTIVE" => Ok(Self::Active),
            "INACTIVE" => Ok(Self::Inactive),
            "DELETED" => Ok(Self::Deleted),
            _ => Err("must be ACTIVE, INACTIVE or DELETED".into()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "ACTIVE",
            Self::Inactive => "INACTIVE",
            Self::Deleted => "DELETED",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum RegistrationState {
    #[default]
    Unregistered,
    Registered,
}

impl RegistrationState {
    pub fn parse(value: &str) -> Result<Self, String> {
        match value {
            "UNREGISTERED" => Ok(Self::Unregistered),
            "REGISTERED" => Ok(Self::Registered),
            _ => Err("must be UNREGISTERED or REGISTERED".into()),
        }
    }
}

/// Registration (seed 002): `time` is set by the server when the state becomes REGISTERED.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub state: RegistrationState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<i64>,
}

impl Registration {
    /// Moves to `state`, stamping the time on the transition to REGISTERED only.
    pub fn moved_to(self, state: RegistrationState) -> Self {
        match (self.state, state) {
            (RegistrationState::Registered, RegistrationState::Registered) => self,
            (_, RegistrationState::Registered) => Self {
                state,
                time: Some(clock::now_epoch_seconds()),
            },
            (_, RegistrationState::Unregistered) => Self { state, time: None },
        }
    }
}

/// The last day a user is valid (`YYYY-MM-DD`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ValidUntil(String);

impl ValidUntil {
    pub fn parse(value: &str) -> Result<Self, String> {
        clock::parse_date(value)
            .map(|d| Self(clock::format_date(d)))
            .ok_or_else(|| "must be a date YYYY-MM-DD".to_string())
    }

    /// True once the day has passed (UTC).
    pub fn has_passed(&self) -> bool {
        clock::parse_date(&self.0).is_some_and(|d| d < clock::today())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ValidUntil {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value)
    }
}

impl From<ValidUntil> for String {
    fn from(value: ValidUntil) -> Self {
        value.0
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: UserId,
    pub org: OrgId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<ExternalId>,
    pub username: Username,
    pub name: PersonName,
    #[serde(default)]
    pub emails: Emails,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    pub language: Language,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_partner_id: Option<PartyId>,
    pub role: Role,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<ValidUntil>,
    #[serde(default)]
    pub flags: Vec<Flag>,
    #[serde(default)]
    pub registration: Registration,
    #[serde(default)]
    pub attributes: Attributes,
    /// What compatible surfaces keep to return exactly as sent (see [`SurfaceData`]).
    #[serde(default, skip_serializing_if = "SurfaceData::is_empty")]
    pub surface_data: SurfaceData,
    /// Argon2id PHC string. Never rendered, never logged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<String>,
    /// The user who created this one (absent when the operator or the system did).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<UserId>,
    /// The user who made the last change (absent when the operator or the system did, e.g. the
    /// expiry sweep). On the eSignatur surface this is the `X-eSignatur-CreatorId` user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<UserId>,
    /// The user whose API key created this one, when the request acted for another user
    /// (`createdBy`; seed 003's `X-eSignatur-CreatorId`); absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_via: Option<UserId>,
    /// The user whose API key made the last change, when it acted for `updatedBy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_via: Option<UserId>,
    pub version: u64,
}

impl User {
    /// The one rule "may this user act" (its keys work; a request may act for it): active, not
    /// past `validUntil`, and registered where the organization requires registration. A
    /// deleted user is `Deactivated` here; callers that tell deleted apart check it first.
    pub fn may_act(&self, requires_registration: bool) -> Result<(), Inactivity> {
        if self.status != Status::Active {
            return Err(Inactivity::Deactivated);
        }
        if !self.is_effectively_active() {
            return Err(Inactivity::Expired);
        }
        if requires_registration && self.registration.state == RegistrationState::Unregistered {
            return Err(Inactivity::Unregistered);
        }
        Ok(())
    }

    /// Active and not past `validUntil`: the state in which its keys work.
    pub fn is_effectively_active(&self) -> bool {
        self.status == Status::Active
            && !self
                .valid_until
                .as_ref()
                .is_some_and(ValidUntil::has_passed)
    }
}

/// The user's default profile (seed 002), created in the same write as the user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    pub user_id: UserId,
    pub name: String,
    pub is_default: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default)]
    pub preferences: Attributes,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

impl Profile {
    pub fn default_for(user: &User) -> Self {
        Self {
            user_id: user.id.clone(),
            name: "default".into(),
            is_default: true,
            timezone: None,
            preferences: Attributes::default(),
            created_at: user.created_at.clone(),
            updated_at: user.created_at.clone(),
            version: 1,
        }
    }

    /// IANA zone names like `Europe/Copenhagen` or `UTC`.
    pub fn parse_timezone(value: &str) -> Result<String, String> {
        let ok = (1..=64).contains(&value.len())
            && value.starts_with(|c: char| c.is_ascii_alphabetic())
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
        if ok {
            Ok(value.to_string())
        } else {
            Err("must be an IANA time zone name like Europe/Copenhagen".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_time_is_set_on_registering_only() {
        let start = Registration::default();
        assert_eq!(start.time, None);
        let registered = start.moved_to(RegistrationState::Registered);
        assert!(registered.time.is_some());
        assert_eq!(
            registered.moved_to(RegistrationState::Registered),
            registered
        );
        assert_eq!(
            registered.moved_to(RegistrationState::Unregistered).time,
            None
        );
    }

    #[test]
    fn valid_until_passes_after_its_day() {
        assert!(ValidUntil::parse("2000-01-01").is_ok_and(|v| v.has_passed()));
        assert!(ValidUntil::parse("2999-01-01").is_ok_and(|v| !v.has_passed()));
        assert!(ValidUntil::parse("01-01-2000").is_err());
    }

    #[test]
    fn enums_parse_their_wire_names() {
        assert_eq!(Role::parse("ApManager"), Ok(Role::ApManager));
        assert!(Role::parse("admin").is_err());
        assert_eq!(Status::parse("INACTIVE"), Ok(Status::Inactive));
        assert!(Status::parse("active").is_err());
    }
}
