//! Party authorizations: one item per (user, party), counted on the party's count shards;
//! GSI2 answers "who may act for this party".

use crate::error::Resource;
use std::collections::HashMap;

use super::query::QuerySpec;
use super::reads::SortKeys;
use super::tx::{Condition, OnFail, Tx};
use super::{av, decode, encode, keys, Item, Page, PageRequest, Store};
use crate::audit::{self, AuditContext};
use crate::domain::{Authorization, OrgId, Party, PartyId, UserId};
use crate::Error;

impl Store {
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
        self.get_decoded(
            keys::org_pk(org),
            keys::auth_sk(user, party),
            "authorization",
        )
        .await
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
        tx.check_user_live(
            &self.table,
            &auth.org,
            &auth.user_id,
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
        // is exact (a concurrent change makes the caller read again). One from before the
        // count sharding stays counted on its party item (no `countShard`), and the replace
        // requires that state too: a `migrate-party-counts` move meanwhile makes it read again.
        let mut item = self.auth_item(auth)?;
        let condition = match existing {
            Some(old) => {
                let counted = match old.count_shard {
                    Some(shard) => {
                        Condition::new("#shard = :read_shard").value(":read_shard", av::n(shard))
                    }
                    None => {
                        item.remove("countShard");
                        Condition::new("attribute_not_exists(#shard)")
                    }
                };
                Condition {
                    expression: format!("#updated = :read_updated AND {}", counted.expression),
                    ..counted
                }
                .name("#shard", "countShard")
                .name("#updated", "updatedAt")
                .value(":read_updated", av::s(old.updated_at.clone()))
            }
            None => Condition::absent(),
        };
        tx.put(&self.table, item, Some(condition), OnFail::Changed)?;
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
        self.get_item(
            keys::org_pk(org),
            keys::auth_sk(user, party),
            "authorization",
        )
        .await
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
        let prefix = SortKeys::Prefix(keys::user_auths_prefix(user));
        self.query_all(keys::org_pk(org), prefix, "user authorizations")
            .await?
            .into_iter()
            .map(|item| decode(item, "authorization"))
            .collect()
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
        self.query_page(&spec, page).await?.decode("authorization")
    }
}
