//! Reads only the operator command makes (not on any request path).

use super::{av, decode, errors, keys, KeyRecord, Store};
use crate::domain::OrgId;
use crate::Error;

impl Store {
    /// Every API key (metadata) of an organization, all its users, paged through.
    pub async fn list_org_keys(&self, org: &OrgId) -> Result<Vec<KeyRecord>, Error> {
        let mut records = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_names("#pk", keys::PK)
                .expression_attribute_names("#sk", keys::SK)
                .expression_attribute_values(":pk", av::s(keys::org_pk(org)))
                .expression_attribute_values(":prefix", av::s(keys::org_keys_prefix()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| errors::storage("Query(org keys)", e))?;
            for item in out.items.unwrap_or_default() {
                records.push(decode(item, "key")?);
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(records),
            }
        }
    }
}
