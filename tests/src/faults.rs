//! Fault injection for DynamoDB Local, which never throttles and never reports a transaction
//! conflict: an SDK interceptor that rewrites chosen responses, so the real client and the real
//! service code see exactly what DynamoDB would send.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeDeserializationInterceptorContextMut, BeforeTransmitInterceptorContextMut,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::{Storable, StoreReplace};

/// What to do to one response of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// `TransactionCanceledException` with reason `TransactionConflict` (nothing was written).
    TransactionConflict,
    /// `ThrottlingException` (HTTP 400; the SDK retries it).
    Throttling,
    /// The request reached DynamoDB and was applied, but the answer is lost as a 500 (the SDK
    /// retries it with the same input, `ClientRequestToken` included).
    LostResponse,
}

#[derive(Clone, Debug, Default)]
pub struct FaultPlan {
    queue: Arc<Mutex<VecDeque<(String, Fault)>>>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl FaultPlan {
    /// The next `count` responses of `operation` (e.g. `TransactWriteItems`) get `fault`.
    pub fn inject(&self, operation: &str, fault: Fault, count: usize) {
        if let Ok(mut q) = self.queue.lock() {
            for _ in 0..count {
                q.push_back((operation.to_string(), fault));
            }
        }
    }

    pub fn clear(&self) {
        if let Ok(mut q) = self.queue.lock() {
            q.clear();
        }
    }

    /// Faults still waiting.
    pub fn pending(&self) -> usize {
        self.queue.lock().map(|q| q.len()).unwrap_or(0)
    }

    /// Every operation attempted so far, in order (one entry per HTTP attempt).
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn take(&self, operation: &str) -> Option<Fault> {
        let mut q = self.queue.lock().ok()?;
        let position = q.iter().position(|(op, _)| op == operation)?;
        q.remove(position).map(|(_, f)| f)
    }
}

/// The fault chosen for the current attempt (picked before signing, applied to the response).
#[derive(Clone, Debug)]
struct ThisAttempt(Option<Fault>);

impl Storable for ThisAttempt {
    type Storer = StoreReplace<Self>;
}

#[derive(Debug)]
pub struct FaultInjector(pub FaultPlan);

impl Intercept for FaultInjector {
    fn name(&self) -> &'static str {
        "FaultInjector"
    }

    /// Picks this attempt's fault. A fault that means "nothing was written" also spoils the
    /// request (an operation DynamoDB does not know), so DynamoDB Local applies nothing.
    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg
            .load::<Metadata>()
            .map(|m| m.name().to_string())
            .unwrap_or_default();
        if let Ok(mut seen) = self.0.seen.lock() {
            seen.push(operation.clone());
        }
        let fault = self.0.take(&operation);
        if matches!(fault, Some(Fault::TransactionConflict | Fault::Throttling)) {
            context
                .request_mut()
                .headers_mut()
                .insert("x-amz-target", "DynamoDB_20120810.InjectedFault");
        }
        cfg.interceptor_state().store_put(ThisAttempt(fault));
        Ok(())
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(ThisAttempt(Some(fault))) = cfg.load::<ThisAttempt>().cloned() else {
            return Ok(());
        };
        let (status, body) = match fault {
            Fault::TransactionConflict => (
                400,
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict]","CancellationReasons":[{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}]}"#,
            ),
            Fault::Throttling => (
                400,
                r#"{"__type":"com.amazon.coral.availability#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}"#,
            ),
            Fault::LostResponse => (
                500,
                r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"injected: the response was lost"}"#,
            ),
        };
        let response = context.response_mut();
        *response.status_mut() = StatusCode::try_from(status)?;
        *response.body_mut() = SdkBody::from(body);
        Ok(())
    }
}
