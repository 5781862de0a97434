//! The audit trail: one append-only record per change, written in the same transaction as the
//! change (see `store::audit`), so a change and its record exist together or not at all.
//!
//! - [`Action`]: what happened (`user.created`, `authorization.granted`, …).
//! - [`Actor`]: who did it — a user with its key (and, on seed 003, the `X-eSignatur-CreatorId`
//!   user it acted for), the `system` (the expiry sweep) or the `operator` (`roster-admin`).
//! - [`Target`]: what it happened to.
//! - [`Change`]: a field with its old and new value. A value can only be made from a type that
//!   implements [`Recordable`]; secrets (`Password`, `ApiKey`, the password hash, key hashes,
//!   usage-key values) have no such implementation and enter a record only as the fact that they
//!   changed ([`Change::secret`], which takes no value).
//! - [`AuditContext`]: who and where (request id, source IP, surface, retention), built from
//!   the request's principal or for the sweep and the operator.

mod change;
mod diff;

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::clock;
use crate::domain::{KeyId, OrgId, PartyId, UserId};

pub(crate) use change::Changes;
pub use change::{Change, Recordable};
pub use diff::{
    authorization_change, key_event, org_created, org_settings_change, party_event, profile_change,
    user_change, user_created,
};

/// How long records are kept when the organization sets nothing (days).
pub const DEFAULT_RETENTION_DAYS: u32 = 400;
/// The retention the operator may set: 1 day to 10 years.
pub const MAX_RETENTION_DAYS: u32 = 3650;

/// What happened. The wire form is `<target>.<verb>` (`user.created`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Action {
    UserCreated,
    UserUpdated,
    UserRenamed,
    UserDeleted,
    UserRestored,
    UserActivated,
    UserDeactivated,
    UserExpired,
    UserPasswordSet,
    UserPasswordChanged,
    UserRoleChanged,
    ProfileUpdated,
    ApiKeyIssued,
    ApiKeyRevoked,
    PartyRegistered,
    PartyChanged,
    PartyDeleted,
    AuthorizationGranted,
    AuthorizationChanged,
    AuthorizationRevoked,
    OrganizationCreated,
    OrganizationSettingsChanged,
}

impl Action {
    pub const ALL: [Action; 22] = [
        Self::UserCreated,
        Self::UserUpdated,
        Self::UserRenamed,
        Self::UserDeleted,
        Self::UserRestored,
        Self::UserActivated,
        Self::UserDeactivated,
        Self::UserExpired,
        Self::UserPasswordSet,
        Self::UserPasswordChanged,
        Self::UserRoleChanged,
        Self::ProfileUpdated,
        Self::ApiKeyIssued,
        Self::ApiKeyRevoked,
        Self::PartyRegistered,
        Self::PartyChanged,
        Self::PartyDeleted,
        Self::AuthorizationGranted,
        Self::AuthorizationChanged,
        Self::AuthorizationRevoked,
        Self::OrganizationCreated,
        Self::OrganizationSettingsChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserCreated => "user.created",
            Self::UserUpdated => "user.updated",
            Self::UserRenamed => "user.renamed",
            Self::UserDeleted => "user.deleted",
            Self::UserRestored => "user.restored",
            Self::UserActivated => "user.activated",
            Self::UserDeactivated => "user.deactivated",
            Self::UserExpired => "user.expired",
            Self::UserPasswordSet => "user.password_set",
            Self::UserPasswordChanged => "user.password_changed",
            Self::UserRoleChanged => "user.role_changed",
            Self::ProfileUpdated => "profile.updated",
            Self::ApiKeyIssued => "apiKey.issued",
            Self::ApiKeyRevoked => "apiKey.revoked",
            Self::PartyRegistered => "party.registered",
            Self::PartyChanged => "party.changed",
            Self::PartyDeleted => "party.deleted",
            Self::AuthorizationGranted => "authorization.granted",
            Self::AuthorizationChanged => "authorization.changed",
            Self::AuthorizationRevoked => "authorization.revoked",
            Self::OrganizationCreated => "organization.created",
            Self::OrganizationSettingsChanged => "organization.settings_changed",
        }
    }

    pub fn parse(value: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == value)
            .ok_or_else(|| "must be an audit action such as user.created".to_string())
    }
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Action {
    type Error = String;
    fn try_from(value: String) -> Result<Self, String> {
        Self::parse(&value)
    }
}

impl From<Action> for String {
    fn from(value: Action) -> String {
        value.as_str().to_string()
    }
}

/// The API surface (or the process) a change came through.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Surface {
    /// `/v1`.
    #[default]
    Native,
    /// Seed 000, User Management v1 (`/api/v1/user…`).
    Seed000,
    /// Seed 001, the B2B platform (`/User/getUser`, `/User/create`, …).
    Seed001,
    /// Seed 002, User Management V4 and its legacy routes.
    Seed002,
    /// Seed 003, eSignatur users (`/User/Add`, `/User/Update`, …).
    Seed003,
    /// SCIM 2.0 (`/scim/v2`).
    Scim,
    /// The scheduled expiry sweep.
    Sweep,
    /// The operator command `roster-admin`.
    Operator,
}

/// Seed 003's routes (they share the `/User/` prefix with seed 001's, not a path).
const SEED003_PATHS: &[&str] = &[
    "/User/Index",
    "/User/Get/",
    "/User/Add",
    "/User/Update",
    "/User/Deactivate",
    "/User/Activate",
];

impl Surface {
    /// The surface a route (its matched path, e.g. `/v1/users/{id}`) belongs to.
    pub fn of_route(path: &str) -> Self {
        if path.starts_with("/v1/") {
            Self::Native
        } else if path.starts_with("/api/v1/user") {
            Self::Seed000
        } else if path.starts_with("/api/user/management/") || path.starts_with("/api/management/")
        {
            Self::Seed002
        } else if path.starts_with("/scim/") {
            Self::Scim
        } else if SEED003_PATHS.iter().any(|p| path.starts_with(p)) {
            Self::Seed003
        } else if path.starts_with("/User/") {
            Self::Seed001
        } else {
            Self::Native
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Seed000 => "seed000",
            Self::Seed001 => "seed001",
            Self::Seed002 => "seed002",
            Self::Seed003 => "seed003",
            Self::Scim => "scim",
            Self::Sweep => "sweep",
            Self::Operator => "operator",
        }
    }
}

/// Who made a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Actor {
    /// A caller with an API key: the key's user and key, and on seed 003 the
    /// `X-eSignatur-CreatorId` user the request acts for.
    #[serde(rename_all = "camelCase")]
    User {
        user_id: UserId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key_id: Option<KeyId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        acting_for: Option<UserId>,
    },
    /// The expiry sweep.
    System,
    /// The operator command.
    Operator,
}

impl Actor {
    /// The id the `actor` filter finds this actor by: the user recorded as making the change
    /// (seed 003: the acting user, as in `updatedBy`), or `system` / `operator`.
    pub fn filter_id(&self) -> String {
        match self {
            Self::User {
                user_id,
                acting_for,
                ..
            } => acting_for.as_ref().unwrap_or(user_id).to_string(),
            Self::System => "system".into(),
            Self::Operator => "operator".into(),
        }
    }

    /// Every id this actor answers to in the `actor` filter's form (for tests and checks).
    pub fn user(&self) -> Option<&UserId> {
        match self {
            Self::User {
                user_id,
                acting_for,
                ..
            } => Some(acting_for.as_ref().unwrap_or(user_id)),
            _ => None,
        }
    }
}

/// What a change happened to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TargetKind {
    User,
    Profile,
    ApiKey,
    Party,
    Authorization,
    Organization,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    #[serde(rename = "type")]
    pub kind: TargetKind,
    /// The user id (user, profile, authorization), key id, party id or organization id.
    pub id: String,
    /// The key's user (API keys).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    /// The party of an authorization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<PartyId>,
}

impl Target {
    /// The user the record is about, which the `target` filter finds it by on GSI4: the user of
    /// a user, profile, API-key or authorization record.
    pub fn user_id(&self) -> Option<&str> {
        match self.kind {
            TargetKind::User | TargetKind::Profile | TargetKind::Authorization => Some(&self.id),
            TargetKind::ApiKey => self.user.as_ref().map(UserId::as_str),
            TargetKind::Party | TargetKind::Organization => None,
        }
    }

    /// The other object the record is about, which the `target` filter finds it by on GSI2
    /// (overloaded, see `store::audit`): the key of an API-key record, the party of a party or
    /// authorization record, the organization of an organization record.
    pub fn object_id(&self) -> Option<&str> {
        match self.kind {
            TargetKind::User | TargetKind::Profile => None,
            TargetKind::ApiKey | TargetKind::Party | TargetKind::Organization => Some(&self.id),
            TargetKind::Authorization => self.party.as_ref().map(PartyId::as_str),
        }
    }
}

/// What a store write records, without the who and where: filled in by [`AuditContext::record`].
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub action: Action,
    pub target: Target,
    pub changes: Vec<Change>,
}

/// Who makes a change and where the request came from, for every record it writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditContext {
    pub org: OrgId,
    pub actor: Actor,
    pub request_id: Option<String>,
    pub source_ip: Option<IpAddr>,
    pub surface: Surface,
    /// How long the organization keeps records.
    pub retention_days: u32,
}

impl AuditContext {
    /// The expiry sweep changing a user of `org`.
    pub fn system(org: &OrgId, retention_days: u32) -> Self {
        Self {
            org: org.clone(),
            actor: Actor::System,
            request_id: None,
            source_ip: None,
            surface: Surface::Sweep,
            retention_days,
        }
    }

    /// The operator command changing `org`.
    pub fn operator(org: &OrgId, retention_days: u32) -> Self {
        Self {
            org: org.clone(),
            actor: Actor::Operator,
            request_id: None,
            source_ip: None,
            surface: Surface::Operator,
            retention_days,
        }
    }

    /// The complete record of `event`, made now.
    pub fn record(&self, event: Event) -> AuditRecord {
        let id = ulid::Ulid::new();
        let at = clock::format_timestamp(
            time::OffsetDateTime::from_unix_timestamp_nanos(
                i128::from(id.timestamp_ms()) * 1_000_000,
            )
            .unwrap_or_else(|_| time::OffsetDateTime::now_utc()),
        );
        let retention = i64::from(self.retention_days.clamp(1, MAX_RETENTION_DAYS));
        AuditRecord {
            id: format!("aud_{id}"),
            at,
            org: self.org.clone(),
            action: event.action,
            actor: self.actor.clone(),
            target: event.target,
            changes: event.changes,
            request_id: self.request_id.clone(),
            source_ip: self.source_ip.map(|ip| ip.to_string()),
            surface: self.surface,
            expires_at: (id.timestamp_ms() / 1000) as i64 + retention * 86_400,
        }
    }
}

/// One record of the trail, as stored and as `GET /v1/audit` returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRecord {
    /// `aud_` and a ULID: ids sort by time.
    pub id: String,
    pub at: String,
    pub org: OrgId,
    pub action: Action,
    pub actor: Actor,
    pub target: Target,
    #[serde(default)]
    pub changes: Vec<Change>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<String>,
    pub surface: Surface,
    /// Epoch seconds after which DynamoDB's TTL removes the record.
    pub expires_at: i64,
}

impl AuditRecord {
    /// The ULID of the id (the record's sort key).
    pub fn ulid(&self) -> &str {
        self.id.strip_prefix("aud_").unwrap_or(&self.id)
    }
}

/// Parses `since`/`until` (a date, or an RFC 3339 date-time) into epoch milliseconds (times
/// before 1970 count as 1970: no record is older). A date means its start for `since` and its
/// end (the next day's start) for `until`.
pub fn parse_bound(text: &str, end_of_day: bool) -> Option<u64> {
    let nanos = if let Some(date) = clock::parse_date(text) {
        let start = time::PrimitiveDateTime::new(date, time::Time::MIDNIGHT).assume_utc();
        let day = if end_of_day { 86_400_000_000_000 } else { 0 };
        start.unix_timestamp_nanos() + day
    } else {
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .ok()?
            .unix_timestamp_nanos()
    };
    Some(u64::try_from((nanos / 1_000_000).max(0)).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_through_its_wire_name() {
        for action in Action::ALL {
            assert_eq!(Action::parse(action.as_str()), Ok(action));
        }
        assert!(Action::parse("user.exploded").is_err());
        assert!(Action::parse("").is_err());
    }

    #[test]
    fn routes_name_their_surface() {
        for (path, surface) in [
            ("/v1/users/{id}", Surface::Native),
            ("/api/v1/user/{name}/party", Surface::Seed000),
            ("/User/create", Surface::Seed001),
            ("/User/update/{id}", Surface::Seed001),
            ("/User/Update", Surface::Seed003),
            ("/User/Get/{user-id}", Surface::Seed003),
            ("/api/user/management/v4/users/{user_id}", Surface::Seed002),
            ("/api/management/user/{email}", Surface::Seed002),
            ("/scim/v2/Users/{id}", Surface::Scim),
        ] {
            assert_eq!(Surface::of_route(path), surface, "{path}");
        }
    }

    #[test]
    fn a_secret_change_carries_no_value() {
        let change = Change::secret("password");
        let json = serde_json::to_value(&change).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"field": "password", "redacted": true})
        );
    }

    #[test]
    fn a_value_set_from_nothing_keeps_its_null() {
        let change = Change::of("phone", &None::<String>, &Some("+45".to_string()));
        let json = serde_json::to_value(&change).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!({"field": "phone", "old": null, "new": "+45"})
        );
        let back: Change = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, change);
        let item = serde_dynamo::aws_sdk_dynamodb_1::to_item(&change).unwrap_or_default();
        let stored: Change =
            serde_dynamo::aws_sdk_dynamodb_1::from_item(item).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stored, change);
    }

    #[test]
    fn records_expire_after_the_retention() {
        let org = OrgId::parse("acme").unwrap_or_else(|e| panic!("{e}"));
        let context = AuditContext::system(&org, 400);
        let record = context.record(Event {
            action: Action::UserExpired,
            target: Target {
                kind: TargetKind::Organization,
                id: "acme".into(),
                user: None,
                party: None,
            },
            changes: vec![],
        });
        let now = clock::now_epoch_seconds();
        assert!((record.expires_at - now - 400 * 86_400).abs() <= 2);
        assert!(record.id.starts_with("aud_"));
        assert_eq!(record.at.len(), "2024-01-01T00:00:00.000Z".len());
    }

    #[test]
    fn bounds_take_dates_and_date_times() {
        assert_eq!(parse_bound("1970-01-02", false), Some(86_400_000));
        assert_eq!(parse_bound("1970-01-01", true), Some(86_400_000));
        assert_eq!(parse_bound("1970-01-01T00:00:01Z", true), Some(1000));
        assert_eq!(parse_bound("1969-01-01T00:00:00Z", false), Some(0));
        assert!(parse_bound("9999-12-31", true).is_some());
        for bad in ["", "yesterday", "2024-13-01", "1970-01-01 10:00"] {
            assert_eq!(parse_bound(bad, false), None, "{bad}");
        }
    }
}
