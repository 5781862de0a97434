//! Registered parties (business partners) and users' authorizations to act for them.

use serde::{Deserialize, Serialize};

use super::{OrgId, PartyId, UserId};

/// The four permissions of a party authorization (seed 000). All are always given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Permissions {
    pub can_send_document: bool,
    pub can_receive_document: bool,
    pub can_remove_document: bool,
    pub can_manage_hook: bool,
}

/// A party registered in one organization. Its id belongs to that organization only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    pub id: PartyId,
    pub org: OrgId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tin: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commercial_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// How many authorizations name this party (kept in the same transactions as they change).
    #[serde(default)]
    pub authorizations: u64,
    pub created_at: String,
    pub updated_at: String,
    pub version: u64,
}

/// A registered party's descriptive fields, without its authorization count: what a lookup of
/// several parties by id answers (seed 001's business partners of a page of users). The count
/// is sharded (one item per shard, see `store::keys`): reading it would cost eight more items
/// per party that nothing here shows, and a [`Party`] without it would carry a wrong count.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartyInfo {
    pub id: PartyId,
    pub name: String,
    #[serde(default)]
    pub tin: Option<String>,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub commercial_name: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
}

/// A user's authorization to act for a party.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Authorization {
    pub org: OrgId,
    pub user_id: UserId,
    pub party_id: PartyId,
    /// Human-readable name of the party for this authorization (seed 000 `name`).
    pub name: String,
    pub permissions: Permissions,
    pub created_at: String,
    pub updated_at: String,
    /// The count shard counting it, as stored (`None`: written before the counts were
    /// sharded, counted on its party item). Read only: the store writes it.
    #[serde(default, skip_serializing)]
    pub count_shard: Option<u32>,
}

/// Short free-text fields of a party: 1–200 characters, no control characters.
pub fn party_text(value: &str) -> Result<String, String> {
    super::plain_text(value, 200).map(|()| value.to_string())
}
