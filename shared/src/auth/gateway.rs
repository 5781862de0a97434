//! The API Gateway REQUEST authorizer's decision, and the principal it hands to the functions.
//!
//! The authorizer validates the key exactly as the functions do ([`Authenticator`]), then answers
//! with a policy for the method, the principal in the context, and the organization's usage-plan
//! key as `usageIdentifierKey` (the API's key source is `AUTHORIZER`), so every key of an
//! organization is metered and throttled under that organization.

use std::collections::HashMap;
use std::net::IpAddr;

use lambda_http::aws_lambda_events::apigw::ApiGatewayCustomAuthorizerRequestTypeRequest;
use serde_json::{json, Value};

use super::{key_from_headers, Authenticator, Principal};
use crate::domain::{KeyId, Language, OrgId, Role, UserId};
use crate::Error;

/// Context keys the authorizer sets and the functions read.
pub mod context_keys {
    pub const ORG: &str = "org";
    pub const USER: &str = "userId";
    pub const ROLE: &str = "role";
    pub const KEY: &str = "keyId";
    pub const LANGUAGE: &str = "orgLanguage";
    /// The organization's audit retention in days.
    pub const RETENTION: &str = "auditRetentionDays";
    /// On a deny: the machine code of the reason (the `ACCESS_DENIED` gateway response shows it
    /// as `code`, so callers see `IP_NOT_ALLOWED` or `CALLER_INACTIVE` as on the functions).
    pub const CODE: &str = "code";
    /// On a deny: the human-readable reason (the gateway response's `detail`).
    pub const DETAIL: &str = "detail";
}

/// What API Gateway is told.
#[derive(Debug)]
pub enum Decision {
    /// No key, or an unknown/revoked key, or a deleted user's: API Gateway answers 401.
    Unauthorized,
    /// A valid key that may not call now (inactive user, blocked address): 403.
    Deny {
        principal_id: String,
        code: &'static str,
        detail: String,
    },
    Allow {
        principal: Principal,
        usage_key: Option<String>,
    },
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::ApUser => "ApUser",
        Role::ApManager => "ApManager",
    }
}

/// Decides for one authorizer request. Storage failures are errors: the authorizer fails, and
/// API Gateway answers with its `AUTHORIZER_CONFIGURATION_ERROR` gateway response, which the
/// template makes a 503 problem+json with `Retry-After`.
pub async fn decide(
    auth: &Authenticator,
    request: &ApiGatewayCustomAuthorizerRequestTypeRequest,
) -> Result<Decision, Error> {
    let Some(key) = key_from_headers(&request.headers) else {
        return Ok(Decision::Unauthorized);
    };
    let access = match auth.resolve(&key).await {
        Ok(access) => access,
        Err(Error::MissingApiKey | Error::InvalidApiKey) => return Ok(Decision::Unauthorized),
        Err(e @ Error::CallerInactive(_)) => {
            return Ok(Decision::Deny {
                principal_id: "inactive".into(),
                code: e.code(),
                detail: e.detail(),
            })
        }
        Err(e) => return Err(e),
    };
    let source: Option<IpAddr> = request
        .request_context
        .identity
        .as_ref()
        .and_then(|i| i.source_ip.as_deref())
        .and_then(|ip| ip.parse().ok());
    if let Err(e) = access.check_source(source) {
        return Ok(Decision::Deny {
            principal_id: access.principal.user_id.to_string(),
            code: e.code(),
            detail: e.detail(),
        });
    }
    Ok(Decision::Allow {
        principal: access.principal,
        usage_key: access.usage_key,
    })
}

fn policy(effect: &str, method_arn: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": method_arn}]
    })
}

/// The authorizer's answer as API Gateway expects it; `Err("Unauthorized")` makes it a 401.
pub fn response(decision: Decision, method_arn: &str) -> Result<Value, &'static str> {
    match decision {
        Decision::Unauthorized => Err("Unauthorized"),
        Decision::Deny {
            principal_id,
            code,
            detail,
        } => Ok(json!({
            "principalId": principal_id,
            "policyDocument": policy("Deny", method_arn),
            // The gateway response pastes these into a JSON string: keep them plain.
            "context": { context_keys::CODE: code, context_keys::DETAIL: plain(&detail) },
        })),
        Decision::Allow {
            principal,
            usage_key,
        } => {
            let mut answer = json!({
                "principalId": principal.user_id.as_str(),
                "policyDocument": policy("Allow", method_arn),
                "context": {
                    context_keys::ORG: principal.org.as_str(),
                    context_keys::USER: principal.user_id.as_str(),
                    context_keys::ROLE: role_name(principal.role),
                    context_keys::KEY: principal.key_id.as_ref().map(KeyId::as_str).unwrap_or_default(),
                    context_keys::LANGUAGE: principal.org_language.as_str(),
                    context_keys::RETENTION: principal.audit_retention_days.to_string(),
                },
            });
            if let Some(key) = usage_key {
                answer["usageIdentifierKey"] = Value::String(key);
            }
            Ok(answer)
        }
    }
}

/// `text` without the characters that would break out of a JSON string in a gateway response
/// template (which substitutes `$context.authorizer.*` verbatim).
fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '"' | '\\') && !c.is_control())
        .collect()
}

/// The principal the authorizer put in a request's context (API Gateway REST events only).
pub fn principal_from_context(fields: &HashMap<String, Value>) -> Option<Principal> {
    let text = |name: &str| fields.get(name).and_then(Value::as_str);
    Some(Principal {
        org: OrgId::parse(text(context_keys::ORG)?).ok()?,
        user_id: UserId::parse(text(context_keys::USER)?).ok()?,
        role: Role::parse(text(context_keys::ROLE)?).ok()?,
        key_id: text(context_keys::KEY).and_then(|k| KeyId::parse(k).ok()),
        org_language: Language::parse(text(context_keys::LANGUAGE)?).ok()?,
        actor: None,
        audit_retention_days: Principal::retention_or_default(
            text(context_keys::RETENTION).and_then(|d| d.parse().ok()),
        ),
        origin: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal() -> Principal {
        Principal {
            org: OrgId::parse("acme").unwrap_or_else(|e| panic!("{e}")),
            user_id: UserId::generate(),
            role: Role::ApManager,
            key_id: Some(KeyId::generate()),
            org_language: Language::default_language(),
            actor: None,
            audit_retention_days: 90,
            origin: Default::default(),
        }
    }

    #[test]
    fn an_allow_round_trips_the_principal_through_the_context() {
        let p = principal();
        let answer = response(
            Decision::Allow {
                principal: p.clone(),
                usage_key: Some("gw-key".into()),
            },
            "arn:x",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], "Allow");
        assert_eq!(answer["usageIdentifierKey"], "gw-key");
        let fields: HashMap<String, Value> = answer["context"]
            .as_object()
            .map(|m| m.clone().into_iter().collect())
            .unwrap_or_default();
        assert_eq!(principal_from_context(&fields), Some(p));
    }

    #[test]
    fn unauthorized_is_the_error_api_gateway_maps_to_401() {
        assert_eq!(
            response(Decision::Unauthorized, "arn:x").err(),
            Some("Unauthorized")
        );
        let deny = response(
            Decision::Deny {
                principal_id: "u".into(),
                code: "IP_NOT_ALLOWED",
                detail: "say \"hi\"\\\n".into(),
            },
            "arn:x",
        )
        .unwrap_or_default();
        assert_eq!(deny["policyDocument"]["Statement"][0]["Effect"], "Deny");
        assert_eq!(deny["context"]["code"], "IP_NOT_ALLOWED");
        assert_eq!(
            deny["context"]["detail"], "say hi",
            "nothing that breaks a template"
        );
    }

    #[test]
    fn a_context_without_our_keys_is_no_principal() {
        assert_eq!(principal_from_context(&HashMap::new()), None);
        let forged: HashMap<String, Value> = [
            ("org".to_string(), json!("acme")),
            ("userId".to_string(), json!("nope")),
        ]
        .into();
        assert_eq!(principal_from_context(&forged), None);
    }
}
