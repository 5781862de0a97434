//! Maps SDK failures to domain errors: unreachable or throttled storage is a 503 the caller
//! may retry; anything else unexpected is an internal error with context for the logs.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::Error;

/// Error codes DynamoDB uses for "too many requests; slow down".
const THROTTLE_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
];

/// Error codes DynamoDB uses for "try again later".
const RETRYABLE_CODES: &[&str] = &[
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionInProgressException",
];

pub(crate) fn storage<E, R>(operation: &str, err: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => {
            Error::Unavailable(format!("{operation}: {}", DisplayErrorContext(&err)))
        }
        _ if err.code().is_some_and(|c| THROTTLE_CODES.contains(&c)) => {
            Error::Throttled(format!("{operation}: {}", DisplayErrorContext(&err)))
        }
        _ if err.code().is_some_and(|c| RETRYABLE_CODES.contains(&c)) => {
            Error::Unavailable(format!("{operation}: {}", DisplayErrorContext(&err)))
        }
        // An index not there yet, or still backfilling (a stack being upgraded one index per
        // deploy: README, Runbook): a 503 until it is, not an internal error.
        _ if is_index_unavailable(&err) => {
            Error::Unavailable(format!("{operation}: {}", DisplayErrorContext(&err)))
        }
        _ => Error::internal(format!("{operation}: {}", DisplayErrorContext(&err))),
    }
}

/// True when DynamoDB refused a query of an index the table does not have (yet) or is still
/// backfilling.
fn is_index_unavailable<E, R>(err: &SdkError<E, R>) -> bool
where
    E: ProvideErrorMetadata,
{
    err.code() == Some("ValidationException")
        && err.message().is_some_and(|m| {
            let m = m.to_ascii_lowercase();
            m.contains("does not have the specified index") || m.contains("backfilling")
        })
}

/// True when DynamoDB rejected the request's `ExclusiveStartKey` (a caller's bad cursor).
pub(crate) fn is_bad_start_key<E, R>(err: &SdkError<E, R>) -> bool
where
    E: ProvideErrorMetadata,
{
    err.code() == Some("ValidationException")
        && err.message().is_some_and(|m| {
            let m = m.to_ascii_lowercase();
            m.contains("start") || m.contains("exclusivestartkey") || m.contains("query boundaries")
        })
}
