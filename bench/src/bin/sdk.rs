//! The second reference point: the hello-world plus the DynamoDB client exactly as the Roster
//! functions build it at init (`Config::from_env`, `Store::connect`, `Store::warm_up`), answering
//! each event with one `GetItem`. Between this and the hello-world: what the SDK, TLS and
//! `aws-config` cost in size, init time and memory; between this and a function: what Roster's
//! own code (routes, service, logging) costs. Prints the time of each init step to stderr
//! (`bench-init …`), which the bench reads.

use std::time::Instant;

use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::lambda_runtime::{run, service_fn, Error, LambdaEvent};
use roster_shared::config::Config;
use roster_shared::store::Store;
use serde_json::{json, Value};

/// One consistent `GetItem` of the item the event names (`{"pk": …, "sk": …}`: the bench sends
/// the user item the users function's first event reads, so both fetch and decode the same
/// bytes; a named item that is missing is an error), or of a missing item when it names none.
async fn handler(store: &Store, event: LambdaEvent<Value>) -> Result<Value, Error> {
    let key = |name: &str| {
        event.payload[name]
            .as_str()
            .unwrap_or("BENCH#SDK")
            .to_string()
    };
    let out = store
        .client()
        .get_item()
        .table_name(store.table())
        .key("PK", AttributeValue::S(key("pk")))
        .key("SK", AttributeValue::S(key("sk")))
        .consistent_read(true)
        .send()
        .await?;
    match out.item {
        Some(item) => Ok(json!({ "attributes": item.len() })),
        // A named item that is not there: the bench's event is wrong, say so (a failed event).
        None if event.payload.get("pk").is_some() => Err("the named item is missing".into()),
        None => Ok(json!({ "attributes": 0 })),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let config = Config::from_env()?;
    // Store::connect, in its two steps (the functions' client also carries Roster's
    // interceptor).
    let sdk = roster_shared::store::client_builder(&config).build();
    let config_ms = ms(t);
    let t = Instant::now();
    let store = Store::new(aws_sdk_dynamodb::Client::from_conf(sdk), &config.table_name);
    let client_ms = ms(t);
    let t = Instant::now();
    store.warm_up().await;
    let warm_up_ms = ms(t);
    eprintln!(
        "bench-init client_config_ms={config_ms:.3} client_new_ms={client_ms:.3} \
         warm_up_ms={warm_up_ms:.3}"
    );
    run(service_fn(|event| handler(&store, event))).await
}
