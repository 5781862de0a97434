//! `GET /v1/audit`: the organization's audit trail, newest first (ApManager only).

use axum::extract::State;
use http::Uri;

use roster_shared::audit::{parse_bound, Action};
use roster_shared::domain::{KeyId, OrgId, PartyId, UserId};
use roster_shared::error::Problems;
use roster_shared::http::{page_body, Doc, Manager, PagingSpec, QueryParams};
use roster_shared::service::Roster;
use roster_shared::store::AuditFilter;
use roster_shared::Error;

const TIME_MESSAGE: &str = "must be a date (2024-01-31) or an RFC 3339 date-time";

/// A target id as records name it: a user id, an API key id, a party id (compared lower-case,
/// as stored; also one whose ICD has since been removed) or an organization id (only the
/// caller's own has records here).
fn target(value: &str) -> Result<String, String> {
    if let Ok(user) = UserId::parse(value) {
        return Ok(user.to_string());
    }
    if let Ok(key) = KeyId::parse(value) {
        return Ok(key.to_string());
    }
    if let Ok(party) = PartyId::parse_existing(value) {
        return Ok(party.to_string());
    }
    OrgId::parse(value)
        .map(|o| o.to_string())
        .map_err(|_| "must be a user id, an API key id, a party id or an organization id".into())
}

/// An actor as records name it: a user id, `system` (the expiry sweep) or `operator`.
fn actor(value: &str) -> Result<String, String> {
    match value {
        "system" | "operator" => Ok(value.to_string()),
        _ => UserId::parse(value)
            .map(|u| u.to_string())
            .map_err(|_| "must be a user id, system or operator".to_string()),
    }
}

pub async fn list_audit(
    State(roster): State<Roster>,
    Manager(caller): Manager,
    uri: Uri,
    query: QueryParams,
) -> Result<Doc, Error> {
    let mut problems = Problems::default();
    let paging = query.paging(&PagingSpec::NATIVE, &mut problems);
    let filter = AuditFilter {
        since_ms: query.parse("since", &mut problems, |v| {
            parse_bound(v, false).ok_or_else(|| TIME_MESSAGE.to_string())
        }),
        until_ms: query.parse("until", &mut problems, |v| {
            parse_bound(v, true).ok_or_else(|| TIME_MESSAGE.to_string())
        }),
        target: query.parse("target", &mut problems, target),
        actor: query.parse("actor", &mut problems, actor),
        action: query.parse("action", &mut problems, Action::parse),
    };
    problems.finish()?;
    let page = roster.list_audit(&caller, filter, &paging).await?;
    Ok(Doc::ok(page_body(&page, &uri)))
}
