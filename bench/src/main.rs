//! `make bench`: Roster's benchmark. In one run it measures
//!
//! 1. latency (p50, p99) of nine operations through the local HTTP API at concurrency 1 and 8,
//!    beside the bare DynamoDB calls the same operation makes, with every DynamoDB request
//!    counted (and its consumed capacity summed) by an SDK interceptor;
//! 2. the cold start of each release Lambda binary under a local Lambda Runtime API, beside a
//!    hello-world `lambda_runtime` binary;
//! 3. the size of each stripped binary and its zip, and each function's peak RSS after a few
//!    hundred events of its own kind;
//!
//! and writes the tables, the targets met or missed, the command and the machine to
//! `docs/PERFORMANCE.md`. It needs DynamoDB Local (`DYNAMODB_ENDPOINT`), the release binaries
//! (`cargo build --release`), and python3 (for the zip). See the Makefile's `bench` target.

mod api;
mod concurrency;
mod counting;
mod cpu;
mod lambda;
mod notes;
mod report;
mod runtime_api;
mod scim;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use api::{Bench, Op, Row};
use roster_shared::config::Config;
use roster_shared::domain::Status;
use serde_json::{json, Value};

pub type Res<T> = Result<T, String>;

/// Knobs, from the environment.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Operations per cell (one operation, one path, one concurrency).
    pub ops: usize,
    /// Batches of 100 per cell.
    pub batch_ops: usize,
    /// Untimed operations per operation before measuring (warms DynamoDB Local's JIT, pools).
    pub warmup_ops: usize,
    /// Timed execs per binary (after one untimed exec each).
    pub cold_runs: usize,
    /// Events each function serves before its RSS is read.
    pub rss_events: usize,
    pub output: PathBuf,
    pub command: String,
    /// Skip the Lambda binaries (cold start, size, RSS): for a smoke run without release builds.
    pub skip_lambda: bool,
    /// In the users function's stream, every how many events a create carries a password
    /// (`BENCH_PASSWORD_EVERY`, a multiple of 5; 0: never).
    pub password_every: usize,
    /// Where the four function binaries are (`BENCH_FUNCTIONS_DIR`; default: beside the
    /// bench), to compare builds (e.g. another profile).
    pub functions_dir: Option<PathBuf>,
    /// Extra environment for the Lambda binaries (`BENCH_LAMBDA_ENV="K=V,K=V"`), for experiments.
    pub lambda_env: Vec<(String, String)>,
    /// `BENCH_ONLY_OPS=get,list`: the latency section measures only these operations (and the
    /// SCIM push is skipped), for a quick look at one ratio. Empty: all of them.
    pub only_ops: Vec<Op>,
}

fn number(name: &str, default: usize) -> Res<usize> {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .map_err(|_| format!("{name} must be a number, not {v:?}")),
        Err(_) => Ok(default),
    }
}

/// The workspace root (the bench crate's parent).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

impl Settings {
    fn from_env() -> Res<Self> {
        let ops = number("BENCH_OPS", 200)?;
        Ok(Self {
            ops,
            batch_ops: number("BENCH_BATCH_OPS", 16)?,
            warmup_ops: number("BENCH_WARMUP_OPS", (ops / 5).max(1))?,
            cold_runs: number("BENCH_COLD_RUNS", 9)?,
            rss_events: number("BENCH_RSS_EVENTS", 300)?,
            output: std::env::var("BENCH_OUTPUT")
                .map(PathBuf::from)
                .unwrap_or_else(|_| root().join("docs/PERFORMANCE.md")),
            command: std::env::var("BENCH_COMMAND").unwrap_or_else(|_| {
                "scripts/dynamodb-local.sh run -- cargo run --release -p roster-bench".into()
            }),
            skip_lambda: std::env::var("BENCH_SKIP_LAMBDA").is_ok_and(|v| v == "1"),
            password_every: match number("BENCH_PASSWORD_EVERY", 25)? {
                n if n % 5 == 0 => n,
                n => {
                    return Err(format!(
                        "BENCH_PASSWORD_EVERY must be a multiple of 5, not {n}"
                    ))
                }
            },
            functions_dir: std::env::var("BENCH_FUNCTIONS_DIR")
                .ok()
                .filter(|d| !d.is_empty())
                .map(PathBuf::from),
            lambda_env: std::env::var("BENCH_LAMBDA_ENV")
                .unwrap_or_default()
                .split(',')
                .filter_map(|pair| {
                    let (k, v) = pair.trim().split_once('=')?;
                    Some((k.to_string(), v.to_string()))
                })
                .collect(),
            only_ops: match std::env::var("BENCH_ONLY_OPS") {
                Ok(list) => list
                    .split(',')
                    .map(str::trim)
                    .filter(|name| !name.is_empty())
                    .map(|name| {
                        Op::by_name(name).ok_or_else(|| {
                            format!(
                                "BENCH_ONLY_OPS: unknown operation {name:?} (one of {})",
                                Op::ALL.map(Op::name).join(", ")
                            )
                        })
                    })
                    .collect::<Res<_>>()?,
                Err(_) => Vec::new(),
            },
        })
    }

    /// The operations the latency section measures, in report order.
    pub fn ops_measured(&self) -> Vec<Op> {
        Op::ALL
            .into_iter()
            .filter(|op| self.only_ops.is_empty() || self.only_ops.contains(op))
            .collect()
    }
}

/// Cold starts, sizes and memory of one binary.
#[derive(Clone, Debug)]
pub struct BinaryResult {
    pub binary: lambda::Binary,
    pub first_event: String,
    pub init: Vec<Duration>,
    pub first_answer: Vec<Duration>,
    pub size: u64,
    pub stripped: bool,
    pub zip: u64,
    /// ELF sections, largest first.
    pub sections: Vec<(String, u64)>,
    pub rss: Option<lambda::Run>,
    pub rss_events: usize,
    pub rss_mix: String,
    /// The `bench-init` steps the binary printed, per timed exec.
    pub init_steps: Vec<Vec<(String, f64)>>,
    /// Mean time per event of each kind in the RSS stream: `(kind, mean, count)`.
    pub per_kind: Vec<(String, Duration, usize)>,
}

fn progress(message: &str) {
    eprintln!("bench: {message}");
}

async fn measure_api(bench: &std::sync::Arc<Bench>, settings: &Settings) -> Res<Vec<Row>> {
    progress(&format!(
        "warming up ({} untimed operations per operation, both paths)",
        settings.warmup_ops
    ));
    let ops = settings.ops_measured();
    for &op in &ops {
        let n = if op == Op::Batch {
            2.min(settings.batch_ops.max(1))
        } else {
            settings.warmup_ops
        };
        let row = api::measure(bench, op, 8, n).await?;
        if let Some(err) = row.http.first_error.or(row.bare.first_error) {
            return Err(format!("{} failed while warming up: {err}", op.label()));
        }
    }
    let mut rows = Vec::new();
    for &op in &ops {
        for concurrency in [1, 8] {
            let n = if op == Op::Batch {
                settings.batch_ops
            } else {
                settings.ops
            };
            let row = api::measure(bench, op, concurrency, n).await?;
            progress(&format!(
                "{:<28} c={concurrency}: HTTP p50 {:>8.2} ms, bare p50 {:>8.2} ms, ratio {:.2}, {} DynamoDB requests/op",
                op.label(),
                report::ms(row.http.percentile(50.0)),
                report::ms(row.bare.percentile(50.0)),
                row.ratio(),
                api::trim(row.http.requests_per_op()),
            ));
            rows.push(row);
        }
    }
    Ok(rows)
}

/// Events for the functions, made against the bench organization.
struct Events {
    principal: lambda::Principal,
    readers: Vec<String>,
    party: String,
    keys: Vec<String>,
    switch_pool: Vec<String>,
    /// Every how many events of the users stream a create carries a password (a multiple of 5).
    password_every: usize,
}

impl Events {
    /// Whether event `i` of the users stream creates a user with a password (Argon2id).
    fn hashes(&self, i: usize) -> bool {
        self.password_every > 0 && i % self.password_every == 2
    }

    fn rest(&self, method: &str, path: &str, query: &[(&str, &str)], body: Option<Value>) -> Value {
        lambda::rest_event(&self.principal, method, path, query, body)
    }

    fn first(&self, name: &str) -> (String, Value) {
        let reader = &self.readers[0];
        match name {
            "users" => (
                "GET /v1/users/{id}".into(),
                self.rest("GET", &format!("/v1/users/{reader}"), &[], None),
            ),
            "party" => (
                "GET /v1/users/{id}/parties".into(),
                self.rest("GET", &format!("/v1/users/{reader}/parties"), &[], None),
            ),
            "activation" => (
                "POST /v1/users/{id}/activate (already active)".into(),
                self.rest("POST", &format!("/v1/users/{reader}/activate"), &[], None),
            ),
            "authorizer" => (
                "REQUEST authorizer event, x-api-key (key not cached yet)".into(),
                lambda::authorizer_event(&self.keys[0]),
            ),
            "sdk-lambda" => (
                "the user item the users function's first event reads (one GetItem)".into(),
                self.reference_read(),
            ),
            _ => ("`{}`".into(), json!({})),
        }
    }

    /// The event of `sdk-lambda`: the key of the user that the users function's first event
    /// reads, so that the reference's one `GetItem` fetches and decodes the same item.
    fn reference_read(&self) -> Value {
        let (Ok(org), Ok(user)) = (
            roster_shared::domain::OrgId::parse(&self.principal.org),
            roster_shared::domain::UserId::parse(&self.readers[0]),
        ) else {
            return json!({});
        };
        json!({
            "pk": roster_shared::store::keys::org_pk(&org),
            "sk": roster_shared::store::keys::user_sk(&user),
        })
    }

    /// `n` events of the function's own kind (each with a short label), and a description of
    /// the mix.
    fn stream(&self, name: &str, n: usize) -> (String, Vec<(String, Value)>) {
        let reader = |i: usize| &self.readers[i % self.readers.len()];
        let party = &self.party;
        let hashes = (0..n)
            .filter(|i| name == "users" && self.hashes(*i))
            .count();
        let mix: String = match name {
            "users" => format!(
                "GET /v1/me, GET /v1/users?limit=10, POST /v1/users ({hashes} of them with a \
                 password: Argon2id), GET /v1/users/{{id}}, PATCH /v1/users/{{id}}, in turn"
            ),
            "party" => "PUT /v1/users/{id}/parties/{partyId}, GET /v1/users/{id}/parties, \
                        GET /v1/parties?limit=10, GET /v1/parties/{partyId}/users, \
                        GET /v1/me/parties, in turn"
                .into(),
            "activation" => "POST /v1/users/{id}/deactivate and /activate in turn, every 10th \
                             a batch activation of 10 ids"
                .into(),
            "authorizer" => "REQUEST authorizer events with 5 different keys in turn".into(),
            "sdk-lambda" => "the same event (one GetItem of that user each)".into(),
            _ => "the same event (a constant answer)".into(),
        };
        let label = |i: usize| -> String {
            let kinds: &[&str] = match name {
                "users" => &[
                    "GET /v1/me",
                    "GET /v1/users?limit=10",
                    "POST /v1/users",
                    "GET /v1/users/{id}",
                    "PATCH /v1/users/{id}",
                ],
                "party" => &[
                    "PUT …/parties/{partyId}",
                    "GET /v1/users/{id}/parties",
                    "GET /v1/parties?limit=10",
                    "GET /v1/parties/{partyId}/users",
                    "GET /v1/me/parties",
                ],
                _ => &[],
            };
            match name {
                "users" if self.hashes(i) => "POST /v1/users with a password".into(),
                "activation" if i % 10 == 9 => "POST /v1/users/activate (10 ids)".into(),
                "activation" if i % 2 != 1 => "POST …/deactivate".into(),
                "activation" => "POST …/activate".into(),
                _ if kinds.is_empty() => "event".into(),
                _ => kinds[i % kinds.len()].into(),
            }
        };
        let events = (0..n)
            .map(|i| {
                (
                    label(i),
                    match name {
                        "users" => match i % 5 {
                            0 => self.rest("GET", "/v1/me", &[], None),
                            1 => self.rest("GET", "/v1/users", &[("limit", "10")], None),
                            2 => {
                                let username =
                                    format!("rss-{}", ulid::Ulid::new().to_string().to_lowercase());
                                let mut body = json!({"username": username, "name": "Bench User",
                                              "emails": [format!("{username}@example.com")]});
                                if self.hashes(i) {
                                    body["password"] = json!("correct horse battery staple");
                                }
                                self.rest("POST", "/v1/users", &[], Some(body))
                            }
                            3 => self.rest("GET", &format!("/v1/users/{}", reader(i)), &[], None),
                            _ => self.rest(
                                "PATCH",
                                &format!("/v1/users/{}", reader(i)),
                                &[],
                                Some(json!({"name": "Bench User"})),
                            ),
                        },
                        "party" => match i % 5 {
                            0 => self.rest(
                                "PUT",
                                &format!("/v1/users/{}/parties/{party}", reader(i)),
                                &[],
                                Some(json!({"name": "Bench Party", "permissions": {
                            "canSendDocument": true, "canReceiveDocument": true,
                            "canRemoveDocument": false, "canManageHook": false}})),
                            ),
                            1 => self.rest(
                                "GET",
                                &format!("/v1/users/{}/parties", reader(i)),
                                &[],
                                None,
                            ),
                            2 => self.rest("GET", "/v1/parties", &[("limit", "10")], None),
                            3 => self.rest(
                                "GET",
                                &format!("/v1/parties/{party}/users"),
                                &[("limit", "10")],
                                None,
                            ),
                            _ => self.rest("GET", "/v1/me/parties", &[], None),
                        },
                        "activation" => {
                            if i % 10 == 9 {
                                self.rest(
                                    "POST",
                                    "/v1/users/activate",
                                    &[],
                                    Some(json!({"ids": self.switch_pool})),
                                )
                            } else {
                                let user = &self.switch_pool[(i / 2) % self.switch_pool.len()];
                                let action = if i % 2 == 1 { "activate" } else { "deactivate" };
                                self.rest("POST", &format!("/v1/users/{user}/{action}"), &[], None)
                            }
                        }
                        "authorizer" => lambda::authorizer_event(&self.keys[i % self.keys.len()]),
                        "sdk-lambda" => self.reference_read(),
                        _ => json!({}),
                    },
                )
            })
            .collect();
        (mix, events)
    }
}

async fn prepare_events(bench: &Bench, settings: &Settings) -> Res<Events> {
    let caller = &bench.caller;
    let mut keys = vec![bench.key.clone()];
    for reader in bench.readers.iter().take(4) {
        let issued = bench
            .setup
            .issue_key(caller, reader)
            .await
            .map_err(|e| format!("issue key: {e}"))?;
        keys.push(issued.key.secret);
    }
    let switch_pool = bench
        .users(10, "switch", Status::Active)
        .await?
        .into_iter()
        .map(|u| u.id.to_string())
        .collect();
    Ok(Events {
        principal: lambda::Principal {
            org: caller.org.to_string(),
            user_id: caller.user_id.to_string(),
            key_id: caller
                .key_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            language: caller.org_language.to_string(),
        },
        readers: bench.readers.iter().map(ToString::to_string).collect(),
        party: bench.party.to_string(),
        keys,
        switch_pool,
        password_every: settings.password_every,
    })
}

async fn measure_binaries(
    bench: &Bench,
    config: &Config,
    settings: &Settings,
) -> Res<Vec<BinaryResult>> {
    let dir = std::env::current_exe()
        .map_err(|e| format!("current exe: {e}"))?
        .parent()
        .map(PathBuf::from)
        .ok_or("no target directory")?;
    let binaries: Vec<lambda::Binary> = [
        ("hello-lambda", 128),
        ("sdk-lambda", 128),
        ("users", 512),
        ("party", 256),
        ("activation", 256),
        ("authorizer", 256),
    ]
    .into_iter()
    .map(|(name, memory_mb)| lambda::Binary {
        name,
        path: match (&settings.functions_dir, name) {
            (_, "hello-lambda" | "sdk-lambda") | (None, _) => dir.join(name),
            (Some(functions), _) => functions.join(name),
        },
        memory_mb,
    })
    .collect();
    for b in &binaries {
        if !b.path.is_file() {
            return Err(format!(
                "{} is missing: build the release binaries first (make bench does)",
                b.path.display()
            ));
        }
    }
    let work = dir.join("bench");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let env = lambda::Env {
        dynamodb_endpoint: config.dynamodb_endpoint.clone().unwrap_or_default(),
        table: config.table_name.clone(),
        extra: settings.lambda_env.clone(),
    };
    let events = prepare_events(bench, settings).await?;
    let mut results: Vec<BinaryResult> = Vec::new();
    for b in &binaries {
        let (size, zip) = lambda::sizes(b, &work)?;
        results.push(BinaryResult {
            binary: b.clone(),
            first_event: events.first(b.name).0,
            init: Vec::new(),
            first_answer: Vec::new(),
            size,
            stripped: !lambda::has_symbols(&b.path),
            zip,
            sections: lambda::sections(&b.path),
            rss: None,
            rss_events: settings.rss_events,
            rss_mix: String::new(),
            init_steps: Vec::new(),
            per_kind: Vec::new(),
        });
    }
    progress(&format!(
        "cold starts: 1 untimed + {} timed execs per binary, interleaved",
        settings.cold_runs
    ));
    for round in 0..=settings.cold_runs {
        for result in results.iter_mut() {
            let (_, event) = events.first(result.binary.name);
            let run = lambda::run(&result.binary, &env, vec![event], &work).await?;
            if let Some(failure) = &run.first_failure {
                return Err(format!(
                    "{}: the first event failed: {failure}",
                    result.binary.name
                ));
            }
            if round > 0 {
                result.init.push(run.init);
                result.first_answer.push(run.first_answer);
                result.init_steps.push(run.init_steps);
            }
        }
    }
    progress(&format!(
        "peak RSS: {} events of its own kind per binary",
        settings.rss_events
    ));
    for result in results.iter_mut() {
        let (mix, stream) = events.stream(result.binary.name, settings.rss_events);
        let labels: Vec<String> = stream.iter().map(|(l, _)| l.clone()).collect();
        let stream = stream.into_iter().map(|(_, e)| e).collect();
        let run = lambda::run(&result.binary, &env, stream, &work).await?;
        // gaps[i] is the time from answer i to answer i + 1: the time of event i + 1.
        let mut kinds: Vec<(String, Duration, usize)> = Vec::new();
        for (label, gap) in labels.iter().skip(1).zip(&run.gaps) {
            match kinds.iter_mut().find(|(l, _, _)| l == label) {
                Some((_, total, n)) => {
                    *total += *gap;
                    *n += 1;
                }
                None => kinds.push((label.clone(), *gap, 1)),
            }
        }
        result.per_kind = kinds
            .into_iter()
            .map(|(l, total, n)| (l, total / u32::try_from(n.max(1)).unwrap_or(1), n))
            .collect();
        progress(&format!(
            "{:<13} VmHWM {:>6} KiB after {} events ({} failed)",
            result.binary.name, run.vm_hwm_kib, settings.rss_events, run.failures
        ));
        result.rss_mix = mix;
        result.rss = Some(run);
    }
    Ok(results)
}

/// What the counting interceptor itself costs: `ops` bare gets with it and without it, in
/// halves ordered with, without, without, with.
async fn interceptor_cost(
    bench: &std::sync::Arc<Bench>,
    ops: usize,
) -> Option<(api::Cell, api::Cell)> {
    let ops = ops.max(2);
    let counted = std::sync::Arc::new({
        let b = bench.clone();
        move |i: usize| {
            let b = b.clone();
            async move {
                let id = &b.readers[i % b.readers.len()];
                b.bare
                    .get_user(b.org(), id)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    });
    let plain = std::sync::Arc::new({
        let b = bench.clone();
        move |i: usize| {
            let b = b.clone();
            async move {
                let id = &b.readers[i % b.readers.len()];
                b.plain
                    .get_user(b.org(), id)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
        }
    });
    let none = counting::Counter::default();
    let half = ops / 2;
    let (mut with, mut without) = (api::Cell::default(), api::Cell::default());
    let (counter, threads) = (&bench.bare_counter, &bench.threads);
    with.merge(
        api::run_cell(
            1,
            0..half,
            counter,
            threads,
            &threads.bare_runtime,
            counted.clone(),
        )
        .await,
    );
    without.merge(
        api::run_cell(
            1,
            0..half,
            &none,
            threads,
            &threads.bare_runtime,
            plain.clone(),
        )
        .await,
    );
    without.merge(api::run_cell(1, half..ops, &none, threads, &threads.bare_runtime, plain).await);
    with.merge(
        api::run_cell(
            1,
            half..ops,
            counter,
            threads,
            &threads.bare_runtime,
            counted,
        )
        .await,
    );
    (with.errors + without.errors == 0).then_some((with, without))
}

/// Median time of `DescribeTable` (the functions' warm-up call) on a warm client.
async fn describe_table(bench: &Bench) -> Duration {
    let mut times = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        bench.bare.warm_up().await;
        times.push(t.elapsed());
    }
    lambda::median(&mut times)
}

async fn run() -> Res<()> {
    let settings = Settings::from_env()?;
    let dynamodb_endpoint = std::env::var("DYNAMODB_ENDPOINT")
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or("DYNAMODB_ENDPOINT is not set: run `make bench` (it starts DynamoDB Local)")?;
    let config = Config {
        table_name: std::env::var("TABLE_NAME").unwrap_or_else(|_| "roster-bench".into()),
        dynamodb_endpoint: Some(dynamodb_endpoint),
        // Warm calls: the manager key stays cached for the whole run.
        auth_cache_ttl: Duration::from_secs(3600),
    };
    // As the functions log (their own subscriber, `roster_shared::obs::log`, its level from the
    // environment as theirs: INFO unless `RUST_LOG`/`AWS_LAMBDA_LOG_LEVEL` say otherwise): one JSON
    // line and one EMF document per request, formatted, then discarded (the sink), so neither
    // lands on this report's stdout nor pays a terminal's or a file's write.
    roster_shared::obs::log::init(
        roster_shared::obs::log::JsonLog::from_env(),
        Some(Box::new(|_line: &[u8]| {})),
    );

    if std::env::var("BENCH_ONLY_CONCURRENCY").is_ok_and(|v| v == "1") {
        return only_concurrency(&config, &settings).await;
    }
    let started = Instant::now();
    // `BENCH_ONLY_SCIM=1`: only the SCIM push, its section printed (docs/PERFORMANCE.md untouched).
    if std::env::var("BENCH_ONLY_SCIM").is_ok_and(|v| v == "1") {
        let users = number("BENCH_SCIM_USERS", 1000)?;
        let push = scim::on_semantics(&config, users, 5).await?;
        let mut out = String::new();
        scim::render(&mut out, &push);
        println!("{out}");
        return if push.failed == 0 {
            Ok(())
        } else {
            Err(format!("{} SCIM requests failed", push.failed))
        };
    }
    // `BENCH_ONLY_LAMBDA=1`: only the binaries (cold start, size, RSS), printed
    // (docs/PERFORMANCE.md untouched): for experiments on a function's cold start.
    if std::env::var("BENCH_ONLY_LAMBDA").is_ok_and(|v| v == "1") {
        return only_lambda(&config, &settings).await;
    }
    let machine_before = report::Machine::probe();
    progress("starting the local API");
    let bench = Bench::start(&config).await?;
    let rows = measure_api(&bench, &settings).await?;
    let interceptor = interceptor_cost(&bench, settings.ops).await;
    let concurrent = if std::env::var("BENCH_SKIP_CONCURRENCY").is_ok_and(|v| v == "1") {
        None
    } else {
        progress("concurrent writes on the DynamoDB-semantics layer");
        Some(concurrency::measure(&config, progress).await?)
    };
    let scim = if settings.only_ops.is_empty() {
        let scim_users = number("BENCH_SCIM_USERS", 1000)?;
        progress(&format!(
            "SCIM initial push: {scim_users} users by 5 concurrent clients, on the DynamoDB-semantics proxy"
        ));
        let scim = scim::on_semantics(&config, scim_users, 5).await?;
        progress(&format!(
            "SCIM push: {} created, {} failed in {:.1} s",
            scim.created,
            scim.failed,
            scim.elapsed.as_secs_f64()
        ));
        Some(scim)
    } else {
        None
    };
    // The binaries after the API part, so DynamoDB Local's JVM is as warm for them, but on a
    // table of their own: DynamoDB Local's DescribeTable (the functions' warm-up call) grows
    // with the table's item count (DynamoDB's does not), and the API part leaves thousands.
    let (describe_table, binaries) = if settings.skip_lambda {
        (Duration::ZERO, Vec::new())
    } else {
        let lambda_config = Config {
            table_name: format!("{}-lambda", config.table_name),
            ..config.clone()
        };
        let small = Bench::start(&lambda_config).await?;
        let describe = describe_table(&small).await;
        (
            describe,
            measure_binaries(&small, &lambda_config, &settings).await?,
        )
    };
    let machine_after = report::Machine::probe();
    let results = report::Results {
        settings: settings.clone(),
        machine: machine_before,
        load_after: machine_after.load,
        duration: started.elapsed(),
        rows,
        auth: bench.auth.clone(),
        describe_table,
        binaries,
        interceptor,
        scim,
        concurrent: concurrent.clone(),
    };
    let mut markdown = report::render(&results);
    if let Some(concurrent) = &concurrent {
        markdown.push_str(&concurrency::render(concurrent));
    }
    println!("{markdown}");
    if let Some(dir) = settings.output.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(&settings.output, &markdown)
        .map_err(|e| format!("{}: {e}", settings.output.display()))?;
    progress(&format!(
        "wrote {} ({:.0} s)",
        settings.output.display(),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// `BENCH_ONLY_LAMBDA=1`: the binaries' sections only, on a table of their own, printed.
async fn only_lambda(config: &Config, settings: &Settings) -> Res<()> {
    let lambda_config = Config {
        table_name: format!("{}-lambda", config.table_name),
        ..config.clone()
    };
    let machine = report::Machine::probe();
    let started = Instant::now();
    let small = Bench::start(&lambda_config).await?;
    let describe_table = describe_table(&small).await;
    let binaries = measure_binaries(&small, &lambda_config, settings).await?;
    let results = report::Results {
        settings: settings.clone(),
        load_after: report::Machine::probe().load,
        machine,
        duration: started.elapsed(),
        rows: Vec::new(),
        auth: small.auth.clone(),
        describe_table,
        binaries,
        interceptor: None,
        scim: None,
        concurrent: None,
    };
    println!("{}", report::render_binaries(&results));
    Ok(())
}

/// `BENCH_ONLY_CONCURRENCY=1`: only the concurrency part, its section replaced in the
/// existing report (the other sections stay as the last full run wrote them).
async fn only_concurrency(config: &Config, settings: &Settings) -> Res<()> {
    progress("concurrent writes on the DynamoDB-semantics layer (only)");
    let results = concurrency::measure(config, progress).await?;
    let section = concurrency::render(&results);
    println!("{section}");
    let existing = std::fs::read_to_string(&settings.output).unwrap_or_default();
    let heading = "\n## Concurrent writes on the DynamoDB-semantics layer\n";
    let kept = match existing.find(heading) {
        Some(at) => {
            let rest = &existing[at + heading.len()..];
            let after = rest.find("\n## ").map(|i| &rest[i..]).unwrap_or("");
            format!("{}{section}{after}", &existing[..at])
        }
        None => format!("{existing}{section}"),
    };
    std::fs::write(&settings.output, kept)
        .map_err(|e| format!("{}: {e}", settings.output.display()))?;
    progress(&format!("wrote {}", settings.output.display()));
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bench: {err}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smoke run of the HTTP part with tiny counts (`make test` has DynamoDB Local): every
    /// operation succeeds on both paths, the interceptor counts what the code is known to send,
    /// and the report renders.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn smoke_run_of_the_api_part() {
        // Like every storage test: no DynamoDB Local is a failure, never a silent pass.
        let endpoint = std::env::var("DYNAMODB_ENDPOINT").unwrap_or_else(|_| {
            panic!("DYNAMODB_ENDPOINT is not set: run the tests with `make test` (it starts DynamoDB Local)")
        });
        let config = Config {
            table_name: "roster-bench-smoke".into(),
            dynamodb_endpoint: Some(endpoint),
            auth_cache_ttl: Duration::from_secs(3600),
        };
        let bench = Bench::start(&config)
            .await
            .unwrap_or_else(|e| panic!("start: {e}"));
        let mut rows = Vec::new();
        for op in Op::ALL {
            let n = if op == Op::Batch { 1 } else { 3 };
            let row = api::measure(&bench, op, 2, n)
                .await
                .unwrap_or_else(|e| panic!("{op:?}: {e}"));
            assert_eq!(row.http.errors, 0, "{op:?}: {:?}", row.http.first_error);
            assert_eq!(row.bare.errors, 0, "{op:?}: {:?}", row.bare.first_error);
            assert_eq!(
                row.http.stats.total_requests(),
                row.bare.stats.total_requests(),
                "{op:?}: the baseline makes the API's requests"
            );
            rows.push(row);
        }
        let count = |op: Op, name: &str| {
            rows.iter()
                .find(|r| r.op == op)
                .and_then(|r| r.http.stats.requests.get(name).copied())
                .unwrap_or(0)
        };
        assert_eq!(count(Op::Get, "GetItem"), 3);
        assert_eq!(count(Op::Create, "TransactWriteItems"), 3);
        // Group commit: 100 users of 5 actions, 19 a transaction.
        assert_eq!(count(Op::Batch, "TransactWriteItems"), 6);
        assert_eq!(bench.auth.warm.total_requests(), 1, "{:?}", bench.auth.warm);
        // The SCIM push, small, on the semantics proxy: no failed request, and the DynamoDB
        // requests per operation.
        let push = scim::on_semantics(&config, 20, 5)
            .await
            .unwrap_or_else(|e| panic!("scim push: {e}"));
        assert_eq!(
            (push.created, push.failed),
            (20, 0),
            "{:?}",
            push.first_failure
        );
        let op = |label: &str| {
            push.per_operation
                .iter()
                .find(|(l, _)| *l == label)
                .map(|(_, s)| s.clone())
                .unwrap_or_default()
        };
        let lookup = op("filter userName eq (hit)");
        assert!(lookup.total_requests() <= 2, "{lookup:?}");
        assert!(op("filter userName eq (miss)").total_requests() <= 2);
        let create = op("create (POST /Users)");
        assert_eq!(
            create.requests.get("TransactWriteItems"),
            Some(&1),
            "{create:?}"
        );
        assert_eq!(create.total_requests(), 1, "{create:?}");
        let results = report::Results {
            settings: Settings {
                ops: 3,
                batch_ops: 1,
                warmup_ops: 0,
                cold_runs: 0,
                rss_events: 0,
                output: PathBuf::new(),
                command: "test".into(),
                skip_lambda: true,
                password_every: 25,
                functions_dir: None,
                lambda_env: Vec::new(),
                only_ops: Vec::new(),
            },
            machine: report::Machine::probe(),
            load_after: String::new(),
            duration: Duration::ZERO,
            rows,
            auth: bench.auth.clone(),
            describe_table: Duration::ZERO,
            binaries: Vec::new(),
            interceptor: None,
            scim: Some(push),
            concurrent: Some(concurrency::tests::slow_batch()),
        };
        let markdown = report::render(&results);
        // The concurrency targets head the report, and a missed one is explained.
        assert!(
            markdown.contains(
                "| a batch of 100 creates on the layer ≤ 0.4 s | 0.65 s (median) | **missed** |"
            ),
            "{markdown}"
        );
        assert!(
            markdown.contains("### Batch of 100 creates on the DynamoDB-semantics layer"),
            "{markdown}"
        );
        assert!(!markdown.contains("Every target is met"), "{markdown}");
        assert!(markdown.contains("| get user |"), "{markdown}");
        assert!(
            markdown.contains("SCIM: an identity provider's initial push"),
            "{markdown}"
        );
    }
}
