//! Every partition and sort key of the single table is built here, and nowhere else.
//!
//! | item | PK | SK | GSI1 (updatedSince) |
//! |---|---|---|---|
//! | organization (counters, settings) | `ORG#<org>` | `ORG` | |
//! | user | `ORG#<org>` | `USER#<userId>` | `ORG#<org>#UPD` / `<updatedAt>#<userId>` |
//! | default profile | `ORG#<org>` | `PROFILE#<userId>` | |
//! | uniqueness marker | `ORG#<org>` | `UNIQUE#USERNAME#<lower>` · `UNIQUE#EMAIL#<lower>` · `UNIQUE#EXTID#<id>` | |
//! | deleted-history record | `ORG#<org>` | `DELETED#<ulid>` | |
//! | registered party | `ORG#<org>` | `PARTY#<partyId>` | |
//! | party ownership (global) | `PARTYID#<partyId>` | `OWNER` | |
//! | party authorization | `ORG#<org>` | `AUTH#<userId>#<partyId>` | GSI2 `ORG#<org>#PARTY#<partyId>` / `<userId>` |
//! | (user, expiry sweep) | | | GSI3 `EXPIRY` / `<validUntil>#<org>#<userId>` while ACTIVE |
//! | API key metadata | `ORG#<org>` | `APIKEY#<userId>#<keyId>` | |
//! | API key lookup | `APIKEY#<sha256 hex>` | `APIKEY` | |
//! | organization registry | `ORGS` | `ORG#<org>` | |

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
    format!("AUTH#{user}#{party}")
}

pub fn user_auths_prefix(user: &UserId) -> String {
    format!("AUTH#{user}#")
}

/// GSI2: who may act for a party.
pub fn party_users_gsi_pk(org: &OrgId, party: &PartyId) -> String {
    format!("ORG#{org}#PARTY#{party}")
}

/// GSI3: active users with a `validUntil`, in one sparse index for the expiry sweep.
pub fn expiry_gsi_pk() -> String {
    "EXPIRY".into()
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
