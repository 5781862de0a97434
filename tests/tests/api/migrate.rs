//! `roster-admin migrate-party-counts` (its code: `Store::migrate_party_counts`): a party and
//! its authorizations written before the counts were sharded — created here in their old shape
//! directly through the SDK — are converted: the count shards exist, every authorization is
//! counted on its shard, the party item holds no count; the counts and listings stay exact
//! throughout; a second run changes nothing; grants, revokes and the delete rule work after.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use reqwest::{Method, StatusCode};
use roster_shared::store::{keys, PartyCountMigration};
use roster_tests::{fresh_party, TestApp, TABLE};
use serde_json::{json, Value};

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_string())
}

/// Writes `party` (counting `users`' authorizations on its own item, no shards) and those
/// authorizations (no `countShard`), as the code before the sharding wrote them.
async fn old_shape_party(app: &TestApp, party: &str, users: &[String]) {
    let client = app.store.client();
    let org_pk = format!("ORG#{}", app.org);
    let at = "2026-01-01T00:00:00.000Z";
    let party_item = HashMap::from([
        ("PK".to_string(), s(&org_pk)),
        ("SK".to_string(), s(&format!("PARTY#{party}"))),
        ("entity".to_string(), s("PARTY")),
        ("id".to_string(), s(party)),
        ("org".to_string(), s(app.org.as_str())),
        ("name".to_string(), s("Old Partner")),
        (
            "authorizations".to_string(),
            AttributeValue::N(users.len().to_string()),
        ),
        ("createdAt".to_string(), s(at)),
        ("updatedAt".to_string(), s(at)),
        ("version".to_string(), AttributeValue::N("1".into())),
    ]);
    let owner = HashMap::from([
        ("PK".to_string(), s(&format!("PARTYID#{party}"))),
        ("SK".to_string(), s("OWNER")),
        ("entity".to_string(), s("PARTY_OWNER")),
        ("orgId".to_string(), s(app.org.as_str())),
    ]);
    for item in [party_item, owner] {
        client
            .put_item()
            .table_name(TABLE)
            .set_item(Some(item))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
    }
    // The organization's party counter, on the org item as before its sharding.
    client
        .update_item()
        .table_name(TABLE)
        .key("PK", s(&org_pk))
        .key("SK", s("ORG"))
        .update_expression("ADD parties :one")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let permissions = AttributeValue::M(HashMap::from([
        ("canSendDocument".to_string(), AttributeValue::Bool(true)),
        ("canReceiveDocument".to_string(), AttributeValue::Bool(true)),
        ("canRemoveDocument".to_string(), AttributeValue::Bool(false)),
        ("canManageHook".to_string(), AttributeValue::Bool(false)),
    ]));
    for user in users {
        let item = HashMap::from([
            ("PK".to_string(), s(&org_pk)),
            ("SK".to_string(), s(&format!("AUTH#{user}#{party}"))),
            (
                "GSI2PK".to_string(),
                s(&format!("ORG#{}#PARTY#{party}", app.org)),
            ),
            ("GSI2SK".to_string(), s(user)),
            ("entity".to_string(), s("AUTH")),
            ("org".to_string(), s(app.org.as_str())),
            ("userId".to_string(), s(user)),
            ("partyId".to_string(), s(party)),
            ("name".to_string(), s("Old Partner")),
            ("permissions".to_string(), permissions.clone()),
            ("createdAt".to_string(), s(at)),
            ("updatedAt".to_string(), s(at)),
        ]);
        client
            .put_item()
            .table_name(TABLE)
            .set_item(Some(item))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
    }
}

async fn user(app: &TestApp, name: &str) -> String {
    app.create_user(json!({"username": name, "name": name}))
        .await["id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The party's count as the API shows it, its listing's count, and its users' total.
async fn counts(app: &TestApp, party: &str) -> (Value, Value, Value) {
    let (status, one) = app
        .call(Method::GET, &format!("/v1/parties/{party}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{one}");
    let (_, list) = app.call(Method::GET, "/v1/parties?limit=100", None).await;
    let listed = list["data"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["id"] == party)
        .map(|p| p["authorizations"].clone())
        .unwrap_or(Value::Null);
    let (_, users) = app
        .call(Method::GET, &format!("/v1/parties/{party}/users"), None)
        .await;
    (
        one["authorizations"].clone(),
        listed,
        users["pagination"]["totalItems"].clone(),
    )
}

fn grant() -> Value {
    json!({"name": "Old Partner", "permissions": {"canSendDocument": true, "canReceiveDocument": true, "canRemoveDocument": false, "canManageHook": false}})
}

/// The organization's items that are not audit records or users' own (the party's and its
/// authorizations'), to compare two runs.
async fn party_items(app: &TestApp) -> Vec<(String, HashMap<String, AttributeValue>)> {
    app.partition()
        .await
        .into_iter()
        .filter(|(sk, _)| {
            sk.starts_with(keys::PARTY_PREFIX)
                || sk.starts_with(keys::PARTY_COUNTER_PREFIX)
                || sk.starts_with(keys::AUTH_PREFIX)
        })
        .collect()
}

#[tokio::test]
async fn old_parties_are_converted_once_with_exact_counts_throughout() {
    let app = TestApp::spawn().await;
    let (a, b, c) = (
        user(&app, "mig-a").await,
        user(&app, "mig-b").await,
        user(&app, "mig-c").await,
    );
    let party = fresh_party();
    old_shape_party(&app, &party, &[a.clone(), b.clone()]).await;
    // A party of today's shape beside it is left as it is.
    let modern = fresh_party();
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("/v1/users/{c}/parties/{modern}"),
            Some(grant()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Before: counted on the party item; a new grant finds no shard and fails (today a 503
    // after its retries, not a 500: the README's runbook migrates before deploying).
    assert_eq!(counts(&app, &party).await, (json!(2), json!(2), json!(2)));
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/v1/users/{c}/parties/{party}"),
            Some(grant()),
        )
        .await;
    assert!(
        !status.is_success() && status != StatusCode::INTERNAL_SERVER_ERROR,
        "{status}: {body}"
    );
    // Changing an old authorization's permissions keeps it counted on the party item.
    let mut changed = grant();
    changed["permissions"]["canManageHook"] = json!(true);
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/v1/users/{a}/parties/{party}"),
            Some(changed),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(counts(&app, &party).await, (json!(2), json!(2), json!(2)));
    let violations = app
        .store
        .check_invariants(&app.org)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(
        violations[0].contains("migrate-party-counts"),
        "{violations:#?}"
    );

    let done = app
        .store
        .migrate_party_counts(&app.org)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        done,
        PartyCountMigration {
            parties: 2,
            shards_created: 8,
            authorizations_moved: 2,
            parties_with_stray_base: 0,
        }
    );
    assert_eq!(counts(&app, &party).await, (json!(2), json!(2), json!(2)));
    app.assert_invariants().await;
    let items = party_items(&app).await;
    let party_item = items
        .iter()
        .find(|(sk, _)| *sk == format!("PARTY#{party}"))
        .map(|(_, i)| i.clone())
        .unwrap_or_default();
    assert_eq!(
        party_item.get("authorizations"),
        Some(&AttributeValue::N("0".into()))
    );
    for user in [&a, &b] {
        let auth = items
            .iter()
            .find(|(sk, _)| *sk == format!("AUTH#{user}#{party}"))
            .map(|(_, i)| i.clone())
            .unwrap_or_default();
        let shard = roster_shared::domain::UserId::parse(user)
            .map(|u| keys::party_counter_shard(&u))
            .unwrap_or(u32::MAX);
        assert_eq!(
            auth.get("countShard"),
            Some(&AttributeValue::N(shard.to_string()))
        );
    }

    // Again: nothing to do, nothing changed.
    let again = app
        .store
        .migrate_party_counts(&app.org)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        again,
        PartyCountMigration {
            parties: 2,
            ..PartyCountMigration::default()
        }
    );
    assert_eq!(party_items(&app).await, items);

    // After: grants and revokes count on the shards; the delete rule holds.
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/v1/users/{c}/parties/{party}"),
            Some(grant()),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(counts(&app, &party).await, (json!(3), json!(3), json!(3)));
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/users/{a}/parties/{party}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = app
        .call(Method::DELETE, &format!("/v1/parties/{party}"), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    for user in [&b, &c] {
        let (status, _) = app
            .call(
                Method::DELETE,
                &format!("/v1/users/{user}/parties/{party}"),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (status, body) = app
        .call(Method::DELETE, &format!("/v1/parties/{party}"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    app.assert_invariants().await;
}

/// Revokes of old-shape authorizations racing the migration: whichever commits first, each
/// authorization is uncounted exactly once (the revoke's condition on `countShard` being
/// absent makes it read again after a move), and the counts stay exact.
#[tokio::test]
async fn revokes_racing_the_migration_keep_the_counts_exact() {
    let app = TestApp::spawn_on_semantics().await;
    let mut users = Vec::new();
    for i in 0..6 {
        users.push(user(&app, &format!("race-{i}")).await);
    }
    let party = fresh_party();
    old_shape_party(&app, &party, &users).await;
    let revoke = |u: &String| {
        let path = format!("/v1/users/{u}/parties/{party}");
        let app = &app;
        async move { app.call(Method::DELETE, &path, None).await.0 }
    };
    let (done, r0, r1, r2) = tokio::join!(
        app.store.migrate_party_counts(&app.org),
        revoke(&users[0]),
        revoke(&users[2]),
        revoke(&users[4])
    );
    let statuses = vec![r0, r1, r2];
    let done = done.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(done.shards_created, 8);
    assert!(done.authorizations_moved <= 6, "{done:?}");
    assert_eq!(done.parties_with_stray_base, 0, "{done:?}");
    assert_eq!(statuses, vec![StatusCode::NO_CONTENT; 3]);
    // Whatever the race left unconverted, a second run converts.
    app.store
        .migrate_party_counts(&app.org)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(counts(&app, &party).await, (json!(3), json!(3), json!(3)));
    app.assert_invariants().await;
}

/// The organization's counters need no migration: an organization whose counts are on its
/// `ORG` item (as before their sharding, moved there from the shards here) lists exact totals,
/// and new writes add to the shards on top of that base.
#[tokio::test]
async fn org_counters_on_the_org_item_are_the_base_the_shards_add_to() {
    let app = TestApp::spawn().await;
    for i in 0..3 {
        user(&app, &format!("base-{i}")).await;
    }
    let client = app.store.client();
    let org_pk = format!("ORG#{}", app.org);
    // Fold every shard into the org item, and remove the shards.
    let mut sums: HashMap<String, i64> = HashMap::new();
    for (sk, item) in app.partition().await {
        if !sk.starts_with(keys::ORG_COUNTER_PREFIX) {
            continue;
        }
        for (name, value) in &item {
            if let AttributeValue::N(n) = value {
                *sums.entry(name.clone()).or_default() += n.parse::<i64>().unwrap_or(0);
            }
        }
        client
            .delete_item()
            .table_name(TABLE)
            .key("PK", s(&org_pk))
            .key("SK", s(&sk))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
    }
    assert_eq!(sums.get("usersACTIVE"), Some(&4), "{sums:?}");
    let mut update = client
        .update_item()
        .table_name(TABLE)
        .key("PK", s(&org_pk))
        .key("SK", s("ORG"));
    let mut parts = Vec::new();
    for (i, (name, sum)) in sums.iter().enumerate() {
        parts.push(format!("#n{i} :v{i}"));
        update = update
            .expression_attribute_names(format!("#n{i}"), name)
            .expression_attribute_values(format!(":v{i}"), AttributeValue::N(sum.to_string()));
    }
    update
        .update_expression(format!("ADD {}", parts.join(", ")))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(app
        .partition()
        .await
        .iter()
        .all(|(sk, _)| !sk.starts_with(keys::ORG_COUNTER_PREFIX)));

    let (_, page) = app.call(Method::GET, "/v1/users?limit=1", None).await;
    assert_eq!(page["pagination"]["totalItems"], 4, "{page}");
    let id = user(&app, "after-base").await;
    let (status, _) = app
        .call(Method::POST, &format!("/v1/users/{id}/deactivate"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = app.call(Method::GET, "/v1/users?limit=1", None).await;
    assert_eq!(page["pagination"]["totalItems"], 5, "{page}");
    let (_, inactive) = app
        .call(Method::GET, "/v1/users?status=INACTIVE&limit=1", None)
        .await;
    assert_eq!(inactive["pagination"]["totalItems"], 1, "{inactive}");
    app.assert_invariants().await;
    // And the party migration finds nothing to do here.
    let done = app
        .store
        .migrate_party_counts(&app.org)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(done, PartyCountMigration::default());
}
