//! The party Lambda function: every surface's party routes, served by `lambda::serve`.

use roster_shared::http::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::serve(|roster| {
        let router = roster_party::routes().into_router(roster);
        move |event| lambda::http_event(router.clone(), event)
    })
    .await
}
