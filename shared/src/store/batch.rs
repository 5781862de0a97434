//! `BatchGetItem` over one organization's partition: many items by sort key, one round trip
//! per 100, unprocessed keys asked for again.

use std::collections::HashMap;

use super::{av, decode, errors, keys, Item, Store};
use crate::domain::{OrgId, UserId};
use crate::Error;

impl Store {
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

    /// Items of the partition of `org` by sort key, in one round trip per 100.
    pub(super) async fn batch_get(
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
}
