//! The DynamoDB single-table store. The only code that touches `AttributeValue`; every
//! DynamoDB outcome is mapped to a domain [`Error`] here.

mod apikeys;
mod audit;
mod authorizations;
mod client;
mod cursor;
mod errors;
mod expiry;
mod group;
mod invariants;
pub mod keys;
mod migrate;
mod operator;
mod orgs;
mod parties;
mod query;
mod reads;
mod table;
mod tx;
mod users;

use std::time::Duration;

use aws_sdk_dynamodb::Client;

pub use apikeys::{KeyAccess, MAX_KEYS_PER_USER};
pub use audit::AuditFilter;
pub use client::{client_builder, https_client, tuned};
pub use cursor::Cursor;
pub use expiry::ExpiredUser;
pub use group::{GROUP_TIME, MAX_ACTIONS, MAX_GROUP_BYTES};
pub use migrate::PartyCountMigration;
pub use orgs::{OrgCounters, OrgSettings, Organization};
pub use query::{Page, PageRequest};
pub use users::UserWrite;
// The records the store reads and writes are domain data (`crate::domain::records`).
pub use crate::domain::{DeletedRecord, KeyRecord, UserFilter};

use crate::Error;

/// Handle to the table. Cheap to clone; build it once per cold start.
#[derive(Clone, Debug)]
pub struct Store {
    client: Client,
    table: String,
    /// How long a transaction that conflicts with concurrent ones is retried (within the
    /// request's deadline, whichever ends first).
    conflict_budget: Duration,
}

/// The default [`Store::with_conflict_budget`].
pub const CONFLICT_BUDGET: Duration = Duration::from_secs(3);

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            conflict_budget: CONFLICT_BUDGET,
        }
    }

    /// The same store with another conflict-retry budget.
    pub fn with_conflict_budget(mut self, budget: Duration) -> Self {
        self.conflict_budget = budget;
        self
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    /// Opens the connection pool during init, so the first request doesn't pay for it (on AWS
    /// a TLS handshake per connection): one `DescribeTable` and, beside it, reads of an item
    /// that never exists, [`WARM_CONNECTIONS`] requests in all, in parallel, so that many
    /// connections are open — as many as the widest fan-out of a first request (a cold key of
    /// the earlier shape: its user, organization and `lastUsedAt` update; a key with a locator
    /// needs two). Errors are ignored: the first request will
    /// report them properly.
    pub async fn warm_up(&self) {
        let describe = async {
            let _ = self
                .client
                .describe_table()
                .table_name(&self.table)
                .send()
                .await;
        };
        let read = || async {
            let _ = self
                .client
                .get_item()
                .table_name(&self.table)
                .key(keys::PK, av::s(keys::warm_up_pk()))
                .key(keys::SK, av::s(keys::warm_up_pk()))
                .send()
                .await;
        };
        let reads = futures_util::future::join_all((1..WARM_CONNECTIONS).map(|_| read()));
        tokio::join!(describe, reads);
    }
}

/// Connections `warm_up` opens: the most requests a first request sends at once.
pub const WARM_CONNECTIONS: usize = 3;

/// Small constructors for attribute values.
pub(crate) mod av {
    use aws_sdk_dynamodb::types::AttributeValue;

    pub fn s(value: impl Into<String>) -> AttributeValue {
        AttributeValue::S(value.into())
    }

    pub fn n(value: impl ToString) -> AttributeValue {
        AttributeValue::N(value.to_string())
    }

    pub fn get_s<'a>(
        item: &'a std::collections::HashMap<String, AttributeValue>,
        name: &str,
    ) -> Option<&'a str> {
        item.get(name)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
    }

    pub fn get_n(item: &std::collections::HashMap<String, AttributeValue>, name: &str) -> i64 {
        item.get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }
}

/// A uniformly random number below `n` (counter shards, retry jitter).
pub(crate) fn random_below(n: u32) -> u32 {
    let mut bytes = [0u8; 4];
    if getrandom::getrandom(&mut bytes).is_err() {
        // No entropy source: fall back to the clock's nanoseconds (spread is all we need).
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        return nanos % n.max(1);
    }
    u32::from_le_bytes(bytes) % n.max(1)
}

pub(crate) type Item = std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

pub(crate) fn decode<T: serde::de::DeserializeOwned>(item: Item, what: &str) -> Result<T, Error> {
    serde_dynamo::aws_sdk_dynamodb_1::from_item(item)
        .map_err(|e| Error::internal(format!("stored {what} unreadable: {e}")))
}

pub(crate) fn encode<T: serde::Serialize>(value: &T, what: &str) -> Result<Item, Error> {
    serde_dynamo::aws_sdk_dynamodb_1::to_item(value)
        .map_err(|e| Error::internal(format!("{what} not encodable: {e}")))
}
