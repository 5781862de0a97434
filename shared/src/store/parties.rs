//! Registered parties (with a global owner marker so a party id belongs to one organization)
//! and their sharded authorization counts.

use crate::error::Conflict;
use std::collections::HashMap;

use super::query::QuerySpec;
use super::reads::SortKeys;
use super::tx::{Condition, OnFail, Tx};
use super::{av, decode, encode, keys, Item, Page, PageRequest, Store};
use crate::audit::{self, AuditContext};
use crate::domain::{OrgId, Party, PartyId, PartyInfo};
use crate::Error;

fn party_taken_elsewhere(party: &PartyId) -> OnFail {
    OnFail::Conflict(
        Conflict::PartyOwnedElsewhere,
        format!("Party {party} is registered by another organization."),
    )
}

fn party_has_authorizations(party: &PartyId) -> OnFail {
    OnFail::Conflict(
        Conflict::PartyHasAuthorizations,
        format!("Party {party} still has authorizations; revoke them or delete with cascade=true."),
    )
}

impl Store {
    fn party_item(&self, party: &Party) -> Result<Item, Error> {
        let mut item = encode(party, "party")?;
        item.insert(keys::PK.into(), av::s(keys::org_pk(&party.org)));
        item.insert(keys::SK.into(), av::s(keys::party_sk(&party.id)));
        item.insert(keys::ENTITY.into(), av::s("PARTY"));
        // The count lives in the party's shards; the item keeps only a count written before
        // the shards existed (the base they add to).
        item.remove("authorizations");
        Ok(item)
    }

    fn party_counter_item(&self, party: &Party, shard: u32, count: u64) -> Item {
        HashMap::from([
            (keys::PK.to_string(), av::s(keys::org_pk(&party.org))),
            (
                keys::SK.to_string(),
                av::s(keys::party_counter_sk(&party.id, shard)),
            ),
            (keys::ENTITY.to_string(), av::s("PARTY_COUNT")),
            ("partyId".to_string(), av::s(party.id.as_str())),
            ("authorizations".to_string(), av::n(count)),
        ])
    }

    fn party_owner_item(&self, party: &Party) -> Item {
        HashMap::from([
            (keys::PK.to_string(), av::s(keys::party_owner_pk(&party.id))),
            (keys::SK.to_string(), av::s(keys::party_owner_sk())),
            (keys::ENTITY.to_string(), av::s("PARTY_OWNER")),
            ("orgId".to_string(), av::s(party.org.as_str())),
        ])
    }

    /// Adds the writes that register `party` (item, owner marker, its authorization-count
    /// shards, the organization's counter) to `tx`; `first_grant` is the shard that starts at 1
    /// when the registration comes with a grant; and its `party.registered` record.
    pub(super) fn add_party_registration(
        &self,
        tx: &mut Tx,
        party: &Party,
        first_grant: Option<u32>,
        audit: &AuditContext,
    ) -> Result<(), Error> {
        tx.put(
            &self.table,
            self.party_item(party)?,
            Some(Condition::absent()),
            OnFail::Conflict(
                Conflict::PartyExists,
                format!("Party {} is already registered.", party.id),
            ),
        )?;
        tx.put(
            &self.table,
            self.party_owner_item(party),
            Some(Condition::absent()),
            party_taken_elsewhere(&party.id),
        )?;
        for shard in 0..keys::PARTY_COUNTER_SHARDS {
            let count = u64::from(first_grant == Some(shard));
            tx.put(
                &self.table,
                self.party_counter_item(party, shard, count),
                None,
                OnFail::Invariant("unconditional put"),
            )?;
        }
        self.add_counters(tx, &party.org, &[("parties".into(), 1)])?;
        if let Some(event) = audit::party_event(None, Some(party)) {
            self.add_audit(tx, audit, event)?;
        }
        Ok(())
    }

    pub async fn create_party(&self, party: &Party, audit: &AuditContext) -> Result<(), Error> {
        let mut tx = Tx::new();
        self.add_party_registration(&mut tx, party, None, audit)?;
        self.commit(tx).await
    }

    /// The party with its exact authorization count (item and count shards in one
    /// `BatchGetItem`).
    pub async fn get_party(&self, org: &OrgId, party: &PartyId) -> Result<Option<Party>, Error> {
        let mut sort_keys = vec![keys::party_sk(party)];
        sort_keys.extend(
            (0..keys::PARTY_COUNTER_SHARDS).map(|shard| keys::party_counter_sk(party, shard)),
        );
        let items = self.batch_get(org, &sort_keys, "party").await?;
        let party_sk = keys::party_sk(party);
        let mut found = None;
        let mut count = 0i64;
        for item in items {
            count += av::get_n(&item, "authorizations");
            if av::get_s(&item, keys::SK) == Some(party_sk.as_str()) {
                found = Some(item);
            }
        }
        let Some(item) = found else {
            return Ok(None);
        };
        let mut party: Party = decode(item, "party")?;
        party.authorizations = u64::try_from(count).unwrap_or(0);
        Ok(Some(party))
    }

    /// Replaces a party's descriptive fields if it is still at `old.version`. An update, not a
    /// put: concurrent grants change the authorization count without bumping the version.
    pub async fn replace_party(
        &self,
        old: &Party,
        new: &Party,
        audit: &AuditContext,
    ) -> Result<(), Error> {
        let mut update = Condition::new("")
            .name("#name", "name")
            .name("#updated", "updatedAt")
            .name("#version", "version")
            .value(":name", av::s(new.name.clone()))
            .value(":updated", av::s(new.updated_at.clone()))
            .value(":version", av::n(new.version));
        let mut sets = vec![
            "#name = :name".to_string(),
            "#updated = :updated".into(),
            "#version = :version".into(),
        ];
        let mut removes = Vec::new();
        for (attribute, value) in [
            ("tin", &new.tin),
            ("contactName", &new.contact_name),
            ("commercialName", &new.commercial_name),
            ("externalId", &new.external_id),
        ] {
            update = update.name(&format!("#{attribute}"), attribute);
            match value {
                Some(v) => {
                    sets.push(format!("#{attribute} = :{attribute}"));
                    update = update.value(&format!(":{attribute}"), av::s(v.clone()));
                }
                None => removes.push(format!("#{attribute}")),
            }
        }
        update.expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            update
                .expression
                .push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        let mut tx = Tx::new();
        tx.update(
            &self.table,
            keys::org_pk(&new.org),
            keys::party_sk(&new.id),
            update,
            Some(Condition::at_version(old.version)),
            OnFail::Changed,
        )?;
        if let Some(event) = audit::party_event(Some(old), Some(new)) {
            self.add_audit(&mut tx, audit, event)?;
        }
        self.commit(tx).await
    }

    /// Deletes a party without authorizations (409 `PARTY_HAS_AUTHORIZATIONS` otherwise).
    pub async fn delete_party(&self, party: &Party, audit: &AuditContext) -> Result<(), Error> {
        let mut tx = Tx::new();
        let no_auths = Condition::new(
            "attribute_exists(#pk) AND (attribute_not_exists(#auths) OR #auths = :zero)",
        )
        .name("#pk", keys::PK)
        .name("#auths", "authorizations")
        .value(":zero", av::n(0));
        tx.delete(
            &self.table,
            keys::org_pk(&party.org),
            keys::party_sk(&party.id),
            Some(no_auths),
            party_has_authorizations(&party.id),
        )?;
        tx.delete(
            &self.table,
            keys::party_owner_pk(&party.id),
            keys::party_owner_sk(),
            Some(
                Condition::new("#org = :org")
                    .name("#org", "orgId")
                    .value(":org", av::s(party.org.as_str())),
            ),
            OnFail::Invariant("party owner marker"),
        )?;
        for shard in 0..keys::PARTY_COUNTER_SHARDS {
            tx.delete(
                &self.table,
                keys::org_pk(&party.org),
                keys::party_counter_sk(&party.id, shard),
                Some(
                    Condition::new("attribute_not_exists(#pk) OR #auths = :zero")
                        .name("#pk", keys::PK)
                        .name("#auths", "authorizations")
                        .value(":zero", av::n(0)),
                ),
                party_has_authorizations(&party.id),
            )?;
        }
        self.add_counters(&mut tx, &party.org, &[("parties".into(), -1)])?;
        if let Some(event) = audit::party_event(Some(party), None) {
            self.add_audit(&mut tx, audit, event)?;
        }
        self.commit(tx).await
    }

    pub async fn list_parties(
        &self,
        org: &OrgId,
        page: &PageRequest,
    ) -> Result<Page<Party>, Error> {
        let spec = QuerySpec::prefix(keys::org_pk(org), keys::PARTY_PREFIX);
        let mut page: Page<Party> = self.query_page(&spec, page).await?.decode("party")?;
        self.add_party_counts(org, &mut page.items).await?;
        Ok(page)
    }

    /// Adds to each party of a listed page (in sort-key order) its count shards, read in one
    /// `Query` over the page's range of shards.
    async fn add_party_counts(&self, org: &OrgId, parties: &mut [Party]) -> Result<(), Error> {
        let (Some(first), Some(last)) = (parties.first(), parties.last()) else {
            return Ok(());
        };
        let from = keys::party_counter_prefix(&first.id);
        let to = format!("{}~", keys::party_counter_prefix(&last.id));
        let shards = self
            .query_all(
                keys::org_pk(org),
                SortKeys::Between(from, to),
                "party counts",
            )
            .await?;
        let mut counts: HashMap<String, i64> = HashMap::new();
        for item in shards {
            if let Some(party) = av::get_s(&item, "partyId") {
                *counts.entry(party.to_string()).or_default() += av::get_n(&item, "authorizations");
            }
        }
        for party in parties {
            let shards = counts.get(party.id.as_str()).copied().unwrap_or(0);
            let total = i64::try_from(party.authorizations).unwrap_or(0) + shards;
            party.authorizations = u64::try_from(total).unwrap_or(0);
        }
        Ok(())
    }

    /// Registered parties of `org` by id (unregistered ones are left out), their descriptive
    /// fields only (no count: see [`PartyInfo`]).
    pub async fn get_parties(&self, org: &OrgId, ids: &[PartyId]) -> Result<Vec<PartyInfo>, Error> {
        let keys: Vec<String> = ids.iter().map(keys::party_sk).collect();
        self.batch_get(org, &keys, "parties")
            .await?
            .into_iter()
            .map(|item| decode(item, "party"))
            .collect()
    }
}
