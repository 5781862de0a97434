//! The users Lambda function: every surface's users routes, served by `lambda::serve`.

use roster_shared::http::lambda;

// One thread: a Lambda instance serves one event at a time on a fraction of a vCPU (0.14 at
// 256 MB, 0.29 at 512 MB), so worker threads only add their start-up and cross-thread wake-ups
// to every request; password hashing still runs on tokio's blocking pool.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    lambda::serve(|roster| {
        let router = roster_users::routes().into_router(roster);
        move |event| lambda::http_event(router.clone(), event)
    })
    .await
}
