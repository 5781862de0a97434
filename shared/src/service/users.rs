//! User use cases: create (one or a batch), read, update, upsert, soft delete, list, profiles,
//! and the caller's own record.

use crate::error::{Conflict, Resource};

use super::commands::{NewUser, UserChanges, UserRef};
use super::{batch, check_precondition, ListPage, Paging, Patch, Roster};
use crate::audit::AuditContext;
use crate::auth::Principal;
use crate::clock;
use crate::domain::{
    flag_set, Language, OrgId, Precondition, Profile, Registration, RegistrationState, Role,
    Status, User, UserId, Username,
};
use crate::domain::{Email, Emails, UserFilter};
use crate::error::Problems;
use crate::password::{self, Password};
use crate::store::UserWrite;
use crate::Error;

/// `emails` after a `primaryEmail` patch: a new primary email replaces the old one (keeping the
/// others, and dropping the new one's earlier place); `null` removes the primary one.
fn with_primary(emails: Emails, change: Patch<Email>) -> Emails {
    match change {
        Patch::Keep => emails,
        Patch::Clear => emails.with_primary(None),
        Patch::Set(email) => emails.with_primary(Some(email)),
    }
}

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

pub(super) async fn hash_password(password: Option<Password>) -> Result<Option<String>, Error> {
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
            Conflict::CannotDemoteSelf,
            "A manager cannot take the ApManager role from its own user.".into(),
        ));
    }
    if !new.is_effectively_active() {
        return Err(Error::Conflict(
            Conflict::CannotDeactivateSelf,
            "A manager cannot deactivate its own user (status or a past validUntil).".into(),
        ));
    }
    if old.registration.state == RegistrationState::Registered
        && new.registration.state == RegistrationState::Unregistered
    {
        return Err(Error::Conflict(
            Conflict::CannotUnregisterSelf,
            "A manager cannot unregister its own user.".into(),
        ));
    }
    Ok(())
}

pub(super) fn refuse_deleted_status(status: Option<Status>, problems: &mut Problems) {
    if status == Some(Status::Deleted) {
        problems.push(
            "status",
            "must be ACTIVE or INACTIVE (delete a user with DELETE)",
        );
    }
}

/// The checks every new user passes before anything is written.
pub(super) fn check_new_user(new: &NewUser) -> Result<(), Error> {
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
pub(super) fn user_ref_keys(user: &UserRef) -> Vec<String> {
    vec![match user {
        UserRef::Id(id) => format!("i:{id}"),
        UserRef::Username(u) => format!("u:{}", u.canonical()),
        UserRef::Email(e) => format!("e:{}", e.canonical()),
        UserRef::ExternalId(x) => format!("x:{x}"),
    }]
}

/// The batch's new users with their ids (ULIDs, made concurrently, several in one millisecond
/// in random order) handed out again in input order, so the users of a batch list in the order
/// they were sent (oldest first is id order), as when they were created one after another.
fn in_input_order(prepared: Vec<Result<UserWrite, Error>>) -> Vec<Result<UserWrite, Error>> {
    let mut ids: Vec<UserId> = prepared
        .iter()
        .filter_map(|p| p.as_ref().ok().map(|w| w.user.id.clone()))
        .collect();
    ids.sort();
    let mut ids = ids.into_iter();
    prepared
        .into_iter()
        .map(|p| {
            p.map(|mut write| {
                if let Some(id) = ids.next() {
                    write.user.id = id;
                    write.profile = Profile::default_for(&write.user);
                }
                write
            })
        })
        .collect()
}

/// What two new users of a batch may contend for (their uniqueness markers): they go in
/// successive waves when they share one. An item that failed its checks claims nothing.
fn write_keys(item: &Result<UserWrite, Error>) -> Vec<String> {
    let Ok(write) = item else {
        return Vec::new();
    };
    let user = &write.user;
    let mut keys = vec![format!("u:{}", user.username.canonical())];
    keys.extend(user.emails.iter().map(|e| format!("e:{}", e.canonical())));
    keys.extend(user.external_id.iter().map(|x| format!("x:{x}")));
    keys
}

impl Roster {
    /// Creates a user in `org` without a role check: for the operator command and for the
    /// checked entry points below.
    pub async fn create_user_in(
        &self,
        org: &OrgId,
        org_language: &Language,
        new: NewUser,
        audit: &AuditContext,
    ) -> Result<User, Error> {
        self.create_user_by(org, org_language, new, None, audit)
            .await
    }

    /// Creates a user in `org`, recorded as made by `by` (none for the operator).
    pub(super) async fn create_user_by(
        &self,
        org: &OrgId,
        org_language: &Language,
        new: NewUser,
        by: Option<&Principal>,
        audit: &AuditContext,
    ) -> Result<User, Error> {
        let write = Self::new_user_write(org, org_language, new, by).await?;
        self.store.create_user(&write, audit).await?;
        Ok(write.user)
    }

    /// A new user and its default profile, ready to be written: checked, defaults applied,
    /// password hashed, recorded as made by `by`.
    async fn new_user_write(
        org: &OrgId,
        org_language: &Language,
        new: NewUser,
        by: Option<&Principal>,
    ) -> Result<UserWrite, Error> {
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
            flags: flag_set(new.flags),
            registration: Registration::default()
                .moved_to(new.registration_state.unwrap_or_default()),
            attributes: new.attributes,
            surface_data: new.surface_data,
            password_hash: hash_password(new.password).await?,
            created_at: now.clone(),
            updated_at: now,
            deleted_at: None,
            created_by: by.map(|p| p.actor().clone()),
            updated_by: by.map(|p| p.actor().clone()),
            created_via: by.and_then(Principal::via).cloned(),
            updated_via: by.and_then(Principal::via).cloned(),
            version: 1,
        };
        let profile = Profile::default_for(&user);
        Ok(UserWrite { user, profile })
    }

    /// Creates a batch of users in the caller's organization, each with its own outcome, in
    /// input order: first every item is checked and its password hashed (bounded concurrency;
    /// items that cannot start before the deadline are 503 items), then the users are written
    /// by group commit ([`crate::store::Store::create_users`]: as few transactions as
    /// DynamoDB's limits allow). Items claiming the same username, email or external id go in
    /// successive waves, so the later one sees the earlier one's outcome (and is refused if it
    /// was created), as when the batch ran in order.
    pub(super) async fn create_users_grouped(
        &self,
        caller: &Principal,
        items: Vec<Result<NewUser, Error>>,
    ) -> Vec<Result<User, Error>> {
        let prepared = batch::run(items, |item| async move {
            Self::new_user_write(&caller.org, &caller.org_language, item?, Some(caller)).await
        })
        .await;
        let prepared = in_input_order(prepared);
        let audit = caller.audit();
        let mut results: Vec<Option<Result<User, Error>>> =
            (0..prepared.len()).map(|_| None).collect();
        for wave in batch::waves(prepared, write_keys) {
            let mut indices = Vec::with_capacity(wave.len());
            let mut writes = Vec::with_capacity(wave.len());
            for (index, item) in wave {
                match item {
                    Ok(write) => {
                        indices.push(index);
                        writes.push(write);
                    }
                    Err(e) => {
                        if let Some(slot) = results.get_mut(index) {
                            *slot = Some(Err(e));
                        }
                    }
                }
            }
            let outcomes = self.store.create_users(&writes, &audit).await;
            for ((index, write), outcome) in indices.into_iter().zip(writes).zip(outcomes) {
                if let Some(slot) = results.get_mut(index) {
                    *slot = Some(outcome.map(|()| write.user));
                }
            }
        }
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::internal("batch item left without a result"))))
            .collect()
    }

    /// Creates a user in the caller's organization, recorded as made by the caller (the caller's
    /// role is checked by the use case).
    pub(super) async fn create_user_as(
        &self,
        caller: &Principal,
        new: NewUser,
    ) -> Result<User, Error> {
        self.create_user_by(
            &caller.org,
            &caller.org_language,
            new,
            Some(caller),
            &caller.audit(),
        )
        .await
    }

    /// `POST /v1/users` (one): 201 with the user.
    pub async fn create_user(&self, caller: &Principal, new: NewUser) -> Result<User, Error> {
        caller.require_manager()?;
        self.create_user_as(caller, new).await
    }

    /// A batch: each item has its own outcome (committed by group commit, see
    /// [`Roster::create_users_grouped`]); a result per item, in input order.
    pub async fn create_users(
        &self,
        caller: &Principal,
        items: Vec<Result<NewUser, Error>>,
    ) -> Result<Vec<Result<User, Error>>, Error> {
        caller.require_manager()?;
        check_batch_size(items.len())?;
        Ok(self.create_users_grouped(caller, items).await)
    }

    /// Reads a user of the caller's organization (404 for any other).
    pub async fn get_user(&self, caller: &Principal, id: &UserId) -> Result<User, Error> {
        caller.require_manager()?;
        self.load_user(&caller.org, id).await
    }

    /// The user, unless it is deleted (409 `USER_DELETED`, saying what to do: `then`).
    pub(crate) async fn load_live_user(
        &self,
        org: &OrgId,
        id: &UserId,
        then: &str,
    ) -> Result<User, Error> {
        let user = self.load_user(org, id).await?;
        if user.status == Status::Deleted {
            return Err(Error::Conflict(
                Conflict::UserDeleted,
                format!("The user is deleted; {then}."),
            ));
        }
        Ok(user)
    }

    pub(crate) async fn load_user(&self, org: &OrgId, id: &UserId) -> Result<User, Error> {
        self.store
            .get_user(org, id)
            .await?
            .ok_or(Error::NotFound(Resource::User))
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
        found.ok_or(Error::NotFound(Resource::User))
    }

    /// Applies `changes` (merge patch). `if_match`: the versions the caller's `If-Match` admits
    /// (412 when the current one is not among them).
    pub async fn update_user(
        &self,
        caller: &Principal,
        id: &UserId,
        changes: UserChanges,
        if_match: Option<Precondition>,
    ) -> Result<User, Error> {
        caller.require_manager()?;
        let old = self
            .load_live_user(&caller.org, id, "restore it before changing it")
            .await?;
        check_precondition(if_match.as_ref(), old.version)?;
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
        new.emails = with_primary(new.emails, changes.primary_email);
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
        if !changes.surface_data.is_empty() {
            new.surface_data = new
                .surface_data
                .with_updates(&changes.surface_data)
                .map_err(|e| Error::field("body", e))?;
        }
        if let Some(v) = changes.flags {
            new.flags = flag_set(v);
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
        refuse_self_lockout(caller, &old, &new)?;
        if let Some(hash) = hash_password(changes.password).await? {
            new.password_hash = Some(hash);
        }
        self.save(&old, new, Some(caller), &caller.audit()).await
    }

    /// The one save path of a changed user: writes `new` over `old` (conditional on `old`'s
    /// version) with its audit record (`audit`: who and where) in the same transaction, stamping time, version and who made the change (`by`; none for the system:
    /// `updatedBy` and `updatedVia` absent), and drops the user's cached keys. A change that
    /// changes nothing is not written: the user is returned as it is (same version, `updatedAt`,
    /// `updatedBy`, `ETag`).
    pub(crate) async fn save(
        &self,
        old: &User,
        mut new: User,
        by: Option<&Principal>,
        audit: &AuditContext,
    ) -> Result<User, Error> {
        if new == *old {
            return Ok(new);
        }
        new.updated_at = clock::now();
        new.version = old.version + 1;
        new.updated_by = by.map(|p| p.actor().clone());
        new.updated_via = by.and_then(Principal::via).cloned();
        self.store
            .replace_user(old, &new, new.updated_by.as_ref(), audit)
            .await?;
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
                match self.create_user_as(caller, create).await {
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
            user.flags = flag_set(replacement.flags);
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
                .save(&old, user, Some(caller), &caller.audit())
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
                Conflict::CannotDeleteSelf,
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
        self.save(&old, new, Some(caller), &caller.audit())
            .await
            .map(|_| ())
    }

    pub async fn list_users(
        &self,
        caller: &Principal,
        filter: UserFilter,
        paging: &Paging,
    ) -> Result<ListPage<User>, Error> {
        caller.require_manager()?;
        let (request, current) = paging.resolve(&caller.org)?;
        // `updatedSince` has no counter: a page read from the start (the first, or one by
        // number) is read and counted in one pass over the index range; later pages by cursor
        // carry that total. Counters answer the other listings.
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
            None => {
                self.store
                    .list_and_count_users(&caller.org, &filter, &request)
                    .await?
            }
        };
        Ok(paging.finish(&caller.org, page, current, total))
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

    /// Sets a user's status (activation, deactivation): used by the operator command and the
    /// activation function.
    pub async fn set_status(
        &self,
        caller: &Principal,
        id: &UserId,
        status: Status,
    ) -> Result<User, Error> {
        caller.require_manager()?;
        let old = self
            .load_live_user(&caller.org, id, "restore it first")
            .await?;
        if old.status == status {
            return Ok(old);
        }
        let mut new = old.clone();
        new.status = status;
        self.save(&old, new, Some(caller), &caller.audit()).await
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
    use crate::domain::PersonName;

    fn emails(list: &[&str]) -> Emails {
        Emails::new(list.iter().filter_map(|e| Email::parse(e).ok()).collect()).unwrap_or_default()
    }

    fn shown(e: &Emails) -> Vec<String> {
        e.iter().map(ToString::to_string).collect()
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
            assert_eq!(
                shown(&with_primary(current.clone(), change)),
                expected,
                "{shown_change}"
            );
        }
        let none = Emails::default();
        assert_eq!(
            shown(&with_primary(none.clone(), set("n@x.io"))),
            ["n@x.io"]
        );
        assert!(shown(&with_primary(none, Patch::Clear)).is_empty());
    }

    #[tokio::test]
    async fn a_batch_hands_out_its_ids_in_input_order() {
        let org = OrgId::parse("acme").unwrap_or_else(|e| panic!("{e}"));
        let mut prepared: Vec<Result<UserWrite, Error>> = Vec::new();
        for i in 0..50 {
            let new = NewUser {
                username: Username::parse(&format!("u{i}")).ok(),
                name: PersonName::parse("U").ok(),
                ..NewUser::default()
            };
            prepared
                .push(Roster::new_user_write(&org, &Language::default_language(), new, None).await);
        }
        prepared.insert(7, Err(Error::UsernameTaken));
        prepared.reverse();
        let ordered = in_input_order(prepared);
        let ids: Vec<&UserId> = ordered
            .iter()
            .filter_map(|w| w.as_ref().ok().map(|w| &w.user.id))
            .collect();
        assert_eq!(ids.len(), 50);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        for w in ordered.iter().filter_map(|w| w.as_ref().ok()) {
            assert_eq!(w.profile.user_id, w.user.id);
        }
        assert!(matches!(ordered[43], Err(Error::UsernameTaken)));
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
