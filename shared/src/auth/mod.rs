//! API keys and the principal a request acts as.

mod authenticator;
pub mod gateway;
mod key;

pub use authenticator::{Access, Authenticator};
pub use key::{key_from_headers, ApiKey};

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
}

impl Principal {
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
