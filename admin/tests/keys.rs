//! `roster-admin issue-key`, `list-keys` and `revoke-key`: the real binary against DynamoDB Local
//! (`DYNAMODB_ENDPOINT`, started by `make test`), checked through the service's own key lookup.

#![allow(clippy::expect_used)] // a test: failing loudly is the point

use std::process::{Command, Output};
use std::time::Duration;

use roster_shared::config::Config;
use roster_shared::service::Roster;
use roster_shared::store::Store;

const TABLE: &str = "roster-admin-tests";

fn endpoint() -> String {
    std::env::var("DYNAMODB_ENDPOINT")
        .expect("DYNAMODB_ENDPOINT is not set: run the tests with `make test`")
}

fn admin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_roster-admin"))
        .args(args)
        .env("TABLE_NAME", TABLE)
        .env("DYNAMODB_ENDPOINT", endpoint())
        .output()
        .expect("roster-admin runs")
}

fn ok(args: &[&str]) -> String {
    let out = admin(args);
    assert!(
        out.status.success(),
        "roster-admin {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn key_of(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("ROSTER_API_KEY="))
        .unwrap_or_else(|| panic!("no ROSTER_API_KEY= line in {stdout}"))
        .to_string()
}

fn roster() -> Roster {
    let config = Config {
        table_name: TABLE.into(),
        dynamodb_endpoint: Some(endpoint()),
        auth_cache_ttl: Duration::ZERO,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async { Roster::new(Store::connect(&config), &config) })
}

fn resolves(roster: &Roster, key: &str) -> bool {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(roster.auth.resolve(key))
        .is_ok()
}

fn fresh_org() -> String {
    format!("adm-{}", ulid::Ulid::new().to_string().to_lowercase())
}

#[test]
fn issue_list_and_revoke_keys_of_an_organization() {
    ok(&["create-table"]);
    let org = fresh_org();
    let first = key_of(&ok(&["create-org", &org, "--manager", "boss"]));

    // Break-glass / rotation: a second key for the existing manager.
    let second = key_of(&ok(&["issue-key", &org, "boss"]));
    assert!(second.starts_with("rst_") && second != first);
    let roster = roster();
    assert!(resolves(&roster, &first) && resolves(&roster, &second));

    let listing = ok(&["list-keys", &org]);
    let rows: Vec<&str> = listing.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{listing}");
    assert!(
        rows.iter()
            .all(|r| r.contains("\tboss\tApManager\tACTIVE\t")),
        "{listing}"
    );
    assert!(
        !listing.contains(&first) && !listing.contains(&second),
        "no secret listed"
    );
    assert!(
        rows.iter().any(|r| r.contains(&second[..12])),
        "the prefix is shown: {listing}"
    );

    // Revoke the first key: it stops working, the second goes on.
    let first_row = rows
        .iter()
        .find(|r| r.contains(&first[..12]))
        .unwrap_or_else(|| panic!("first key listed: {listing}"));
    let first_id = first_row.split('\t').next().unwrap_or_default().to_string();
    ok(&["revoke-key", &org, &first_id]);
    assert!(!resolves(&roster, &first));
    assert!(resolves(&roster, &second));
    assert_eq!(
        ok(&["list-keys", &org]).lines().count(),
        2,
        "header + one key"
    );

    // Revoking it again: 404-like failure, exit status 1.
    let again = admin(&["revoke-key", &org, &first_id]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("API key"));
}

#[test]
fn issue_key_refuses_what_it_should_not_key() {
    ok(&["create-table"]);
    let org = fresh_org();
    ok(&["create-org", &org, "--manager", "boss"]);

    let unknown_user = admin(&["issue-key", &org, "nobody"]);
    assert_eq!(unknown_user.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown_user.stderr).contains("user does not exist"));
    assert!(!String::from_utf8_lossy(&unknown_user.stdout).contains("ROSTER_API_KEY"));

    let unknown_org = admin(&["issue-key", &fresh_org(), "boss"]);
    assert_eq!(unknown_org.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown_org.stderr).contains("organization does not exist"));

    let usage = admin(&["issue-key", &org]);
    assert_eq!(usage.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("issue-key needs"));

    let bad_key_id = admin(&["revoke-key", &org, "not-a-key"]);
    assert_eq!(bad_key_id.status.code(), Some(2));
}
