//! An SDK interceptor that counts the DynamoDB requests a client sends (one per HTTP attempt, by
//! operation name), asks DynamoDB for the capacity each one consumes (it adds
//! `"ReturnConsumedCapacity":"TOTAL"` to the JSON body before signing) and sums the
//! `ConsumedCapacity` of the responses.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::body::SdkBody;
use serde_json::Value;

/// Operations whose input has a `ReturnConsumedCapacity` member.
const REPORTS_CAPACITY: &[&str] = &[
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
    "ExecuteStatement",
    "BatchExecuteStatement",
    "ExecuteTransaction",
];

/// What a client has sent so far.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    /// Requests (HTTP attempts) by operation name.
    pub requests: BTreeMap<String, u64>,
    /// Sum of `ConsumedCapacity.CapacityUnits` over the responses that carried it.
    pub capacity_units: f64,
    /// Responses of capacity-reporting operations, and how many of them carried it.
    pub capacity_asked: u64,
    pub capacity_answered: u64,
}

impl Stats {
    pub fn total_requests(&self) -> u64 {
        self.requests.values().sum()
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Stats) {
        for (op, n) in &other.requests {
            *self.requests.entry(op.clone()).or_default() += n;
        }
        self.capacity_units += other.capacity_units;
        self.capacity_asked += other.capacity_asked;
        self.capacity_answered += other.capacity_answered;
    }

    /// `self - before` (counters only grow).
    pub fn since(&self, before: &Stats) -> Stats {
        let mut requests = BTreeMap::new();
        for (op, n) in &self.requests {
            let d = n - before.requests.get(op).copied().unwrap_or(0);
            if d > 0 {
                requests.insert(op.clone(), d);
            }
        }
        Stats {
            requests,
            capacity_units: self.capacity_units - before.capacity_units,
            capacity_asked: self.capacity_asked - before.capacity_asked,
            capacity_answered: self.capacity_answered - before.capacity_answered,
        }
    }
}

/// Shared counters; clone freely.
#[derive(Clone, Debug, Default)]
pub struct Counter(Arc<Mutex<Stats>>);

impl Counter {
    pub fn snapshot(&self) -> Stats {
        self.0.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn update(&self, f: impl FnOnce(&mut Stats)) {
        if let Ok(mut stats) = self.0.lock() {
            f(&mut stats);
        }
    }
}

#[derive(Debug)]
pub struct Counting(pub Counter);

fn operation(cfg: &ConfigBag) -> String {
    cfg.load::<Metadata>()
        .map(|m| m.name().to_string())
        .unwrap_or_default()
}

/// Sum of `CapacityUnits` in a response's `ConsumedCapacity` (an object, or a list of them for
/// the batch and transaction operations); `None` when the response has none.
pub fn capacity_of(body: &[u8]) -> Option<f64> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let units = |v: &Value| {
        v.get("CapacityUnits")
            .and_then(Value::as_f64)
            .unwrap_or(0.0)
    };
    match value.get("ConsumedCapacity")? {
        Value::Array(list) => Some(list.iter().map(units).sum()),
        object @ Value::Object(_) => Some(units(object)),
        _ => None,
    }
}

/// `body` with `"ReturnConsumedCapacity":"TOTAL"` added (the body is the operation's JSON input).
pub fn with_capacity_request(body: &[u8]) -> Option<Vec<u8>> {
    let mut value: Value = serde_json::from_slice(body).ok()?;
    value.as_object_mut()?.insert(
        "ReturnConsumedCapacity".into(),
        Value::String("TOTAL".into()),
    );
    serde_json::to_vec(&value).ok()
}

impl Intercept for Counting {
    fn name(&self) -> &'static str {
        "Counting"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let op = operation(cfg);
        if REPORTS_CAPACITY.contains(&op.as_str()) {
            let request = context.request_mut();
            let rewritten = request.body().bytes().and_then(with_capacity_request);
            if let Some(body) = rewritten {
                request
                    .headers_mut()
                    .insert("content-length", body.len().to_string());
                *request.body_mut() = SdkBody::from(body);
            }
        }
        self.0.update(|s| *s.requests.entry(op).or_default() += 1);
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if !REPORTS_CAPACITY.contains(&operation(cfg).as_str()) {
            return Ok(());
        }
        // The orchestrator has read the body into memory by now.
        let capacity = context.response().body().bytes().and_then(capacity_of);
        self.0.update(|s| {
            s.capacity_asked += 1;
            if let Some(units) = capacity {
                s.capacity_answered += 1;
                s.capacity_units += units;
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_is_summed_from_objects_and_lists() {
        assert_eq!(
            capacity_of(br#"{"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5}}"#),
            Some(0.5)
        );
        assert_eq!(
            capacity_of(
                br#"{"ConsumedCapacity":[{"TableName":"t","CapacityUnits":4.0},{"CapacityUnits":2}]}"#
            ),
            Some(6.0)
        );
        assert_eq!(capacity_of(br#"{"Item":{}}"#), None);
    }

    #[test]
    fn the_capacity_request_is_added_to_the_body() {
        let body = with_capacity_request(br#"{"TableName":"t"}"#).unwrap_or_default();
        let value: Value = serde_json::from_slice(&body).unwrap_or_default();
        assert_eq!(value["ReturnConsumedCapacity"], "TOTAL");
        assert_eq!(value["TableName"], "t");
    }
}
