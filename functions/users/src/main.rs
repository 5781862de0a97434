//! The users Lambda function: every surface's users routes, served by `lambda::serve`.

use roster_shared::http::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::serve(|roster| {
        let router = roster_users::routes().into_router(roster);
        move |event| lambda::http_event(router.clone(), event)
    })
    .await
}
