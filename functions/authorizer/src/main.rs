//! The authorizer Lambda function: config, SDK client and connection once per cold start.

use roster_shared::config::Config;
use roster_shared::http::lambda;
use roster_shared::service::Roster;
use roster_shared::store::Store;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::init_tracing();
    let config = Config::from_env()?;
    let store = Store::connect(&config).await;
    store.warm_up().await;
    let roster = Roster::new(store, &config);
    lambda_http::lambda_runtime::run(lambda_http::service_fn(|event| {
        roster_authorizer::handle(&roster, event)
    }))
    .await
}
