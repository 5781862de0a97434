//! Audit records: one item per change in the organization's `AUDIT#<org>` partition, added to
//! the change's own transaction (so both commit or neither), expiring by TTL (`expiresAt`).
//! Listing is newest first; `since`/`until` are a key condition on the time-ordered sort key,
//! and `target`, `actor`, `action` each have an index (GSI4–6) whose range key is that same sort
//! key. A record about a user and another object (an API key, an authorization's party) is
//! also reachable by that object's id: GSI2 (the authorizations' index) is overloaded with
//! `AUDIT#<org>#OBJECT#<id>` / `AUDIT#<ulid>`, so still one item per change and no fourth index. Several filters at once: the most selective one (target, then actor, then action) is the
//! key condition, the others filter what it reads.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;

use super::query::QuerySpec;
use super::tx::{Condition, OnFail, Tx};
use super::{av, decode, encode, errors, keys, Item, Page, PageRequest, Store};
use crate::audit::{Action, AuditContext, AuditRecord, Event};
use crate::domain::{OrgId, UserId};
use crate::Error;

/// Filters of `GET /v1/audit`: time bounds in epoch milliseconds (`since` inclusive, `until`
/// exclusive) and exact ids.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    pub since_ms: Option<u64>,
    pub until_ms: Option<u64>,
    pub target: Option<String>,
    pub actor: Option<String>,
    pub action: Option<Action>,
}

/// The largest timestamp a ULID holds (48 bits of milliseconds).
const MAX_ULID_MS: u64 = (1 << 48) - 1;

fn ulid_bound(ms: u64, high: bool) -> String {
    let random = if high { (1u128 << 80) - 1 } else { 0 };
    ulid::Ulid::from_parts(ms.min(MAX_ULID_MS), random).to_string()
}

impl AuditFilter {
    /// True when `until` is not after `since`: nothing can match.
    fn is_empty_range(&self) -> bool {
        matches!((self.since_ms, self.until_ms), (Some(s), Some(u)) if u <= s)
            || self.until_ms == Some(0)
    }
}

/// The value of a `BETWEEN` bound of `spec`.
fn bound<'a>(spec: &'a QuerySpec, name: &str) -> &'a str {
    spec.values
        .get(name)
        .and_then(|v| v.as_s().ok())
        .map_or("", String::as_str)
}

impl Store {
    fn audit_item(&self, record: &AuditRecord) -> Result<Item, Error> {
        let mut item = encode(record, "audit record")?;
        let org = &record.org;
        item.insert(keys::PK.into(), av::s(keys::audit_pk(org)));
        item.insert(keys::SK.into(), av::s(keys::audit_sk(record.ulid())));
        item.insert(keys::ENTITY.into(), av::s("AUDIT"));
        // Found by `target` through the user it is about (GSI4) and through the other object
        // it is about (GSI2, whose `ORG#…#PARTY#…` partitions of authorizations it never meets).
        if let Some(user) = record.target.user_id() {
            item.insert(
                keys::GSI4PK.into(),
                av::s(keys::audit_target_gsi_pk(org, user)),
            );
        }
        if let Some(object) = record.target.object_id() {
            item.insert(
                keys::GSI2PK.into(),
                av::s(keys::audit_object_gsi_pk(org, object)),
            );
            item.insert(keys::GSI2SK.into(), av::s(keys::audit_sk(record.ulid())));
        }
        item.insert(
            keys::GSI5PK.into(),
            av::s(keys::audit_actor_gsi_pk(org, &record.actor.filter_id())),
        );
        item.insert(
            keys::GSI6PK.into(),
            av::s(keys::audit_action_gsi_pk(org, record.action.as_str())),
        );
        item.insert(keys::EXPIRES_AT.into(), av::n(record.expires_at));
        Ok(item)
    }

    /// Adds the record of `event`, made by `context`, to `tx`: the change and its record commit
    /// together or not at all. Returns the record.
    pub(crate) fn add_audit(
        &self,
        tx: &mut Tx,
        context: &AuditContext,
        event: Event,
    ) -> Result<AuditRecord, Error> {
        let record = context.record(event);
        tx.put(
            &self.table,
            self.audit_item(&record)?,
            Some(Condition::absent()),
            OnFail::Invariant("audit record id reused"),
        )?;
        Ok(record)
    }

    fn audit_spec(&self, org: &OrgId, filter: &AuditFilter) -> QuerySpec {
        // Callers check `is_empty_range` first, so `lo <= hi` (BETWEEN refuses otherwise).
        let lo = keys::audit_sk(&ulid_bound(filter.since_ms.unwrap_or(0), false));
        let until = filter.until_ms.map_or(MAX_ULID_MS, |u| u.saturating_sub(1));
        let hi = keys::audit_sk(&ulid_bound(until, true));
        let mut values: HashMap<String, AttributeValue> = HashMap::from([
            (":lo".to_string(), av::s(lo)),
            (":hi".to_string(), av::s(hi)),
        ]);
        let mut names = HashMap::new();
        // A user id is looked up on GSI4, any other id (key, party, organization) on GSI2: the
        // forms cannot be confused (`usr_<ULID>`; `key_<ULID>`; `<icd>:<id>`; no `_` or `:`).
        let target = filter.target.as_ref().map(|t| {
            if UserId::parse(t).is_ok() {
                (keys::GSI4, keys::GSI4PK, keys::audit_target_gsi_pk(org, t))
            } else {
                (keys::GSI2, keys::GSI2PK, keys::audit_object_gsi_pk(org, t))
            }
        });
        let actor = filter
            .actor
            .as_ref()
            .map(|a| (keys::GSI5, keys::GSI5PK, keys::audit_actor_gsi_pk(org, a)));
        let action = filter.action.map(|a| {
            (
                keys::GSI6,
                keys::GSI6PK,
                keys::audit_action_gsi_pk(org, a.as_str()),
            )
        });
        let mut conditions = [target, actor, action].into_iter().flatten();
        let key = conditions.next();
        let mut filters = Vec::new();
        for (i, (_, attribute, value)) in conditions.enumerate() {
            filters.push(format!("#f{i} = :f{i}"));
            names.insert(format!("#f{i}"), attribute.to_string());
            values.insert(format!(":f{i}"), av::s(value));
        }
        let filter_expression = (!filters.is_empty()).then(|| filters.join(" AND "));
        let (index, partition, fixed) = match key {
            Some((index, attribute, value)) => (
                Some(index),
                (attribute, value),
                vec![(keys::PK, keys::audit_pk(org))],
            ),
            None => (None, (keys::PK, keys::audit_pk(org)), vec![]),
        };
        // GSI2's range key is `GSI2SK` (= `SK` on a record); the others range over `SK`.
        let (cursor_attrs, sort_attr): (&'static [&'static str], _) = if index == Some(keys::GSI2) {
            (&[keys::SK, keys::GSI2SK], keys::GSI2SK)
        } else {
            (&[keys::SK], keys::SK)
        };
        QuerySpec {
            index,
            partition,
            fixed,
            cursor_attrs,
            sort_condition: Some((sort_attr, "#sk BETWEEN :lo AND :hi".into())),
            filter: filter_expression,
            names,
            values,
            cursor_prefix: Some((keys::SK, keys::AUDIT_PREFIX.into())),
        }
    }

    /// One page of the organization's records matching `filter`, newest first.
    pub async fn list_audit(
        &self,
        org: &OrgId,
        filter: &AuditFilter,
        page: &PageRequest,
    ) -> Result<Page<AuditRecord>, Error> {
        if filter.is_empty_range() {
            return Ok(Page {
                items: vec![],
                next: None,
            });
        }
        let spec = self.audit_spec(org, filter);
        // A cursor names a position in the time-ordered trail: it stays valid when the time
        // bounds change (newest first, so past `until` it starts at `until`, before `since`
        // nothing is left) rather than being a start key outside the key condition.
        // It is the record's `SK` alone, whatever index the filters pick.
        let mut page = page.clone();
        if let Some(start) = page.start.take() {
            let at = match (start.len(), start.get(keys::SK)) {
                (1, Some(at)) => at.clone(),
                _ => return Err(Error::InvalidCursor),
            };
            if at.as_str() < bound(&spec, ":lo") {
                return Ok(Page {
                    items: vec![],
                    next: None,
                });
            }
            if at.as_str() <= bound(&spec, ":hi") {
                page.start = Some(
                    spec.cursor_attrs
                        .iter()
                        .map(|a| ((*a).to_string(), at.clone()))
                        .collect(),
                );
            }
        }
        let page = self.query_page_in_order(&spec, &page, false).await?;
        let items = page
            .items
            .into_iter()
            .map(|i| decode(i, "audit record"))
            .collect::<Result<Vec<_>, _>>()?;
        let next = page
            .next
            .map(|n| n.into_iter().filter(|(a, _)| a == keys::SK).collect());
        Ok(Page { items, next })
    }

    /// The exact number of records matching `filter`.
    pub async fn count_audit(&self, org: &OrgId, filter: &AuditFilter) -> Result<u64, Error> {
        if filter.is_empty_range() {
            return Ok(0);
        }
        self.query_count(&self.audit_spec(org, filter)).await
    }

    /// The user ids with a `user.created` record, and the time of the oldest record kept (for
    /// the invariant checker).
    pub(crate) async fn audit_creations(
        &self,
        org: &OrgId,
    ) -> Result<(BTreeSet<String>, Option<String>), Error> {
        let mut created = BTreeSet::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(keys::GSI6)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", keys::GSI6PK)
                .expression_attribute_values(
                    ":pk",
                    av::s(keys::audit_action_gsi_pk(org, Action::UserCreated.as_str())),
                )
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| errors::storage("Query(audit creations)", e))?;
            for item in out.items.unwrap_or_default() {
                let record: AuditRecord = decode(item, "audit record")?;
                created.insert(record.target.id);
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        let oldest = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", keys::PK)
            .expression_attribute_values(":pk", av::s(keys::audit_pk(org)))
            .limit(1)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| errors::storage("Query(oldest audit record)", e))?;
        let oldest_at = oldest
            .items
            .unwrap_or_default()
            .first()
            .and_then(|i| av::get_s(i, "at"))
            .map(str::to_string);
        Ok((created, oldest_at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ulid_bounds_enclose_every_id_of_their_millisecond() {
        let id = ulid::Ulid::new();
        let ms = id.timestamp_ms();
        let s = id.to_string();
        assert!(ulid_bound(ms, false) <= s && s <= ulid_bound(ms, true));
        assert!(ulid_bound(ms + 1, false) > s);
        assert!(ulid_bound(ms - 1, true) < s);
    }
}
