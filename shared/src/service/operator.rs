//! The operator's key commands (`roster-admin issue-key`, `list-keys`, `revoke-key`): run with
//! AWS credentials on the table, no API key — for break-glass, rotation and clean-up. Issue and
//! revoke are recorded in the organization's audit trail (`apiKey.issued` / `apiKey.revoked`) by
//! `operator`.

use super::{IssuedKey, Roster};
use crate::domain::{KeyId, OrgId, Role, User, Username};
use crate::error::Resource;
use crate::store::KeyRecord;
use crate::Error;

impl Roster {
    async fn require_org(&self, org: &OrgId) -> Result<(), Error> {
        match self.store.get_org(org).await? {
            Some(_) => Ok(()),
            None => Err(Error::NotFound(Resource::Organization)),
        }
    }

    /// A new key for an existing, active manager of `org` (the secret is returned once).
    pub async fn operator_issue_key(
        &self,
        org: &OrgId,
        username: &Username,
    ) -> Result<(User, IssuedKey), Error> {
        // Reads the organization (404 if none) and its retention, for the audit record.
        let audit = self.store.operator_context(org).await?;
        let user = self
            .store
            .find_by_username(org, username)
            .await?
            .ok_or(Error::NotFound(Resource::User))?;
        if user.role != Role::ApManager {
            return Err(Error::Forbidden(format!(
                "{username} is not a manager (ApManager) of {org}; the operator issues manager keys only"
            )));
        }
        if !user.is_effectively_active() {
            return Err(Error::Forbidden(format!(
                "{username} is not active (status {:?}, or past validUntil): a key for it would be refused",
                user.status
            )));
        }
        let key = self.issue_key_in(org, &user.id, &audit).await?;
        Ok((user, key))
    }

    /// Every key of `org`, with the username it belongs to (`None` if its user is gone).
    pub async fn operator_list_keys(
        &self,
        org: &OrgId,
    ) -> Result<Vec<(KeyRecord, Option<User>)>, Error> {
        self.require_org(org).await?;
        let records = self.store.list_org_keys(org).await?;
        let records = self.store.with_last_use(records).await?;
        let mut out = Vec::with_capacity(records.len());
        for record in records {
            let user = self.store.get_user(org, &record.user_id).await?;
            out.push((record, user));
        }
        Ok(out)
    }

    /// Revokes the key `key` of `org`, whoever it belongs to.
    pub async fn operator_revoke_key(&self, org: &OrgId, key: &KeyId) -> Result<KeyRecord, Error> {
        // Reads the organization (404 if none) and its retention, for the audit record.
        let audit = self.store.operator_context(org).await?;
        let record = self
            .store
            .list_org_keys(org)
            .await?
            .into_iter()
            .find(|r| &r.key_id == key)
            .ok_or(Error::NotFound(Resource::ApiKey))?;
        let revoked = self
            .store
            .revoke_key(org, &record.user_id, key, &audit)
            .await?;
        self.auth.invalidate_user(&record.user_id);
        Ok(revoked)
    }
}
