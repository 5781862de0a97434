//! The REQUEST authorizer: one event in, one decision out. The decision logic lives in
//! `roster_shared::auth::gateway`, shared with the functions' own authentication.

use lambda_http::aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest;
use lambda_http::lambda_runtime::LambdaEvent;
use roster_shared::auth::gateway::{self, Decision};
use roster_shared::service::Roster;
use serde_json::Value;

/// Answers one authorizer event. `Err("Unauthorized")` is how a Lambda authorizer tells API
/// Gateway to answer 401 (Lambda counts it as a function error, so alarms use the log line's
/// `decision` instead). A storage failure is any other error: API Gateway answers with the
/// `AUTHORIZER_CONFIGURATION_ERROR` gateway response (503 + `Retry-After` in the template), and
/// the line logged with `decision = "error"` feeds the `AuthorizerFailures` metric.
pub async fn handle(
    roster: &Roster,
    event: LambdaEvent<Value>,
) -> Result<Value, lambda_http::Error> {
    let (payload, context) = event.into_parts();
    roster_shared::obs::invocation(&context, "AUTHORIZER", async {
        let result = decide(roster, payload).await;
        let (status, code) = match &result {
            Ok((Decision::Allow { .. }, _)) => (200, None),
            Ok((Decision::Deny { code, .. }, _)) => (403, Some(*code)),
            Ok((Decision::Unauthorized, _)) => (401, Some("UNAUTHORIZED")),
            Err(_) => (500, Some("INTERNAL")),
        };
        let response = result.and_then(|(decision, method_arn)| {
            gateway::response(decision, &method_arn).map_err(lambda_http::Error::from)
        });
        (response, status, code)
    })
    .await
}

/// The decision for one authorizer event, logged (inside the invocation's context).
async fn decide(roster: &Roster, payload: Value) -> Result<(Decision, String), lambda_http::Error> {
    let request: ApiGatewayCustomAuthorizerRequestTypeRequest = serde_json::from_value(payload)?;
    let method_arn = request.method_arn.clone().unwrap_or_default();
    let decision = gateway::decide(&roster.auth, &request).await.map_err(|e| {
        tracing::error!(
            decision = "error",
            code = e.code(),
            error = %e,
            "authorizer"
        );
        lambda_http::Error::from(e.detail())
    })?;
    match &decision {
        Decision::Allow {
            principal,
            usage_key,
        } => {
            roster_shared::http::RequestInfo::current().set_org(principal.org.as_str());
            tracing::info!(
                user = %principal.user_id,
                metered = usage_key.is_some(),
                decision = "allow",
                "authorizer"
            )
        }
        Decision::Deny { code, .. } => {
            tracing::info!(decision = "deny", error_code = code, "authorizer")
        }
        Decision::Unauthorized => {
            tracing::info!(decision = "unauthorized", "authorizer")
        }
    }
    Ok((decision, method_arn))
}
