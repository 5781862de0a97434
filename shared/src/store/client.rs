//! The DynamoDB client: built once per cold start, with bounded timeouts and retries so that an
//! unreachable DynamoDB turns into a prompt 503 rather than a hang.
//!
//! A function takes its region and credentials straight from the environment Lambda sets
//! (`AWS_REGION`, the execution role's `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/
//! `AWS_SESSION_TOKEN`), which is where `aws-config`'s default chain finds them on Lambda too.
//! Skipping that chain saves its init work (profile files, IMDS and SSO providers a function
//! never uses: ~3 ms of cold start) and about 0.5 MiB of binary (`aws-config`, `aws-sdk-sts`, an
//! XML parser). `roster-admin`, run by an operator with profiles or SSO, loads `aws-config`
//! itself and passes its configuration to [`Store::connect_with`].

use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Builder, Credentials, Region, SharedHttpClient};
use aws_sdk_dynamodb::Client;

use super::Store;
use crate::config::Config;

impl Store {
    /// The store of a function (and of `make dev` and the tests): region and credentials from
    /// the environment. The client carries Roster's interceptor (DynamoDB calls, retries and
    /// X-Ray subsegments per request, [`crate::obs::sdk`]).
    pub fn connect(config: &Config) -> Self {
        Self::connect_with(client_builder(config), config)
    }

    /// The store on a base configuration of the caller's (e.g. `roster-admin`'s
    /// `aws-config`), with the table's timeouts, retries and HTTPS client on top.
    pub fn connect_with(base: Builder, config: &Config) -> Self {
        let client_config = tuned(base, config)
            .interceptor(crate::obs::sdk::Observe)
            .build();
        Self::new(Client::from_conf(client_config), config.table_name.clone())
    }
}

/// The client configuration from the environment, tuned ([`tuned`]); no interceptor.
pub fn client_builder(config: &Config) -> Builder {
    let mut builder = Builder::new();
    if let Some(region) = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")) {
        builder = builder.region(Region::new(region));
    }
    match (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        (Some(key_id), Some(secret)) => {
            let token = env("AWS_SESSION_TOKEN");
            builder = builder.credentials_provider(Credentials::new(
                key_id,
                secret,
                token,
                None,
                "Environment",
            ));
        }
        // Every DynamoDB call will then fail (and answer 503): say why once, at init.
        _ => tracing::error!(
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set: DynamoDB requests cannot be signed"
        ),
    }
    tuned(builder, config)
}

/// What every client of the table shares: connect 1 s, attempt 2 s, operation 5 s, 3 attempts
/// (standard retry: throttling and 5xx are retried), the HTTPS client below, and
/// `DYNAMODB_ENDPOINT` when set (DynamoDB Local).
pub fn tuned(builder: Builder, config: &Config) -> Builder {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(5))
        .build();
    let builder = builder
        .behavior_version(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    match &config.dynamodb_endpoint {
        Some(endpoint) => builder.endpoint_url(endpoint),
        None => builder,
    }
}

/// The SDK's HTTPS client with rustls on the *ring* provider (the SDK's default is aws-lc-rs:
/// about 2 MiB more binary for the same TLS 1.2/1.3 to DynamoDB), the system's trust store.
pub fn https_client() -> SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// An environment variable, empty counting as unset.
fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}
