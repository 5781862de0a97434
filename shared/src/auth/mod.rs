//! API keys and the principal a request acts as.

mod authenticator;
pub mod gateway;
mod key;

pub use authenticator::{
    Access, Authenticator, DEFAULT_CACHE_TTL, MAX_CACHE_TTL, MAX_KNOWN, MAX_UNKNOWN,
};
pub use key::{
    hash_key, key_from_headers, key_shape, looks_like_key, ApiKey, KeyLocator, KeyShape,
};

use std::net::IpAddr;

use crate::audit::{Actor, AuditContext, Surface, DEFAULT_RETENTION_DAYS};
use crate::domain::{KeyId, Language, OrgId, Role, UserId};
use crate::Error;

/// Where a request came from, for its audit records: set per request by the `Caller`
/// extractor (a cached principal carries the default).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub request_id: Option<String>,
    pub source_ip: Option<IpAddr>,
    pub surface: Surface,
}

/// Who is calling: the key's user, with its role as stored now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub org: OrgId,
    pub user_id: UserId,
    pub role: Role,
    pub key_id: Option<KeyId>,
    /// The organization's default language, read with the key (saves a read per create).
    pub org_language: Language,
    /// The user this request acts for, when it is not the key's user: the eSignatur surface's
    /// `X-eSignatur-CreatorId` administrator (see `Roster::acting_for`). Changes are recorded
    /// as made by it.
    pub actor: Option<UserId>,
    /// The organization's audit retention in days, read with the key like the language.
    pub audit_retention_days: u32,
    /// This request's id, source address and surface.
    pub origin: Origin,
}

impl Principal {
    /// An organization's retention setting, or the default.
    pub fn retention_or_default(days: Option<u32>) -> u32 {
        days.unwrap_or(DEFAULT_RETENTION_DAYS)
    }

    /// Who and where, for the audit records of this request's changes.
    pub fn audit(&self) -> AuditContext {
        AuditContext {
            org: self.org.clone(),
            actor: Actor::User {
                user_id: self.user_id.clone(),
                key_id: self.key_id.clone(),
                acting_for: self.actor.clone(),
            },
            request_id: self.origin.request_id.clone(),
            source_ip: self.origin.source_ip,
            surface: self.origin.surface,
            retention_days: self.audit_retention_days,
        }
    }

    /// The user recorded as making the changes of this request.
    pub fn actor(&self) -> &UserId {
        self.actor.as_ref().unwrap_or(&self.user_id)
    }

    /// The key's user when the request acts for another user (recorded as `createdVia` /
    /// `updatedVia` beside the actor); `None` when the key's user acts for itself.
    pub fn via(&self) -> Option<&UserId> {
        self.actor
            .as_ref()
            .filter(|actor| **actor != self.user_id)
            .map(|_| &self.user_id)
    }

    /// True when `user` is the key's user or the user the request acts for: such a user may not
    /// deactivate or delete itself.
    pub fn is_self(&self, user: &UserId) -> bool {
        &self.user_id == user || self.actor.as_ref() == Some(user)
    }

    /// 403 unless the caller is an `ApManager`.
    pub fn require_manager(&self) -> Result<(), Error> {
        match self.role {
            Role::ApManager => Ok(()),
            Role::ApUser => Err(Error::Forbidden(
                "This operation requires the ApManager role.".into(),
            )),
        }
    }
}
