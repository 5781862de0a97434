//! The activation Lambda function: answers API Gateway events and the scheduled sweep event.

use roster_shared::http::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::serve(|roster| {
        let router = roster_activation::routes().into_router(roster.clone());
        move |event| roster_activation::handle_event(router.clone(), roster.clone(), event)
    })
    .await
}
