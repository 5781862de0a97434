//! The store's reads of whole items, written once for every store module: one item by key
//! (`GetItem`), many items of one organization by sort key (`BatchGetItem`), and every item of
//! a partition or of a sort-key range (`Query`, paged through). All are consistent reads; the
//! keys come from [`super::keys`].

use std::collections::HashMap;

use super::{av, decode, errors, keys, Item, Store};
use crate::domain::OrgId;
use crate::Error;

/// Which items of a partition [`Store::query_all`] reads.
pub(crate) enum SortKeys {
    /// The whole partition.
    All,
    /// Sort keys starting with this.
    Prefix(String),
    /// Sort keys from the first to the second (inclusive).
    Between(String, String),
}

impl Store {
    /// The item at (`pk`, `sk`), read consistently; `what` names it in errors.
    pub(crate) async fn get_item(
        &self,
        pk: String,
        sk: String,
        what: &str,
    ) -> Result<Option<Item>, Error> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(keys::PK, av::s(pk))
            .key(keys::SK, av::s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| errors::storage(&format!("GetItem({what})"), e))?;
        Ok(out.item)
    }

    /// [`Self::get_item`], decoded as a `T` (named `what`).
    pub(crate) async fn get_decoded<T: serde::de::DeserializeOwned>(
        &self,
        pk: String,
        sk: String,
        what: &str,
    ) -> Result<Option<T>, Error> {
        self.get_item(pk, sk, what)
            .await?
            .map(|item| decode(item, what))
            .transpose()
    }

    /// Every item of partition `pk` whose sort key matches `sort`, one consistent `Query` per
    /// 1 MB; `what` names the query in errors.
    pub(crate) async fn query_all(
        &self,
        pk: String,
        sort: SortKeys,
        what: &str,
    ) -> Result<Vec<Item>, Error> {
        let mut names = HashMap::from([("#pk".to_string(), keys::PK.to_string())]);
        let mut values = HashMap::from([(":pk".to_string(), av::s(pk))]);
        let condition = match sort {
            SortKeys::All => "#pk = :pk",
            SortKeys::Prefix(prefix) => {
                values.insert(":prefix".into(), av::s(prefix));
                "#pk = :pk AND begins_with(#sk, :prefix)"
            }
            SortKeys::Between(from, to) => {
                values.insert(":from".into(), av::s(from));
                values.insert(":to".into(), av::s(to));
                "#pk = :pk AND #sk BETWEEN :from AND :to"
            }
        };
        if condition.contains("#sk") {
            names.insert("#sk".into(), keys::SK.into());
        }
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(condition)
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| errors::storage(&format!("Query({what})"), e))?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(items),
            }
        }
    }

    /// Items of the partition of `org` by sort key, in one round trip per 100.
    pub(super) async fn batch_get(
        &self,
        org: &OrgId,
        sort_keys: &[String],
        what: &str,
    ) -> Result<Vec<Item>, Error> {
        let org_pk = keys::org_pk(org);
        let keys: Vec<(String, String)> = sort_keys
            .iter()
            .map(|sk| (org_pk.clone(), sk.clone()))
            .collect();
        self.batch_get_keys(&keys, what).await
    }

    /// Items by (`PK`, `SK`), in any partitions, in one round trip per 100 (missing ones are
    /// left out; the answer's order is DynamoDB's, so callers tell items apart by their keys).
    pub(super) async fn batch_get_keys(
        &self,
        item_keys: &[(String, String)],
        what: &str,
    ) -> Result<Vec<Item>, Error> {
        let mut items = Vec::new();
        for chunk in item_keys.chunks(100) {
            let mut keys_and_attributes =
                aws_sdk_dynamodb::types::KeysAndAttributes::builder().consistent_read(true);
            for (pk, sk) in chunk {
                keys_and_attributes = keys_and_attributes.keys(HashMap::from([
                    (keys::PK.to_string(), av::s(pk.clone())),
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
}
