//! The hello-world `lambda_runtime` function the Roster binaries' cold start and size are compared
//! with: no configuration, no SDK, no logging — answer every event with a constant.

use lambda_http::lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::{json, Value};

async fn handler(_event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(json!({ "message": "hello" }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(handler)).await
}
