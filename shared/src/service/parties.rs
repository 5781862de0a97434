//! Party use cases: the organization's party registry and users' authorizations to act for
//! parties. Deleted or inactive users keep their authorizations stored but do not act for a
//! party: every view of an authorization says whether its user is active (`active`), and the
//! authorizations apply again when the user is activated or restored.

use super::{check_precondition, ListPage, Paging, Patch, Roster};
use crate::auth::Principal;
use crate::clock;
use crate::domain::{
    Authorization, Party, PartyId, Permissions, Precondition, Status, User, UserId,
};
use crate::error::{Conflict, Resource};
use crate::Error;

/// A party to register.
#[derive(Clone, Debug)]
pub struct NewParty {
    pub id: PartyId,
    pub name: String,
    pub tin: Option<String>,
    pub contact_name: Option<String>,
    pub commercial_name: Option<String>,
    pub external_id: Option<String>,
}

/// A merge patch of a party (its id never changes).
#[derive(Clone, Debug, Default)]
pub struct PartyChanges {
    pub name: Option<String>,
    pub tin: Patch<String>,
    pub contact_name: Patch<String>,
    pub commercial_name: Patch<String>,
    pub external_id: Patch<String>,
}

/// Grant or change: the name shown for the party and all four permissions.
#[derive(Clone, Debug)]
pub struct Grant {
    pub name: String,
    pub permissions: Permissions,
}

/// An authorization with the state of its user: only active users act for a party.
#[derive(Clone, Debug)]
pub struct AuthorizationState {
    pub authorization: Authorization,
    pub user_status: Status,
    pub active: bool,
}

impl AuthorizationState {
    fn of(authorization: Authorization, user: Option<&User>) -> Self {
        Self {
            authorization,
            user_status: user.map_or(Status::Deleted, |u| u.status),
            active: user.is_some_and(User::is_effectively_active),
        }
    }
}

impl Roster {
    fn new_party_record(caller: &Principal, new: NewParty) -> Party {
        let now = clock::now();
        Party {
            id: new.id,
            org: caller.org.clone(),
            name: new.name,
            tin: new.tin,
            contact_name: new.contact_name,
            commercial_name: new.commercial_name,
            external_id: new.external_id,
            authorizations: 0,
            created_at: now.clone(),
            updated_at: now,
            version: 1,
        }
    }

    /// Registers a party (409 `PARTY_EXISTS` here, 409 `PARTY_OWNED_ELSEWHERE` if another
    /// organization has it).
    pub async fn register_party(&self, caller: &Principal, new: NewParty) -> Result<Party, Error> {
        caller.require_manager()?;
        let party = Self::new_party_record(caller, new);
        self.store.create_party(&party, &caller.audit()).await?;
        Ok(party)
    }

    pub async fn get_party(&self, caller: &Principal, id: &PartyId) -> Result<Party, Error> {
        caller.require_manager()?;
        self.store
            .get_party(&caller.org, id)
            .await?
            .ok_or(Error::NotFound(Resource::Party))
    }

    pub async fn list_parties(
        &self,
        caller: &Principal,
        paging: &Paging,
    ) -> Result<ListPage<Party>, Error> {
        caller.require_manager()?;
        let (request, current) = paging.resolve(&caller.org)?;
        let (page, counters) = tokio::try_join!(
            self.store.list_parties(&caller.org, &request),
            self.store.org_counters(&caller.org)
        )?;
        Ok(paging.finish(&caller.org, page, current, counters.parties))
    }

    pub async fn update_party(
        &self,
        caller: &Principal,
        id: &PartyId,
        changes: PartyChanges,
        if_match: Option<Precondition>,
    ) -> Result<Party, Error> {
        let old = self.get_party(caller, id).await?;
        check_precondition(if_match.as_ref(), old.version)?;
        let mut new = old.clone();
        if let Some(name) = changes.name {
            new.name = name;
        }
        new.tin = changes.tin.apply(new.tin);
        new.contact_name = changes.contact_name.apply(new.contact_name);
        new.commercial_name = changes.commercial_name.apply(new.commercial_name);
        new.external_id = changes.external_id.apply(new.external_id);
        new.updated_at = clock::now();
        new.version = old.version + 1;
        self.store
            .replace_party(&old, &new, &caller.audit())
            .await?;
        Ok(new)
    }

    /// Deletes a party. With authorizations it refuses (409) unless `cascade`, which revokes
    /// them first.
    pub async fn delete_party(
        &self,
        caller: &Principal,
        id: &PartyId,
        cascade: bool,
    ) -> Result<(), Error> {
        let party = self.get_party(caller, id).await?;
        if cascade && party.authorizations > 0 {
            // Revoke every authorization (paging through the index), then delete; the delete's
            // condition (no authorizations left) catches any grant made meanwhile.
            loop {
                let page = self
                    .store
                    .list_party_authorizations(
                        &caller.org,
                        id,
                        &crate::store::PageRequest {
                            limit: 100,
                            skip: 0,
                            start: None,
                        },
                    )
                    .await?;
                if page.items.is_empty() {
                    break;
                }
                for auth in page.items {
                    match self
                        .store
                        .delete_authorization(&caller.org, &auth.user_id, id, &caller.audit())
                        .await
                    {
                        Ok(()) | Err(Error::NotFound(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
        self.store.delete_party(&party, &caller.audit()).await
    }

    /// Grants `user` the right to act for `party` (registering the party with `grant.name` when
    /// it is not registered yet), or changes an existing grant. True when newly granted.
    pub async fn grant(
        &self,
        caller: &Principal,
        user: &UserId,
        party: &PartyId,
        grant: Grant,
    ) -> Result<(AuthorizationState, bool), Error> {
        caller.require_manager()?;
        for _ in 0..3 {
            // User, party and existing grant in one BatchGetItem; the write is the second and
            // last request.
            let (target, registered, existing) =
                self.store.grant_context(&caller.org, user, party).await?;
            let target = target.ok_or(Error::NotFound(Resource::User))?;
            if target.status == Status::Deleted {
                return Err(Error::Conflict(
                    Conflict::UserDeleted,
                    "The user is deleted; restore it first.".into(),
                ));
            }
            let now = clock::now();
            let authorization = Authorization {
                org: caller.org.clone(),
                user_id: user.clone(),
                party_id: party.clone(),
                name: grant.name.clone(),
                permissions: grant.permissions,
                created_at: existing
                    .as_ref()
                    .map_or_else(|| now.clone(), |a| a.created_at.clone()),
                updated_at: now,
                count_shard: None,
            };
            let register = registered.is_none().then(|| {
                let mut p = Self::new_party_record(
                    caller,
                    NewParty {
                        id: party.clone(),
                        name: grant.name.clone(),
                        tin: None,
                        contact_name: None,
                        commercial_name: None,
                        external_id: None,
                    },
                );
                p.authorizations = 1;
                p
            });
            match self
                .store
                .put_authorization(
                    &authorization,
                    register.as_ref(),
                    existing.as_ref(),
                    &caller.audit(),
                )
                .await
            {
                Ok(()) => {
                    return Ok((
                        AuthorizationState::of(authorization, Some(&target)),
                        existing.is_none(),
                    ))
                }
                // A concurrent grant or revoke got there first: read again and retry.
                Err(Error::PreconditionFailed) => continue,
                Err(Error::Conflict(Conflict::PartyExists, _)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Throttled(
            "the authorization kept changing; retry".into(),
        ))
    }

    pub async fn revoke(
        &self,
        caller: &Principal,
        user: &UserId,
        party: &PartyId,
    ) -> Result<(), Error> {
        caller.require_manager()?;
        self.store
            .delete_authorization(&caller.org, user, party, &caller.audit())
            .await
    }

    /// A user's authorizations (404 for a user of another organization).
    pub async fn user_parties(
        &self,
        caller: &Principal,
        user: &UserId,
    ) -> Result<Vec<AuthorizationState>, Error> {
        caller.require_manager()?;
        // The user and its authorizations in one round trip (a missing user is still 404).
        let (target, auths) = tokio::join!(
            self.load_user(&caller.org, user),
            self.store.list_user_authorizations(&caller.org, user)
        );
        let (target, auths) = (target?, auths?);
        Ok(auths
            .into_iter()
            .map(|a| AuthorizationState::of(a, Some(&target)))
            .collect())
    }

    /// The caller's own authorizations.
    pub async fn my_parties(&self, caller: &Principal) -> Result<Vec<AuthorizationState>, Error> {
        let (me, auths) = tokio::join!(
            self.me(caller),
            self.store
                .list_user_authorizations(&caller.org, &caller.user_id)
        );
        let (me, auths) = (me?, auths?);
        Ok(auths
            .into_iter()
            .map(|a| AuthorizationState::of(a, Some(&me)))
            .collect())
    }

    /// Who may act for `party`, with permissions and whether each user is active.
    pub async fn party_users(
        &self,
        caller: &Principal,
        party: &PartyId,
        paging: &Paging,
    ) -> Result<ListPage<AuthorizationState>, Error> {
        caller.require_manager()?;
        let (request, current) = paging.resolve(&caller.org)?;
        // The party (its count) and the page in one round trip (a missing party is still 404).
        let (registered, page) = tokio::join!(
            self.get_party(caller, party),
            self.store
                .list_party_authorizations(&caller.org, party, &request)
        );
        let (registered, page) = (registered?, page?);
        let ids: Vec<UserId> = page.items.iter().map(|a| a.user_id.clone()).collect();
        let users = self.store.get_users(&caller.org, &ids).await?;
        let page = page.map(|a| {
            let user = users.iter().find(|u| u.id == a.user_id);
            AuthorizationState::of(a, user)
        });
        Ok(paging.finish(&caller.org, page, current, registered.authorizations))
    }
}
