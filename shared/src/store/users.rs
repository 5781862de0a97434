//! User items, their uniqueness markers, profiles, the deleted history and the counters, each
//! write in one transaction.

use crate::error::Conflict;
use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;

use super::query::QuerySpec;
use super::tx::{Condition, OnFail, Tx};
use super::{av, decode, encode, keys, Item, Page, PageRequest, Store};
use crate::audit::{self, AuditContext};
use crate::domain::{
    DeletedRecord, Email, ExternalId, OrgId, Profile, Status, User, UserFilter, UserId, Username,
};
use crate::Error;

/// A new user with its default profile.
pub struct UserWrite {
    pub user: User,
    pub profile: Profile,
}

/// The marker sort keys a user holds while it is live (none once deleted).
fn markers(user: &User) -> BTreeSet<(String, MarkerKind)> {
    let mut set = BTreeSet::new();
    if user.status == Status::Deleted {
        return set;
    }
    set.insert((
        keys::username_marker_sk(&user.username),
        MarkerKind::Username,
    ));
    for email in user.emails.iter() {
        set.insert((
            keys::email_marker_sk(email),
            MarkerKind::Email(email.to_string()),
        ));
    }
    if let Some(ext) = &user.external_id {
        set.insert((keys::external_id_marker_sk(ext), MarkerKind::ExternalId));
    }
    set
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum MarkerKind {
    Username,
    Email(String),
    ExternalId,
}

impl MarkerKind {
    fn on_taken(&self) -> OnFail {
        match self {
            Self::Username => OnFail::UsernameTaken,
            Self::Email(e) => OnFail::EmailTaken(e.clone()),
            Self::ExternalId => OnFail::ExternalIdTaken,
        }
    }
}

pub(super) fn counter_name(status: Status) -> String {
    format!("users{}", status.as_str())
}

impl Store {
    pub(crate) fn user_item(&self, user: &User) -> Result<Item, Error> {
        let mut item = encode(user, "user")?;
        let pk = keys::org_pk(&user.org);
        item.insert(keys::PK.into(), av::s(pk));
        item.insert(keys::SK.into(), av::s(keys::user_sk(&user.id)));
        item.insert(keys::GSI1PK.into(), av::s(keys::updated_gsi_pk(&user.org)));
        item.insert(
            keys::GSI1SK.into(),
            av::s(keys::updated_gsi_sk(&user.updated_at, &user.id)),
        );
        item.insert(keys::ENTITY.into(), av::s("USER"));
        // Sparse expiry index: only active users with a validUntil wait for the sweep.
        if let (Status::Active, Some(valid_until)) = (user.status, &user.valid_until) {
            // The expiry day's shard, never one before today (the sweep has passed those).
            let today = crate::clock::format_date(crate::clock::today());
            let day = valid_until
                .as_str()
                .get(..10)
                .unwrap_or(valid_until.as_str());
            let shard_day = if day < today.as_str() {
                today.as_str()
            } else {
                day
            };
            item.insert(keys::GSI3PK.into(), av::s(keys::expiry_gsi_pk(shard_day)));
            item.insert(
                keys::GSI3SK.into(),
                av::s(keys::expiry_gsi_sk(
                    valid_until.as_str(),
                    &user.org,
                    &user.id,
                )),
            );
        }
        Ok(item)
    }

    fn marker_item(&self, org: &OrgId, sk: &str, user: &UserId) -> Item {
        HashMap::from([
            (keys::PK.to_string(), av::s(keys::org_pk(org))),
            (keys::SK.to_string(), av::s(sk)),
            (keys::ENTITY.to_string(), av::s("MARKER")),
            ("userId".to_string(), av::s(user.as_str())),
        ])
    }

    /// Adds to `tx` the counter changes of moving users between statuses, on one counter
    /// shard picked at random: concurrent writers of one organization rarely pick the same
    /// shard, so they do not collide on one item. No condition: the organization exists (the
    /// caller's key or the operator named it), and a shard is created on its first use.
    pub(crate) fn add_counters(
        &self,
        tx: &mut Tx,
        org: &OrgId,
        deltas: &[(String, i64)],
    ) -> Result<(), Error> {
        let deltas: Vec<_> = deltas.iter().filter(|(_, d)| *d != 0).collect();
        if deltas.is_empty() {
            return Ok(());
        }
        let mut update = Condition::new("")
            .name("#entity", keys::ENTITY)
            .value(":entity", av::s("COUNTER"));
        let mut parts = Vec::new();
        for (i, (name, delta)) in deltas.iter().enumerate() {
            parts.push(format!("#c{i} :d{i}"));
            update = update
                .name(&format!("#c{i}"), name)
                .value(&format!(":d{i}"), av::n(delta));
        }
        update.expression = format!("SET #entity = :entity ADD {}", parts.join(", "));
        tx.update(
            &self.table,
            keys::org_pk(org),
            keys::org_counter_sk(super::random_below(keys::ORG_COUNTER_SHARDS)),
            update,
            None,
            OnFail::Invariant("unconditional counter update"),
        )
    }

    fn check_party(&self, tx: &mut Tx, user: &User) -> Result<(), Error> {
        if let Some(party) = &user.business_partner_id {
            self.check_party_registered(tx, &user.org, party)?;
        }
        Ok(())
    }

    /// Adds to `tx` the check that `party` is registered in `org`.
    pub(super) fn check_party_registered(
        &self,
        tx: &mut Tx,
        org: &OrgId,
        party: &crate::domain::PartyId,
    ) -> Result<(), Error> {
        tx.check(
            &self.table,
            keys::org_pk(org),
            keys::party_sk(party),
            Condition::present(),
            // The request is well-formed; the organization's registry lacks the party (409,
            // like any other conflict with stored state: registering it makes it succeed).
            OnFail::PartyNotRegistered(party.to_string()),
        )
    }

    /// Creates a user, its default profile and its markers; counts it; records `user.created`.
    pub async fn create_user(&self, write: &UserWrite, audit: &AuditContext) -> Result<(), Error> {
        let mut tx = self.create_actions(write, audit)?;
        self.check_party(&mut tx, &write.user)?;
        self.add_counters(
            &mut tx,
            &write.user.org,
            &[(counter_name(write.user.status), 1)],
        )?;
        self.commit(tx).await
    }

    /// A new user's own actions: the user, its default profile and its markers (each on the
    /// condition that it does not exist yet), and its `user.created` record. The party check
    /// and the count are added by the caller (once per transaction for a group).
    pub(super) fn create_actions(
        &self,
        write: &UserWrite,
        audit: &AuditContext,
    ) -> Result<Tx, Error> {
        let user = &write.user;
        let org_pk = keys::org_pk(&user.org);
        let mut tx = Tx::new();
        tx.put(
            &self.table,
            self.user_item(user)?,
            Some(Condition::absent()),
            OnFail::Invariant("user id reused"),
        )?;
        let mut profile = encode(&write.profile, "profile")?;
        profile.insert(keys::PK.into(), av::s(org_pk.clone()));
        profile.insert(keys::SK.into(), av::s(keys::profile_sk(&user.id)));
        profile.insert(keys::ENTITY.into(), av::s("PROFILE"));
        tx.put(
            &self.table,
            profile,
            Some(Condition::absent()),
            OnFail::Invariant("profile exists"),
        )?;
        for (sk, kind) in markers(user) {
            tx.put(
                &self.table,
                self.marker_item(&user.org, &sk, &user.id),
                Some(Condition::absent()),
                kind.on_taken(),
            )?;
        }
        self.add_audit(&mut tx, audit, audit::user_created(user))?;
        Ok(tx)
    }

    /// Replaces `old` with `new` (same id) if `old` is still current: swaps the markers that
    /// changed, moves the counters, and — when `new` is deleted — records the deletion; and
    /// records the change in the audit trail.
    pub async fn replace_user(
        &self,
        old: &User,
        new: &User,
        deleted_by: Option<&UserId>,
        audit: &AuditContext,
    ) -> Result<(), Error> {
        let org_pk = keys::org_pk(&new.org);
        let mut tx = Tx::new();
        let mut condition = Condition::at_version(old.version);
        condition.expression = format!("attribute_exists(#pk) AND {}", condition.expression);
        condition = condition.name("#pk", keys::PK);
        tx.put(
            &self.table,
            self.user_item(new)?,
            Some(condition),
            OnFail::Changed,
        )?;
        let before = markers(old);
        let after = markers(new);
        for (sk, _) in before.difference(&after) {
            tx.delete(
                &self.table,
                org_pk.clone(),
                sk.clone(),
                Some(Condition::owned_by(old.id.as_str())),
                OnFail::Changed,
            )?;
        }
        for (sk, kind) in after.difference(&before) {
            tx.put(
                &self.table,
                self.marker_item(&new.org, sk, &new.id),
                Some(Condition::absent()),
                kind.on_taken(),
            )?;
        }
        if new.business_partner_id != old.business_partner_id {
            self.check_party(&mut tx, new)?;
        }
        let mut deltas = vec![
            (counter_name(old.status), -1),
            (counter_name(new.status), 1),
        ];
        if new.status == Status::Deleted && old.status != Status::Deleted {
            let record = DeletedRecord {
                user_id: new.id.clone(),
                username: new.username.clone(),
                name: new.name.to_string(),
                external_id: new.external_id.clone(),
                emails: new.emails.iter().map(ToString::to_string).collect(),
                deleted_at: new
                    .deleted_at
                    .clone()
                    .unwrap_or_else(|| new.updated_at.clone()),
                deleted_by: deleted_by.cloned(),
            };
            let mut item = encode(&record, "deleted record")?;
            item.insert(keys::PK.into(), av::s(org_pk.clone()));
            item.insert(keys::SK.into(), av::s(keys::deleted_sk(&ulid::Ulid::new())));
            item.insert(keys::ENTITY.into(), av::s("DELETED"));
            tx.put(
                &self.table,
                item,
                Some(Condition::absent()),
                OnFail::Invariant("history record exists"),
            )?;
            deltas.push(("deletedHistory".into(), 1));
        }
        if old.status != new.status {
            self.add_counters(&mut tx, &new.org, &deltas)?;
        }
        self.add_audit(&mut tx, audit, audit::user_change(old, new, audit.surface))?;
        // Keys die with their user: deleting removes them in this transaction. A key issued
        // between the listing and the commit survives the delete but is refused (its user is
        // deleted), and restoring removes it: a restored user holds only keys issued after.
        // The removed keys are covered by the user's one `user.deleted` record.
        if (old.status == Status::Deleted) != (new.status == Status::Deleted) {
            let keys = self.list_keys(&new.org, &new.id).await?;
            self.add_key_removals(&mut tx, &keys)?;
        }
        self.commit(tx).await
    }

    pub async fn get_user(&self, org: &OrgId, id: &UserId) -> Result<Option<User>, Error> {
        self.get_decoded(keys::org_pk(org), keys::user_sk(id), "user")
            .await
    }

    /// Users of `org` by id, in one round trip per 100 (missing ones are left out).
    pub async fn get_users(
        &self,
        org: &OrgId,
        ids: &[UserId],
    ) -> Result<Vec<crate::domain::User>, Error> {
        let keys: Vec<String> = ids.iter().map(keys::user_sk).collect();
        self.batch_get(org, &keys, "users")
            .await?
            .into_iter()
            .map(|item| decode(item, "user"))
            .collect()
    }

    /// Follows a uniqueness marker to its (live) user.
    async fn user_by_marker(&self, org: &OrgId, marker_sk: String) -> Result<Option<User>, Error> {
        let marker = self
            .get_item(keys::org_pk(org), marker_sk, "marker")
            .await?;
        let Some(owner) = marker
            .as_ref()
            .and_then(|i| av::get_s(i, "userId"))
            .and_then(|s| UserId::parse(s).ok())
        else {
            return Ok(None);
        };
        self.get_user(org, &owner).await
    }

    pub async fn find_by_username(
        &self,
        org: &OrgId,
        username: &Username,
    ) -> Result<Option<User>, Error> {
        self.user_by_marker(org, keys::username_marker_sk(username))
            .await
    }

    pub async fn find_by_email(&self, org: &OrgId, email: &Email) -> Result<Option<User>, Error> {
        self.user_by_marker(org, keys::email_marker_sk(email)).await
    }

    pub async fn find_by_external_id(
        &self,
        org: &OrgId,
        external_id: &ExternalId,
    ) -> Result<Option<User>, Error> {
        self.user_by_marker(org, keys::external_id_marker_sk(external_id))
            .await
    }

    fn users_spec(&self, org: &OrgId, filter: &UserFilter) -> QuerySpec {
        let mut names = HashMap::new();
        let mut values: HashMap<String, AttributeValue> = HashMap::new();
        let mut filters = Vec::new();
        match filter.status {
            Some(status) => {
                filters.push("#status = :status".to_string());
                values.insert(":status".into(), av::s(status.as_str()));
                names.insert("#status".into(), "status".into());
            }
            None if filter.updated_since.is_none() => {
                filters.push("#status <> :deleted".to_string());
                values.insert(":deleted".into(), av::s(Status::Deleted.as_str()));
                names.insert("#status".into(), "status".into());
            }
            None => {}
        }
        let filter_expression = (!filters.is_empty()).then(|| filters.join(" AND "));
        match &filter.updated_since {
            Some(since) => {
                values.insert(":sk".into(), av::s(since.clone()));
                QuerySpec {
                    index: Some(keys::GSI1),
                    partition: (keys::GSI1PK, keys::updated_gsi_pk(org)),
                    fixed: vec![(keys::PK, keys::org_pk(org))],
                    cursor_attrs: &[keys::SK, keys::GSI1SK],
                    sort_condition: Some((keys::GSI1SK, "#sk >= :sk".into())),
                    filter: filter_expression,
                    names,
                    values,
                    cursor_prefix: Some((keys::SK, keys::USER_PREFIX.into())),
                }
            }
            None => {
                let mut spec = QuerySpec::prefix(keys::org_pk(org), keys::USER_PREFIX);
                spec.filter = filter_expression;
                spec.names = names;
                spec.values.extend(values);
                spec
            }
        }
    }

    /// One page of users matching `filter` (exact filters resolve through their marker).
    pub async fn list_users(
        &self,
        org: &OrgId,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<Page<User>, Error> {
        if filter.has_exact() {
            let found = if let Some(u) = &filter.username {
                self.find_by_username(org, u).await?
            } else if let Some(e) = &filter.email {
                self.find_by_email(org, e).await?
            } else if let Some(x) = &filter.external_id {
                self.find_by_external_id(org, x).await?
            } else {
                None
            };
            let items =
                found.filter(|u| filter.matches(u) && page.skip == 0 && page.start.is_none());
            return Ok(Page {
                items: items.into_iter().collect(),
                next: None,
            });
        }
        let spec = self.users_spec(org, filter);
        self.query_page(&spec, page).await?.decode("user")
    }

    /// One page of users matching `filter` read from the start (page numbers), with the exact
    /// number of them. `updatedSince` has no counter: its page and count are one pass over
    /// the index range (see [`Store::query_page_and_count`]) instead of a page query and a
    /// COUNT query over the same range; the other listings take the counters.
    pub async fn list_and_count_users(
        &self,
        org: &OrgId,
        filter: &UserFilter,
        page: &PageRequest,
    ) -> Result<(Page<User>, u64), Error> {
        if filter.has_exact() || filter.updated_since.is_none() || page.start.is_some() {
            return tokio::try_join!(
                self.list_users(org, filter, page),
                self.count_users(org, filter)
            );
        }
        let spec = self.users_spec(org, filter);
        let (page, total) = self.query_page_and_count(&spec, page).await?;
        let users = page
            .items
            .into_iter()
            .map(|i| decode::<User>(i, "user"))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((
            Page {
                items: users,
                next: page.next,
            },
            total,
        ))
    }

    /// The exact number of users matching `filter`.
    pub async fn count_users(&self, org: &OrgId, filter: &UserFilter) -> Result<u64, Error> {
        if filter.has_exact() {
            let page = self
                .list_users(
                    org,
                    filter,
                    &PageRequest {
                        limit: 1,
                        skip: 0,
                        start: None,
                    },
                )
                .await?;
            return Ok(page.items.len() as u64);
        }
        if filter.updated_since.is_none() {
            let counters = self.org_counters(org).await?;
            return Ok(match filter.status {
                Some(Status::Active) => counters.active,
                Some(Status::Inactive) => counters.inactive,
                Some(Status::Deleted) => counters.deleted,
                None => counters.active + counters.inactive,
            });
        }
        self.query_count(&self.users_spec(org, filter)).await
    }

    pub async fn list_deleted(
        &self,
        org: &OrgId,
        page: &PageRequest,
    ) -> Result<Page<DeletedRecord>, Error> {
        let spec = QuerySpec::prefix(keys::org_pk(org), keys::DELETED_PREFIX);
        self.query_page(&spec, page).await?.decode("deleted record")
    }

    pub async fn get_profile(&self, org: &OrgId, user: &UserId) -> Result<Option<Profile>, Error> {
        self.get_decoded(keys::org_pk(org), keys::profile_sk(user), "profile")
            .await
    }

    /// Replaces the profile if it is still at `expected_version` and its user is not deleted
    /// (409 `USER_DELETED`, like a change of the user itself).
    pub async fn replace_profile(
        &self,
        org: &OrgId,
        old: &Profile,
        profile: &Profile,
        audit: &AuditContext,
    ) -> Result<(), Error> {
        let expected_version = old.version;
        let mut item = encode(profile, "profile")?;
        item.insert(keys::PK.into(), av::s(keys::org_pk(org)));
        item.insert(keys::SK.into(), av::s(keys::profile_sk(&profile.user_id)));
        item.insert(keys::ENTITY.into(), av::s("PROFILE"));
        let mut tx = Tx::new();
        tx.check_user_live(
            &self.table,
            org,
            &profile.user_id,
            OnFail::Conflict(
                Conflict::UserDeleted,
                "The user is deleted; restore it before changing its profile.".into(),
            ),
        )?;
        tx.put(
            &self.table,
            item,
            Some(Condition::at_version(expected_version)),
            OnFail::Changed,
        )?;
        self.add_audit(&mut tx, audit, audit::profile_change(old, profile))?;
        self.commit(tx).await
    }
}
