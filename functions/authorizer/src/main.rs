//! The authorizer Lambda function: config, SDK client and connection once per cold start.

use roster_shared::http::lambda;

// One thread: a Lambda instance serves one event at a time on a fraction of a vCPU (0.14 at
// 256 MB, 0.29 at 512 MB), so worker threads only add their start-up and cross-thread wake-ups
// to every request; password hashing still runs on tokio's blocking pool.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::serve(|roster| {
        move |event| {
            let roster = roster.clone();
            async move { roster_authorizer::handle(&roster, event).await }
        }
    })
    .await
}
