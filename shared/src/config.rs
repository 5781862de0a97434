//! Configuration, read from the environment once per cold start.

use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Config {
    /// The single DynamoDB table.
    pub table_name: String,
    /// A DynamoDB endpoint override (DynamoDB Local); `None` on AWS.
    pub dynamodb_endpoint: Option<String>,
    /// How long a key's decision stays cached in-process (at most
    /// [`crate::auth::MAX_CACHE_TTL`], the revocation bound).
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
            Ok(v) => parse_ttl(&v)?,
            Err(_) => crate::auth::DEFAULT_CACHE_TTL,
        };
        Ok(Self {
            table_name,
            dynamodb_endpoint,
            auth_cache_ttl,
        })
    }
}

/// `AUTH_CACHE_TTL_SECONDS`: whole seconds from 0 (no cache) to the revocation bound.
fn parse_ttl(value: &str) -> Result<Duration, String> {
    let max = crate::auth::MAX_CACHE_TTL.as_secs();
    match value.trim().parse::<u64>() {
        Ok(secs) if secs <= max => Ok(Duration::from_secs(secs)),
        _ => Err(format!(
            "AUTH_CACHE_TTL_SECONDS must be a whole number of seconds from 0 to {max} \
             (the revocation bound), not {value:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_ttl_cannot_exceed_the_revocation_bound() {
        assert_eq!(parse_ttl("0"), Ok(Duration::ZERO));
        assert_eq!(parse_ttl("5"), Ok(Duration::from_secs(5)));
        for bad in ["6", "30", "3600", "-1", "1.5", "soon", ""] {
            let err = parse_ttl(bad).err().unwrap_or_default();
            assert!(err.contains("from 0 to 5"), "{bad}: {err}");
        }
    }
}
