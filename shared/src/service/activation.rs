//! Activation use cases: activate, deactivate and restore (one or a batch; all idempotent), and
//! the scheduled expiry sweep.

use std::collections::HashMap;

use super::users::{check_batch_size, MAX_BATCH};
use super::{Roster, UserRef};
use crate::audit::{AuditContext, DEFAULT_RETENTION_DAYS};
use crate::auth::Principal;
use crate::clock;
use crate::domain::{OrgId, Status, User, UserId};
use crate::error::{Conflict, Resource};
use crate::Error;

/// What one run of the expiry sweep did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SweepSummary {
    pub examined: u64,
    pub deactivated: u64,
    pub skipped: u64,
    pub failed: u64,
    /// True when the run stopped for time; the next run continues (the index only holds users
    /// still waiting).
    pub stopped_early: bool,
}

impl Roster {
    pub async fn activate(&self, caller: &Principal, id: &UserId) -> Result<User, Error> {
        self.set_status(caller, id, Status::Active).await
    }

    pub async fn deactivate(&self, caller: &Principal, id: &UserId) -> Result<User, Error> {
        caller.require_manager()?;
        if caller.is_self(id) {
            return Err(Error::Conflict(
                Conflict::CannotDeactivateSelf,
                "A manager cannot deactivate its own user.".into(),
            ));
        }
        self.set_status(caller, id, Status::Inactive).await
    }

    /// Brings a deleted user back (ACTIVE), re-claiming its username, emails and external id in
    /// one transaction: 409 if any was taken since. A user that is not deleted is returned as is.
    pub async fn restore(&self, caller: &Principal, id: &UserId) -> Result<User, Error> {
        caller.require_manager()?;
        let old = self.load_user(&caller.org, id).await?;
        if old.status != Status::Deleted {
            return Ok(old);
        }
        let mut new = old.clone();
        new.status = Status::Active;
        new.deleted_at = None;
        self.save(&old, new, Some(caller), &caller.audit()).await
    }

    /// A batch of activations or deactivations: a result per id, in order.
    pub async fn set_status_batch(
        &self,
        caller: &Principal,
        ids: Vec<String>,
        status: Status,
    ) -> Result<Vec<(String, Result<User, Error>)>, Error> {
        caller.require_manager()?;
        if ids.len() > MAX_BATCH {
            return Err(Error::field(
                "ids",
                format!("must hold at most {MAX_BATCH} ids"),
            ));
        }
        let results = super::batch::run_keyed(
            ids.clone(),
            |raw| vec![raw.clone()],
            |raw| async move {
                match UserId::parse(&raw) {
                    Err(_) => Err(Error::NotFound(Resource::User)),
                    Ok(id) if status == Status::Active => self.activate(caller, &id).await,
                    Ok(id) => self.deactivate(caller, &id).await,
                }
            },
        )
        .await;
        Ok(ids.into_iter().zip(results).collect())
    }

    /// Activations or deactivations of users named by reference (seed 003 names them by
    /// username): a result per item, in order; each committed on its own.
    pub async fn set_status_many(
        &self,
        caller: &Principal,
        users: Vec<Result<UserRef, Error>>,
        status: Status,
    ) -> Result<Vec<Result<User, Error>>, Error> {
        caller.require_manager()?;
        check_batch_size(users.len())?;
        let keys = |user: &Result<UserRef, Error>| {
            user.as_ref()
                .map(super::users::user_ref_keys)
                .unwrap_or_default()
        };
        Ok(super::batch::run_keyed(users, keys, |user| async move {
            let found = self.find_user(caller, &user?).await?;
            if status == Status::Active {
                self.activate(caller, &found.id).await
            } else {
                self.deactivate(caller, &found.id).await
            }
        })
        .await)
    }

    /// Deactivates every active user, in every organization, whose `validUntil` has passed.
    /// Each deactivation is conditional on the version read, so concurrent or repeated runs are
    /// safe; `should_stop` is asked between users (the Lambda deadline).
    pub async fn sweep_expired(
        &self,
        should_stop: impl Fn() -> bool,
    ) -> Result<SweepSummary, Error> {
        let today = clock::format_date(clock::today());
        let mut summary = SweepSummary::default();
        // Each organization's audit retention, read once per run.
        let mut retention: HashMap<OrgId, u32> = HashMap::new();
        for shard in self.store.expiry_shards(&today).await? {
            let mut start = None;
            loop {
                let (expired, next) = self.store.expired_users(&shard, &today, start, 100).await?;
                for candidate in expired {
                    if should_stop() {
                        summary.stopped_early = true;
                        return Ok(summary);
                    }
                    summary.examined += 1;
                    let audit = match self.sweep_context(&mut retention, &candidate.org).await {
                        Ok(audit) => audit,
                        Err(e) => {
                            tracing::warn!(organization = %candidate.org, error = %e, "sweep could not read the organization");
                            summary.failed += 1;
                            continue;
                        }
                    };
                    match self
                        .expire(&candidate.org, &candidate.user_id, &audit)
                        .await
                    {
                        Ok(true) => summary.deactivated += 1,
                        Ok(false) => summary.skipped += 1,
                        Err(e) => {
                            tracing::warn!(organization = %candidate.org, user = %candidate.user_id, error = %e, "sweep could not deactivate");
                            summary.failed += 1;
                        }
                    }
                }
                match next {
                    Some(key) => start = Some(key),
                    None => break,
                }
            }
        }
        // Every shard before today is empty now (unless something failed): later sweeps start
        // at today's shard.
        if summary.failed == 0 {
            self.store.set_sweep_watermark(&today).await?;
        }
        Ok(summary)
    }

    /// The sweep's audit context for `org`, its retention read once per run.
    async fn sweep_context(
        &self,
        retention: &mut HashMap<OrgId, u32>,
        org: &OrgId,
    ) -> Result<AuditContext, Error> {
        let days = match retention.get(org) {
            Some(days) => *days,
            None => {
                let days = self
                    .store
                    .get_org(org)
                    .await?
                    .map_or(DEFAULT_RETENTION_DAYS, |(o, _)| o.retention_days());
                retention.insert(org.clone(), days);
                days
            }
        };
        Ok(AuditContext::system(org, days))
    }

    /// Deactivates one expired user; false when there was nothing to do (already changed).
    async fn expire(&self, org: &OrgId, id: &UserId, audit: &AuditContext) -> Result<bool, Error> {
        let Some(old) = self.store.get_user(org, id).await? else {
            return Ok(false);
        };
        let expired = old.status == Status::Active
            && old.valid_until.as_ref().is_some_and(|v| v.has_passed());
        if !expired {
            return Ok(false);
        }
        let mut new = old.clone();
        new.status = Status::Inactive;
        // The system makes this change, not a user.
        match self.save(&old, new, None, audit).await {
            Ok(_) => Ok(true),
            // Someone changed the user meanwhile (another sweep, a manager): leave it to them.
            Err(Error::PreconditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
