//! Every partition and sort key of the single table is built here, and nowhere else.
//!
//! | item | PK | SK | GSI1 (updatedSince) |
//! |---|---|---|---|
//! | organization (settings) | `ORG#<org>` | `ORG` | |
//! | organization counter shard | `ORG#<org>` | `ORG#COUNT#<nn>` (0..ORG_COUNTER_SHARDS) | |
//! | user | `ORG#<org>` | `USER#<userId>` | `ORG#<org>#UPD` / `<updatedAt>#<userId>` |
//! | default profile | `ORG#<org>` | `PROFILE#<userId>` | |
//! | uniqueness marker | `ORG#<org>` | `UNIQUE#USERNAME#<lower>` · `UNIQUE#EMAIL#<lower>` · `UNIQUE#EXTID#<id>` | |
//! | deleted-history record | `ORG#<org>` | `DELETED#<ulid>` | |
//! | registered party | `ORG#<org>` | `PARTY#<partyId>` | |
//! | party authorization-count shard | `ORG#<org>` | `PAUTHS#<partyId>#<n>` (0..PARTY_COUNTER_SHARDS) | |
//! | party ownership (global) | `PARTYID#<partyId>` | `OWNER` | |
//! | party authorization | `ORG#<org>` | `AUTH#<userId>#<partyId>` | GSI2 `ORG#<org>#PARTY#<partyId>` / `<userId>` |
//! | (user, expiry sweep) | | | GSI3 `EXPIRY#<day>` / `<validUntil>#<org>#<userId>` while ACTIVE |
//! | API key metadata | `ORG#<org>` | `APIKEY#<userId>#<keyId>` | |
//! | API key lookup | `APIKEY#<sha256 hex>` | `APIKEY` | |
//! | organization registry | `ORGS` | `ORG#<org>` | |
//! | expiry sweep watermark (global) | `SWEEP` | `WATERMARK` | |

use crate::domain::{Email, ExternalId, KeyId, OrgId, PartyId, UserId, Username};

pub const PK: &str = "PK";
pub const SK: &str = "SK";
pub const GSI1: &str = "GSI1";
pub const GSI1PK: &str = "GSI1PK";
pub const GSI1SK: &str = "GSI1SK";
pub const GSI2: &str = "GSI2";
pub const GSI2PK: &str = "GSI2PK";
pub const GSI2SK: &str = "GSI2SK";
pub const GSI3: &str = "GSI3";
pub const GSI3PK: &str = "GSI3PK";
pub const GSI3SK: &str = "GSI3SK";
/// Item type tag, for humans reading the table and for the invariant checker.
pub const ENTITY: &str = "entity";

pub const USER_PREFIX: &str = "USER#";
pub const DELETED_PREFIX: &str = "DELETED#";
pub const PARTY_PREFIX: &str = "PARTY#";

pub fn org_pk(org: &OrgId) -> String {
    format!("ORG#{org}")
}

pub fn org_sk() -> String {
    "ORG".into()
}

/// Counter shards per organization: a write adds to one picked at random, a read sums them
/// (one `Query`, `begins_with(SK, "ORG")`). Many, so concurrent writers rarely pick the same.
pub const ORG_COUNTER_SHARDS: u32 = 64;
pub const ORG_COUNTER_PREFIX: &str = "ORG#COUNT#";

pub fn org_counter_sk(shard: u32) -> String {
    format!("{ORG_COUNTER_PREFIX}{shard:02}")
}

/// The org item and its counter shards share this sort-key prefix (no other item starts so).
pub fn org_and_counters_prefix() -> String {
    "ORG".into()
}

/// Authorization-count shards per party: created with the party, each grant adds to one (the
/// authorization remembers which), a delete of the party requires all of them at zero.
pub const PARTY_COUNTER_SHARDS: u32 = 8;
pub const PARTY_COUNTER_PREFIX: &str = "PAUTHS#";

pub fn party_counter_sk(party: &PartyId, shard: u32) -> String {
    format!("{PARTY_COUNTER_PREFIX}{party}#{shard}")
}

/// The shard that counts `user`'s authorization for a party: fixed by the user id (FNV-1a), so
/// a revoke knows it without reading, and grants of many users on one party spread out.
pub fn party_counter_shard(user: &UserId) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in user.as_str().bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % PARTY_COUNTER_SHARDS
}

pub fn party_counter_prefix(party: &PartyId) -> String {
    format!("{PARTY_COUNTER_PREFIX}{party}#")
}

pub fn org_registry_pk() -> String {
    "ORGS".into()
}

pub fn user_sk(user: &UserId) -> String {
    format!("{USER_PREFIX}{user}")
}

pub fn profile_sk(user: &UserId) -> String {
    format!("PROFILE#{user}")
}

pub fn username_marker_sk(username: &Username) -> String {
    format!("UNIQUE#USERNAME#{}", username.canonical())
}

pub fn email_marker_sk(email: &Email) -> String {
    format!("UNIQUE#EMAIL#{}", email.canonical())
}

pub fn external_id_marker_sk(external_id: &ExternalId) -> String {
    format!("UNIQUE#EXTID#{external_id}")
}

pub fn deleted_sk(record: &ulid::Ulid) -> String {
    format!("{DELETED_PREFIX}{record}")
}

pub fn user_keys_prefix(user: &UserId) -> String {
    format!("APIKEY#{user}#")
}

pub fn user_key_sk(user: &UserId, key: &KeyId) -> String {
    format!("APIKEY#{user}#{key}")
}

pub fn key_lookup_pk(hash_hex: &str) -> String {
    format!("APIKEY#{hash_hex}")
}

pub fn key_lookup_sk() -> String {
    "APIKEY".into()
}

pub fn party_sk(party: &PartyId) -> String {
    format!("PARTY#{party}")
}

/// The global marker that gives a party id to one organization.
pub fn party_owner_pk(party: &PartyId) -> String {
    format!("PARTYID#{party}")
}

pub fn party_owner_sk() -> String {
    "OWNER".into()
}

pub fn auth_sk(user: &UserId, party: &PartyId) -> String {
    format!("AUTH#{user}#{party}")
}

pub fn user_auths_prefix(user: &UserId) -> String {
    format!("AUTH#{user}#")
}

/// GSI2: who may act for a party.
pub fn party_users_gsi_pk(org: &OrgId, party: &PartyId) -> String {
    format!("ORG#{org}#PARTY#{party}")
}

/// GSI3: active users with a `validUntil`, in a sparse index for the expiry sweep, sharded by
/// day: `EXPIRY#<YYYY-MM-DD>` of the later of `validUntil` and the day of the write (so a
/// user never lands in a day the sweep has already passed). The sweep queries only the days
/// from its watermark to today.
pub fn expiry_gsi_pk(day: &str) -> String {
    format!("{EXPIRY_PREFIX}{day}")
}

pub const EXPIRY_PREFIX: &str = "EXPIRY#";

/// The sweep's watermark: the first day whose expiry shard may still hold users.
pub fn sweep_pk() -> String {
    "SWEEP".into()
}

pub fn sweep_sk() -> String {
    "WATERMARK".into()
}

pub fn expiry_gsi_sk(valid_until: &str, org: &OrgId, user: &UserId) -> String {
    format!("{valid_until}#{org}#{user}")
}

pub fn updated_gsi_pk(org: &OrgId) -> String {
    format!("ORG#{org}#UPD")
}

pub fn updated_gsi_sk(updated_at: &str, user: &UserId) -> String {
    format!("{updated_at}#{user}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_ignore_case_of_usernames_and_emails() {
        let a = Username::parse("Alice").map(|u| username_marker_sk(&u));
        let b = Username::parse("alice").map(|u| username_marker_sk(&u));
        assert_eq!(a, b);
        let e1 = Email::parse("A@X.io").map(|e| email_marker_sk(&e));
        let e2 = Email::parse("a@x.IO").map(|e| email_marker_sk(&e));
        assert_eq!(e1, e2);
    }

    #[test]
    fn an_org_cannot_name_its_way_into_another_partition() {
        // Org ids cannot contain '#', so no org's keys can collide with another's.
        assert!(OrgId::parse("a#b").is_err());
        let org = OrgId::parse("acme").map(|o| org_pk(&o));
        assert_eq!(org.as_deref(), Ok("ORG#acme"));
    }
}
