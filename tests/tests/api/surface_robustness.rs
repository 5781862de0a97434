//! A generated robustness run of every compatible surface (seeds 000–003; the native API has
//! schemathesis in `make fuzz`): requests built from each route's own parameter and field
//! names, filled with valid, boundary and hostile values (wrong types, `null`, undecodable
//! segments, signed years, huge numbers, broken JSON, wrong methods), sent through HTTP. Every
//! answer must come within a time bound, never be a 5xx caused by the input, and always be in
//! the surface's own content type and error shape; afterwards the organization's invariants
//! hold. The run is reproducible: `ROBUSTNESS_SEED=<n>` replays one (the seed is printed on
//! failure), `ROBUSTNESS_REQUESTS` sets how many requests each surface gets (default 150).

use std::time::Duration;

use reqwest::{Method, StatusCode};
use roster_tests::TestApp;
use serde_json::{json, Map, Value};

/// A small deterministic generator (xorshift64*), so a failing run can be replayed.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Surface {
    Seed000,
    Seed001,
    Seed002,
    Seed003,
}

/// One route: its method, its path with `{param}`s, the query parameters and the body fields
/// the surface knows (nested objects as `parent.child`), and whether the body is an array of
/// such objects.
struct Route {
    method: Method,
    path: &'static str,
    query: &'static [&'static str],
    fields: &'static [&'static str],
    array: bool,
}

const fn route(
    method: Method,
    path: &'static str,
    query: &'static [&'static str],
    fields: &'static [&'static str],
    array: bool,
) -> Route {
    Route {
        method,
        path,
        query,
        fields,
        array,
    }
}

const PERMISSIONS: &[&str] = &[
    "name",
    "id",
    "permissions.canSendDocument",
    "permissions.canReceiveDocument",
    "permissions.canRemoveDocument",
    "permissions.canManageHook",
];
const SEED001_USER: &[&str] = &[
    "idRemote",
    "username",
    "name",
    "email",
    "languageId",
    "businessPartnerId",
    "dateValid",
    "active",
];
const V4_USER: &[&str] = &[
    "data.type",
    "data.id",
    "data.attributes.name",
    "data.attributes.username",
    "data.attributes.user_flags",
    "data.attributes.contact_details.email",
    "data.attributes.contact_details.telephone_number_E123",
    "data.attributes.registration_information.registration_state",
    "data.attributes.external_id",
    "service",
];
const LEGACY_USER: &[&str] = &[
    "email",
    "name",
    "cid",
    "telephone_number_E123",
    "user_flags",
    "registration_state",
    "username",
    "service",
];
const USER_MODEL: &[&str] = &[
    "UserId",
    "NewUserId",
    "Name",
    "Emails",
    "IsCustomerAdmin",
    "UserIdentificationType",
    "NetsId",
];
const V4_QUERY: &[&str] = &[
    "page[size]",
    "page[number]",
    "page[cursor]",
    "filter[email]",
    "filter[external_id]",
    "service",
];
const SEED001_QUERY: &[&str] = &["id", "date", "page", "pageSize", "cursor"];

fn routes(surface: Surface) -> Vec<Route> {
    use Method as M;
    match surface {
        Surface::Seed000 => vec![
            route(M::GET, "/api/v1/user", &[], &[], false),
            route(M::PUT, "/api/v1/user", &[], &["name", "password"], false),
            route(M::DELETE, "/api/v1/user/{name}", &[], &[], false),
            route(M::GET, "/api/v1/user/{name}/party", &[], &[], false),
            route(M::PUT, "/api/v1/user/{name}/party", &[], PERMISSIONS, false),
            route(
                M::DELETE,
                "/api/v1/user/{name}/party/{partyId}",
                &[],
                &[],
                false,
            ),
        ],
        Surface::Seed001 => vec![
            route(M::GET, "/User/getUser", SEED001_QUERY, &[], false),
            route(M::GET, "/User/updateFrom", SEED001_QUERY, &[], false),
            route(M::POST, "/User/create", &[], SEED001_USER, true),
            route(M::PUT, "/User/update/{id}", &[], SEED001_USER, false),
            route(M::DELETE, "/User/delete/{id}", &[], &[], false),
        ],
        Surface::Seed002 => vec![
            route(
                M::GET,
                "/api/user/management/v4/users",
                V4_QUERY,
                &[],
                false,
            ),
            route(
                M::POST,
                "/api/user/management/v4/users",
                &["service"],
                V4_USER,
                false,
            ),
            route(
                M::GET,
                "/api/user/management/v4/users/{user_id}",
                &["service"],
                &[],
                false,
            ),
            route(
                M::PATCH,
                "/api/user/management/v4/users/{user_id}",
                &["service"],
                V4_USER,
                false,
            ),
            route(
                M::DELETE,
                "/api/user/management/v4/users/{user_id}",
                &["service"],
                &[],
                false,
            ),
            route(
                M::GET,
                "/api/management/user",
                &["email", "cid", "service"],
                &[],
                false,
            ),
            route(
                M::POST,
                "/api/management/user",
                &["service"],
                LEGACY_USER,
                false,
            ),
            route(
                M::PUT,
                "/api/management/user/{email}",
                &["service"],
                LEGACY_USER,
                false,
            ),
            route(
                M::DELETE,
                "/api/management/user/{email}",
                &["service"],
                &[],
                false,
            ),
        ],
        Surface::Seed003 => vec![
            route(M::GET, "/User/Index", &[], &[], false),
            route(M::GET, "/User/Get/{userId}", &[], &[], false),
            route(M::POST, "/User/Add", &[], USER_MODEL, true),
            route(M::POST, "/User/Update", &[], USER_MODEL, true),
            route(M::POST, "/User/Deactivate", &[], &[], true),
            route(M::POST, "/User/Activate", &[], &[], true),
        ],
    }
}

/// Texts that are valid somewhere, on a boundary, or hostile.
fn text(g: &mut Gen, known: &[String]) -> String {
    const POOL: &[&str] = &[
        "",
        " ",
        "a",
        "alice",
        "Alice Example",
        "a b",
        "x@y.io",
        "Not An Email",
        "usr_01HZZZZZZZZZZZZZZZZZZZZZZZ",
        "0106:12345678",
        "0088:1234567890123",
        "12345678",
        "users",
        "user_profiles",
        "REGISTERED",
        "UNREGISTERED",
        "ApManager",
        "en",
        "zz",
        "-1",
        "0",
        "1",
        "101",
        "4294967296",
        "99999999999999999999",
        "-0001-01-01",
        "1999-01-01",
        "2024-02-30",
        "2024-01-01T00:00:00Z",
        "+31 20 123 4567",
        "é",
        "🦀",
        "<x>&amp;",
        "'\"\\",
        "\u{7}",
        "NemID",
        "true",
        "null",
    ];
    match g.below(10) {
        0 if !known.is_empty() => g.pick(known).clone(),
        1 => "x".repeat(1 + g.below(400)),
        2 => format!("{}@x{}.io", g.pick(POOL), g.below(1000)),
        _ => (*g.pick(POOL)).to_string(),
    }
}

fn value(g: &mut Gen, known: &[String], depth: usize) -> Value {
    match g.below(if depth > 2 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(g.chance(50)),
        2 => json!(g.next() as i64 % 100_000 - 50),
        3 => json!(1e300),
        6 => Value::Array(
            (0..g.below(4))
                .map(|_| value(g, known, depth + 1))
                .collect(),
        ),
        7 => {
            let mut map = Map::new();
            for _ in 0..g.below(3) {
                map.insert(text(g, &[]), value(g, known, depth + 1));
            }
            Value::Object(map)
        }
        _ => Value::String(text(g, known)),
    }
}

/// Sets `path` (`a.b.c`) in `object`.
fn set_path(object: &mut Map<String, Value>, path: &str, v: Value) {
    match path.split_once('.') {
        None => {
            object.insert(path.to_string(), v);
        }
        Some((head, rest)) => {
            let entry = object
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                set_path(inner, rest, v);
            }
        }
    }
}

fn object(g: &mut Gen, fields: &[&str], known: &[String]) -> Value {
    let mut map = Map::new();
    for field in fields {
        if g.chance(70) {
            set_path(&mut map, field, value(g, known, 0));
        }
    }
    if g.chance(10) {
        map.insert(text(g, &[]), value(g, known, 0));
    }
    Value::Object(map)
}

/// The body text: usually JSON built from the route's fields, sometimes not JSON at all.
fn body(g: &mut Gen, route: &Route, known: &[String]) -> Option<String> {
    if route.fields.is_empty() && !route.array && g.chance(70) {
        return None;
    }
    let text = match g.below(20) {
        0 => "{\"unclosed\": ".to_string(),
        1 => String::new(),
        2 => value(g, known, 0).to_string(),
        _ if route.array => {
            let items: Vec<Value> = (0..g.below(4))
                .map(|_| {
                    if route.fields.is_empty() {
                        value(g, known, 2)
                    } else {
                        object(g, route.fields, known)
                    }
                })
                .collect();
            if items.len() == 1 && g.chance(30) {
                items[0].to_string()
            } else {
                Value::Array(items).to_string()
            }
        }
        _ => object(g, route.fields, known).to_string(),
    };
    Some(text)
}

/// A path segment (never empty): a known name or id, any text (percent-encoded), or an
/// undecodable one.
fn segment(g: &mut Gen, known: &[String]) -> String {
    match g.below(8) {
        0 => "%FF%FE".to_string(),
        1 => "%2F..%2F".to_string(),
        // An empty segment is another path (API Gateway does not route it here either).
        _ => match roster_shared::http::encode(&text(g, known)) {
            empty if empty.is_empty() => "-".to_string(),
            encoded => encoded,
        },
    }
}

fn request_path(g: &mut Gen, route: &Route, known: &[String]) -> String {
    let mut path = String::new();
    let mut rest = route.path;
    while let Some(start) = rest.find('{') {
        path.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |e| start + e + 1);
        path.push_str(&segment(g, known));
        rest = &rest[end..];
    }
    path.push_str(rest);
    let mut pairs = Vec::new();
    for name in route.query {
        if g.chance(40) {
            pairs.push(format!(
                "{}={}",
                roster_shared::http::encode(name),
                roster_shared::http::encode(&text(g, known))
            ));
        }
    }
    if pairs.is_empty() {
        path
    } else {
        format!("{path}?{}", pairs.join("&"))
    }
}

fn content_type(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// An answer to storage trouble (a 5xx the input did not cause), in the surface's shape.
fn is_storage_trouble(surface: Surface, status: u16, body: &Value) -> bool {
    match surface {
        Surface::Seed001 => {
            (status == 500 && body["error"] == "Database connection failed.")
                || (status == 429 && body["error"] == "Too Many Requests")
        }
        Surface::Seed003 => status == 503 && body["Code"] == "STORAGE_UNAVAILABLE",
        Surface::Seed000 | Surface::Seed002 => {
            status == 503 && body["code"] == "STORAGE_UNAVAILABLE"
        }
    }
}

/// What is wrong with an answer, if anything: its content type and (for errors) its shape
/// must be the surface's own.
fn shape_problem(
    surface: Surface,
    status: u16,
    content_type: &str,
    xml: bool,
    body: &Value,
) -> Option<String> {
    let error = status >= 400;
    let problem_ok = |b: &Value| {
        b["status"] == status
            && b["code"].is_string()
            && b["title"].is_string()
            && b["requestId"].is_string()
    };
    let ok = match surface {
        Surface::Seed000 => match (error, xml) {
            (true, false) => content_type == "application/problem+json" && problem_ok(body),
            (true, true) => content_type == "application/problem+xml",
            (false, false) => content_type == "application/json" || status == 204,
            (false, true) => content_type == "application/xml" || status == 204,
        },
        Surface::Seed001 => {
            if error {
                content_type == "application/json"
                    && body["code"] == status
                    && body["error"].is_string()
                    && body.as_object().map(Map::len) == Some(2)
            } else if xml {
                content_type == "application/xml"
            } else {
                content_type == "application/json"
            }
        }
        Surface::Seed002 => {
            if error {
                content_type == "application/problem+json" && problem_ok(body)
            } else {
                status == 204
                    || content_type == "application/vnd.api+json"
                    || content_type == "application/json"
            }
        }
        Surface::Seed003 => {
            content_type == "application/json; charset=utf-8"
                && (!error
                    || (body["Status"] == "ERROR"
                        && body["Message"].is_string()
                        && body["Code"].is_string()))
        }
    };
    (!ok).then(|| format!("not in the surface's shape: {content_type} {body}"))
}

async fn run_surface(app: &TestApp, surface: Surface, seed: u64, requests: usize) -> usize {
    let mut g = Gen(seed ^ (surface as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let routes = routes(surface);
    // Names and ids that exist, so generated requests also reach the service's paths.
    let mut known = vec!["admin".to_string(), app.manager_id.to_string()];
    for name in ["rob", "rita"] {
        let user = app
            .create_user(json!({"username": format!("{name}-{surface:?}").to_lowercase(),
                "name": "Robust Person", "emails": [format!("{name}-{surface:?}@x.io").to_lowercase()],
                "externalId": format!("ext-{name}-{surface:?}")}))
            .await;
        for field in ["id", "username", "externalId"] {
            known.extend(user[field].as_str().map(str::to_string));
        }
        known.extend(user["emails"][0].as_str().map(str::to_string));
    }
    const METHODS: &[Method] = &[
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ];
    let mut trouble = 0;
    for n in 0..requests {
        let route = g.pick(&routes);
        // A wrong method on a known route now and then.
        let method = if g.chance(10) {
            g.pick(METHODS).clone()
        } else {
            route.method.clone()
        };
        let path = request_path(&mut g, route, &known);
        let body = body(&mut g, route, &known);
        let xml = matches!(
            surface,
            Surface::Seed000 | Surface::Seed001 | Surface::Seed002
        ) && g.chance(15);
        let mut request = app
            .http
            .request(method.clone(), format!("{}{path}", app.url))
            .timeout(Duration::from_secs(20));
        request = match surface {
            Surface::Seed003 => request
                .header("X-eSignatur-Id", &app.manager_key)
                .header("X-eSignatur-CreatorId", "admin"),
            Surface::Seed002 if g.chance(50) => {
                request.header("authorization", format!("Apikey {}", app.manager_key))
            }
            _ => request.header("x-api-key", &app.manager_key),
        };
        if xml {
            request = request.header("accept", "application/xml");
        }
        let shown_body = body.clone().unwrap_or_default();
        if let Some(text) = body {
            let json_type = surface != Surface::Seed003 || g.chance(50);
            if json_type && g.chance(95) {
                request = request.header("content-type", "application/json");
            } else if g.chance(50) {
                request = request.header("content-type", "text/plain");
            }
            request = request.body(text);
        }
        let what = format!(
            "seed {seed}, {surface:?} request {n}: {method} {path} {}",
            shown_body.chars().take(300).collect::<String>()
        );
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{what}: no answer in time ({e})"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_default();
        let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status >= 500 || status == 429 {
            assert!(
                is_storage_trouble(surface, status, &parsed),
                "{what}: answered {status} {text}"
            );
            assert!(
                headers.get("retry-after").is_some() || status == 500,
                "{what}: {status} without Retry-After"
            );
            trouble += 1;
            continue;
        }
        if let Some(why) = shape_problem(surface, status, &content_type(&headers), xml, &parsed) {
            panic!("{what}: {status} {why}");
        }
        if method == Method::DELETE && status == 204 {
            continue;
        }
        assert_ne!(
            StatusCode::from_u16(status).ok(),
            None,
            "{what}: invalid status"
        );
    }
    trouble
}

#[tokio::test]
async fn every_compatible_surface_answers_generated_requests_in_its_own_shape() {
    let seed = std::env::var("ROBUSTNESS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_261_201_u64);
    let requests = std::env::var("ROBUSTNESS_REQUESTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(150_usize);
    let app = TestApp::spawn().await;
    let surfaces = [
        Surface::Seed000,
        Surface::Seed001,
        Surface::Seed002,
        Surface::Seed003,
    ];
    let runs = surfaces
        .iter()
        .map(|surface| run_surface(&app, *surface, seed, requests));
    let trouble: usize = crate::create::futures_join_all(runs)
        .await
        .into_iter()
        .sum();
    // Storage trouble (DynamoDB Local timing out on a loaded machine) is the only 5xx allowed,
    // and only now and then: a systematic one is a bug.
    assert!(
        trouble * 20 <= requests * surfaces.len(),
        "seed {seed}: {trouble} storage-trouble answers of {}",
        requests * surfaces.len()
    );
    app.assert_invariants().await;
}
