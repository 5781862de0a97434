//! User use cases: create (one or a batch), read, update, upsert, soft delete, list, profiles,
//! and the caller's own record.

use std::collections::{HashMap, HashSet};

use super::commands::{MeChanges, NewUser, ProfileChanges, UserChanges, UserRef};
use super::{batch, ListPage, Paging, Patch, Roster};
use crate::auth::Principal;
use crate::clock;
use crate::domain::{
    ExternalId, Language, OrgId, Party, PartyId, PersonName, Profile, Registration,
    RegistrationState, Role, Status, User, UserId, Username,
};
use crate::error::Problems;
use crate::password::{self, Password};
use crate::store::{PageRequest, UserFilter, UserWrite};
use crate::Error;

/// Most items one batch request may carry.
pub const MAX_BATCH: usize = 100;

/// 400 when a batch holds more than [`MAX_BATCH`] items.
pub(crate) fn check_batch_size(len: usize) -> Result<(), Error> {
    if len > MAX_BATCH {
        return Err(Error::field(
            "body",
            format!("must hold at most {MAX_BATCH} items"),
        ));
    }
    Ok(())
}

async fn hash_password(password: Option<Password>) -> Result<Option<String>, Error> {
    match password {
        Some(p) => Ok(Some(password::hash(p.expose().to_string()).await?)),
        None => Ok(None),
    }
}

/// A manager changing its own user may not lock itself out: its key must keep working with the
/// ApManager role (the deactivate route refuses the same with `CANNOT_DEACTIVATE_SELF`).
fn refuse_self_lockout(caller: &Principal, old: &User, new: &User) -> Result<(), Error> {
    // The key's user, or the acting user a request is made for (seed 003's creator).
    if !caller.is_self(&new.id) {
        return Ok(());
    }
    if new.role != Role::ApManager {
        return Err(Error::Conflict(
            "CANNOT_DEMOTE_SELF",
            "A manager cannot take the ApManager role from its own user.".into(),
        ));
    }
    if !new.is_effectively_active() {
        return Err(Error::Conflict(
            "CANNOT_DEACTIVATE_SELF",
            "A manager cannot deactivate its own user (status or a past validUntil).".into(),
        ));
    }
    if old.registration.state == RegistrationState::Registered
        && new.registration.state == RegistrationState::Unregistered
    {
        return Err(Error::Conflict(
            "CANNOT_UNREGISTER_SELF",
            "A manager cannot unregister its own user.".into(),
        ));
    }
    Ok(())
}

fn refuse_deleted_status(status: Option<Status>, problems: &mut Problems) {
    if status == Some(Status::Deleted) {
        problems.push(
            "status",
            "must be ACTIVE or INACTIVE (delete a user with DELETE)",
        );
    }
}

/// The checks every new user passes before anything is written.
fn check_new_user(new: &NewUser) -> Result<(), Error> {
    let mut problems = Problems::default();
    if new.username.is_none() {
        problems.push("username", "is required");
    }
    if new.name.is_none() {
        problems.push("name", "is required");
    }
    refuse_deleted_status(new.status, &mut problems);
    problems.finish()
}

/// What two items of a batch may contend for: run in input order when they share one.
pub(crate) fn user_ref_keys(user: &UserRef) -> Vec<String> {
    vec![match user {
        UserRef::Id(id) => format!("i:{id}"),
        UserRef::Username(u) => format!("u:{}", u.canonical()),
        UserRef::Email(e) => format!("e:{}", e.canonical()),
        UserRef::ExternalId(x) => format!("x:{x}"),
    }]
}

fn new_user_keys(item: &Result<NewUser, Error>) -> Vec<String> {
    let Ok(new) = item else {
        return Vec::new();
    };
    let mut keys: Vec<String> = new
        .username
        .iter()
        .map(|u| format!("u:{}", u.canonical()))
        .collect();
    keys.extend(new.emails.iter().map(|e| format!("e:{}", e.canonical())));
    keys.extend(new.external_id.iter().map(|x| format!("x:{x}")));
    keys
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

/// A batch item that failed, and why (see [`Roster::create_users_all_or_none`]).
#[derive(Debug)]
pub struct BatchFailure {
    /// Position of the item in the batch (0-based).
    pub index: usize,
    pub error: Error,
}

impl Roster {
    /// Creates a user in `org` without a role check: for the operator command and for the
    /// checked entry points below.
    pub async fn create_user_in(
        &self,
        org: &OrgId,
        org_language: &Language,
        new: NewUser,
    ) -> Result<User, Error> {
        self.create_user_by(org, org_language, new, None).await
    }

    /// Creates a user in `org`, recorded as made by `actor` (none for the operator).
    async fn create_user_by(
        &self,
        org: &OrgId,
        org_language: &Language,
        new: NewUser,
        actor: Option<&UserId>,
    ) -> Result<User, Error> {
        check_new_user(&new)?;
        let (Some(username), Some(name)) = (new.username, new.name) else {
            return Err(Error::internal("checked above"));
        };
        let now = clock::now();
        let user = User {
            id: UserId::generate(),
            org: org.clone(),
            external_id: new.external_id,
            username,
            name,
            emails: new.emails,
            phone: new.phone,
            language: new.language.unwrap_or_else(|| org_language.clone()),
            business_partner_id: new.business_partner_id,
            role: new.role.unwrap_or_default(),
            status: new.status.unwrap_or_default(),
            valid_until: new.valid_until,
            flags: new.flags,
            registration: Registration::default()
                .moved_to(new.registration_state.unwrap_or_default()),
            attributes: new.attributes,
            surface_data: new.surface_data,
            password_hash: hash_password(new.password).await?,
            created_at: now.clone(),
            updated_at: now,
            deleted_at: None,
            created_by: actor.cloned(),
            updated_by: actor.cloned(),
            version: 1,
        };
        let profile = Profile::default_for(&user);
        let write = UserWrite { user, profile };
        self.store.create_user(&write).await?;
        Ok(write.user)
    }

    /// `POST /v1/users` (one): 201 with the user.
    pub async fn create_user(&self, caller: &Principal, new: NewUser) -> Result<User, Error> {
        caller.require_manager()?;
        self.create_user_by(&caller.org, &caller.org_language, new, Some(caller.actor()))
            .await
    }

    /// A batch: each item is committed on its own; a result per item, in input order.
    pub async fn create_users(
        &self,
        caller: &Principal,
        items: Vec<Result<NewUser, Error>>,
    ) -> Result<Vec<Result<User, Error>>, Error> {
        caller.require_manager()?;
        check_batch_size(items.len())?;
        Ok(batch::run_keyed(items, new_user_keys, |item| async move {
            self.create_user_by(
                &caller.org,
                &caller.org_language,
                item?,
                Some(caller.actor()),
            )
            .await
        })
        .await)
    }

    /// Reads a user of the caller's organization (404 for any other).
    pub async fn get_user(&self, caller: &Principal, id: &UserId) -> Result<User, Error> {
        caller.require_manager()?;
        self.load_user(&caller.org, id).await
    }

    pub(crate) async fn load_user(&self, org: &OrgId, id: &UserId) -> Result<User, Error> {
        self.store
            .get_user(org, id)
            .await?
            .ok_or(Error::NotFound("user"))
    }

    /// Reads a user of the caller's organization by id, or a live user by username or email
    /// (404 for any other: a deleted user has released its username and emails).
    pub async fn find_user(&self, caller: &Principal, user: &UserRef) -> Result<User, Error> {
        caller.require_manager()?;
        let found = match user {
            UserRef::Id(id) => self.store.get_user(&caller.org, id).await?,
            UserRef::Username(name) => self.store.find_by_username(&caller.org, name).await?,
            UserRef::Email(email) => self.store.find_by_email(&caller.org, email).await?,
            UserRef::ExternalId(x) => self.store.find_by_external_id(&caller.org, x).await?,
        };
        found.ok_or(Error::NotFound("user"))
    }

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
            .update_user(caller, &before.id, changes, Some(before.version))
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
        let Some(user) = user else {
            return Err(Error::ActorRefused(
                "ACTOR_UNKNOWN",
                format!("The acting user {acting} does not exist in this organization."),
            ));
        };
        if user.role != Role::ApManager {
            return Err(Error::ActorRefused(
                "ACTOR_NOT_MANAGER",
                format!("The acting user {acting} is not an administrator (ApManager)."),
            ));
        }
        if user.status != Status::Active {
            return Err(Error::ActorRefused(
                "ACTOR_INACTIVE",
                format!("The acting user {acting} is deactivated."),
            ));
        }
        if !user.is_effectively_active() {
            return Err(Error::ActorRefused(
                "ACTOR_INACTIVE",
                format!("The acting user {acting} has passed its validUntil date."),
            ));
        }
        let requires_registration = org.is_some_and(|(o, _)| o.requires_registration);
        if requires_registration && user.registration.state == RegistrationState::Unregistered {
            return Err(Error::ActorRefused(
                "ACTOR_INACTIVE",
                format!("The acting user {acting} is not registered."),
            ));
        }
        Ok(Principal {
            actor: Some(user.id),
            ..caller.clone()
        })
    }

    /// Applies `changes` (merge patch). `if_match` is the version the caller last saw.
    pub async fn update_user(
        &self,
        caller: &Principal,
        id: &UserId,
        changes: UserChanges,
        if_match: Option<u64>,
    ) -> Result<User, Error> {
        caller.require_manager()?;
        let old = self.load_user(&caller.org, id).await?;
        if old.status == Status::Deleted {
            return Err(Error::Conflict(
                "USER_DELETED",
                "The user is deleted; restore it before changing it.".into(),
            ));
        }
        if if_match.is_some_and(|v| v != old.version) {
            return Err(Error::PreconditionFailed);
        }
        let mut problems = Problems::default();
        refuse_deleted_status(changes.status, &mut problems);
        problems.finish()?;
        let mut new = old.clone();
        if let Some(v) = changes.username {
            new.username = v;
        }
        if let Some(v) = changes.name {
            new.name = v;
        }
        if let Some(v) = changes.emails {
            new.emails = v;
        }
        match changes.primary_email {
            Patch::Keep => {}
            Patch::Clear => new.emails = new.emails.with_primary(None),
            Patch::Set(email) => new.emails = new.emails.with_primary(Some(email)),
        }
        new.phone = changes.phone.apply(new.phone);
        if let Some(v) = changes.language {
            new.language = v;
        }
        new.external_id = changes.external_id.apply(new.external_id);
        new.business_partner_id = changes.business_partner_id.apply(new.business_partner_id);
        if let Some(v) = changes.role {
            new.role = v;
        }
        if let Some(v) = changes.status {
            new.status = v;
        }
        new.valid_until = changes.valid_until.apply(new.valid_until);
        if let Some(v) = changes.flags {
            new.flags = v;
        }
        if let Some(state) = changes.registration_state {
            new.registration = new.registration.moved_to(state);
        }
        if let Some(v) = changes.attributes {
            new.attributes = v;
        }
        if !changes.attribute_updates.is_empty() {
            new.attributes = new
                .attributes
                .with_updates(&changes.attribute_updates)
                .map_err(|e| Error::field("attributes", e))?;
        }
        if !changes.surface_data.is_empty() {
            new.surface_data = new
                .surface_data
                .with_updates(&changes.surface_data)
                .map_err(|e| Error::field("body", e))?;
        }
        refuse_self_lockout(caller, &old, &new)?;
        if let Some(hash) = hash_password(changes.password).await? {
            new.password_hash = Some(hash);
        }
        self.save(&old, new, Some(caller.actor())).await
    }

    /// Writes `new` over `old`, stamping time, version and the acting user (none for the
    /// system), and drops the user's cached keys.
    pub(crate) async fn save(
        &self,
        old: &User,
        mut new: User,
        actor: Option<&UserId>,
    ) -> Result<User, Error> {
        new.updated_at = clock::now();
        new.version = old.version + 1;
        new.updated_by = actor.cloned();
        self.store.replace_user(old, &new, actor).await?;
        // Role, status, validity or registration may have changed: cached keys must re-check.
        self.auth.invalidate_user(&new.id);
        Ok(new)
    }

    /// `PUT /v1/users/by-username/{username}`: creates the user (true) or replaces its fields
    /// (false). Left-out fields take their defaults, except password, role and status, which are
    /// kept when left out.
    pub async fn upsert_user(
        &self,
        caller: &Principal,
        username: Username,
        new: NewUser,
    ) -> Result<(User, bool), Error> {
        caller.require_manager()?;
        for _ in 0..2 {
            let Some(old) = self.store.find_by_username(&caller.org, &username).await? else {
                let create = NewUser {
                    username: Some(username.clone()),
                    ..new.clone()
                };
                match self
                    .create_user_by(
                        &caller.org,
                        &caller.org_language,
                        create,
                        Some(caller.actor()),
                    )
                    .await
                {
                    // Someone created it meanwhile: update theirs instead.
                    Err(Error::UsernameTaken) => continue,
                    other => return other.map(|u| (u, true)),
                };
            };
            let mut problems = Problems::default();
            if new.name.is_none() {
                problems.push("name", "is required");
            }
            refuse_deleted_status(new.status, &mut problems);
            problems.finish()?;
            let replacement = new.clone();
            let mut user = old.clone();
            user.username = username.clone();
            if let Some(name) = replacement.name {
                user.name = name;
            }
            user.emails = replacement.emails;
            user.phone = replacement.phone;
            user.language = replacement
                .language
                .unwrap_or_else(|| caller.org_language.clone());
            user.external_id = replacement.external_id;
            user.business_partner_id = replacement.business_partner_id;
            user.role = replacement.role.unwrap_or(old.role);
            user.status = replacement.status.unwrap_or(old.status);
            user.valid_until = replacement.valid_until;
            user.flags = replacement.flags;
            user.registration = old.registration.moved_to(
                replacement
                    .registration_state
                    .unwrap_or(old.registration.state),
            );
            user.attributes = replacement.attributes;
            refuse_self_lockout(caller, &old, &user)?;
            if let Some(hash) = hash_password(replacement.password).await? {
                user.password_hash = Some(hash);
            }
            return self
                .save(&old, user, Some(caller.actor()))
                .await
                .map(|u| (u, false));
        }
        Err(Error::Throttled("the user kept changing; retry".into()))
    }

    /// Soft delete: releases username, emails and external id, records the deletion, and stops
    /// the user's keys. Deleting a deleted user changes nothing.
    pub async fn delete_user(&self, caller: &Principal, id: &UserId) -> Result<(), Error> {
        caller.require_manager()?;
        if caller.is_self(id) {
            return Err(Error::Conflict(
                "CANNOT_DELETE_SELF",
                "A manager cannot delete its own user.".into(),
            ));
        }
        let old = self.load_user(&caller.org, id).await?;
        if old.status == Status::Deleted {
            return Ok(());
        }
        let mut new = old.clone();
        new.status = Status::Deleted;
        new.deleted_at = Some(clock::now());
        self.save(&old, new, Some(caller.actor())).await.map(|_| ())
    }

    pub async fn list_users(
        &self,
        caller: &Principal,
        filter: UserFilter,
        paging: &Paging,
    ) -> Result<ListPage<User>, Error> {
        caller.require_manager()?;
        let (request, current) = paging.resolve(&caller.org)?;
        // `updatedSince` is counted by a COUNT query over the index: once, on the first page;
        // later pages (by cursor) carry that total. Counters answer the other listings.
        let carried = filter
            .updated_since
            .is_some()
            .then(|| paging.carried_total(&caller.org))
            .flatten();
        let (page, total) = match carried {
            Some(total) => (
                self.store
                    .list_users(&caller.org, &filter, &request)
                    .await?,
                total,
            ),
            None => tokio::try_join!(
                self.store.list_users(&caller.org, &filter, &request),
                self.store.count_users(&caller.org, &filter)
            )?,
        };
        Ok(paging.finish(&caller.org, page, current, total))
    }

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
        let (page, total) = tokio::try_join!(
            self.store.list_users(&caller.org, &filter, &request),
            self.store.count_users(&caller.org, &filter)
        )?;
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

    pub async fn list_deleted(
        &self,
        caller: &Principal,
        paging: &Paging,
    ) -> Result<ListPage<crate::store::DeletedRecord>, Error> {
        caller.require_manager()?;
        let (request, current) = paging.resolve(&caller.org)?;
        let (page, counters) = tokio::try_join!(
            self.store.list_deleted(&caller.org, &request),
            self.store.org_counters(&caller.org)
        )?;
        Ok(paging.finish(&caller.org, page, current, counters.deleted_history))
    }

    /// The profile of a user the caller may see (a manager: any user of the organization).
    pub async fn get_profile(&self, caller: &Principal, id: &UserId) -> Result<Profile, Error> {
        if id != &caller.user_id {
            caller.require_manager()?;
        }
        self.store
            .get_profile(&caller.org, id)
            .await?
            .ok_or(Error::NotFound("user"))
    }

    pub async fn update_profile(
        &self,
        caller: &Principal,
        id: &UserId,
        changes: ProfileChanges,
    ) -> Result<Profile, Error> {
        let old = self.get_profile(caller, id).await?;
        let mut new = old.clone();
        if let Some(name) = changes.name {
            new.name = name;
        }
        new.timezone = changes.timezone.apply(new.timezone);
        if let Some(p) = changes.preferences {
            new.preferences = p;
        }
        new.updated_at = clock::now();
        new.version = old.version + 1;
        self.store
            .replace_profile(&caller.org, &new, old.version)
            .await?;
        Ok(new)
    }

    /// `GET /v1/me`: any role.
    pub async fn me(&self, caller: &Principal) -> Result<User, Error> {
        self.load_user(&caller.org, &caller.user_id).await
    }

    /// `PATCH /v1/me`: name, emails, phone, language, and the password — the latter only with
    /// the current password when one is set.
    pub async fn update_me(&self, caller: &Principal, changes: MeChanges) -> Result<User, Error> {
        let old = self.me(caller).await?;
        let mut new = old.clone();
        if let Some(password) = changes.password {
            if let Some(stored) = &old.password_hash {
                // 403, not 400: the request is well-formed, the caller has not proved it may
                // change the password.
                let Some(current) = changes.current_password else {
                    return Err(Error::Forbidden(
                        "currentPassword is required to change the password.".into(),
                    ));
                };
                if !password::verify(current, stored.clone()).await? {
                    return Err(Error::Forbidden(
                        "currentPassword does not match the current password.".into(),
                    ));
                }
            }
            new.password_hash = hash_password(Some(password)).await?;
        }
        if let Some(v) = changes.name {
            new.name = v;
        }
        if let Some(v) = changes.emails {
            new.emails = v;
        }
        new.phone = changes.phone.apply(new.phone);
        if let Some(v) = changes.language {
            new.language = v;
        }
        self.save(&old, new, Some(caller.actor())).await
    }

    /// Sets a user's status (activation, deactivation): used by the operator command and the
    /// activation function.
    pub async fn set_status(
        &self,
        caller: &Principal,
        id: &UserId,
        status: Status,
    ) -> Result<User, Error> {
        caller.require_manager()?;
        let old = self.load_user(&caller.org, id).await?;
        if old.status == Status::Deleted {
            return Err(Error::Conflict(
                "USER_DELETED",
                "The user is deleted; restore it first.".into(),
            ));
        }
        if old.status == status {
            return Ok(old);
        }
        let mut new = old.clone();
        new.status = status;
        self.save(&old, new, Some(caller.actor())).await
    }

    /// A batch that is created whole or not at all (seed 001 `POST /User/create`): every item is
    /// checked first — required fields, duplicates inside the batch, usernames, emails and
    /// external ids already held by live users, unregistered business partners — and only when
    /// all pass are the users created (checks and creates run concurrently, bounded; each user
    /// is its own transaction). The first failing item (lowest index) is reported and nothing
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
        // All pass: create them, concurrently (each its own transaction).
        let results = batch::run(items, |new| async move {
            self.create_user_in(&caller.org, &caller.org_language, new)
                .await
        })
        .await;
        let mut created = Vec::with_capacity(results.len());
        for (index, result) in results.into_iter().enumerate() {
            created.push(result.map_err(fail(index))?);
        }
        Ok(created)
    }

    /// Fails when `new`'s username, an email or its external id is held by a live user.
    async fn check_stored_free(&self, caller: &Principal, new: &NewUser) -> Result<(), Error> {
        if let Some(username) = &new.username {
            if self
                .store
                .find_by_username(&caller.org, username)
                .await?
                .is_some()
            {
                return Err(Error::UsernameTaken);
            }
        }
        for email in new.emails.iter() {
            if self
                .store
                .find_by_email(&caller.org, email)
                .await?
                .is_some()
            {
                return Err(Error::EmailTaken(email.to_string()));
            }
        }
        if let Some(external_id) = &new.external_id {
            if self
                .store
                .find_by_external_id(&caller.org, external_id)
                .await?
                .is_some()
            {
                return Err(Error::ExternalIdTaken);
            }
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
            .ok_or(Error::NotFound("user"))
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
            return Err(Error::NotFound("user"));
        };
        self.store
            .find_by_external_id(&caller.org, &external_id)
            .await?
            .ok_or(Error::NotFound("user"))
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
            match self
                .create_user_in(&caller.org, &caller.org_language, new)
                .await
            {
                // Someone created it meanwhile: set the password of theirs instead.
                Err(Error::UsernameTaken) => continue,
                other => return other.map(|u| (u, true)),
            }
        }
        Err(Error::Throttled("the user kept changing; retry".into()))
    }

    /// The registered parties among `ids` (unregistered ones are left out), e.g. to show users'
    /// business partners.
    pub async fn parties_by_id(
        &self,
        caller: &Principal,
        ids: &[PartyId],
    ) -> Result<Vec<Party>, Error> {
        caller.require_manager()?;
        let mut distinct: Vec<PartyId> = ids.to_vec();
        distinct.sort();
        distinct.dedup();
        self.store.get_parties(&caller.org, &distinct).await
    }

    /// Marks the operator-made first manager as registered, so registration-requiring
    /// organizations accept its key.
    pub(crate) fn bootstrap_manager(
        username: Username,
        name: crate::domain::PersonName,
    ) -> NewUser {
        NewUser {
            username: Some(username),
            name: Some(name),
            role: Some(Role::ApManager),
            registration_state: Some(RegistrationState::Registered),
            ..NewUser::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Email, Emails};

    fn emails(list: &[&str]) -> Emails {
        Emails::new(list.iter().filter_map(|e| Email::parse(e).ok()).collect()).unwrap_or_default()
    }

    fn shown(e: &Emails) -> Vec<String> {
        e.iter().map(ToString::to_string).collect()
    }

    /// A `primary_email` patch applied as `update_user` applies it.
    fn with_primary(emails: &Emails, change: Patch<Email>) -> Result<Emails, ()> {
        Ok(match change {
            Patch::Keep => emails.clone(),
            Patch::Clear => emails.with_primary(None),
            Patch::Set(email) => emails.with_primary(Some(email)),
        })
    }

    #[test]
    fn a_new_primary_email_replaces_the_old_one_and_keeps_the_others() {
        let current = emails(&["a@x.io", "b@x.io", "c@x.io"]);
        let set = |e: &str| Patch::Set(Email::parse(e).unwrap_or_else(|m| panic!("{m}")));
        let cases = [
            (set("n@x.io"), vec!["n@x.io", "b@x.io", "c@x.io"]),
            (set("A@X.IO"), vec!["A@X.IO", "b@x.io", "c@x.io"]),
            (set("c@x.io"), vec!["c@x.io", "b@x.io"]),
            (Patch::Clear, vec!["b@x.io", "c@x.io"]),
            (Patch::Keep, vec!["a@x.io", "b@x.io", "c@x.io"]),
        ];
        for (change, expected) in cases {
            let shown_change = format!("{change:?}");
            let result = with_primary(&current, change).map(|e| shown(&e));
            assert_eq!(
                result.ok(),
                Some(expected.iter().map(|s| s.to_string()).collect()),
                "{shown_change}"
            );
        }
        let none = Emails::default();
        assert_eq!(
            with_primary(&none, set("n@x.io")).map(|e| shown(&e)).ok(),
            Some(vec!["n@x.io".to_string()])
        );
        assert_eq!(
            with_primary(&none, Patch::Clear).map(|e| shown(&e)).ok(),
            Some(vec![])
        );
    }

    #[test]
    fn a_new_user_needs_a_username_and_a_name_and_cannot_start_deleted() {
        let fields = |new: &NewUser| match check_new_user(new) {
            Err(Error::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
            _ => Vec::new(),
        };
        assert_eq!(fields(&NewUser::default()), ["username", "name"]);
        let deleted = NewUser {
            username: Username::parse("a").ok(),
            name: PersonName::parse("A").ok(),
            status: Some(Status::Deleted),
            ..NewUser::default()
        };
        assert_eq!(fields(&deleted), ["status"]);
    }
}
