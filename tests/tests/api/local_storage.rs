//! DynamoDB Local as the scripts start it (`scripts/dynamodb-local.sh`, used by `make dev` and
//! `make test`): one shared database, so any dummy credentials and region see the same tables.
//! (DynamoDB Local accepts access key ids of letters and digits only.)

use aws_sdk_dynamodb::config::{Credentials, Region};
use roster_tests::{config, TestApp, TABLE};

#[tokio::test]
async fn other_dummy_credentials_and_region_see_the_same_table() {
    // The harness made the table (and an organization) with the scripts' credentials.
    let app = TestApp::spawn().await;
    let conf = roster_shared::store::client_builder(&config())
        .credentials_provider(Credentials::new(
            "someoneelse",
            "anothersecret",
            None,
            None,
            "test",
        ))
        .region(Region::new("ap-southeast-2"))
        .build();
    let other = aws_sdk_dynamodb::Client::from_conf(conf);
    let described = other
        .describe_table()
        .table_name(TABLE)
        .send()
        .await
        .unwrap_or_else(|e| panic!("other credentials do not see {TABLE}: {e:?}"));
    assert_eq!(described.table().and_then(|t| t.table_name()), Some(TABLE));
    // And they read the very items the API wrote.
    let org = other
        .get_item()
        .table_name(TABLE)
        .key(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("ORG#{}", app.org)),
        )
        .key(
            "SK",
            aws_sdk_dynamodb::types::AttributeValue::S("ORG".into()),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(org.item().is_some(), "the organization item is visible");
}
