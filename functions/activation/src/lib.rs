//! The activation function: activate, deactivate and restore users (one or a batch), and the
//! scheduled expiry sweep. One binary answers both API Gateway events and EventBridge's
//! scheduled event.

use std::time::Duration;

use axum::Router;
use lambda_http::lambda_runtime::LambdaEvent;
use roster_shared::http::RouteSet;
use roster_shared::service::Roster;
use serde_json::Value;

/// Every route of this function, as `template.yaml` declares them (in `roster-surfaces`).
pub fn routes() -> RouteSet {
    roster_surfaces::activation()
}

/// Time kept in reserve before the Lambda deadline when the sweep stops.
const SWEEP_MARGIN: Duration = Duration::from_secs(2);

/// True for EventBridge scheduled events (`source: aws.events`, `detail-type: Scheduled Event`).
pub fn is_scheduled_event(payload: &Value) -> bool {
    payload.get("source").and_then(Value::as_str) == Some("aws.events")
        && payload.get("detail-type").and_then(Value::as_str) == Some("Scheduled Event")
}

/// One invocation: the expiry sweep for a scheduled event, the router for an HTTP event.
pub async fn handle_event(
    router: Router,
    roster: Roster,
    event: LambdaEvent<Value>,
) -> Result<Value, lambda_http::Error> {
    let (payload, context) = event.into_parts();
    if is_scheduled_event(&payload) {
        let deadline = context.deadline();
        let should_stop = move || {
            let left = deadline
                .duration_since(std::time::SystemTime::now())
                .unwrap_or_default();
            left < SWEEP_MARGIN
        };
        let summary = roster_shared::obs::invocation(&context, "SWEEP", async {
            match roster.sweep_expired(should_stop).await {
                Ok(summary) => {
                    tracing::info!(
                        examined = summary.examined,
                        deactivated = summary.deactivated,
                        skipped = summary.skipped,
                        failed = summary.failed,
                        stopped_early = summary.stopped_early,
                        "expiry sweep finished"
                    );
                    roster_shared::obs::metrics::sweep_document(
                        summary.examined,
                        summary.deactivated,
                        summary.skipped,
                        summary.failed,
                    )
                    .emit();
                    (Ok(summary), 200, None)
                }
                Err(e) => {
                    let (status, code) = (e.status(), e.code());
                    (Err(e), status, Some(code))
                }
            }
        })
        .await?;
        return Ok(serde_json::to_value(summary)?);
    }
    roster_shared::http::lambda::http_event(router, LambdaEvent::new(payload, context)).await
}
