//! API keys: a metadata item in the organization's partition (listing, revoking) and a lookup
//! item addressed by the key's SHA-256 (authentication). Both are written and removed together.

use aws_sdk_dynamodb::error::ProvideErrorMetadata;

use crate::error::Resource;
use std::collections::HashMap;

use super::reads::SortKeys;
use super::tx::{Condition, OnFail, Tx};
use super::{av, decode, encode, errors, keys, Store};
use crate::audit::{self, Action, AuditContext};
use crate::domain::{KeyId, KeyRecord, OrgId, UserId};
use crate::Error;

/// The most API keys one user may hold. Deleting a user removes all of its keys (two items each)
/// in the delete's own transaction, and restoring it removes any left; with at most 10 other
/// items in those transactions, 10 keys keep them far inside DynamoDB's 100-item limit.
pub const MAX_KEYS_PER_USER: usize = 10;

/// DynamoDB's limit on the items of one `TransactWriteItems`.
const MAX_TRANSACTION_ITEMS: usize = 100;

impl Store {
    /// Stores a new key for a user that exists and is not deleted.
    pub async fn create_key(&self, record: &KeyRecord, audit: &AuditContext) -> Result<(), Error> {
        let org_pk = keys::org_pk(&record.org);
        let mut meta = encode(record, "key")?;
        meta.insert(keys::PK.into(), av::s(org_pk.clone()));
        meta.insert(
            keys::SK.into(),
            av::s(keys::user_key_sk(&record.user_id, &record.key_id)),
        );
        meta.insert(keys::ENTITY.into(), av::s("KEY"));
        let mut lookup = encode(record, "key")?;
        lookup.insert(keys::PK.into(), av::s(keys::key_lookup_pk(&record.hash)));
        lookup.insert(keys::SK.into(), av::s(keys::key_lookup_sk()));
        lookup.insert(keys::ENTITY.into(), av::s("KEY_LOOKUP"));
        let mut tx = Tx::new();
        tx.check_user_live(
            &self.table,
            &record.org,
            &record.user_id,
            OnFail::Missing(Resource::User),
        )?;
        tx.put(
            &self.table,
            meta,
            Some(Condition::absent()),
            OnFail::Invariant("key id reused"),
        )?;
        tx.put(
            &self.table,
            lookup,
            Some(Condition::absent()),
            OnFail::Invariant("key hash reused"),
        )?;
        self.add_key_audit(&mut tx, audit, Action::ApiKeyIssued, record)?;
        self.commit(tx).await
    }

    pub async fn list_keys(&self, org: &OrgId, user: &UserId) -> Result<Vec<KeyRecord>, Error> {
        let prefix = SortKeys::Prefix(keys::user_keys_prefix(user));
        self.query_all(keys::org_pk(org), prefix, "keys")
            .await?
            .into_iter()
            .map(|i| decode(i, "key"))
            .collect()
    }

    /// Removes both items of a key; 404 if the user has no such key.
    pub async fn revoke_key(
        &self,
        org: &OrgId,
        user: &UserId,
        key: &KeyId,
        audit: &AuditContext,
    ) -> Result<KeyRecord, Error> {
        let record: KeyRecord = self
            .get_decoded(keys::org_pk(org), keys::user_key_sk(user, key), "key")
            .await?
            .ok_or(Error::NotFound(Resource::ApiKey))?;
        let mut tx = Tx::new();
        // The metadata item must still be there: a concurrent revoke answers 404.
        let still_there = (Condition::present(), OnFail::Missing(Resource::ApiKey));
        self.add_key_deletion(&mut tx, &record, Some(still_there))?;
        self.add_key_audit(&mut tx, audit, Action::ApiKeyRevoked, &record)?;
        self.commit(tx).await?;
        Ok(record)
    }

    /// Adds to `tx` the audit record of `action` on the key `record`.
    fn add_key_audit(
        &self,
        tx: &mut Tx,
        audit: &AuditContext,
        action: Action,
        record: &KeyRecord,
    ) -> Result<(), Error> {
        let event = audit::key_event(action, &record.key_id, &record.prefix, &record.user_id);
        self.add_audit(tx, audit, event)?;
        Ok(())
    }

    /// Adds to `tx` the removal of both items (metadata and lookup) of each of `keys`. Unconditional:
    /// a key revoked meanwhile is simply gone already.
    pub(crate) fn add_key_removals(&self, tx: &mut Tx, keys: &[KeyRecord]) -> Result<(), Error> {
        if tx.len() + 2 * keys.len() > MAX_TRANSACTION_ITEMS {
            // Only reachable if many keys were issued for one user at the same instant.
            return Err(Error::Conflict(
                crate::error::Conflict::TooManyKeys,
                format!(
                    "The user holds {} API keys, more than one change can remove; revoke some first.",
                    keys.len()
                ),
            ));
        }
        for record in keys {
            self.add_key_deletion(tx, record, None)?;
        }
        Ok(())
    }

    /// Adds to `tx` the deletion of both items of `record`: the metadata item under `guard`
    /// (its condition and meaning; none: unconditional), the lookup item unconditionally.
    fn add_key_deletion(
        &self,
        tx: &mut Tx,
        record: &KeyRecord,
        guard: Option<(Condition, OnFail)>,
    ) -> Result<(), Error> {
        let (condition, on_fail) = match guard {
            Some((condition, on_fail)) => (Some(condition), on_fail),
            None => (None, OnFail::Invariant("unconditional key removal")),
        };
        tx.delete(
            &self.table,
            keys::org_pk(&record.org),
            keys::user_key_sk(&record.user_id, &record.key_id),
            condition,
            on_fail,
        )?;
        tx.delete(
            &self.table,
            keys::key_lookup_pk(&record.hash),
            keys::key_lookup_sk(),
            None,
            OnFail::Invariant("unconditional key lookup removal"),
        )
    }

    /// The key stored under `hash`, if any.
    pub async fn lookup_key(&self, hash: &str) -> Result<Option<KeyRecord>, Error> {
        self.get_item(
            keys::key_lookup_pk(hash),
            keys::key_lookup_sk(),
            "key lookup",
        )
        .await?
        .map(|i| decode(i, "key"))
        .transpose()
    }

    /// The key stored under `hash`, its user and its organization, in one `BatchGetItem`: how
    /// a key that names its organization and user ([`crate::auth::KeyLocator`]) is resolved in
    /// one round trip. The key record is `None` for a key that does not exist (the user and
    /// organization read are then of no use to the caller).
    pub async fn key_access(
        &self,
        hash: &str,
        org: &OrgId,
        user: &UserId,
    ) -> Result<KeyAccess, Error> {
        let lookup = (keys::key_lookup_pk(hash), keys::key_lookup_sk());
        let user_item = (keys::org_pk(org), keys::user_sk(user));
        let org_item = (keys::org_pk(org), keys::org_sk());
        let items = self
            .batch_get_keys(
                &[lookup.clone(), user_item.clone(), org_item.clone()],
                "key access",
            )
            .await?;
        let mut access = KeyAccess::default();
        for item in items {
            let at = (
                av::get_s(&item, keys::PK).unwrap_or_default().to_string(),
                av::get_s(&item, keys::SK).unwrap_or_default().to_string(),
            );
            if at == lookup {
                access.key = Some(decode(item, "key")?);
            } else if at == user_item {
                access.user = Some(decode(item, "user")?);
            } else if at == org_item {
                access.org = Some(decode(item, "organization")?);
            }
        }
        Ok(access)
    }

    /// Records when the key whose hash is `hash` was last used (best effort, at most once per
    /// cache period), on its lookup item: an item only the key itself can name, so a presented
    /// string that is not a key writes nothing (`Ok(false)`, the item is not there). Listings
    /// read it back through [`Store::with_last_use`].
    pub async fn touch_key(&self, hash: &str, at: &str) -> Result<bool, Error> {
        let written = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(keys::PK, av::s(keys::key_lookup_pk(hash)))
            .key(keys::SK, av::s(keys::key_lookup_sk()))
            .update_expression("SET #at = :at")
            .condition_expression("attribute_exists(#pk)")
            .set_expression_attribute_names(Some(HashMap::from([
                ("#at".to_string(), "lastUsedAt".to_string()),
                ("#pk".to_string(), keys::PK.to_string()),
            ])))
            .expression_attribute_values(":at", av::s(at))
            .send()
            .await;
        match written {
            Ok(_) => Ok(true),
            Err(e) if e.code() == Some("ConditionalCheckFailedException") => Ok(false),
            Err(e) => Err(errors::storage("UpdateItem(key used)", e)),
        }
    }

    /// `records` with their `lastUsedAt` as recorded on their lookup items (one `BatchGetItem`
    /// per 100 keys). Keys used before the stamp moved there carry it on the metadata item:
    /// the later of the two wins.
    pub async fn with_last_use(
        &self,
        mut records: Vec<KeyRecord>,
    ) -> Result<Vec<KeyRecord>, Error> {
        if records.is_empty() {
            return Ok(records);
        }
        let lookups: Vec<(String, String)> = records
            .iter()
            .map(|r| (keys::key_lookup_pk(&r.hash), keys::key_lookup_sk()))
            .collect();
        let mut used: HashMap<String, String> = HashMap::new();
        for item in self.batch_get_keys(&lookups, "keys' last use").await? {
            let found: KeyRecord = decode(item, "key")?;
            if let Some(at) = found.last_used_at {
                used.insert(found.hash, at);
            }
        }
        for record in &mut records {
            if let Some(at) = used.remove(&record.hash) {
                if record.last_used_at.as_ref().is_none_or(|old| *old < at) {
                    record.last_used_at = Some(at);
                }
            }
        }
        Ok(records)
    }
}

/// What [`Store::key_access`] found.
#[derive(Default)]
pub struct KeyAccess {
    pub key: Option<KeyRecord>,
    pub user: Option<crate::domain::User>,
    pub org: Option<super::Organization>,
}
