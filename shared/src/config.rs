//! Configuration, read from the environment once per cold start.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Config {
    /// The single DynamoDB table.
    pub table_name: String,
    /// A DynamoDB endpoint override (DynamoDB Local); `None` on AWS.
    pub dynamodb_endpoint: Option<String>,
    /// How long a resolved API key stays cached in-process.
    pub auth_cache_ttl: Duration,
}

impl Config {
    pub fn from_env() -> Result<Self, String> {
        let table_name =
            std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set".to_string())?;
        let dynamodb_endpoint = std::env::var("DYNAMODB_ENDPOINT")
            .ok()
            .filter(|v| !v.is_empty());
        let auth_cache_ttl = match std::env::var("AUTH_CACHE_TTL_SECONDS") {
            Ok(v) => Duration::from_secs(
                v.parse()
                    .map_err(|_| format!("AUTH_CACHE_TTL_SECONDS is not a number: {v}"))?,
            ),
            Err(_) => Duration::from_secs(30),
        };
        Ok(Self {
            table_name,
            dynamodb_endpoint,
            auth_cache_ttl,
        })
    }
}
