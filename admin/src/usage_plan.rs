//! The organization's API Gateway usage key: created, attached to the stack's usage plan, and
//! stored with the organization so the authorizer can name it as `usageIdentifierKey`.

use roster_shared::domain::OrgId;
use roster_shared::store::{OrgSettings, Store};

pub async fn attach(store: &Store, org: &OrgId, usage_plan_id: &str) -> Result<(), String> {
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(roster_shared::store::https_client())
        .load()
        .await;
    let apigateway = aws_sdk_apigateway::Client::new(&sdk);
    let key = apigateway
        .create_api_key()
        .name(format!("roster-{org}"))
        .description(format!(
            "Usage key of Roster organization {org} (metering only; callers use Roster keys)"
        ))
        .enabled(true)
        .send()
        .await
        .map_err(|e| {
            format!(
                "creating the API Gateway key failed: {}",
                aws_sdk_apigateway::error::DisplayErrorContext(&e)
            )
        })?;
    let (Some(id), Some(value)) = (
        key.id().map(str::to_string),
        key.value().map(str::to_string),
    ) else {
        return Err("API Gateway returned a key without id or value".into());
    };
    apigateway
        .create_usage_plan_key()
        .usage_plan_id(usage_plan_id)
        .key_id(&id)
        .key_type("API_KEY")
        .send()
        .await
        .map_err(|e| {
            format!(
                "attaching key {id} to usage plan {usage_plan_id} failed: {}",
                aws_sdk_apigateway::error::DisplayErrorContext(&e)
            )
        })?;
    let audit = store
        .operator_context(org)
        .await
        .map_err(|e| format!("reading the organization failed: {} ({e})", e.detail()))?;
    store
        .update_org_settings(
            org,
            &OrgSettings {
                usage_key: Some((id.clone(), value)),
                ..OrgSettings::default()
            },
            &audit,
        )
        .await
        .map_err(|e| format!("storing the usage key failed: {} ({e})", e.detail()))?;
    eprintln!("organization {org}: usage key {id} attached to usage plan {usage_plan_id}");
    Ok(())
}
