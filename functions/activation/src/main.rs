//! The activation Lambda function: answers API Gateway events and the scheduled sweep event.

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
    let router = roster_activation::routes().into_router(roster.clone());
    lambda_http::lambda_runtime::run(lambda_http::service_fn(move |event| {
        roster_activation::handle_event(router.clone(), roster.clone(), event)
    }))
    .await
}
