//! Reads only the operator command makes (not on any request path).

use super::reads::SortKeys;
use super::{decode, keys, KeyRecord, Store};
use crate::domain::OrgId;
use crate::Error;

impl Store {
    /// Every API key (metadata) of an organization, all its users, paged through.
    pub async fn list_org_keys(&self, org: &OrgId) -> Result<Vec<KeyRecord>, Error> {
        let prefix = SortKeys::Prefix(keys::org_keys_prefix());
        self.query_all(keys::org_pk(org), prefix, "org keys")
            .await?
            .into_iter()
            .map(|item| decode(item, "key"))
            .collect()
    }
}
