//! API keys and the principal a request acts as.

mod authenticator;
pub mod gateway;
mod key;

pub use authenticator::{
    Access, Authenticator, DEFAULT_CACHE_TTL, MAX_CACHE_TTL, MAX_KNOWN, MAX_UNKNOWN,
};
pub use key::{key_from_headers, looks_like_key, ApiKey};

use crate::domain::{KeyId, Language, OrgId, Role, UserId};
use crate::Error;

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
}

impl Principal {
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
