//! `roster-admin migrate-party-counts`: converts parties registered before their authorization
//! counts were sharded. Such a party has its count on its own item (`authorizations`) and no
//! count shards, and its authorizations have no `countShard` — so a new grant on it fails (the
//! grant adds to a shard that must exist). Per party:
//!
//! 1. each missing shard `PAUTHS#<party>#<n>` is created at 0, in a transaction with a check
//!    that the party still exists (no shard outlives a concurrently deleted party) and on
//!    condition that the shard does not exist (a concurrent creation wins, and is kept);
//! 2. each authorization without `countShard` moves its 1 from the party item to its shard —
//!    one transaction: `SET countShard` on condition it is still absent (so a concurrent
//!    revoke, whose delete requires it absent, reads again and uncounts on the shard), the
//!    party item `ADD authorizations -1` on condition it is > 0, the shard `ADD +1`.
//!
//! Every write is conditional, so the command is idempotent (a second run finds nothing to do)
//! and safe while traffic runs. It writes no audit record: no one's data changes, only where a
//! count is kept. The organization's user counters need no migration: counters on the `ORG`
//! item written before their sharding are read as the base the shards add to (one `Query`
//! reads both).

use std::collections::HashMap;

use super::reads::SortKeys;
use super::tx::{Condition, OnFail, Tx};
use super::{av, keys, Item, Store};
use crate::domain::{OrgId, PartyId, UserId};
use crate::error::Resource;
use crate::Error;

/// What one run did in one organization.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PartyCountMigration {
    /// Parties seen.
    pub parties: u64,
    /// Count shards created.
    pub shards_created: u64,
    /// Authorizations moved from their party item's count to their shard.
    pub authorizations_moved: u64,
    /// Parties whose item still holds a count after the run although none of its
    /// authorizations is counted there (reported, not changed: the invariant checker names it).
    pub parties_with_stray_base: u64,
}

impl Store {
    /// Converts every party of `org` registered before the count sharding (see the module).
    pub async fn migrate_party_counts(&self, org: &OrgId) -> Result<PartyCountMigration, Error> {
        let mut done = PartyCountMigration::default();
        let parties = self
            .query_all(
                keys::org_pk(org),
                SortKeys::Prefix(keys::PARTY_PREFIX.into()),
                "parties to migrate",
            )
            .await?;
        // Every authorization of the organization still counted on its party item, by party
        // (one consistent read of the `AUTH#` range; few per party, scattered by user).
        let mut legacy: HashMap<String, Vec<UserId>> = HashMap::new();
        for item in self
            .query_all(
                keys::org_pk(org),
                SortKeys::Prefix(keys::AUTH_PREFIX.into()),
                "authorizations to migrate",
            )
            .await?
        {
            if item.contains_key("countShard") {
                continue;
            }
            if let (Some(party), Some(user)) = (
                av::get_s(&item, "partyId"),
                av::get_s(&item, "userId").and_then(|u| UserId::parse(u).ok()),
            ) {
                legacy.entry(party.to_string()).or_default().push(user);
            }
        }
        for item in parties {
            let Some(party) = av::get_s(&item, "id").and_then(|p| PartyId::parse_existing(p).ok())
            else {
                return Err(Error::internal(format!(
                    "party item {:?} without a valid id",
                    av::get_s(&item, keys::SK)
                )));
            };
            done.parties += 1;
            done.shards_created += self.create_missing_shards(org, &party).await?;
            let users = legacy.remove(party.as_str()).unwrap_or_default();
            let (moved, base_left) = self.move_legacy_counts(org, &party, &users).await?;
            done.authorizations_moved += moved;
            if base_left {
                done.parties_with_stray_base += 1;
            }
        }
        Ok(done)
    }

    async fn create_missing_shards(&self, org: &OrgId, party: &PartyId) -> Result<u64, Error> {
        let existing = self
            .query_all(
                keys::org_pk(org),
                SortKeys::Prefix(keys::party_counter_prefix(party)),
                "party count shards",
            )
            .await?;
        let mut created = 0;
        for shard in 0..keys::PARTY_COUNTER_SHARDS {
            let sk = keys::party_counter_sk(party, shard);
            if existing
                .iter()
                .any(|i| av::get_s(i, keys::SK) == Some(sk.as_str()))
            {
                continue;
            }
            let mut tx = Tx::new();
            tx.check(
                &self.table,
                keys::org_pk(org),
                keys::party_sk(party),
                Condition::present(),
                OnFail::Missing(Resource::Party),
            )?;
            let shard_item: Item = [
                (keys::PK.to_string(), av::s(keys::org_pk(org))),
                (keys::SK.to_string(), av::s(sk)),
                (keys::ENTITY.to_string(), av::s("PARTY_COUNT")),
                ("partyId".to_string(), av::s(party.as_str())),
                ("authorizations".to_string(), av::n(0)),
            ]
            .into_iter()
            .collect();
            tx.put(
                &self.table,
                shard_item,
                Some(Condition::absent()),
                OnFail::Changed,
            )?;
            match self.commit(tx).await {
                Ok(()) => created += 1,
                // Created meanwhile (a concurrent run): kept as it is.
                Err(Error::PreconditionFailed) => {}
                // Deleted meanwhile: nothing left to convert.
                Err(Error::NotFound(_)) => return Ok(created),
                Err(e) => return Err(e),
            }
        }
        Ok(created)
    }

    /// Moves each authorization of `party` still counted on the party item to its shard.
    /// `users`: those whose authorization had no `countShard` when read. Returns how many
    /// moved and whether the party item still holds a count afterwards.
    async fn move_legacy_counts(
        &self,
        org: &OrgId,
        party: &PartyId,
        users: &[UserId],
    ) -> Result<(u64, bool), Error> {
        let mut moved = 0;
        for user in users {
            let shard = keys::party_counter_shard(user);
            let mut tx = Tx::new();
            tx.update(
                &self.table,
                keys::org_pk(org),
                keys::auth_sk(user, party),
                Condition::new("SET #shard = :shard")
                    .name("#shard", "countShard")
                    .value(":shard", av::n(shard)),
                Some(
                    Condition::new("attribute_exists(#pk) AND attribute_not_exists(#shard)")
                        .name("#pk", keys::PK),
                ),
                OnFail::Changed,
            )?;
            tx.update(
                &self.table,
                keys::org_pk(org),
                keys::party_sk(party),
                Condition::new("ADD #auths :minus")
                    .name("#auths", "authorizations")
                    .value(":minus", av::n(-1)),
                Some(Condition::new("#auths > :zero").value(":zero", av::n(0))),
                OnFail::Invariant("a legacy authorization its party item does not count"),
            )?;
            tx.update(
                &self.table,
                keys::org_pk(org),
                keys::party_counter_sk(party, shard),
                Condition::new("ADD #auths :one")
                    .name("#auths", "authorizations")
                    .value(":one", av::n(1)),
                Some(Condition::present()),
                OnFail::Missing(Resource::Party),
            )?;
            match self.commit(tx).await {
                Ok(()) => moved += 1,
                // Revoked, or moved by a concurrent run, meanwhile; or the party was deleted.
                Err(Error::PreconditionFailed | Error::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let base = self
            .get_item(keys::org_pk(org), keys::party_sk(party), "party")
            .await?
            .map_or(0, |i| av::get_n(&i, "authorizations"));
        Ok((moved, base != 0))
    }
}
