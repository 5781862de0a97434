//! The SDK interceptor on Roster's DynamoDB client: counts each call and each HTTP attempt of it
//! (retries = attempts − calls) into the request's [`super::RequestObs`], and, when X-Ray active
//! tracing samples the invocation, sends one subsegment per call ([`super::xray`]).

use std::time::SystemTime;

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
    FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::{Storable, StoreReplace};

use crate::http::RequestInfo;

#[derive(Debug, Clone)]
struct CallState {
    started: SystemTime,
    attempts: u32,
}

impl Storable for CallState {
    type Storer = StoreReplace<Self>;
}

#[derive(Debug, Default)]
pub struct Observe;

impl Intercept for Observe {
    fn name(&self) -> &'static str {
        "RosterObserve"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        RequestInfo::current()
            .obs
            .dynamodb_calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        cfg.interceptor_state().store_put(CallState {
            started: SystemTime::now(),
            attempts: 0,
        });
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        RequestInfo::current()
            .obs
            .dynamodb_attempts
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(state) = cfg.load::<CallState>().cloned() {
            cfg.interceptor_state().store_put(CallState {
                attempts: state.attempts + 1,
                ..state
            });
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let info = RequestInfo::current();
        let Some(header) = info.obs.trace_header.as_deref() else {
            return Ok(());
        };
        let Some(state) = cfg.load::<CallState>() else {
            return Ok(());
        };
        let operation = cfg
            .load::<Metadata>()
            .map(|m| m.name().to_string())
            .unwrap_or_default();
        let status = context.response().map(|r| r.status().as_u16());
        super::xray::send_subsegment(&super::xray::Call {
            trace_header: header,
            operation: &operation,
            started: state.started,
            ended: SystemTime::now(),
            status,
            retries: state.attempts.saturating_sub(1),
        });
        Ok(())
    }
}
