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
//! | (never written: the warm-up reads) | `WARMUP` | `WARMUP` | |
//! | audit record | `AUDIT#<org>` | `AUDIT#<ulid>` | GSI4 `AUDIT#<org>#TARGET#<userId>`, GSI2 `AUDIT#<org>#OBJECT#<keyId/partyId/org>` / `AUDIT#<ulid>`, GSI5 `AUDIT#<org>#ACTOR#<id>`, GSI6 `AUDIT#<org>#ACTION#<action>`, each / `SK` |

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
/// The audit trail's indexes: by target, by actor, by action (range key: the base `SK`).
pub const GSI4: &str = "GSI4";
pub const GSI4PK: &str = "GSI4PK";
pub const GSI5: &str = "GSI5";
pub const GSI5PK: &str = "GSI5PK";
pub const GSI6: &str = "GSI6";
pub const GSI6PK: &str = "GSI6PK";
/// The TTL attribute (epoch seconds) the table expires items by.
pub const EXPIRES_AT: &str = "expiresAt";
/// Item type tag, for humans reading the table and for the invariant checker.
pub const ENTITY: &str = "entity";

pub const USER_PREFIX: &str = "USER#";
pub const DELETED_PREFIX: &str = "DELETED#";
pub const PARTY_PREFIX: &str = "PARTY#";
pub const AUDIT_PREFIX: &str = "AUDIT#";
pub const AUTH_PREFIX: &str = "AUTH#";

/// An item that never exists: the cold start's extra warm-up reads (`Store::warm_up`) ask for it.
pub fn warm_up_pk() -> String {
    "WARMUP".into()
}

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

/// Every key metadata item of an organization (the operator's `list-keys`).
pub fn org_keys_prefix() -> String {
    "APIKEY#".into()
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
    format!("{AUTH_PREFIX}{user}#{party}")
}

pub fn user_auths_prefix(user: &UserId) -> String {
    format!("{AUTH_PREFIX}{user}#")
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

/// The organization's audit trail: its own partition, so the organization's user data stays
/// small to read whole (invariant checks) and the log's growth touches nothing else.
pub fn audit_pk(org: &OrgId) -> String {
    format!("{AUDIT_PREFIX}{org}")
}

/// A record's sort key: its ULID, so the partition is in time order.
pub fn audit_sk(ulid: &str) -> String {
    format!("{AUDIT_PREFIX}{ulid}")
}

/// GSI4: the records about one user (its record, profile, keys, authorizations).
pub fn audit_target_gsi_pk(org: &OrgId, user: &str) -> String {
    format!("{AUDIT_PREFIX}{org}#TARGET#{user}")
}

/// GSI2 (overloaded; its authorization partitions start `ORG#`): the records about one API key,
/// party (its own and its authorizations') or the organization, by that object's id.
pub fn audit_object_gsi_pk(org: &OrgId, object: &str) -> String {
    format!("{AUDIT_PREFIX}{org}#OBJECT#{object}")
}

/// GSI5: the records of one actor (a user id, `system` or `operator`).
pub fn audit_actor_gsi_pk(org: &OrgId, actor: &str) -> String {
    format!("{AUDIT_PREFIX}{org}#ACTOR#{actor}")
}

/// GSI6: the records of one action.
pub fn audit_action_gsi_pk(org: &OrgId, action: &str) -> String {
    format!("{AUDIT_PREFIX}{org}#ACTION#{action}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed<T>(value: Result<T, String>) -> T {
        value.unwrap_or_else(|e| panic!("test input: {e}"))
    }

    #[test]
    fn markers_ignore_case_of_usernames_and_emails() {
        for name in ["Alice", "alice", "ALICE"] {
            assert_eq!(
                username_marker_sk(&parsed(Username::parse(name))),
                "UNIQUE#USERNAME#alice",
                "{name}"
            );
        }
        for address in ["A@X.io", "a@x.IO"] {
            assert_eq!(
                email_marker_sk(&parsed(Email::parse(address))),
                "UNIQUE#EMAIL#a@x.io",
                "{address}"
            );
        }
        // External ids are compared exactly (case is significant there).
        assert_eq!(
            external_id_marker_sk(&parsed(ExternalId::parse("Ext-1"))),
            "UNIQUE#EXTID#Ext-1"
        );
    }

    #[test]
    fn every_key_has_its_documented_shape() {
        let org = parsed(OrgId::parse("acme"));
        let user = parsed(UserId::parse("usr_01HZZZZZZZZZZZZZZZZZZZZZZZ"));
        let key = parsed(KeyId::parse("key_01HZZZZZZZZZZZZZZZZZZZZZZZ"));
        let party = parsed(PartyId::parse("0106:12345678"));
        let u = "usr_01HZZZZZZZZZZZZZZZZZZZZZZZ";
        assert_eq!(org_pk(&org), "ORG#acme");
        assert_eq!(org_sk(), "ORG");
        assert_eq!(org_registry_pk(), "ORGS");
        assert_eq!(user_sk(&user), format!("USER#{u}"));
        assert_eq!(profile_sk(&user), format!("PROFILE#{u}"));
        assert_eq!(
            user_key_sk(&user, &key),
            format!("APIKEY#{u}#key_01HZZZZZZZZZZZZZZZZZZZZZZZ")
        );
        assert!(user_key_sk(&user, &key).starts_with(&user_keys_prefix(&user)));
        assert_eq!(key_lookup_pk("ab12"), "APIKEY#ab12");
        assert_eq!(key_lookup_sk(), "APIKEY");
        assert_eq!(party_sk(&party), "PARTY#0106:12345678");
        assert_eq!(party_owner_pk(&party), "PARTYID#0106:12345678");
        assert_eq!(party_owner_sk(), "OWNER");
        assert_eq!(auth_sk(&user, &party), format!("AUTH#{u}#0106:12345678"));
        assert!(auth_sk(&user, &party).starts_with(&user_auths_prefix(&user)));
        assert_eq!(
            party_users_gsi_pk(&org, &party),
            "ORG#acme#PARTY#0106:12345678"
        );
        assert_eq!(expiry_gsi_pk("2030-01-01"), "EXPIRY#2030-01-01");
        assert_eq!(sweep_pk(), "SWEEP");
        assert_eq!(sweep_sk(), "WATERMARK");
        assert_eq!(org_counter_sk(7), "ORG#COUNT#07");
        assert!(org_counter_sk(63).starts_with(&org_and_counters_prefix()));
        assert_eq!(party_counter_sk(&party, 3), "PAUTHS#0106:12345678#3");
        assert!(party_counter_sk(&party, 3).starts_with(&party_counter_prefix(&party)));
        assert!(party_counter_shard(&user) < PARTY_COUNTER_SHARDS);
        assert_eq!(
            expiry_gsi_sk("2030-01-01", &org, &user),
            format!("2030-01-01#acme#{u}")
        );
        assert_eq!(updated_gsi_pk(&org), "ORG#acme#UPD");
        assert_eq!(
            updated_gsi_sk("2030-01-01T00:00:00Z", &user),
            format!("2030-01-01T00:00:00Z#{u}")
        );
        let record = ulid::Ulid::nil();
        assert_eq!(deleted_sk(&record), format!("DELETED#{record}"));
    }

    #[test]
    fn an_org_cannot_name_its_way_into_another_partition() {
        // Org ids cannot contain '#', so no org's keys can collide with another's.
        assert!(OrgId::parse("a#b").is_err());
        assert_eq!(org_pk(&parsed(OrgId::parse("acme"))), "ORG#acme");
    }
}
