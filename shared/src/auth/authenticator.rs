//! Key → hash → key item → user → principal, cached briefly in-process so that a warm request
//! costs no read. The service evicts a user's entries when its role or status changes or a key
//! is revoked, so within one instance changes apply at once; across instances within the TTL.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::key::hash_key;
use super::Principal;
use crate::clock;
use crate::domain::{Cidr, OrgId, Status, UserId};
use crate::store::Store;
use crate::Error;

/// A resolved key: the principal and what the organization says about access.
#[derive(Clone)]
pub struct Access {
    pub principal: Principal,
    /// Empty means any source address.
    pub allow_list: Vec<Cidr>,
    /// The organization's API Gateway usage key value (the authorizer's `usageIdentifierKey`).
    pub usage_key: Option<String>,
}

impl Access {
    /// 403 unless `source` is in the allow-list (an unknown source is refused when there is one).
    pub fn check_source(&self, source: Option<IpAddr>) -> Result<(), Error> {
        if self.allow_list.is_empty() {
            return Ok(());
        }
        match source {
            Some(ip) if self.allow_list.iter().any(|c| c.contains(ip)) => Ok(()),
            _ => Err(Error::IpNotAllowed),
        }
    }
}

pub struct Authenticator {
    store: Store,
    ttl: Duration,
    cache: Mutex<HashMap<String, (Access, Instant)>>,
}

const MAX_ENTRIES: usize = 10_000;

impl Authenticator {
    pub fn new(store: Store, ttl: Duration) -> Self {
        Self {
            store,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Resolves a presented key coming from `source`, refusing unknown/revoked keys (401), keys
    /// of users that are deleted (401), inactive, expired, or unregistered where the organization
    /// requires it (403), and sources outside the organization's allow-list (403).
    pub async fn authenticate(
        &self,
        secret: &str,
        source: Option<IpAddr>,
    ) -> Result<Principal, Error> {
        let access = self.resolve(secret).await?;
        access.check_source(source)?;
        Ok(access.principal)
    }

    /// Resolves a key to its principal and access settings (no source check).
    pub async fn resolve(&self, secret: &str) -> Result<Access, Error> {
        let hash = hash_key(secret);
        if let Some(access) = self.cached(&hash) {
            return Ok(access);
        }
        let record = self
            .store
            .lookup_key(&hash)
            .await?
            .ok_or(Error::InvalidApiKey)?;
        let (user, org) = tokio::try_join!(
            self.store.get_user(&record.org, &record.user_id),
            self.store.get_org(&record.org)
        )?;
        let user = user.ok_or(Error::InvalidApiKey)?;
        let (org, _) = org.ok_or(Error::InvalidApiKey)?;
        if user.status == Status::Deleted {
            return Err(Error::InvalidApiKey);
        }
        user.may_act(org.requires_registration)
            .map_err(Error::CallerInactive)?;
        let principal = Principal {
            org: record.org.clone(),
            user_id: user.id.clone(),
            role: user.role,
            key_id: Some(record.key_id.clone()),
            org_language: org.default_language.clone(),
            actor: None,
        };
        let access = Access {
            principal,
            allow_list: org.ip_allow_list,
            usage_key: org.usage_key_value,
        };
        // Best effort: a failed lastUsedAt update must not fail the request.
        if let Err(e) = self.store.touch_key(&record, &clock::now()).await {
            tracing::warn!(error = %e, "could not record key use");
        }
        self.remember(hash, access.clone());
        Ok(access)
    }

    fn cached(&self, hash: &str) -> Option<Access> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(hash)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(a, _)| a.clone())
    }

    fn remember(&self, hash: String, access: Access) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= MAX_ENTRIES {
                let ttl = self.ttl;
                cache.retain(|_, (_, at)| at.elapsed() < ttl);
                if cache.len() >= MAX_ENTRIES {
                    cache.clear();
                }
            }
            cache.insert(hash, (access, Instant::now()));
        }
    }

    /// Forgets every cached key of `user` (after a role/status change, delete or revoke).
    pub fn invalidate_user(&self, user: &UserId) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|_, (a, _)| &a.principal.user_id != user);
        }
    }

    /// Forgets every cached key of `org` (after its settings change).
    pub fn invalidate_org(&self, org: &OrgId) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|_, (a, _)| &a.principal.org != org);
        }
    }
}
