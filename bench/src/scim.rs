//! An identity provider's initial push over SCIM: `users` users created by `clients` concurrent
//! clients in one organization, each the way Okta does it (`GET /Users?filter=userName eq "…"`,
//! a miss, then `POST /Users`); every failed request is counted. Then, one at a time, the
//! DynamoDB requests of each SCIM operation, counted on the served API's client.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::api::{percentile, trim, Bench};
use crate::counting::Stats;
use crate::Res;

/// What the push measured.
#[derive(Clone, Debug, Default)]
pub struct Push {
    pub users: usize,
    pub clients: usize,
    pub created: usize,
    pub failed: usize,
    pub first_failure: Option<String>,
    pub elapsed: Duration,
    /// Per user: the lookup and the create, end to end.
    pub per_user: Vec<Duration>,
    /// The served API's DynamoDB requests during the push.
    pub requests: Stats,
    /// `(operation, DynamoDB requests of one such call)`.
    pub per_operation: Vec<(&'static str, Stats)>,
    /// The DynamoDB layer the push ran on.
    pub layer: String,
    /// The semantics proxy's counters after the push (conflicts it made), when it ran on one.
    pub proxy: Option<String>,
}

fn user_body(name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": name,
        "name": {"givenName": "Push", "familyName": "User"},
        "emails": [{"value": name, "type": "work", "primary": true}],
        "externalId": format!("00u-{name}"),
        "active": true
    })
}

async fn send(
    bench: &Bench,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> Res<(u16, Value)> {
    let mut request = bench
        .http
        .request(method.clone(), format!("{}/scim/v2{path}", bench.url))
        .header("authorization", format!("Bearer {}", bench.key));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/scim+json")
            .body(body.to_string());
    }
    let response = request
        .send()
        .await
        .map_err(|e| format!("{method} {path}: {e}"))?;
    let status = response.status().as_u16();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| format!("{method} {path}: {e}"))?;
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok((status, value))
}

fn lookup_path(name: &str) -> String {
    format!("/Users?filter=userName+eq+%22{name}%22&startIndex=1&count=100")
}

/// One user the Okta way: the lookup must miss, the create must succeed.
async fn push_one(bench: &Bench, name: &str) -> Res<()> {
    let (status, body) = send(bench, Method::GET, &lookup_path(name), None).await?;
    if status != 200 || body["totalResults"] != 0 {
        return Err(format!("lookup of {name}: {status} {body}"));
    }
    let (status, body) = send(bench, Method::POST, "/Users", Some(&user_body(name))).await?;
    if status != 201 {
        return Err(format!("create of {name}: {status} {body}"));
    }
    Ok(())
}

/// The push on a fresh organization and table behind the DynamoDB-semantics proxy (DynamoDB's
/// transaction conflicts in front of DynamoDB Local), which this starts.
pub async fn on_semantics(
    config: &roster_shared::config::Config,
    users: usize,
    clients: usize,
) -> Res<Push> {
    let upstream = config
        .dynamodb_endpoint
        .clone()
        .ok_or("no DynamoDB endpoint")?;
    let proxy = roster_semantics::spawn(&upstream, roster_semantics::Settings::dynamodb())
        .map_err(|e| format!("semantics proxy: {e}"))?;
    let semantics = roster_shared::config::Config {
        table_name: format!("{}-scim", config.table_name),
        dynamodb_endpoint: Some(proxy.endpoint.clone()),
        ..config.clone()
    };
    let bench = Bench::start(&semantics).await?;
    let mut push = initial_push(
        &bench,
        users,
        clients,
        "the DynamoDB-semantics proxy (roster-semantics: DynamoDB's transaction conflicts, 15 ms hold) in front of DynamoDB Local",
    )
    .await?;
    if let Ok(stats) = proxy.stats().await {
        push.proxy = Some(stats.to_string());
    }
    Ok(push)
}

/// The push, then each operation's DynamoDB requests.
pub async fn initial_push(
    bench: &Arc<Bench>,
    users: usize,
    clients: usize,
    layer: &str,
) -> Res<Push> {
    let run = ulid::Ulid::new().to_string().to_lowercase();
    let next = Arc::new(AtomicUsize::new(0));
    let before = bench.server_counter.snapshot();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let bench = bench.clone();
        let next = next.clone();
        let run = run.clone();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut failures = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= users {
                    return (times, failures);
                }
                let name = format!("push{i}-{run}@example.com");
                let t = Instant::now();
                match push_one(&bench, &name).await {
                    Ok(()) => times.push(t.elapsed()),
                    Err(e) => failures.push(e),
                }
            }
        }));
    }
    let mut push = Push {
        users,
        clients,
        layer: layer.to_string(),
        ..Push::default()
    };
    for task in tasks {
        let (times, failures) = task.await.map_err(|e| format!("push client: {e}"))?;
        push.created += times.len();
        push.per_user.extend(times);
        push.failed += failures.len();
        if push.first_failure.is_none() {
            push.first_failure = failures.into_iter().next();
        }
    }
    push.elapsed = started.elapsed();
    push.requests = bench.server_counter.snapshot().since(&before);
    push.per_user.sort();

    // Each operation alone, on a user of the push.
    let name = format!("push0-{run}@example.com");
    let (_, found) = send(bench, Method::GET, &lookup_path(&name), None).await?;
    let id = found["Resources"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let count =
        |label: &'static str, method: Method, path: String, body: Option<Value>, expect: u16| {
            let bench = bench.clone();
            async move {
                let before = bench.server_counter.snapshot();
                let (status, answer) = send(&bench, method, &path, body.as_ref()).await?;
                if status != expect {
                    return Err(format!("{label}: {status} (expected {expect}) {answer}"));
                }
                Ok::<_, String>((label, bench.server_counter.snapshot().since(&before)))
            }
        };
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": false}}]});
    let extra = format!("extra-{run}@example.com");
    push.per_operation = vec![
        count(
            "filter userName eq (hit)",
            Method::GET,
            lookup_path(&name),
            None,
            200,
        )
        .await?,
        count(
            "filter userName eq (miss)",
            Method::GET,
            lookup_path(&extra),
            None,
            200,
        )
        .await?,
        count(
            "filter externalId eq",
            Method::GET,
            format!("/Users?filter=externalId+eq+%2200u-{name}%22"),
            None,
            200,
        )
        .await?,
        count(
            "create (POST /Users)",
            Method::POST,
            "/Users".into(),
            Some(user_body(&extra)),
            201,
        )
        .await?,
        count(
            "get (GET /Users/{id})",
            Method::GET,
            format!("/Users/{id}"),
            None,
            200,
        )
        .await?,
        count(
            "list page (count=100)",
            Method::GET,
            "/Users?startIndex=1&count=100".into(),
            None,
            200,
        )
        .await?,
        count(
            "replace (PUT)",
            Method::PUT,
            format!("/Users/{id}"),
            Some(user_body(&name)),
            200,
        )
        .await?,
        count(
            "deactivate (PATCH active false)",
            Method::PATCH,
            format!("/Users/{id}"),
            Some(patch),
            200,
        )
        .await?,
        count(
            "delete (DELETE)",
            Method::DELETE,
            format!("/Users/{id}"),
            None,
            204,
        )
        .await?,
    ];
    Ok(push)
}

fn breakdown(s: &Stats) -> String {
    s.requests
        .iter()
        .map(|(op, n)| format!("{op} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The section of docs/PERFORMANCE.md.
pub fn render(out: &mut String, p: &Push) {
    let _ = writeln!(out, "## SCIM: an identity provider's initial push\n");
    let _ = writeln!(
        out,
        "{} users created over `/scim/v2` by {} concurrent clients in one organization, each as \
         Okta does it (`GET /Users?filter=userName eq \"…\"`, a miss, then `POST /Users`), on {}.\n",
        p.users, p.clients, p.layer
    );
    let per_user = |q: f64| percentile(&p.per_user, q).as_secs_f64() * 1000.0;
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| users created | {} of {} |", p.created, p.users);
    let _ = writeln!(out, "| failed requests | {} |", p.failed);
    if let Some(f) = &p.first_failure {
        let _ = writeln!(out, "| first failure | `{}` |", f.replace('|', "\\|"));
    }
    let _ = writeln!(
        out,
        "| elapsed | {:.1} s ({:.0} users/s) |",
        p.elapsed.as_secs_f64(),
        p.created as f64 / p.elapsed.as_secs_f64().max(0.001)
    );
    let _ = writeln!(
        out,
        "| per user (lookup + create) | p50 {:.1} ms, p99 {:.1} ms |",
        per_user(50.0),
        per_user(99.0)
    );
    let _ = writeln!(
        out,
        "| DynamoDB requests per user | {} ({}) |\n",
        trim(p.requests.total_requests() as f64 / p.users.max(1) as f64),
        breakdown(&p.requests)
    );
    let _ = writeln!(
        out,
        "DynamoDB requests of one SCIM operation (served API, warm key):\n"
    );
    let _ = writeln!(
        out,
        "| operation | requests | by DynamoDB operation |\n|---|---|---|"
    );
    for (label, s) in &p.per_operation {
        let _ = writeln!(
            out,
            "| {label} | {} | {} |",
            s.total_requests(),
            breakdown(s)
        );
    }
    let _ = writeln!(out);
}
