//! The profile use cases and the caller's own record (`/v1/me`, `/v1/me/profile`).

use super::commands::{MeChanges, ProfileChanges};
use super::users::hash_password;
use super::{check_precondition, Roster};
use crate::auth::Principal;
use crate::domain::{Precondition, Profile, User, UserId};
use crate::error::Resource;
use crate::Error;
use crate::{clock, password};

impl Roster {
    /// The profile of a user the caller may see (a manager: any user of the organization).
    pub async fn get_profile(&self, caller: &Principal, id: &UserId) -> Result<Profile, Error> {
        if id != &caller.user_id {
            caller.require_manager()?;
        }
        self.store
            .get_profile(&caller.org, id)
            .await?
            .ok_or(Error::NotFound(Resource::User))
    }

    pub async fn update_profile(
        &self,
        caller: &Principal,
        id: &UserId,
        changes: ProfileChanges,
        if_match: Option<Precondition>,
    ) -> Result<Profile, Error> {
        let old = self.get_profile(caller, id).await?;
        check_precondition(if_match.as_ref(), old.version)?;
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
            .replace_profile(&caller.org, &old, &new, &caller.audit())
            .await?;
        Ok(new)
    }

    /// `GET /v1/me`: any role.
    pub async fn me(&self, caller: &Principal) -> Result<User, Error> {
        self.load_user(&caller.org, &caller.user_id).await
    }

    /// `PATCH /v1/me`: name, emails, phone, language, and the password — the latter only with
    /// the current password when one is set.
    pub async fn update_me(
        &self,
        caller: &Principal,
        changes: MeChanges,
        if_match: Option<Precondition>,
    ) -> Result<User, Error> {
        let old = self.me(caller).await?;
        check_precondition(if_match.as_ref(), old.version)?;
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
        self.save(&old, new, Some(caller), &caller.audit()).await
    }
}
