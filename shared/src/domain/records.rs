//! The records listings and histories hand out: the filter of a user listing, a record of the
//! deleted history, an API key's stored metadata. Plain data the store reads and writes and the
//! surfaces show.

use serde::{Deserialize, Serialize};

use super::{Email, ExternalId, KeyId, OrgId, Status, User, UserId, Username};

/// Filters of a user listing.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    pub status: Option<Status>,
    /// Sortable timestamp; includes deleted users.
    pub updated_since: Option<String>,
    pub username: Option<Username>,
    pub email: Option<Email>,
    pub external_id: Option<ExternalId>,
}

impl UserFilter {
    pub fn has_exact(&self) -> bool {
        self.username.is_some() || self.email.is_some() || self.external_id.is_some()
    }

    pub(crate) fn matches(&self, user: &User) -> bool {
        let status_ok = match self.status {
            Some(s) => user.status == s,
            None => self.updated_since.is_some() || user.status != Status::Deleted,
        };
        let since_ok = self
            .updated_since
            .as_ref()
            .is_none_or(|since| user.updated_at >= *since);
        let username_ok = self
            .username
            .as_ref()
            .is_none_or(|u| u.canonical() == user.username.canonical());
        let email_ok = self
            .email
            .as_ref()
            .is_none_or(|e| user.emails.iter().any(|x| x.canonical() == e.canonical()));
        let ext_ok = self
            .external_id
            .as_ref()
            .is_none_or(|x| user.external_id.as_ref() == Some(x));
        status_ok && since_ok && username_ok && email_ok && ext_ok
    }
}

/// A record of the deleted history.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeletedRecord {
    pub user_id: UserId,
    pub username: Username,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<ExternalId>,
    #[serde(default)]
    pub emails: Vec<String>,
    pub deleted_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_by: Option<UserId>,
}

/// What is stored of a key: never the key itself, only its hash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyRecord {
    pub key_id: KeyId,
    pub org: OrgId,
    pub user_id: UserId,
    /// The first characters of the key, shown so people can tell keys apart.
    pub prefix: String,
    pub hash: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
}
