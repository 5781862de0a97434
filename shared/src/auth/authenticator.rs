//! Key → hash → key item → user → principal, cached briefly in-process so that a warm request
//! costs no read. The service evicts a user's entries when its role or status changes or a key
//! is revoked, so within one instance changes apply at once; across instances within the TTL.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::key::hash_key;
use super::Principal;
use crate::clock;
use crate::domain::{RegistrationState, Status, UserId};
use crate::store::Store;
use crate::Error;

pub struct Authenticator {
    store: Store,
    ttl: Duration,
    cache: Mutex<HashMap<String, (Principal, Instant)>>,
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

    /// Resolves a presented key, refusing unknown/revoked keys (401) and keys of users that are
    /// deleted (401), inactive, expired, or unregistered where the organization requires it (403).
    pub async fn authenticate(&self, secret: &str) -> Result<Principal, Error> {
        let hash = hash_key(secret);
        if let Some(principal) = self.cached(&hash) {
            return Ok(principal);
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
        match user.status {
            Status::Deleted => return Err(Error::InvalidApiKey),
            Status::Inactive => {
                return Err(Error::CallerInactive(
                    "The key's user is deactivated.".into(),
                ))
            }
            Status::Active if !user.is_effectively_active() => {
                return Err(Error::CallerInactive(
                    "The key's user has passed its validUntil date.".into(),
                ))
            }
            Status::Active => {}
        }
        if org.requires_registration && user.registration.state == RegistrationState::Unregistered {
            return Err(Error::CallerInactive(
                "The key's user is not registered.".into(),
            ));
        }
        let principal = Principal {
            org: record.org.clone(),
            user_id: user.id.clone(),
            role: user.role,
            key_id: Some(record.key_id.clone()),
            org_language: org.default_language.clone(),
            actor: None,
        };
        // Best effort: a failed lastUsedAt update must not fail the request.
        if let Err(e) = self.store.touch_key(&record, &clock::now()).await {
            tracing::warn!(error = %e, "could not record key use");
        }
        self.remember(hash, principal.clone());
        Ok(principal)
    }

    fn cached(&self, hash: &str) -> Option<Principal> {
        let cache = self.cache.lock().ok()?;
        cache
            .get(hash)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(p, _)| p.clone())
    }

    fn remember(&self, hash: String, principal: Principal) {
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
            cache.insert(hash, (principal, Instant::now()));
        }
    }

    /// Forgets every cached key of `user` (after a role/status change, delete or revoke).
    pub fn invalidate_user(&self, user: &UserId) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.retain(|_, (p, _)| &p.user_id != user);
        }
    }
}
