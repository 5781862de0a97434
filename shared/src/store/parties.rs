//! Registered parties (with a global owner marker so a party id belongs to one organization),
//! party authorizations (GSI2 answers "who may act for this party"), and the expiry index scan.

use crate::error::{Conflict, Resource};
use std::collections::HashMap;

use super::query::QuerySpec;
use super::tx::{Condition, OnFail, Tx};
use super::{av, decode, encode, errors, keys, Item, Page, PageRequest, Store};
use crate::audit::{self, AuditContext};
use crate::domain::{Authorization, OrgId, Party, PartyId, Status, UserId};
use crate::Error;

/// A user found in the expiry index.
#[derive(Clone, Debug)]
pub struct ExpiredUser {
    pub org: OrgId,
    pub user_id: UserId,
}

fn party_taken_elsewhere(party: &PartyId) -> OnFail {
    OnFail::Conflict(
        Conflict::PartyOwnedElsewhere,
        format!("Party {party} is registered by another organization."),
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
    fn add_party_registration(
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
            OnFail::Conflict(
                Conflict::PartyHasAuthorizations,
                format!(
                    "Party {} still has authorizations; revoke them or delete with cascade=true.",
                    party.id
                ),
            ),
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
                OnFail::Conflict(
                    Conflict::PartyHasAuthorizations,
                    format!(
                        "Party {} still has authorizations; revoke them or delete with cascade=true.",
                        party.id
                    ),
                ),
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
        let spec = QuerySpec {
            index: None,
            partition: (keys::PK, keys::org_pk(org)),
            fixed: vec![],
            cursor_attrs: &[keys::SK],
            sort_condition: Some((keys::SK, "begins_with(#sk, :sk)".into())),
            filter: None,
            names: HashMap::new(),
            values: HashMap::from([(":sk".to_string(), av::s(keys::PARTY_PREFIX))]),
            cursor_prefix: Some((keys::SK, keys::PARTY_PREFIX.into())),
        };
        let page = self.query_page(&spec, page).await?;
        let mut items = page
            .items
            .into_iter()
            .map(|i| decode(i, "party"))
            .collect::<Result<Vec<Party>, _>>()?;
        self.add_party_counts(org, &mut items).await?;
        Ok(Page {
            items,
            next: page.next,
        })
    }

    /// Adds to each party of a listed page (in sort-key order) its count shards, read in one
    /// `Query` over the page's range of shards.
    async fn add_party_counts(&self, org: &OrgId, parties: &mut [Party]) -> Result<(), Error> {
        let (Some(first), Some(last)) = (parties.first(), parties.last()) else {
            return Ok(());
        };
        let from = keys::party_counter_prefix(&first.id);
        let to = format!("{}~", keys::party_counter_prefix(&last.id));
        let mut counts: HashMap<String, i64> = HashMap::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
                .expression_attribute_names("#pk", keys::PK)
                .expression_attribute_names("#sk", keys::SK)
                .expression_attribute_values(":pk", av::s(keys::org_pk(org)))
                .expression_attribute_values(":from", av::s(from.clone()))
                .expression_attribute_values(":to", av::s(to.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| errors::storage("Query(party counts)", e))?;
            for item in out.items.unwrap_or_default() {
                if let Some(party) = av::get_s(&item, "partyId") {
                    *counts.entry(party.to_string()).or_default() +=
                        av::get_n(&item, "authorizations");
                }
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        for party in parties {
            let shards = counts.get(party.id.as_str()).copied().unwrap_or(0);
            let total = i64::try_from(party.authorizations).unwrap_or(0) + shards;
            party.authorizations = u64::try_from(total).unwrap_or(0);
        }
        Ok(())
    }

    fn auth_item(&self, auth: &Authorization) -> Result<Item, Error> {
        let mut item = encode(auth, "authorization")?;
        item.insert(keys::PK.into(), av::s(keys::org_pk(&auth.org)));
        item.insert(
            keys::SK.into(),
            av::s(keys::auth_sk(&auth.user_id, &auth.party_id)),
        );
        item.insert(
            keys::GSI2PK.into(),
            av::s(keys::party_users_gsi_pk(&auth.org, &auth.party_id)),
        );
        item.insert(keys::GSI2SK.into(), av::s(auth.user_id.as_str()));
        item.insert(keys::ENTITY.into(), av::s("AUTH"));
        // Which count shard counts it (absent on authorizations counted on the party item).
        item.insert(
            "countShard".into(),
            av::n(keys::party_counter_shard(&auth.user_id)),
        );
        Ok(item)
    }

    pub async fn get_authorization(
        &self,
        org: &OrgId,
        user: &UserId,
        party: &PartyId,
    ) -> Result<Option<Authorization>, Error> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, av::s(keys::org_pk(org)))
            .key(keys::SK, av::s(keys::auth_sk(user, party)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| errors::storage("GetItem(authorization)", e))?;
        out.item.map(|i| decode(i, "authorization")).transpose()
    }

    /// Grants or changes an authorization for a live user. `register` is the party to register
    /// in the same transaction when it is not registered yet; `existing` is the authorization
    /// as read (so the party's count moves only for new ones, and the record shows the
    /// permissions before).
    pub async fn put_authorization(
        &self,
        auth: &Authorization,
        register: Option<&Party>,
        existing: Option<&Authorization>,
        audit: &AuditContext,
    ) -> Result<(), Error> {
        let replacing = existing.is_some();
        let org_pk = keys::org_pk(&auth.org);
        let mut tx = Tx::new();
        let user_live = Condition::new("attribute_exists(#pk) AND #status <> :deleted")
            .name("#pk", keys::PK)
            .name("#status", "status")
            .value(":deleted", av::s(Status::Deleted.as_str()));
        tx.check(
            &self.table,
            org_pk.clone(),
            keys::user_sk(&auth.user_id),
            user_live,
            OnFail::Missing(Resource::User),
        )?;
        match (register, replacing) {
            (Some(party), _) => self.add_party_registration(
                &mut tx,
                party,
                Some(keys::party_counter_shard(&auth.user_id)),
                audit,
            )?,
            (None, false) => tx.update(
                &self.table,
                org_pk.clone(),
                keys::party_counter_sk(&auth.party_id, keys::party_counter_shard(&auth.user_id)),
                Condition::new("ADD #auths :one")
                    .name("#auths", "authorizations")
                    .value(":one", av::n(1)),
                // The shard exists while the party does (a delete removes them together).
                Some(Condition::present()),
                OnFail::Changed,
            )?,
            (None, true) => {}
        }
        // Replacing: the authorization must still be the one read, so the record's "before"
        // is exact (a concurrent change makes the caller read again).
        let condition = match existing {
            Some(old) => Condition::new("#updated = :read_updated")
                .name("#updated", "updatedAt")
                .value(":read_updated", av::s(old.updated_at.clone())),
            None => Condition::absent(),
        };
        tx.put(
            &self.table,
            self.auth_item(auth)?,
            Some(condition),
            OnFail::Changed,
        )?;
        if let Some(event) = audit::authorization_change(existing, Some(auth)) {
            self.add_audit(&mut tx, audit, event)?;
        }
        self.commit(tx).await
    }

    /// Removes an authorization (404 if there is none) and uncounts it on its shard, in one
    /// transaction with its `authorization.revoked` record (the permissions before, read first;
    /// the delete is conditional on that read, so a concurrent change makes it read again). An
    /// authorization stored before the counts were sharded (no `countShard`) is uncounted on
    /// the party item instead.
    pub async fn delete_authorization(
        &self,
        org: &OrgId,
        user: &UserId,
        party: &PartyId,
        audit: &AuditContext,
    ) -> Result<(), Error> {
        for _ in 0..3 {
            let item = self
                .get_authorization_item(org, user, party)
                .await?
                .ok_or(Error::NotFound(Resource::Authorization))?;
            let legacy = !item.contains_key("countShard");
            let old: Authorization = decode(item, "authorization")?;
            let shard = (!legacy).then(|| keys::party_counter_shard(user));
            match self.uncount_authorization(&old, shard, audit).await {
                // Changed or removed between the read and the delete: read again.
                Err(Error::PreconditionFailed) => continue,
                other => return other,
            }
        }
        Err(Error::Throttled(
            "the authorization kept changing; retry".into(),
        ))
    }

    async fn uncount_authorization(
        &self,
        old: &Authorization,
        shard: Option<u32>,
        audit: &AuditContext,
    ) -> Result<(), Error> {
        let (org, user, party) = (&old.org, &old.user_id, &old.party_id);
        let org_pk = keys::org_pk(org);
        let (condition, counter_sk) = match shard {
            Some(shard) => (
                Condition::new("attribute_exists(#pk) AND #shard = :shard")
                    .name("#pk", keys::PK)
                    .name("#shard", "countShard")
                    .value(":shard", av::n(shard)),
                keys::party_counter_sk(party, shard),
            ),
            None => (
                Condition::new("attribute_exists(#pk) AND attribute_not_exists(#shard)")
                    .name("#pk", keys::PK)
                    .name("#shard", "countShard"),
                keys::party_sk(party),
            ),
        };
        let condition = Condition {
            expression: format!("{} AND #updated = :read_updated", condition.expression),
            ..condition
        }
        .name("#updated", "updatedAt")
        .value(":read_updated", av::s(old.updated_at.clone()));
        let mut tx = Tx::new();
        tx.delete(
            &self.table,
            org_pk.clone(),
            keys::auth_sk(user, party),
            Some(condition),
            OnFail::Changed,
        )?;
        tx.update(
            &self.table,
            org_pk,
            counter_sk,
            Condition::new("ADD #auths :minus")
                .name("#auths", "authorizations")
                .value(":minus", av::n(-1)),
            Some(Condition::present()),
            OnFail::Invariant("authorization without party"),
        )?;
        if let Some(event) = audit::authorization_change(Some(old), None) {
            self.add_audit(&mut tx, audit, event)?;
        }
        self.commit(tx).await
    }

    async fn get_authorization_item(
        &self,
        org: &OrgId,
        user: &UserId,
        party: &PartyId,
    ) -> Result<Option<Item>, Error> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, av::s(keys::org_pk(org)))
            .key(keys::SK, av::s(keys::auth_sk(user, party)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| errors::storage("GetItem(authorization)", e))?;
        Ok(out.item)
    }

    /// The user, the party (without its count) and the user's authorization for it, in one
    /// `BatchGetItem`: what a grant needs to decide.
    pub async fn grant_context(
        &self,
        org: &OrgId,
        user: &UserId,
        party: &PartyId,
    ) -> Result<
        (
            Option<crate::domain::User>,
            Option<Party>,
            Option<Authorization>,
        ),
        Error,
    > {
        let (user_sk, party_sk, auth_sk) = (
            keys::user_sk(user),
            keys::party_sk(party),
            keys::auth_sk(user, party),
        );
        let items = self
            .batch_get(
                org,
                &[user_sk.clone(), party_sk.clone(), auth_sk.clone()],
                "grant",
            )
            .await?;
        let (mut found_user, mut found_party, mut found_auth) = (None, None, None);
        for item in items {
            let sk = av::get_s(&item, keys::SK).unwrap_or_default().to_string();
            if sk == user_sk {
                found_user = Some(decode(item, "user")?);
            } else if sk == party_sk {
                found_party = Some(decode(item, "party")?);
            } else if sk == auth_sk {
                found_auth = Some(decode(item, "authorization")?);
            }
        }
        Ok((found_user, found_party, found_auth))
    }

    /// Every authorization of one user.
    pub async fn list_user_authorizations(
        &self,
        org: &OrgId,
        user: &UserId,
    ) -> Result<Vec<Authorization>, Error> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#pk", keys::PK)
                .expression_attribute_names("#sk", keys::SK)
                .expression_attribute_values(":pk", av::s(keys::org_pk(org)))
                .expression_attribute_values(":prefix", av::s(keys::user_auths_prefix(user)))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| errors::storage("Query(user authorizations)", e))?;
            for item in page.items.unwrap_or_default() {
                out.push(decode(item, "authorization")?);
            }
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(out);
            }
        }
    }

    /// One page of the authorizations naming `party` (GSI2, ordered by user id).
    pub async fn list_party_authorizations(
        &self,
        org: &OrgId,
        party: &PartyId,
        page: &PageRequest,
    ) -> Result<Page<Authorization>, Error> {
        let spec = QuerySpec {
            index: Some(keys::GSI2),
            partition: (keys::GSI2PK, keys::party_users_gsi_pk(org, party)),
            fixed: vec![(keys::PK, keys::org_pk(org))],
            cursor_attrs: &[keys::SK, keys::GSI2SK],
            sort_condition: None,
            filter: None,
            names: HashMap::new(),
            values: HashMap::new(),
            cursor_prefix: Some((keys::SK, "AUTH#".into())),
        };
        let page = self.query_page(&spec, page).await?;
        let items = page
            .items
            .into_iter()
            .map(|i| decode(i, "authorization"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page {
            items,
            next: page.next,
        })
    }

    /// Users of `org` by id, in one round trip per 100 (missing ones are left out).
    pub async fn get_users(
        &self,
        org: &OrgId,
        ids: &[UserId],
    ) -> Result<Vec<crate::domain::User>, Error> {
        let keys: Vec<String> = ids.iter().map(keys::user_sk).collect();
        self.batch_get(org, &keys, "users")
            .await?
            .into_iter()
            .map(|item| decode(item, "user"))
            .collect()
    }

    /// Registered parties of `org` by id (unregistered ones are left out).
    pub async fn get_parties(&self, org: &OrgId, ids: &[PartyId]) -> Result<Vec<Party>, Error> {
        let keys: Vec<String> = ids.iter().map(keys::party_sk).collect();
        self.batch_get(org, &keys, "parties")
            .await?
            .into_iter()
            .map(|item| decode(item, "party"))
            .collect()
    }

    /// Items of the partition of `org` by sort key, in one round trip per 100.
    async fn batch_get(
        &self,
        org: &OrgId,
        sort_keys: &[String],
        what: &str,
    ) -> Result<Vec<Item>, Error> {
        let mut items = Vec::new();
        for chunk in sort_keys.chunks(100) {
            let mut keys_and_attributes =
                aws_sdk_dynamodb::types::KeysAndAttributes::builder().consistent_read(true);
            for sk in chunk {
                keys_and_attributes = keys_and_attributes.keys(HashMap::from([
                    (keys::PK.to_string(), av::s(keys::org_pk(org))),
                    (keys::SK.to_string(), av::s(sk.clone())),
                ]));
            }
            let mut request: HashMap<String, aws_sdk_dynamodb::types::KeysAndAttributes> =
                HashMap::from([(
                    self.table.clone(),
                    keys_and_attributes
                        .build()
                        .map_err(|e| Error::internal(e.to_string()))?,
                )]);
            // Unprocessed keys come back under load; ask again for them (bounded), and say so
            // rather than answer with items silently missing.
            let mut attempts = 0;
            loop {
                attempts += 1;
                let out = self
                    .client
                    .batch_get_item()
                    .set_request_items(Some(request))
                    .send()
                    .await
                    .map_err(|e| errors::storage(&format!("BatchGetItem({what})"), e))?;
                items.extend(
                    out.responses
                        .unwrap_or_default()
                        .remove(&self.table)
                        .unwrap_or_default(),
                );
                match out.unprocessed_keys {
                    Some(rest) if !rest.is_empty() && attempts < 5 => request = rest,
                    Some(rest) if !rest.is_empty() => {
                        return Err(Error::Throttled(format!(
                            "BatchGetItem({what}): keys left unprocessed"
                        )))
                    }
                    _ => break,
                }
            }
        }
        Ok(items)
    }

    /// The expiry-index partitions the sweep of `today` reads: the legacy single `EXPIRY`
    /// partition (items written before the index was sharded; it drains as they are swept or
    /// rewritten), then each day from the watermark to `today`.
    pub async fn expiry_shards(&self, today: &str) -> Result<Vec<String>, Error> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, av::s(keys::sweep_pk()))
            .key(keys::SK, av::s(keys::sweep_sk()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| errors::storage("GetItem(sweep watermark)", e))?;
        let from = out
            .item
            .as_ref()
            .and_then(|i| av::get_s(i, "day"))
            .and_then(crate::clock::parse_date)
            .unwrap_or(FIRST_EXPIRY_DAY);
        let Some(today_date) = crate::clock::parse_date(today) else {
            return Err(Error::internal(format!("sweep day {today} unreadable")));
        };
        let mut shards = vec!["EXPIRY".to_string()];
        let mut day = from;
        while day <= today_date {
            shards.push(keys::expiry_gsi_pk(&crate::clock::format_date(day)));
            match day.next_day() {
                Some(next) => day = next,
                None => break,
            }
        }
        Ok(shards)
    }

    /// Records that every expiry shard before `day` has been swept empty.
    pub async fn set_sweep_watermark(&self, day: &str) -> Result<(), Error> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(keys::PK, av::s(keys::sweep_pk()))
            .item(keys::SK, av::s(keys::sweep_sk()))
            .item(keys::ENTITY, av::s("SWEEP"))
            .item("day", av::s(day))
            .send()
            .await
            .map_err(|e| errors::storage("PutItem(sweep watermark)", e))?;
        Ok(())
    }

    /// Users of one expiry shard whose `validUntil` is before `today` (`YYYY-MM-DD`) and who
    /// are still active, one page at a time.
    pub async fn expired_users(
        &self,
        shard: &str,
        today: &str,
        start: Option<Item>,
        limit: i32,
    ) -> Result<(Vec<ExpiredUser>, Option<Item>), Error> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(keys::GSI3)
            .key_condition_expression("#pk = :pk AND #sk < :today")
            .expression_attribute_names("#pk", keys::GSI3PK)
            .expression_attribute_names("#sk", keys::GSI3SK)
            .expression_attribute_values(":pk", av::s(shard))
            .expression_attribute_values(":today", av::s(today))
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(|e| errors::storage("Query(expiry index)", e))?;
        let users = out
            .items
            .unwrap_or_default()
            .iter()
            .filter_map(|item| {
                let org = av::get_s(item, keys::PK)?.strip_prefix("ORG#")?;
                let user = av::get_s(item, keys::SK)?.strip_prefix(keys::USER_PREFIX)?;
                Some(ExpiredUser {
                    org: OrgId::parse(org).ok()?,
                    user_id: UserId::parse(user).ok()?,
                })
            })
            .collect();
        Ok((users, out.last_evaluated_key))
    }
}

/// No expiry shard is older than the day the index was sharded (writes never go to a day
/// before their own): where a sweep without a watermark starts.
const FIRST_EXPIRY_DAY: time::Date = time::macros::date!(2026 - 12 - 01);
