//! Use cases that each serve one compatible surface: seed 000's by-username reads and
//! password upsert, seed 001's all-or-none batch create and reference lookups, seed 002's
//! legacy by-email change, seed 003's acting user and per-item batch update. Each is built on
//! the native use cases (`users.rs`), so no rule is written twice.

use std::collections::{HashMap, HashSet};

use super::batch;
use super::commands::{NewUser, UserChanges, UserRef};
use super::users::{check_batch_size, check_new_user, user_ref_keys, MAX_BATCH};
use super::Roster;
use crate::auth::Principal;
use crate::domain::{
    ExternalId, PartyId, PartyInfo, PersonName, Role, User, UserFilter, UserId, Username,
};
use crate::error::{ActorRefusal, Resource};
use crate::password::Password;
use crate::store::PageRequest;
use crate::Error;

/// A batch item that failed, and why (see [`Roster::create_users_all_or_none`]).
#[derive(Debug)]
pub struct BatchFailure {
    /// Position of the item in the batch (0-based).
    pub index: usize,
    pub error: Error,
}

/// Fails when `new` repeats a username, email or external id of an earlier item of the same
/// batch (recorded in the sets).
fn check_in_batch(
    new: &NewUser,
    usernames: &mut HashSet<String>,
    emails: &mut HashSet<String>,
    external_ids: &mut HashSet<ExternalId>,
) -> Result<(), Error> {
    if let Some(username) = &new.username {
        if !usernames.insert(username.canonical()) {
            return Err(Error::UsernameTaken);
        }
    }
    for email in new.emails.iter() {
        if !emails.insert(email.canonical()) {
            return Err(Error::EmailTaken(email.to_string()));
        }
    }
    if let Some(external_id) = &new.external_id {
        if !external_ids.insert(external_id.clone()) {
            return Err(Error::ExternalIdTaken);
        }
    }
    Ok(())
}

impl Roster {
    /// Every user matching `filter`, in creation order, for surfaces whose lists have no pages
    /// (seed 000's list, seed 003 `Index`, the seed-002 legacy list). Reads 100 users per query.
    pub async fn list_all_users(
        &self,
        caller: &Principal,
        filter: UserFilter,
    ) -> Result<Vec<User>, Error> {
        caller.require_manager()?;
        let mut users = Vec::new();
        let mut start = None;
        loop {
            let request = PageRequest {
                limit: 100,
                skip: 0,
                start,
            };
            let page = self
                .store
                .list_users(&caller.org, &filter, &request)
                .await?;
            users.extend(page.items);
            match page.next {
                Some(key) => start = Some(key),
                None => return Ok(users),
            }
        }
    }

    /// A batch of updates of users named by reference, each committed on its own: per item the
    /// user before and after the change, in input order. Each change is conditional on the
    /// version read, so `before` is exactly what the change was applied to.
    pub async fn update_users(
        &self,
        caller: &Principal,
        items: Vec<Result<(UserRef, UserChanges), Error>>,
    ) -> Result<Vec<Result<(User, User), Error>>, Error> {
        caller.require_manager()?;
        check_batch_size(items.len())?;
        let keys = |item: &Result<(UserRef, UserChanges), Error>| match item {
            Ok((user, changes)) => {
                let mut keys = user_ref_keys(user);
                keys.extend(
                    changes
                        .username
                        .iter()
                        .map(|u| format!("u:{}", u.canonical())),
                );
                keys
            }
            Err(_) => Vec::new(),
        };
        Ok(batch::run_keyed(items, keys, |item| async move {
            let (user, changes) = item?;
            self.update_user_ref(caller, &user, changes).await
        })
        .await)
    }

    /// Updates the user `user` names: the user before and after the change (the change is
    /// conditional on the version read, so `before` is exactly what it was applied to).
    pub async fn update_user_ref(
        &self,
        caller: &Principal,
        user: &UserRef,
        changes: UserChanges,
    ) -> Result<(User, User), Error> {
        let before = self.find_user(caller, user).await?;
        let after = self
            .update_user(caller, &before.id, changes, Some(before.version.into()))
            .await?;
        Ok((before, after))
    }

    /// The request acts for `acting`, a username of the caller's organization (seed 003
    /// `X-eSignatur-CreatorId`): it must be an active ApManager, registered where the
    /// organization requires it. The principal keeps the key's organization and role (so the
    /// key must still be a manager's); its changes are recorded as made by `acting`.
    pub async fn acting_for(
        &self,
        caller: &Principal,
        acting: &Username,
    ) -> Result<Principal, Error> {
        caller.require_manager()?;
        let (user, org) = tokio::try_join!(
            self.store.find_by_username(&caller.org, acting),
            self.store.get_org(&caller.org)
        )?;
        let refused = |why| Error::ActorRefused(why, acting.to_string());
        let Some(user) = user else {
            return Err(refused(ActorRefusal::Unknown));
        };
        if user.role != Role::ApManager {
            return Err(refused(ActorRefusal::NotManager));
        }
        let requires_registration = org.is_some_and(|(o, _)| o.requires_registration);
        user.may_act(requires_registration)
            .map_err(|why| refused(ActorRefusal::Inactive(why)))?;
        Ok(Principal {
            actor: Some(user.id),
            ..caller.clone()
        })
    }

    /// A batch that is created whole or not at all (seed 001 `POST /User/create`): every item is
    /// checked first — required fields, duplicates inside the batch, usernames, emails and
    /// external ids already held by live users, unregistered business partners — and only when
    /// all pass are the users created (checks run concurrently, bounded; the creates by group
    /// commit, each user with its own outcome). The first failing item (lowest index) is reported and nothing
    /// is written. Only a concurrent request taking a username, email or external id between the
    /// check and the writes can still stop the batch part way: the other items then stay
    /// created, and the failing one is reported.
    pub async fn create_users_all_or_none(
        &self,
        caller: &Principal,
        items: Vec<NewUser>,
    ) -> Result<Vec<User>, BatchFailure> {
        let fail = |index: usize| move |error: Error| BatchFailure { index, error };
        caller.require_manager().map_err(fail(0))?;
        if items.len() > MAX_BATCH {
            return Err(BatchFailure {
                index: 0,
                error: Error::field("body", format!("must hold at most {MAX_BATCH} items")),
            });
        }
        // Checks in input order: required fields and duplicates inside the batch (no I/O)…
        let mut usernames = HashSet::new();
        let mut emails = HashSet::new();
        let mut external_ids = HashSet::new();
        let mut local: Vec<Result<(), Error>> = Vec::with_capacity(items.len());
        for new in &items {
            local.push(check_new_user(new).and_then(|()| {
                check_in_batch(new, &mut usernames, &mut emails, &mut external_ids)
            }));
        }
        // …then what is stored: every item's lookups and each distinct party, concurrently.
        let mut distinct: Vec<PartyId> = items
            .iter()
            .filter_map(|n| n.business_partner_id.clone())
            .collect();
        distinct.sort();
        distinct.dedup();
        let found = batch::run(distinct.clone(), |party| async move {
            Ok(self.store.get_party(&caller.org, &party).await?.is_some())
        })
        .await;
        let mut parties: HashMap<PartyId, bool> = HashMap::new();
        for (party, registered) in distinct.into_iter().zip(found) {
            parties.insert(party, registered.map_err(fail(0))?);
        }
        let stored = batch::run(items.iter().collect(), |new| async move {
            self.check_stored_free(caller, new).await
        })
        .await;
        for (index, (new, (local, stored))) in
            items.iter().zip(local.into_iter().zip(stored)).enumerate()
        {
            local.map_err(fail(index))?;
            stored.map_err(fail(index))?;
            if let Some(party) = &new.business_partner_id {
                if !parties.get(party).copied().unwrap_or(false) {
                    return Err(BatchFailure {
                        index,
                        error: Error::field(
                            "businessPartnerId",
                            format!("no party {party} is registered in this organization"),
                        ),
                    });
                }
            }
        }
        // All pass: create them by group commit (as few transactions as DynamoDB's limits
        // allow; each user still has its own outcome).
        let results = self
            .create_users_grouped(caller, items.into_iter().map(Ok).collect())
            .await;
        let mut created = Vec::with_capacity(results.len());
        for (index, result) in results.into_iter().enumerate() {
            created.push(result.map_err(fail(index))?);
        }
        Ok(created)
    }

    /// Fails when `new`'s username, an email or its external id is held by a live user.
    async fn check_stored_free(&self, caller: &Principal, new: &NewUser) -> Result<(), Error> {
        // A value is free when no live user holds it; else `taken` is the answer.
        let free = |holder: Option<User>, taken: Error| match holder {
            Some(_) => Err(taken),
            None => Ok(()),
        };
        let org = &caller.org;
        if let Some(username) = &new.username {
            free(
                self.store.find_by_username(org, username).await?,
                Error::UsernameTaken,
            )?;
        }
        for email in new.emails.iter() {
            free(
                self.store.find_by_email(org, email).await?,
                Error::EmailTaken(email.to_string()),
            )?;
        }
        if let Some(external_id) = &new.external_id {
            free(
                self.store.find_by_external_id(org, external_id).await?,
                Error::ExternalIdTaken,
            )?;
        }
        Ok(())
    }

    /// The live user holding `username` (404 otherwise).
    pub async fn user_by_username(
        &self,
        caller: &Principal,
        username: &Username,
    ) -> Result<User, Error> {
        caller.require_manager()?;
        self.store
            .find_by_username(&caller.org, username)
            .await?
            .ok_or(Error::NotFound(Resource::User))
    }

    /// The user a reference names: its server id (`usr_…`, any status, deleted included), else
    /// the external id of a live user (seed 001's `idRemote`). 404 when neither matches.
    pub async fn user_by_id_or_external_id(
        &self,
        caller: &Principal,
        reference: &str,
    ) -> Result<User, Error> {
        caller.require_manager()?;
        if let Ok(id) = UserId::parse(reference) {
            if let Some(user) = self.store.get_user(&caller.org, &id).await? {
                return Ok(user);
            }
        }
        let Ok(external_id) = ExternalId::parse(reference) else {
            return Err(Error::NotFound(Resource::User));
        };
        self.store
            .find_by_external_id(&caller.org, &external_id)
            .await?
            .ok_or(Error::NotFound(Resource::User))
    }

    /// Sets the password of the live user holding `username`, or creates that user (an `ApUser`
    /// whose full name is the username) with it: true when created. Nothing else changes
    /// (seed 000 `PUT /api/v1/user`).
    pub async fn set_password_by_username(
        &self,
        caller: &Principal,
        username: Username,
        password: Password,
    ) -> Result<(User, bool), Error> {
        caller.require_manager()?;
        for _ in 0..2 {
            if let Some(user) = self.store.find_by_username(&caller.org, &username).await? {
                let changes = UserChanges {
                    password: Some(password),
                    ..UserChanges::default()
                };
                return self
                    .update_user(caller, &user.id, changes, None)
                    .await
                    .map(|u| (u, false));
            }
            let name = PersonName::parse(username.as_str()).map_err(|e| Error::field("name", e))?;
            let new = NewUser {
                username: Some(username.clone()),
                name: Some(name),
                password: Some(password.clone()),
                ..NewUser::default()
            };
            match self.create_user_as(caller, new).await {
                // Someone created it meanwhile: set the password of theirs instead.
                Err(Error::UsernameTaken) => continue,
                other => return other.map(|u| (u, true)),
            }
        }
        Err(Error::Throttled("the user kept changing; retry".into()))
    }

    /// The registered parties among `ids` (unregistered ones are left out), e.g. to show users'
    /// business partners: descriptive fields only, no authorization count.
    pub async fn parties_by_id(
        &self,
        caller: &Principal,
        ids: &[PartyId],
    ) -> Result<Vec<PartyInfo>, Error> {
        caller.require_manager()?;
        let mut distinct: Vec<PartyId> = ids.to_vec();
        distinct.sort();
        distinct.dedup();
        self.store.get_parties(&caller.org, &distinct).await
    }
}

impl Roster {
    /// Users matching `filter` from position `offset` (0-based), at most `limit`, with the exact
    /// number of matching users (offset paging, e.g. SCIM `startIndex`/`count`).
    pub async fn list_users_from(
        &self,
        caller: &Principal,
        filter: UserFilter,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<User>, u64), Error> {
        caller.require_manager()?;
        let request = PageRequest {
            limit,
            skip: offset,
            start: None,
        };
        if limit == 0 {
            let total = self.store.count_users(&caller.org, &filter).await?;
            return Ok((Vec::new(), total));
        }
        let (page, total) = self
            .store
            .list_and_count_users(&caller.org, &filter, &request)
            .await?;
        Ok((page.items, total))
    }

    /// Every user matching `filter`, in creation order (or change order with `updated_since`),
    /// when there are at most `bound` of them; `None` when there are more (a surface that
    /// filters in memory refuses such a request rather than reading without bound).
    pub async fn users_within(
        &self,
        caller: &Principal,
        filter: UserFilter,
        bound: usize,
    ) -> Result<Option<Vec<User>>, Error> {
        caller.require_manager()?;
        let request = PageRequest {
            limit: bound,
            skip: 0,
            start: None,
        };
        let page = self
            .store
            .list_users(&caller.org, &filter, &request)
            .await?;
        Ok(page.next.is_none().then_some(page.items))
    }
}
