//! Key → hash → key item → user → principal, with every decision cached briefly in-process.
//!
//! **Revocation bound.** A decision — an allow, or a refusal of a known or unknown key — is
//! trusted for at most the cache TTL (`AUTH_CACHE_TTL_SECONDS`, at most [`MAX_CACHE_TTL`] = 5 s),
//! counted from *before* the reads that made it. A change committed at time `t` (key revoked,
//! user deactivated, deleted or demoted, organization settings changed) is therefore read by
//! every instance's first request after `t + TTL`: on every warm instance it takes effect within
//! 5 s. The instance that made the change drops the user's entries at once.
//!
//! **Cost.** A request answered from the cache costs no DynamoDB call. A miss on a key that
//! names where it lives (every key issued now: [`super::KeyLocator`]) costs one consistent
//! `BatchGetItem` of the key's lookup item, its user and its organization: one round trip, at
//! most once per key per instance per TTL. A key issued before keys carried a locator costs a
//! `GetItem` of its lookup item, then the user and the organization (two `GetItem`s in
//! parallel): two round trips. `lastUsedAt` is written (one conditional `UpdateItem` of the
//! key's lookup item) when the stamp those reads found is older than [`TOUCH_EVERY`] and this
//! instance has not written it within that time either — so a key used through many instances
//! is stamped about once a minute, not once a minute per instance. The write is sent in the
//! background once the reads are in, and the answer does not wait for it: it records that the
//! key was presented, also when the reads then refuse it (an inactive user's key still in use
//! is worth seeing). The lookup item is one only the key itself names, so a string that names a
//! real key's ids without being that key writes nothing. An unknown but well-formed key costs
//! its reads once, and is then refused from the negative cache for the TTL; a string that
//! cannot be a Roster key costs no call at all.
//!
//! **Memory.** Known keys and unknown keys are held in two separate bounded caches
//! ([`MAX_KNOWN`], [`MAX_UNKNOWN`]; oldest entry evicted first), so a flood of distinct junk
//! keys can neither grow memory without bound nor push the real keys out.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::key::{hash_key, key_shape, KeyLocator, KeyShape};
use super::Principal;
use crate::clock;
use crate::domain::{Cidr, OrgId, Status, UserId};
use crate::error::Inactivity;
use crate::store::Store;
use crate::Error;

/// The longest a decision may be trusted: the revocation bound.
pub const MAX_CACHE_TTL: Duration = Duration::from_secs(5);
/// The default cache TTL (the bound itself).
pub const DEFAULT_CACHE_TTL: Duration = MAX_CACHE_TTL;
/// How often a key's `lastUsedAt` is written, at most: per instance, and per key whatever the
/// number of instances (a stamp younger than this is not written again).
pub const TOUCH_EVERY: Duration = Duration::from_secs(60);
/// Entries for keys that exist (allowed or refused).
pub const MAX_KNOWN: usize = 10_000;
/// Entries for keys that do not exist.
pub const MAX_UNKNOWN: usize = 10_000;

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

/// What is remembered of a key that exists.
#[derive(Clone)]
struct Known {
    org: OrgId,
    user: UserId,
    decision: Result<Access, Refusal>,
    /// When this instance last wrote the key's `lastUsedAt`.
    touched: Option<Instant>,
}

/// A cached refusal (storage failures are never cached).
#[derive(Clone)]
enum Refusal {
    /// 401: the key's user (or organization) is gone.
    Invalid,
    /// 403: the key's user may not act now.
    Inactive(Inactivity),
}

impl Refusal {
    fn error(&self) -> Error {
        match self {
            Self::Invalid => Error::InvalidApiKey,
            Self::Inactive(why) => Error::CallerInactive(*why),
        }
    }
}

/// A map whose entries live `ttl` and of which at most `capacity` are kept (the oldest is
/// evicted first). Every entry has the same lifetime, so insertion order is expiry order.
struct TtlCache<V> {
    ttl: Duration,
    capacity: usize,
    map: HashMap<String, (V, Instant)>,
    order: VecDeque<(String, Instant)>,
}

impl<V: Clone> TtlCache<V> {
    fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            map: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// The entry, fresh or not.
    fn peek(&self, key: &str) -> Option<(&V, bool)> {
        self.map
            .get(key)
            .map(|(v, at)| (v, at.elapsed() < self.ttl))
    }

    fn insert(&mut self, key: String, value: V, at: Instant) {
        if self.ttl.is_zero() || self.capacity == 0 {
            return;
        }
        // Drop what has expired, then the oldest until there is room.
        while let Some((_, front_at)) = self.order.front() {
            if front_at.elapsed() < self.ttl && self.map.len() < self.capacity {
                break;
            }
            self.pop_front();
        }
        self.map.insert(key.clone(), (value, at));
        self.order.push_back((key, at));
        // Re-inserted and invalidated keys leave stale order entries: compact them away.
        if self.order.len() > 2 * self.capacity {
            let map = &self.map;
            self.order
                .retain(|(k, at)| map.get(k).is_some_and(|(_, a)| a == at));
        }
    }

    fn pop_front(&mut self) {
        if let Some((key, at)) = self.order.pop_front() {
            if self.map.get(&key).is_some_and(|(_, a)| *a == at) {
                self.map.remove(&key);
            }
        }
    }

    fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        self.map.retain(|_, (v, _)| keep(v));
    }

    fn len(&self) -> usize {
        self.map.len()
    }
}

struct Caches {
    known: TtlCache<Known>,
    unknown: TtlCache<()>,
}

pub struct Authenticator {
    store: Store,
    caches: Mutex<Caches>,
}

/// What the reads found for a key that exists.
struct KeyRead {
    record: crate::store::KeyRecord,
    user: Option<crate::domain::User>,
    org: Option<crate::store::Organization>,
}

/// What the caches say about a key.
enum Cached {
    /// A fresh decision (boxed: an `Access` carries the whole principal).
    Fresh(Box<Result<Access, Error>>),
    /// Nothing fresh; when this instance last wrote the key's `lastUsedAt`, if it knows.
    Miss(Option<Instant>),
}

impl Authenticator {
    /// Caches decisions for `ttl` (zero disables caching). Every binary reads it through
    /// `Config::from_env`, which refuses more than [`MAX_CACHE_TTL`]; only the benchmark asks for
    /// more, to measure warm calls apart from cold ones.
    pub fn new(store: Store, ttl: Duration) -> Self {
        Self {
            store,
            caches: Mutex::new(Caches {
                known: TtlCache::new(ttl, MAX_KNOWN),
                unknown: TtlCache::new(ttl, MAX_UNKNOWN),
            }),
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
        // Not shaped like a key Roster issues: no read, nothing cached.
        let Some(shape) = key_shape(secret) else {
            return Err(Error::InvalidApiKey);
        };
        let hash = hash_key(secret);
        let touched = match self.cached(&hash) {
            Cached::Fresh(decision) => return *decision,
            Cached::Miss(touched) => touched,
        };
        // Stamped before the reads: the entry is never trusted past `read start + TTL`.
        let started = Instant::now();
        let read = match shape {
            KeyShape::Located(at) => self.read_located(&hash, &at).await?,
            KeyShape::Unlocated => self.read_unlocated(&hash).await?,
        };
        let Some(read) = read else {
            if let Ok(mut caches) = self.caches.lock() {
                caches.unknown.insert(hash, (), started);
            }
            return Err(Error::InvalidApiKey);
        };
        let touched = self.touch_if_stale(&hash, read.record.last_used_at.as_deref(), touched);
        let decision = match (read.user, read.org) {
            (Some(user), Some(org)) => decide(&read.record, user, org),
            _ => Err(Refusal::Invalid),
        };
        let known = Known {
            org: read.record.org.clone(),
            user: read.record.user_id.clone(),
            decision: decision.clone(),
            touched,
        };
        if let Ok(mut caches) = self.caches.lock() {
            caches.known.insert(hash, known, started);
        }
        decision.map_err(|r| r.error())
    }

    /// A key that names where it lives: its lookup item, user and organization in one
    /// `BatchGetItem`. `None`: no such key.
    async fn read_located(&self, hash: &str, at: &KeyLocator) -> Result<Option<KeyRead>, Error> {
        let access = self.store.key_access(hash, &at.org, &at.user).await?;
        let Some(record) = access.key else {
            return Ok(None);
        };
        // The hash covers the whole key, locator included, so the key stored under it was
        // issued with exactly these ids; anything else is a damaged table, not a caller's error.
        if record.org != at.org || record.user_id != at.user || record.key_id != at.key {
            return Err(Error::internal(format!(
                "key {} is stored under another locator than its own",
                record.key_id
            )));
        }
        Ok(Some(KeyRead {
            record,
            user: access.user,
            org: access.org,
        }))
    }

    /// A key issued before keys carried a locator: its lookup item first (it says whose key it
    /// is), then the user and organization in parallel.
    async fn read_unlocated(&self, hash: &str) -> Result<Option<KeyRead>, Error> {
        let Some(record) = self.store.lookup_key(hash).await? else {
            return Ok(None);
        };
        let (user, org) = tokio::join!(
            self.store.get_user(&record.org, &record.user_id),
            self.store.get_org_settings(&record.org)
        );
        Ok(Some(KeyRead {
            user: user?,
            org: org?,
            record,
        }))
    }

    /// Records that the key was presented — unless this instance wrote its `lastUsedAt` less
    /// than [`TOUCH_EVERY`] ago, or the stamp just read (`stored`, written by any instance) is
    /// that young — and answers when the key's stamp was last written, as far as this instance
    /// knows. The write is sent in the background, not awaited: the answer never waits for it
    /// (a write is DynamoDB's slowest request here), and a failure is only logged. On Lambda a
    /// background task that has not finished when the answer is sent resumes with the next
    /// event, so the stamp is best effort, as it always was.
    fn touch_if_stale(
        &self,
        hash: &str,
        stored: Option<&str>,
        touched: Option<Instant>,
    ) -> Option<Instant> {
        if touched.is_some_and(|t| t.elapsed() < TOUCH_EVERY) {
            return touched;
        }
        if let Some(age) = stored.and_then(clock::age).filter(|age| *age < TOUCH_EVERY) {
            // Stamped lately (by this instance or another): not again until it is stale.
            return Instant::now().checked_sub(age).or(touched);
        }
        let (store, hash, at) = (self.store.clone(), hash.to_string(), clock::now());
        tokio::spawn(async move {
            // `Ok(false)`: the key went away meanwhile (revoked); nothing to stamp.
            if let Err(e) = store.touch_key(&hash, &at).await {
                tracing::warn!(error = %e, "could not record key use");
            }
        });
        Some(Instant::now())
    }

    fn cached(&self, hash: &str) -> Cached {
        let Ok(caches) = self.caches.lock() else {
            return Cached::Miss(None);
        };
        if let Some(((), true)) = caches.unknown.peek(hash) {
            return Cached::Fresh(Box::new(Err(Error::InvalidApiKey)));
        }
        match caches.known.peek(hash) {
            Some((known, true)) => {
                Cached::Fresh(Box::new(known.decision.clone().map_err(|r| r.error())))
            }
            Some((known, false)) => Cached::Miss(known.touched),
            None => Cached::Miss(None),
        }
    }

    /// Forgets every cached key of `user` (after a role/status change, delete or revoke).
    pub fn invalidate_user(&self, user: &UserId) {
        if let Ok(mut caches) = self.caches.lock() {
            caches.known.retain(|k| &k.user != user);
        }
    }

    /// Forgets every cached key of `org` (after its settings change).
    pub fn invalidate_org(&self, org: &OrgId) {
        if let Ok(mut caches) = self.caches.lock() {
            caches.known.retain(|k| &k.org != org);
        }
    }

    /// `(known, unknown)` entries held now (memory bound checks).
    pub fn cache_sizes(&self) -> (usize, usize) {
        self.caches
            .lock()
            .map(|c| (c.known.len(), c.unknown.len()))
            .unwrap_or_default()
    }
}

/// The decision for a key that exists, from its user and organization as stored now.
fn decide(
    record: &crate::store::KeyRecord,
    user: crate::domain::User,
    org: crate::store::Organization,
) -> Result<Access, Refusal> {
    if user.status == Status::Deleted {
        return Err(Refusal::Invalid);
    }
    user.may_act(org.requires_registration)
        .map_err(Refusal::Inactive)?;
    Ok(Access {
        principal: Principal {
            org: record.org.clone(),
            user_id: user.id.clone(),
            role: user.role,
            key_id: Some(record.key_id.clone()),
            org_language: org.default_language.clone(),
            actor: None,
            audit_retention_days: Principal::retention_or_default(org.audit_retention_days),
            origin: Default::default(),
        },
        allow_list: org.ip_allow_list,
        usage_key: org.usage_key_value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_the_ttl() {
        let mut cache = TtlCache::new(Duration::from_millis(30), 10);
        cache.insert("a".into(), 1, Instant::now());
        assert!(matches!(cache.peek("a"), Some((1, true))));
        std::thread::sleep(Duration::from_millis(40));
        assert!(
            matches!(cache.peek("a"), Some((1, false))),
            "stale, not fresh"
        );
    }

    #[test]
    fn the_cache_never_holds_more_than_its_capacity_and_evicts_the_oldest() {
        let mut cache = TtlCache::new(Duration::from_secs(60), 100);
        for i in 0..10_000 {
            cache.insert(format!("junk{i}"), (), Instant::now());
            assert!(cache.len() <= 100);
            assert!(cache.order.len() <= 200);
        }
        assert!(cache.peek("junk0").is_none(), "the oldest went first");
        assert!(cache.peek("junk9999").is_some());
    }

    #[test]
    fn reinserting_and_invalidating_keeps_the_order_queue_bounded() {
        let mut cache = TtlCache::new(Duration::from_secs(60), 10);
        for i in 0..1_000 {
            cache.insert(format!("k{}", i % 3), i, Instant::now());
            cache.retain(|v| v % 7 != 0);
            assert!(cache.order.len() <= 20, "{}", cache.order.len());
        }
        assert!(cache.len() <= 3);
    }

    #[test]
    fn a_zero_ttl_caches_nothing() {
        let mut cache = TtlCache::new(Duration::ZERO, 10);
        cache.insert("a".into(), 1, Instant::now());
        assert_eq!(cache.len(), 0);
    }
}
