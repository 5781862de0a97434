//! The invariant checker: what must always hold in an organization's data, whatever happened
//! (concurrent writes, faults, retries). Used by the tests after concurrency, fault and fuzzing
//! runs, and by `roster-admin check-invariants` against any table.
//!
//! - every live user's username, email and external-id markers exist and point to it;
//! - every marker points to a live user that holds that value (no orphans);
//! - every user has its default profile;
//! - every authorization's party is registered in the same organization, its user exists, and
//!   each party's authorization count equals its authorizations;
//! - every registered party owns its global party-id marker;
//! - every API key's metadata and lookup items exist together;
//! - the organization's counters (org item + counter shards) equal the real counts;
//! - every active user with a `validUntil` is in the expiry index under a day shard no earlier
//!   than its `validUntil` day (or the legacy single partition), and no other user is;
//! - every user created since the audit trail exists (at or after the oldest record kept, and
//!   within the retention) has its `user.created` record.

use std::collections::{BTreeMap, BTreeSet};

use super::reads::SortKeys;
use super::{av, decode, keys, Item, Store};
use crate::domain::{Authorization, OrgId, Party, Status, User};
use crate::store::KeyRecord;
use crate::Error;

impl Store {
    async fn partition(&self, pk: String) -> Result<Vec<Item>, Error> {
        self.query_all(pk, SortKeys::All, "invariants").await
    }

    async fn item(&self, pk: String, sk: String) -> Result<Option<Item>, Error> {
        self.get_item(pk, sk, "invariants").await
    }

    /// Every organization registered in the table.
    pub async fn list_orgs(&self) -> Result<Vec<OrgId>, Error> {
        let items = self.partition(keys::org_registry_pk()).await?;
        Ok(items
            .iter()
            .filter_map(|i| av::get_s(i, "orgId"))
            .filter_map(|o| OrgId::parse(o).ok())
            .collect())
    }

    /// The broken invariants of `org`, one sentence each (empty when all hold).
    pub async fn check_invariants(&self, org: &OrgId) -> Result<Vec<String>, Error> {
        let items = self.partition(keys::org_pk(org)).await?;
        let mut broken = Vec::new();
        let mut org_item = None;
        let mut counters = super::OrgCounters::default();
        let mut party_shards: BTreeMap<String, i64> = BTreeMap::new();
        let mut shard_items: BTreeMap<String, u32> = BTreeMap::new();
        let mut expiry: Vec<(String, Option<String>, Option<String>)> = Vec::new();
        let mut users: BTreeMap<String, User> = BTreeMap::new();
        let mut markers: BTreeMap<String, String> = BTreeMap::new();
        let mut profiles = BTreeSet::new();
        let mut parties: BTreeMap<String, Party> = BTreeMap::new();
        let mut auths: Vec<Authorization> = Vec::new();
        let mut key_records: Vec<KeyRecord> = Vec::new();
        let mut history = 0u64;
        for item in items {
            let sk = av::get_s(&item, keys::SK).unwrap_or_default().to_string();
            if sk == keys::org_sk() || sk.starts_with(keys::ORG_COUNTER_PREFIX) {
                counters.add(&item);
                if sk == keys::org_sk() {
                    org_item = Some(item);
                }
            } else if sk.starts_with(keys::PARTY_COUNTER_PREFIX) {
                let party = av::get_s(&item, "partyId").unwrap_or_default().to_string();
                *party_shards.entry(party.clone()).or_default() +=
                    av::get_n(&item, "authorizations");
                *shard_items.entry(party).or_default() += 1;
            } else if sk.starts_with(keys::USER_PREFIX) {
                expiry.push((
                    sk.clone(),
                    av::get_s(&item, keys::GSI3PK).map(str::to_string),
                    av::get_s(&item, keys::GSI3SK).map(str::to_string),
                ));
                let user: User = decode(item, "user")?;
                users.insert(keys::user_sk(&user.id), user);
            } else if sk.starts_with("UNIQUE#") {
                markers.insert(
                    sk,
                    av::get_s(&item, "userId").unwrap_or_default().to_string(),
                );
            } else if let Some(user) = sk.strip_prefix("PROFILE#") {
                profiles.insert(format!("{}{user}", keys::USER_PREFIX));
            } else if sk.starts_with(keys::PARTY_PREFIX) {
                let party: Party = decode(item, "party")?;
                parties.insert(party.id.to_string(), party);
            } else if sk.starts_with("AUTH#") {
                auths.push(decode(item, "authorization")?);
            } else if sk.starts_with(keys::DELETED_PREFIX) {
                history += 1;
            } else if sk.starts_with("APIKEY#") {
                key_records.push(decode(item, "key")?);
            }
        }

        // Markers of live users, both ways.
        let mut expected: BTreeMap<String, String> = BTreeMap::new();
        for user in users.values().filter(|u| u.status != Status::Deleted) {
            expected.insert(
                keys::username_marker_sk(&user.username),
                user.id.to_string(),
            );
            for email in user.emails.iter() {
                expected.insert(keys::email_marker_sk(email), user.id.to_string());
            }
            if let Some(ext) = &user.external_id {
                expected.insert(keys::external_id_marker_sk(ext), user.id.to_string());
            }
        }
        for (sk, owner) in &expected {
            match markers.get(sk) {
                None => broken.push(format!("user {owner} has no marker {sk}")),
                Some(actual) if actual != owner => broken.push(format!(
                    "marker {sk} points to {actual}, not its holder {owner}"
                )),
                Some(_) => {}
            }
        }
        for (sk, owner) in &markers {
            if !expected.contains_key(sk) {
                broken.push(format!(
                    "marker {sk} (owner {owner}) has no live user holding that value"
                ));
            }
        }
        for sk in users.keys() {
            if !profiles.contains(sk) {
                broken.push(format!("{sk} has no default profile"));
            }
        }

        // Parties and authorizations.
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        for auth in &auths {
            *counts.entry(auth.party_id.to_string()).or_default() += 1;
            if auth.org != *org {
                broken.push(format!(
                    "authorization {}/{} stored under another organization",
                    auth.user_id, auth.party_id
                ));
            }
            if !parties.contains_key(auth.party_id.as_str()) {
                broken.push(format!(
                    "authorization of {} names party {}, not registered here",
                    auth.user_id, auth.party_id
                ));
            }
            if !users.contains_key(&keys::user_sk(&auth.user_id)) {
                broken.push(format!(
                    "authorization for party {} names unknown user {}",
                    auth.party_id, auth.user_id
                ));
            }
        }
        for (id, party) in &parties {
            let real = counts.get(id).copied().unwrap_or(0);
            // The party item's own count (written before the shards) plus its shards.
            let counted = i64::try_from(party.authorizations).unwrap_or(i64::MAX)
                + party_shards.get(id).copied().unwrap_or(0);
            if counted != real as i64 {
                broken.push(format!(
                    "party {id} counts {counted} authorizations, has {real}"
                ));
            }
            let shards = shard_items.get(id).copied().unwrap_or(0);
            if shards != keys::PARTY_COUNTER_SHARDS {
                broken.push(format!(
                    "party {id} has {shards} of its {} count shards (a party from before the \
                     sharding: roster-admin migrate-party-counts)",
                    keys::PARTY_COUNTER_SHARDS
                ));
            }
            let owner = self
                .item(keys::party_owner_pk(&party.id), keys::party_owner_sk())
                .await?;
            if owner.as_ref().and_then(|o| av::get_s(o, "orgId")) != Some(org.as_str()) {
                broken.push(format!("party {id} does not own its party-id marker"));
            }
        }

        // API keys: metadata and lookup together.
        for record in &key_records {
            let lookup = self
                .item(keys::key_lookup_pk(&record.hash), keys::key_lookup_sk())
                .await?;
            let points_back =
                lookup.as_ref().and_then(|l| av::get_s(l, "keyId")) == Some(record.key_id.as_str());
            if !points_back {
                broken.push(format!("API key {} has no lookup item", record.key_id));
            }
        }

        // Audit trail: a creation record for every user created since the trail exists.
        let (created, oldest) = self.audit_creations(org).await?;
        if let Some(oldest) = oldest {
            let retention = self
                .get_org(org)
                .await?
                .map_or(crate::audit::DEFAULT_RETENTION_DAYS, |(o, _)| {
                    o.retention_days()
                });
            // Records near the end of their retention may already be gone (TTL): a day's slack.
            let kept_since = crate::clock::format_timestamp(
                time::OffsetDateTime::now_utc()
                    - time::Duration::days(i64::from(retention.saturating_sub(1))),
            );
            let since = oldest.max(kept_since);
            for user in users.values().filter(|u| u.created_at >= since) {
                if !created.contains(user.id.as_str()) {
                    broken.push(format!(
                        "user {} (created {}) has no user.created audit record",
                        user.id, user.created_at
                    ));
                }
            }
        }

        // Expiry index.
        for (sk, pk3, sk3) in &expiry {
            let Some(user) = users.get(sk) else { continue };
            match (user.status, &user.valid_until) {
                (Status::Active, Some(valid_until)) => {
                    let want_sk = keys::expiry_gsi_sk(valid_until.as_str(), org, &user.id);
                    let day_ok = pk3.as_deref().is_some_and(|pk| {
                        pk == "EXPIRY"
                            || pk.strip_prefix(keys::EXPIRY_PREFIX).is_some_and(|day| {
                                day >= valid_until.as_str().get(..10).unwrap_or_default()
                            })
                    });
                    if !day_ok || sk3.as_deref() != Some(want_sk.as_str()) {
                        broken.push(format!(
                            "{sk} is active with validUntil {} but indexed as {pk3:?}/{sk3:?}",
                            valid_until.as_str()
                        ));
                    }
                }
                _ if pk3.is_some() => {
                    broken.push(format!("{sk} is in the expiry index but does not expire"))
                }
                _ => {}
            }
        }

        // Counters.
        if org_item.is_none() {
            broken.push("the organization item is missing".into());
        }
        let count = |status: Status| users.values().filter(|u| u.status == status).count() as u64;
        for (name, stored, real) in [
            ("usersACTIVE", counters.active, count(Status::Active)),
            ("usersINACTIVE", counters.inactive, count(Status::Inactive)),
            ("usersDELETED", counters.deleted, count(Status::Deleted)),
            ("deletedHistory", counters.deleted_history, history),
            ("parties", counters.parties, parties.len() as u64),
        ] {
            if stored != real {
                broken.push(format!("counter {name} is {stored}, real count {real}"));
            }
        }
        Ok(broken)
    }
}
