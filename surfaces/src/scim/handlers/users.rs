//! `/Users`: create, read, list and search, replace, patch, delete. Extract → service → respond;
//! the mapping lives in `dto/`, `patch/` and `plan.rs`.

use std::collections::BTreeMap;

use axum::extract::{FromRequestParts, Path};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::StatusCode;
use serde_json::{json, Map, Value};

use axum::extract::State;
use roster_shared::domain::{Precondition, Status, User, UserId};
use roster_shared::service::{NewUser, Patch, Roster, UserChanges};
use roster_shared::store::UserFilter;

use crate::scim::dto::{self, Mapped, SURFACE};
use crate::scim::error::{ScimCaller, ScimError};
use crate::scim::extract::{Base, Body, IfMatch, Query, Scim};
use crate::scim::filter::{self, AttrPath, Filter};
use crate::scim::patch;
use crate::scim::plan::{self, Plan, MAX_RESULTS, SCAN_BOUND};
use crate::scim::schema::{LIST_RESPONSE, SEARCH_REQUEST};

type Caller = roster_shared::auth::Principal;

/// `attributes` / `excludedAttributes` of a read.
struct Shape {
    attributes: Vec<AttrPath>,
    excluded: Vec<AttrPath>,
}

impl Shape {
    fn from_texts(attributes: Option<&str>, excluded: Option<&str>) -> Result<Self, ScimError> {
        let list = |name: &str, t| {
            plan::attribute_list(t)
                .map_err(|e| ScimError::bad("invalidValue", format!("{name}: {e}")))
        };
        Ok(Self {
            attributes: list("attributes", attributes)?,
            excluded: list("excludedAttributes", excluded)?,
        })
    }

    fn of(query: &Query) -> Result<Self, ScimError> {
        Self::from_texts(query.get("attributes"), query.get("excludedAttributes"))
    }

    fn render(&self, user: &User, base: &str) -> Value {
        plan::project(dto::render(user, base), &self.attributes, &self.excluded)
    }
}

fn user_id(id: &str) -> Result<UserId, ScimError> {
    UserId::parse(id).map_err(|_| ScimError::user_not_found(id))
}

/// A live user of the caller's organization: deleted users are gone on this surface (404, as
/// RFC 7644 §3.6 requires after a DELETE).
async fn live_user(roster: &Roster, caller: &Caller, id: &str) -> Result<User, ScimError> {
    let user = match roster.get_user(caller, &user_id(id)?).await {
        Err(roster_shared::Error::NotFound(_)) => return Err(ScimError::user_not_found(id)),
        other => other?,
    };
    if user.status == Status::Deleted {
        return Err(ScimError::user_not_found(id));
    }
    Ok(user)
}

/// The live user `id` names, if `If-Match` admits its version (412 otherwise).
async fn user_to_change(
    roster: &Roster,
    caller: &Caller,
    id: &str,
    if_match: Option<&Precondition>,
) -> Result<User, ScimError> {
    let user = live_user(roster, caller, id).await?;
    if if_match.is_some_and(|p| !p.admits(user.version)) {
        return Err(ScimError::precondition());
    }
    Ok(user)
}

/// Stores `mapped` as the new state of `user`, conditional on the version read; 200 with the
/// user as stored.
async fn store(
    roster: &Roster,
    caller: &Caller,
    user: &User,
    mapped: Mapped,
    shape: &Shape,
    base: &str,
) -> Result<Scim, ScimError> {
    let changes = replacement(mapped, user);
    let after = roster
        .update_user(caller, &user.id, changes, Some(user.version.into()))
        .await?;
    Ok(Scim::ok(shape.render(&after, base)).versioned(after.version))
}

fn kept(mapped: &Mapped) -> BTreeMap<String, Option<String>> {
    BTreeMap::from([(SURFACE.to_string(), Some(mapped.kept.clone()))])
}

/// The full new state a PUT (or a patched resource) gives, as a change of `old`. `roles` that
/// named a Roster role and name none any more give the default role (ApUser); `roles` that never
/// named one leave Roster's role as it is.
fn replacement(mapped: Mapped, old: &User) -> UserChanges {
    let role = mapped
        .role
        .or_else(|| dto::shown_role(old).map(|_| roster_shared::domain::Role::ApUser));
    UserChanges {
        role,
        surface_data: kept(&mapped),
        username: Some(mapped.username),
        name: Some(mapped.name),
        emails: Some(mapped.emails),
        phone: mapped.phone.map_or(Patch::Clear, Patch::Set),
        // Left out: kept as it is (Roster's language is required).
        language: mapped.language,
        external_id: mapped.external_id.map_or(Patch::Clear, Patch::Set),
        status: mapped.status,
        password: mapped.password,
        ..UserChanges::default()
    }
}

/// Refuses a body `id` other than the resource's (`mutability`); the same id is ignored.
fn check_body_id(body: &Value, id: &str) -> Result<(), ScimError> {
    match filter::member(body, "id") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(s)) if s == id => Ok(()),
        Some(_) => Err(ScimError::bad("mutability", "id is immutable")),
    }
}

fn created(user: &User, base: &str, shape: &Shape) -> Scim {
    Scim {
        status: StatusCode::CREATED,
        body: shape.render(user, base),
        version: Some(user.version),
        location: Some(format!("{base}/Users/{}", user.id)),
    }
}

/// `POST /Users`: 201 with the user, `Location` and `ETag`.
pub async fn create(
    State(roster): State<Roster>,
    ScimCaller(caller): ScimCaller,
    Base(base): Base,
    query: Query,
    Body(body): Body,
) -> Result<Scim, ScimError> {
    let shape = Shape::of(&query)?;
    let mapped = dto::map(&dto::normalize(&body)?)?;
    let new = NewUser {
        surface_data: roster_shared::domain::SurfaceData::new(BTreeMap::from([(
            SURFACE.to_string(),
            mapped.kept.clone(),
        )]))
        .map_err(|e| ScimError::bad("invalidValue", e))?,
        username: Some(mapped.username),
        name: Some(mapped.name),
        emails: mapped.emails,
        phone: mapped.phone,
        language: mapped.language,
        external_id: mapped.external_id,
        role: mapped.role,
        status: mapped.status,
        password: mapped.password,
        ..NewUser::default()
    };
    let user = roster.create_user(&caller, new).await?;
    Ok(created(&user, &base, &shape))
}

/// `GET /Users/{id}`.
pub async fn get(
    State(roster): State<Roster>,
    ScimCaller(caller): ScimCaller,
    Base(base): Base,
    Path(id): Path<String>,
    query: Query,
) -> Result<Scim, ScimError> {
    let shape = Shape::of(&query)?;
    let user = live_user(&roster, &caller, &id).await?;
    Ok(Scim::ok(shape.render(&user, &base)).versioned(user.version))
}

/// What PUT and PATCH read besides the body, extracted in this order: the caller, the surface's
/// URL, the user's id, the query (the read shape) and `If-Match`.
pub struct Target {
    caller: Caller,
    base: String,
    id: String,
    query: Query,
    if_match: Option<Precondition>,
}

impl FromRequestParts<Roster> for Target {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, roster: &Roster) -> Result<Self, Response> {
        let ScimCaller(caller) = extract(parts, roster).await?;
        let Base(base) = extract(parts, roster).await?;
        let Path(id) = extract(parts, roster).await?;
        let query = extract(parts, roster).await?;
        let IfMatch(if_match) = extract(parts, roster).await?;
        Ok(Self {
            caller,
            base,
            id,
            query,
            if_match,
        })
    }
}

async fn extract<T: FromRequestParts<Roster>>(
    parts: &mut Parts,
    roster: &Roster,
) -> Result<T, Response> {
    T::from_request_parts(parts, roster)
        .await
        .map_err(IntoResponse::into_response)
}

/// `PUT /Users/{id}`: the body is the user's new state (left-out `active`, `roles`,
/// `preferredLanguage` and `password` keep Roster's values).
pub async fn replace(
    State(roster): State<Roster>,
    t: Target,
    Body(body): Body,
) -> Result<Scim, ScimError> {
    let shape = Shape::of(&t.query)?;
    let user = user_to_change(&roster, &t.caller, &t.id, t.if_match.as_ref()).await?;
    check_body_id(&body, &t.id)?;
    let mapped = dto::map(&dto::normalize(&body)?)?;
    store(&roster, &t.caller, &user, mapped, &shape, &t.base).await
}

/// `PATCH /Users/{id}`: the operations applied to the user as it is, then stored like a PUT.
pub async fn update(
    State(roster): State<Roster>,
    t: Target,
    Body(body): Body,
) -> Result<Scim, ScimError> {
    let shape = Shape::of(&t.query)?;
    let ops = patch::operations(&body)?;
    let user = user_to_change(&roster, &t.caller, &t.id, t.if_match.as_ref()).await?;
    let mut doc = dto::render_for_patch(&user);
    patch::apply(&mut doc, &ops)?;
    let mapped = dto::map(&dto::normalize(&Value::Object(doc))?)?;
    store(&roster, &t.caller, &user, mapped, &shape, &t.base).await
}

/// `DELETE /Users/{id}`: Roster's soft delete; 204, and 404 for the id afterwards.
pub async fn delete(
    State(roster): State<Roster>,
    ScimCaller(caller): ScimCaller,
    Path(id): Path<String>,
    IfMatch(if_match): IfMatch,
) -> Result<StatusCode, ScimError> {
    let user = user_to_change(&roster, &caller, &id, if_match.as_ref()).await?;
    roster.delete_user(&caller, &user.id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a list or search asks for.
struct Search {
    filter: Option<Filter>,
    start_index: usize,
    count: usize,
    shape: Shape,
}

fn whole_number(name: &str, value: Option<&Value>) -> Result<Option<i64>, ScimError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| {
            ScimError::bad("invalidValue", format!("{name}: must be a whole number"))
        }),
        Some(Value::String(s)) => {
            s.trim().parse::<i64>().map(Some).map_err(|_| {
                ScimError::bad("invalidValue", format!("{name}: must be a whole number"))
            })
        }
        Some(_) => Err(ScimError::bad(
            "invalidValue",
            format!("{name}: must be a whole number"),
        )),
    }
}

impl Search {
    fn new(
        filter: Option<&str>,
        start_index: Option<i64>,
        count: Option<i64>,
        shape: Shape,
    ) -> Result<Self, ScimError> {
        let filter = match filter.map(str::trim).filter(|f| !f.is_empty()) {
            Some(text) => {
                let f = filter::parse(text)
                    .map_err(|e| ScimError::bad("invalidFilter", format!("The filter {e}.")))?;
                plan::check_attributes(&f)
                    .map_err(|e| ScimError::bad("invalidFilter", format!("The filter {e}.")))?;
                Some(f)
            }
            None => None,
        };
        // RFC 7644 §3.4.2.4: below 1 is 1; a negative count is 0; above the maximum, the maximum.
        let start_index = usize::try_from(start_index.unwrap_or(1).max(1)).unwrap_or(1);
        let count = usize::try_from(
            count
                .unwrap_or(MAX_RESULTS as i64)
                .clamp(0, MAX_RESULTS as i64),
        )
        .unwrap_or(MAX_RESULTS);
        Ok(Self {
            filter,
            start_index,
            count,
            shape,
        })
    }

    fn from_query(query: &Query) -> Result<Self, ScimError> {
        let number = |name: &str| {
            whole_number(
                name,
                query.get(name).map(|v| Value::String(v.into())).as_ref(),
            )
        };
        Self::new(
            query.get("filter"),
            number("startIndex")?,
            number("count")?,
            Shape::of(query)?,
        )
    }

    fn from_body(body: &Value) -> Result<Self, ScimError> {
        let Value::Object(fields) = body else {
            return Err(ScimError::bad(
                "invalidSyntax",
                "The body must be a SearchRequest.",
            ));
        };
        let mut known = Map::new();
        for (k, v) in fields {
            let name = [
                "schemas",
                "filter",
                "startIndex",
                "count",
                "attributes",
                "excludedAttributes",
                "sortBy",
                "sortOrder",
            ]
            .into_iter()
            .find(|n| n.eq_ignore_ascii_case(k));
            let Some(name) = name else {
                return Err(ScimError::bad(
                    "invalidSyntax",
                    format!("{k}: is not a member of a SearchRequest"),
                ));
            };
            known.insert(name.to_string(), v.clone());
        }
        if let Some(schemas) = known.get("schemas") {
            if !schemas
                .as_array()
                .is_some_and(|s| s.iter().any(|x| x.as_str() == Some(SEARCH_REQUEST)))
            {
                return Err(ScimError::bad(
                    "invalidSyntax",
                    format!("schemas: must be [\"{SEARCH_REQUEST}\"]"),
                ));
            }
        }
        let text_list = |name: &str| -> Result<Option<String>, ScimError> {
            match known.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .map(|v| Some(v.join(",")))
                    .ok_or_else(|| {
                        ScimError::bad(
                            "invalidValue",
                            format!("{name}: must be a list of attribute paths"),
                        )
                    }),
                Some(_) => Err(ScimError::bad(
                    "invalidValue",
                    format!("{name}: must be a list of attribute paths"),
                )),
            }
        };
        let filter = match known.get("filter") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(ScimError::bad("invalidFilter", "filter: must be a string")),
        };
        let shape = Shape::from_texts(
            text_list("attributes")?.as_deref(),
            text_list("excludedAttributes")?.as_deref(),
        )?;
        Self::new(
            filter.as_deref(),
            whole_number("startIndex", known.get("startIndex"))?,
            whole_number("count", known.get("count"))?,
            shape,
        )
    }
}

/// Answers a search: the plan narrows what is read, the filter decides what matches.
async fn run(
    roster: &Roster,
    caller: &Caller,
    base: &str,
    search: Search,
) -> Result<Scim, ScimError> {
    let offset = search.start_index - 1;
    let (users, total): (Vec<User>, u64) = match plan::plan(search.filter.as_ref()) {
        Plan::Page => {
            roster
                .list_users_from(caller, UserFilter::default(), offset, search.count)
                .await?
        }
        plan => {
            let candidates = match plan {
                Plan::Nothing | Plan::Page => Vec::new(),
                Plan::Lookup(reference) => match roster.find_user(caller, &reference).await {
                    Ok(user) => vec![user],
                    Err(roster_shared::Error::NotFound(_)) => Vec::new(),
                    Err(e) => return Err(e.into()),
                },
                Plan::ChangedSince(since) => {
                    let filter = UserFilter {
                        updated_since: Some(since),
                        ..UserFilter::default()
                    };
                    bounded(roster.users_within(caller, filter, SCAN_BOUND).await?)?
                }
                Plan::Scan => bounded(
                    roster
                        .users_within(caller, UserFilter::default(), SCAN_BOUND)
                        .await?,
                )?,
            };
            let matching: Vec<User> = candidates
                .into_iter()
                .filter(|u| u.status != Status::Deleted)
                .filter(|u| {
                    search
                        .filter
                        .as_ref()
                        .is_none_or(|f| filter::matches(f, &dto::render(u, base)))
                })
                .collect();
            let total = matching.len() as u64;
            (
                matching
                    .into_iter()
                    .skip(offset)
                    .take(search.count)
                    .collect(),
                total,
            )
        }
    };
    let resources: Vec<Value> = users.iter().map(|u| search.shape.render(u, base)).collect();
    Ok(Scim::ok(json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": search.start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })))
}

fn bounded(users: Option<Vec<User>>) -> Result<Vec<User>, ScimError> {
    users.ok_or_else(|| {
        ScimError::bad(
            "tooMany",
            format!(
                "The filter would be evaluated over more than {SCAN_BOUND} users; filter with userName, externalId, emails.value or id eq, or meta.lastModified gt/ge."
            ),
        )
    })
}

/// `GET /Users?filter&startIndex&count&attributes&excludedAttributes`.
pub async fn list(
    State(roster): State<Roster>,
    ScimCaller(caller): ScimCaller,
    Base(base): Base,
    query: Query,
) -> Result<Scim, ScimError> {
    let search = Search::from_query(&query)?;
    run(&roster, &caller, &base, search).await
}

/// `POST /Users/.search` with a `SearchRequest`.
pub async fn search(
    State(roster): State<Roster>,
    ScimCaller(caller): ScimCaller,
    Base(base): Base,
    Body(body): Body,
) -> Result<Scim, ScimError> {
    let search = Search::from_body(&body)?;
    run(&roster, &caller, &base, search).await
}
