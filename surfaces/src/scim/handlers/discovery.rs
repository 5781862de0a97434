//! `ServiceProviderConfig`, `Schemas`, `ResourceTypes` (RFC 7644 §4): read-only, describing
//! only what Roster keeps and supports.

use axum::extract::Path;
use serde_json::{json, Value};

use crate::scim::error::{ScimCaller, ScimError};
use crate::scim::extract::{Base, Scim};
use crate::scim::plan::MAX_RESULTS;
use crate::scim::schema::{self, LIST_RESPONSE};

fn list(resources: Vec<Value>) -> Scim {
    Scim::ok(json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    }))
}

fn one(resources: Vec<Value>, id: &str, what: &str) -> Result<Scim, ScimError> {
    resources
        .into_iter()
        .find(|r| r["id"].as_str().is_some_and(|i| i.eq_ignore_ascii_case(id)))
        .map(Scim::ok)
        .ok_or_else(|| ScimError::not_found(format!("No {what} {id}.")))
}

pub async fn service_provider_config(_: ScimCaller, Base(base): Base) -> Scim {
    Scim::ok(schema::service_provider_config(&base, MAX_RESULTS))
}

pub async fn schemas(_: ScimCaller, Base(base): Base) -> Scim {
    list(schema::schema_docs(&base))
}

pub async fn schema(
    _: ScimCaller,
    Base(base): Base,
    Path(id): Path<String>,
) -> Result<Scim, ScimError> {
    one(schema::schema_docs(&base), &id, "schema")
}

pub async fn resource_types(_: ScimCaller, Base(base): Base) -> Scim {
    list(schema::resource_type_docs(&base))
}

pub async fn resource_type(
    _: ScimCaller,
    Base(base): Base,
    Path(id): Path<String>,
) -> Result<Scim, ScimError> {
    one(schema::resource_type_docs(&base), &id, "resource type")
}
