//! Prints what the users function's own init steps cost (the parts `sdk-lambda` does not do),
//! to find where a cold start goes: the log subscriber, the configuration, the client, the
//! service and the router.
//!
//! `TABLE_NAME=t AWS_REGION=eu-west-1 cargo run --release -p roster-users --example init_cost`

use std::time::Instant;

use roster_shared::config::Config;
use roster_shared::service::Roster;
use roster_shared::store::Store;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    roster_shared::http::lambda::init_tracing();
    let tracing_ms = ms(t);
    let t = Instant::now();
    let config = Config::from_env()?;
    let config_ms = ms(t);
    let t = Instant::now();
    let store = Store::connect(&config);
    let connect_ms = ms(t);
    let t = Instant::now();
    let roster = Roster::new(store, &config);
    let roster_ms = ms(t);
    let t = Instant::now();
    let router = roster_users::routes().into_router(roster.clone());
    let router_first_ms = ms(t);
    let rounds = 20;
    let t = Instant::now();
    for _ in 0..rounds {
        drop(roster_users::routes().into_router(roster.clone()));
    }
    let router_ms = ms(t) / f64::from(rounds);
    drop(router);
    println!(
        "init_tracing {tracing_ms:.3} ms, Config::from_env {config_ms:.3} ms, Store::connect \
         {connect_ms:.3} ms, Roster::new {roster_ms:.3} ms, router {router_first_ms:.3} ms first \
         ({router_ms:.3} ms mean of {rounds} more)"
    );
    Ok(())
}
