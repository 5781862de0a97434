//! One `TransactWriteItems` with a meaning for each item's failed condition, so a cancelled
//! transaction maps to the precise domain error (which marker was taken, which version moved).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update,
};

use super::{av, errors, keys, Item, Store};
use crate::error::{Conflict, Resource};
use crate::Error;

/// What a failed condition on one item means to the caller.
#[derive(Clone, Debug)]
pub(crate) enum OnFail {
    UsernameTaken,
    EmailTaken(String),
    ExternalIdTaken,
    /// The item changed since it was read.
    Changed,
    /// The item (of this kind) does not exist.
    Missing(Resource),
    /// The party a user's `businessPartnerId` names is not registered.
    PartyNotRegistered(String),
    /// Any other conflict, with its message.
    Conflict(Conflict, String),
    /// A condition that cannot fail unless the table is corrupt.
    Invariant(&'static str),
}

impl OnFail {
    pub(crate) fn into_error(self) -> Error {
        match self {
            Self::UsernameTaken => Error::UsernameTaken,
            Self::EmailTaken(email) => Error::EmailTaken(email),
            Self::ExternalIdTaken => Error::ExternalIdTaken,
            Self::Changed => Error::PreconditionFailed,
            Self::Missing(what) => Error::NotFound(what),
            Self::PartyNotRegistered(party) => Error::PartyNotRegistered(party),
            Self::Conflict(conflict, message) => Error::Conflict(conflict, message),
            Self::Invariant(what) => {
                Error::internal(format!("transaction invariant broken: {what}"))
            }
        }
    }
}

/// A condition expression with its names and values.
#[derive(Clone, Debug, Default)]
pub(crate) struct Condition {
    pub expression: String,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

impl Condition {
    pub fn new(expression: &str) -> Self {
        Self {
            expression: expression.into(),
            ..Self::default()
        }
    }

    pub fn name(mut self, placeholder: &str, attribute: &str) -> Self {
        self.names.insert(placeholder.into(), attribute.into());
        self
    }

    pub fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.values.insert(placeholder.into(), value);
        self
    }

    /// The item must not exist yet.
    pub fn absent() -> Self {
        Self::new("attribute_not_exists(#pk)").name("#pk", keys::PK)
    }

    /// The item must exist.
    pub fn present() -> Self {
        Self::new("attribute_exists(#pk)").name("#pk", keys::PK)
    }

    /// The item must still be at `version`.
    pub fn at_version(version: u64) -> Self {
        Self::new("#version = :expected_version")
            .name("#version", "version")
            .value(":expected_version", av::n(version))
    }

    /// A marker must belong to `user`.
    pub fn owned_by(user: &str) -> Self {
        Self::new("#owner = :owner")
            .name("#owner", "userId")
            .value(":owner", av::s(user))
    }
}

fn key(pk: String, sk: String) -> Item {
    HashMap::from([
        (keys::PK.to_string(), av::s(pk)),
        (keys::SK.to_string(), av::s(sk)),
    ])
}

#[derive(Clone, Default)]
pub(crate) struct Tx {
    items: Vec<TransactWriteItem>,
    on_fail: Vec<OnFail>,
    /// Estimated size of the request's items (see [`item_bytes`]).
    bytes: usize,
}

/// Estimated encoded size of a key or an item's attributes: names and values (strings,
/// numbers, binaries at their length; nested lists and maps summed). The estimate only has to
/// be in proportion: the group commit keeps it far under DynamoDB's 4 MB request limit.
pub(crate) fn item_bytes(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_bytes(v)).sum()
}

fn value_bytes(value: &AttributeValue) -> usize {
    // Each value's JSON envelope (`{"S":""}` and punctuation): a few bytes.
    const ENVELOPE: usize = 8;
    ENVELOPE
        + match value {
            AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
            AttributeValue::B(b) => b.as_ref().len() * 4 / 3 + 4,
            AttributeValue::Ss(l) | AttributeValue::Ns(l) => l.iter().map(|s| s.len() + 3).sum(),
            AttributeValue::Bs(l) => l.iter().map(|b| b.as_ref().len() * 4 / 3 + 7).sum(),
            AttributeValue::L(l) => l.iter().map(value_bytes).sum(),
            AttributeValue::M(m) => item_bytes(m),
            _ => 5,
        }
}

/// Estimated size of an action's envelope (table name, expressions, names and values).
const ACTION_BYTES: usize = 400;

impl Tx {
    pub fn new() -> Self {
        Self::default()
    }

    /// Items in the transaction so far.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Estimated size of the request, in bytes.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// What a failed condition on action `index` means.
    pub fn on_fail(&self, index: usize) -> Option<&OnFail> {
        self.on_fail.get(index)
    }

    /// Appends `other`'s actions (for one transaction made of several writes' actions).
    pub fn extend(&mut self, other: &Tx) {
        self.items.extend(other.items.iter().cloned());
        self.on_fail.extend(other.on_fail.iter().cloned());
        self.bytes += other.bytes;
    }

    pub fn put(
        &mut self,
        table: &str,
        item: Item,
        condition: Option<Condition>,
        on_fail: OnFail,
    ) -> Result<(), Error> {
        self.bytes += ACTION_BYTES + item_bytes(&item);
        let mut put = Put::builder().table_name(table).set_item(Some(item));
        if let Some(c) = condition {
            put = put
                .condition_expression(c.expression)
                .set_expression_attribute_names(Some(c.names))
                .set_expression_attribute_values((!c.values.is_empty()).then_some(c.values));
        }
        let put = put
            .build()
            .map_err(|e| Error::internal(format!("put: {e}")))?;
        self.items
            .push(TransactWriteItem::builder().put(put).build());
        self.on_fail.push(on_fail);
        Ok(())
    }

    pub fn delete(
        &mut self,
        table: &str,
        pk: String,
        sk: String,
        condition: Option<Condition>,
        on_fail: OnFail,
    ) -> Result<(), Error> {
        self.bytes += ACTION_BYTES + pk.len() + sk.len();
        let mut delete = Delete::builder()
            .table_name(table)
            .set_key(Some(key(pk, sk)));
        if let Some(c) = condition {
            delete = delete
                .condition_expression(c.expression)
                .set_expression_attribute_names(Some(c.names))
                .set_expression_attribute_values((!c.values.is_empty()).then_some(c.values));
        }
        let delete = delete
            .build()
            .map_err(|e| Error::internal(format!("delete: {e}")))?;
        self.items
            .push(TransactWriteItem::builder().delete(delete).build());
        self.on_fail.push(on_fail);
        Ok(())
    }

    /// An update; `update.values`/`names` are merged with the condition's.
    pub fn update(
        &mut self,
        table: &str,
        pk: String,
        sk: String,
        update: Condition,
        condition: Option<Condition>,
        on_fail: OnFail,
    ) -> Result<(), Error> {
        self.bytes += ACTION_BYTES + pk.len() + sk.len() + update.expression.len();
        let mut names = update.names;
        let mut values = update.values;
        let mut builder = Update::builder()
            .table_name(table)
            .set_key(Some(key(pk, sk)))
            .update_expression(update.expression);
        if let Some(c) = condition {
            names.extend(c.names);
            values.extend(c.values);
            builder = builder.condition_expression(c.expression);
        }
        let update = builder
            .set_expression_attribute_names((!names.is_empty()).then_some(names))
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
            .build()
            .map_err(|e| Error::internal(format!("update: {e}")))?;
        self.items
            .push(TransactWriteItem::builder().update(update).build());
        self.on_fail.push(on_fail);
        Ok(())
    }

    /// A check that `user` of `org` exists and is not deleted (`on_fail` otherwise).
    pub fn check_user_live(
        &mut self,
        table: &str,
        org: &crate::domain::OrgId,
        user: &crate::domain::UserId,
        on_fail: OnFail,
    ) -> Result<(), Error> {
        let live = Condition::new("attribute_exists(#pk) AND #status <> :deleted")
            .name("#pk", keys::PK)
            .name("#status", "status")
            .value(":deleted", av::s(crate::domain::Status::Deleted.as_str()));
        self.check(table, keys::org_pk(org), keys::user_sk(user), live, on_fail)
    }

    pub fn check(
        &mut self,
        table: &str,
        pk: String,
        sk: String,
        condition: Condition,
        on_fail: OnFail,
    ) -> Result<(), Error> {
        self.bytes += ACTION_BYTES + pk.len() + sk.len();
        let check = ConditionCheck::builder()
            .table_name(table)
            .set_key(Some(key(pk, sk)))
            .condition_expression(condition.expression)
            .set_expression_attribute_names(Some(condition.names))
            .set_expression_attribute_values(
                (!condition.values.is_empty()).then_some(condition.values),
            )
            .build()
            .map_err(|e| Error::internal(format!("check: {e}")))?;
        self.items
            .push(TransactWriteItem::builder().condition_check(check).build());
        self.on_fail.push(on_fail);
        Ok(())
    }
}

/// Backoff after a conflict: "equal jitter" (half fixed, half random) over an exponential
/// from `BACKOFF_BASE`, capped at `BACKOFF_CAP`.
const BACKOFF_BASE: Duration = Duration::from_millis(8);
const BACKOFF_CAP: Duration = Duration::from_millis(250);

/// The pause before retry number `retry` (1-based) of a conflicting transaction.
pub(crate) fn backoff(retry: u32) -> Duration {
    let exp = BACKOFF_BASE.saturating_mul(1u32 << retry.saturating_sub(1).min(16));
    let cap = exp.min(BACKOFF_CAP);
    let half = cap / 2;
    let jitter_ms = u64::from(super::random_below(
        u32::try_from(half.as_millis()).unwrap_or(u32::MAX).max(1),
    ));
    half + Duration::from_millis(jitter_ms)
}

fn is_conflict(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded")
    )
}

/// A transaction of more actions than this (a group commit's) gets
/// [`LARGE_TX_ATTEMPT_TIMEOUT`] instead of the client's 2 s attempt timeout: it legitimately
/// takes longer than a single write (on DynamoDB Local, which commits one transaction at a
/// time, a 100-action transaction can queue behind another), and an attempt abandoned at the
/// timeout still runs in the table and only adds to the queue.
const LARGE_TX_ACTIONS: usize = 25;
const LARGE_TX_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a transaction was cancelled, when not for a conflict.
#[derive(Debug)]
pub(crate) enum Cancelled {
    /// The actions (indices into the transaction) whose condition failed: every one DynamoDB
    /// reported, in action order; never empty.
    Conditions(Vec<usize>),
    /// Cancelled without a failed condition or a conflict to retry (the reasons, for the log).
    Unexplained(String),
}

impl Store {
    /// Commits `tx` atomically. The `ClientRequestToken` makes the SDK's own retries idempotent
    /// (a retry after a timeout that did commit returns success, not a false 409). A conflict
    /// with a concurrent transaction is retried with a fresh token after a jittered
    /// exponential backoff, for as long as the conflict budget and the request's deadline
    /// allow; only then is it reported as `Throttled` (503 with `Retry-After`). A failed
    /// condition is the error of the first action that failed.
    pub(crate) async fn commit(&self, tx: Tx) -> Result<(), Error> {
        match self.commit_or_cancelled(&tx).await? {
            Ok(()) => Ok(()),
            Err(Cancelled::Conditions(failed)) => Err(failed
                .first()
                .and_then(|&i| tx.on_fail(i))
                .cloned()
                .map_or_else(
                    || Error::internal("transaction cancelled without a reason"),
                    OnFail::into_error,
                )),
            Err(Cancelled::Unexplained(reasons)) => {
                Err(Error::internal(format!("transaction cancelled: {reasons}")))
            }
        }
    }

    /// As [`Store::commit`], but a cancellation for failed conditions answers which actions
    /// failed (every one the cancellation names), for a caller that maps them back to the
    /// writes they belong to (the group commit of batch creates).
    pub(crate) async fn commit_or_cancelled(
        &self,
        tx: &Tx,
    ) -> Result<Result<(), Cancelled>, Error> {
        if tx.items.is_empty() {
            return Ok(Ok(()));
        }
        let started = Instant::now();
        let mut stop = started + self.conflict_budget;
        if let Some(deadline) = crate::deadline::stop_by() {
            stop = stop.min(deadline);
        }
        let mut retry = 0u32;
        loop {
            let token = ulid::Ulid::new().to_string();
            let mut request = self
                .client
                .transact_write_items()
                .set_transact_items(Some(tx.items.clone()))
                .client_request_token(token)
                .customize();
            if tx.len() > LARGE_TX_ACTIONS {
                request = request.config_override(
                    aws_sdk_dynamodb::config::Builder::default().timeout_config(
                        aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
                            .operation_attempt_timeout(LARGE_TX_ATTEMPT_TIMEOUT)
                            .operation_timeout(LARGE_TX_ATTEMPT_TIMEOUT * 2)
                            .build(),
                    ),
                );
            }
            let result = request.send().await;
            let err = match result {
                Ok(_) => return Ok(Ok(())),
                Err(err) => err,
            };
            let cancelled = match err.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(c)) => c,
                _ => return Err(errors::storage("TransactWriteItems", err)),
            };
            let reasons = cancelled.cancellation_reasons();
            let failed: Vec<usize> = reasons
                .iter()
                .enumerate()
                .filter(|(i, r)| r.code() == Some("ConditionalCheckFailed") && *i < tx.len())
                .map(|(i, _)| i)
                .collect();
            if !failed.is_empty() {
                return Ok(Err(Cancelled::Conditions(failed)));
            }
            if !reasons.iter().any(|r| is_conflict(r.code())) {
                return Ok(Err(Cancelled::Unexplained(format!("{reasons:?}"))));
            }
            crate::http::RequestInfo::current().obs.count_conflict();
            retry += 1;
            let pause = backoff(retry);
            if Instant::now() + pause > stop {
                tracing::warn!(
                    retries = retry - 1,
                    waited_ms = started.elapsed().as_millis() as u64,
                    "transaction kept conflicting"
                );
                return Err(Error::Throttled(
                    "transaction kept conflicting with concurrent writes".into(),
                ));
            }
            tokio::time::sleep(pause).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_exponentially_with_jitter_and_a_cap() {
        for retry in 1..=12 {
            let cap = BACKOFF_BASE
                .saturating_mul(1 << (retry - 1))
                .min(BACKOFF_CAP);
            for _ in 0..50 {
                let pause = backoff(retry);
                assert!(pause >= cap / 2, "retry {retry}: {pause:?} < {:?}", cap / 2);
                assert!(pause <= cap, "retry {retry}: {pause:?} > {cap:?}");
            }
        }
        // Jittered: not every pause of one retry is the same.
        let pauses: std::collections::BTreeSet<_> = (0..50).map(|_| backoff(6)).collect();
        assert!(pauses.len() > 1);
    }
}
