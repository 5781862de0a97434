//! The authorizer Lambda function: config, SDK client and connection once per cold start.

use roster_shared::http::lambda;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::serve(|roster| {
        move |event| {
            let roster = roster.clone();
            async move { roster_authorizer::handle(&roster, event).await }
        }
    })
    .await
}
