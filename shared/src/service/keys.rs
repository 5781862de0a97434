//! API-key use cases: issue (the secret is returned once), list (metadata), revoke.

use super::Roster;
use crate::audit::AuditContext;
use crate::auth::{ApiKey, KeyLocator, Principal};
use crate::clock;
use crate::domain::{KeyId, OrgId, UserId};
use crate::store::{KeyRecord, MAX_KEYS_PER_USER};
use crate::Error;

/// A key just issued. `secret` is shown this once and never stored.
#[derive(Debug)]
pub struct IssuedKey {
    pub record: KeyRecord,
    pub key: ApiKey,
}

impl Roster {
    pub(crate) async fn issue_key_in(
        &self,
        org: &OrgId,
        user: &UserId,
        audit: &AuditContext,
    ) -> Result<IssuedKey, Error> {
        // Bounded so that a user's delete can remove all of its keys in one transaction.
        if self.store.list_keys(org, user).await?.len() >= MAX_KEYS_PER_USER {
            return Err(Error::Conflict(
                crate::error::Conflict::TooManyKeys,
                format!(
                    "A user holds at most {MAX_KEYS_PER_USER} API keys; revoke one before issuing another."
                ),
            ));
        }
        let locator = KeyLocator {
            org: org.clone(),
            user: user.clone(),
            key: KeyId::generate(),
        };
        let key = ApiKey::generate(&locator)?;
        let record = KeyRecord {
            key_id: locator.key,
            org: locator.org,
            user_id: locator.user,
            prefix: key.prefix(),
            hash: key.hash(),
            created_at: clock::now(),
            last_used_at: None,
        };
        self.store.create_key(&record, audit).await?;
        Ok(IssuedKey { record, key })
    }

    pub async fn issue_key(&self, caller: &Principal, user: &UserId) -> Result<IssuedKey, Error> {
        caller.require_manager()?;
        self.issue_key_in(&caller.org, user, &caller.audit()).await
    }

    pub async fn list_keys(
        &self,
        caller: &Principal,
        user: &UserId,
    ) -> Result<Vec<KeyRecord>, Error> {
        caller.require_manager()?;
        // 404 for a user of another organization, not an empty list.
        self.load_user(&caller.org, user).await?;
        let records = self.store.list_keys(&caller.org, user).await?;
        self.store.with_last_use(records).await
    }

    pub async fn revoke_key(
        &self,
        caller: &Principal,
        user: &UserId,
        key: &KeyId,
    ) -> Result<(), Error> {
        caller.require_manager()?;
        self.store
            .revoke_key(&caller.org, user, key, &caller.audit())
            .await?;
        self.auth.invalidate_user(user);
        Ok(())
    }
}
