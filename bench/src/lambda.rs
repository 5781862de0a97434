//! The release Lambda binaries under the fake Runtime API: cold start (exec → first `next`,
//! exec → first answer), peak RSS after a stream of events of their own kind, and size (the
//! stripped binary and its deployment zip).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::runtime_api::RuntimeApi;
use crate::Res;

/// A function binary and how it is deployed.
#[derive(Clone, Debug)]
pub struct Binary {
    pub name: &'static str,
    pub path: PathBuf,
    /// `MemorySize` in template.yaml (the hello-world: Lambda's minimum).
    pub memory_mb: u32,
}

/// Where the binaries find DynamoDB.
#[derive(Clone, Debug)]
pub struct Env {
    pub dynamodb_endpoint: String,
    pub table: String,
    /// Extra variables (`BENCH_LAMBDA_ENV`), for experiments such as `MALLOC_ARENA_MAX=2`.
    pub extra: Vec<(String, String)>,
}

/// One exec of a binary until it answered `events`.
#[derive(Clone, Debug)]
pub struct Run {
    /// exec → first `GET …/invocation/next` (Lambda's "Init Duration").
    pub init: Duration,
    /// exec → the first answer posted.
    pub first_answer: Duration,
    /// Answers that were errors or HTTP statuses ≥ 400 (with the first one).
    pub failures: usize,
    pub first_failure: Option<String>,
    /// CPU time of the process (all its threads) when it had answered every event.
    pub cpu: Duration,
    /// VmHWM and VmRSS of the process after the last answer, in KiB.
    pub vm_hwm_kib: u64,
    pub vm_rss_kib: u64,
    /// Time from the first answer to the last (events after the first, served back to back).
    pub rest: Duration,
    /// For each answer after the first: the time since the previous answer.
    pub gaps: Vec<Duration>,
    /// `name=milliseconds` pairs the binary printed to stderr on a `bench-init` line.
    pub init_steps: Vec<(String, f64)>,
}

/// The `bench-init name=ms …` line of a binary's stderr, if any.
fn init_steps(stderr: &str) -> Vec<(String, f64)> {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("bench-init "))
        .map(|rest| {
            rest.split_whitespace()
                .filter_map(|pair| {
                    let (name, value) = pair.split_once('=')?;
                    Some((name.to_string(), value.parse().ok()?))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn spawn(binary: &Binary, env: &Env, runtime_api: &str, log: &Path) -> Res<Child> {
    let stderr = File::create(log).map_err(|e| format!("{}: {e}", log.display()))?;
    // Only what Lambda gives a provided.al2023 function (no HOME, no AWS profile files).
    Command::new(&binary.path)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LANG", "en_US.UTF-8")
        .env("TZ", ":UTC")
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", binary.name)
        .env(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            binary.memory_mb.to_string(),
        )
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", binary.name),
        )
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/01/01/[$LATEST]bench")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_DEFAULT_REGION", "eu-west-1")
        .env("AWS_ACCESS_KEY_ID", "local")
        .env("AWS_SECRET_ACCESS_KEY", "local")
        .env("AWS_SESSION_TOKEN", "local")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("TABLE_NAME", &env.table)
        .env("DYNAMODB_ENDPOINT", &env.dynamodb_endpoint)
        .envs(env.extra.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        // Lambda ships stdout to CloudWatch; here it is discarded.
        .stdout(Stdio::null())
        .stderr(Stdio::from(stderr))
        .spawn()
        .map_err(|e| format!("exec {}: {e}", binary.path.display()))
}

/// `(VmHWM, VmRSS)` in KiB.
fn memory_of(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// Whether an answer is a failure: a Lambda error, or an HTTP response with status ≥ 400.
fn failure(answer: &crate::runtime_api::Answer) -> Option<String> {
    let status = answer.body.get("statusCode").and_then(Value::as_u64);
    if !answer.ok || status.is_some_and(|s| s >= 400) {
        Some(answer.body.to_string().chars().take(400).collect())
    } else {
        None
    }
}

/// Execs `binary`, hands it `events`, waits for every answer, records time and memory, kills it.
pub async fn run(binary: &Binary, env: &Env, events: Vec<Value>, logs: &Path) -> Res<Run> {
    let count = events.len();
    if count == 0 {
        return Err("no events".into());
    }
    let api = RuntimeApi::start(binary.name, events)
        .await
        .map_err(|e| format!("runtime api: {e}"))?;
    let log = logs.join(format!("{}.stderr", binary.name));
    let started = Instant::now();
    let mut child = spawn(binary, env, &api.address, &log)?;
    let deadline = started + Duration::from_secs(60 + count as u64 / 5);
    let outcome = loop {
        if api.wait_for_answers(count, Duration::from_millis(20)).await {
            break Ok(());
        }
        if let Some(error) = api.init_error() {
            break Err(format!("init error: {error}"));
        }
        if let Ok(Some(status)) = child.try_wait() {
            break Err(format!("exited with {status}"));
        }
        if Instant::now() > deadline {
            break Err(format!(
                "timed out with {} of {count} answers",
                api.answers().len()
            ));
        }
    };
    let (vm_hwm_kib, vm_rss_kib) = memory_of(child.id());
    let cpu = crate::cpu::of_process(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let answers = api.answers();
    let first_next = api.first_next();
    api.stop().await;
    if let Err(error) = outcome {
        let stderr = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: String = stderr
            .chars()
            .rev()
            .take(1500)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return Err(format!("{}: {error}\n{tail}", binary.name));
    }
    let first = answers.first().ok_or("no answer")?;
    let last = answers.last().ok_or("no answer")?;
    let failures: Vec<String> = answers.iter().filter_map(failure).collect();
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    Ok(Run {
        gaps: answers.windows(2).map(|w| w[1].at - w[0].at).collect(),
        init_steps: init_steps(&stderr),
        init: first_next.map(|t| t - started).unwrap_or_default(),
        first_answer: first.at - started,
        failures: failures.len(),
        first_failure: failures.into_iter().next(),
        cpu,
        vm_hwm_kib,
        vm_rss_kib,
        rest: last.at - first.at,
    })
}

pub fn median(values: &mut [Duration]) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    values.sort();
    values[values.len() / 2]
}

/// Size of the binary and of its deployment zip (a file named `bootstrap`, deflated).
pub fn sizes(binary: &Binary, work: &Path) -> Res<(u64, u64)> {
    let size = std::fs::metadata(&binary.path)
        .map_err(|e| format!("{}: {e}", binary.path.display()))?
        .len();
    let zip = work.join(format!("{}.zip", binary.name));
    let script = "import sys, zipfile\n\
                  with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as z:\n\
                  \x20   info = zipfile.ZipInfo('bootstrap', (2026, 1, 1, 0, 0, 0))\n\
                  \x20   info.external_attr = 0o100755 << 16\n\
                  \x20   info.compress_type = zipfile.ZIP_DEFLATED\n\
                  \x20   z.writestr(info, open(sys.argv[1], 'rb').read())\n";
    let status = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&binary.path)
        .arg(&zip)
        .status()
        .map_err(|e| format!("python3 (zip): {e}"))?;
    if !status.success() {
        return Err(format!("zipping {} failed: {status}", binary.name));
    }
    let zipped = std::fs::metadata(&zip)
        .map_err(|e| format!("{}: {e}", zip.display()))?
        .len();
    Ok((size, zipped))
}

/// Whether the ELF file still has a symbol table (`.symtab`), i.e. is not stripped.
pub fn has_symbols(path: &Path) -> bool {
    std::fs::read(path)
        .map(|bytes| bytes.windows(8).any(|w| w == b".symtab\0"))
        .unwrap_or(false)
}

/// The principal an API Gateway REQUEST authorizer puts in a REST event (see
/// `roster_shared::auth::gateway`).
#[derive(Clone, Debug)]
pub struct Principal {
    pub org: String,
    pub user_id: String,
    pub key_id: String,
    pub language: String,
}

/// An API Gateway REST (proxy) event as it reaches a function behind the authorizer.
pub fn rest_event(
    principal: &Principal,
    method: &str,
    path: &str,
    query: &[(&str, &str)],
    body: Option<Value>,
) -> Value {
    let mut headers = json!({
        "Accept": "application/json",
        "Host": "abc123.execute-api.eu-west-1.amazonaws.com",
    });
    if body.is_some() {
        headers["Content-Type"] = json!("application/json");
    }
    let multi_headers: serde_json::Map<String, Value> = headers
        .as_object()
        .map(|h| h.iter().map(|(k, v)| (k.clone(), json!([v]))).collect())
        .unwrap_or_default();
    let (query_single, query_multi) = if query.is_empty() {
        (Value::Null, Value::Null)
    } else {
        (
            query
                .iter()
                .map(|(k, v)| ((*k).to_string(), json!(v)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
            query
                .iter()
                .map(|(k, v)| ((*k).to_string(), json!([v])))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        )
    };
    json!({
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query_single,
        "multiValueQueryStringParameters": query_multi,
        "pathParameters": null,
        "stageVariables": null,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.10", "userAgent": "roster-bench"},
            "path": format!("/prod{path}"),
            "protocol": "HTTP/1.1",
            "requestId": ulid::Ulid::new().to_string(),
            "requestTimeEpoch": 1767225600000u64,
            "resourceId": "abcdef",
            "resourcePath": path,
            "stage": "prod",
            "authorizer": {
                "principalId": principal.user_id,
                "org": principal.org,
                "userId": principal.user_id,
                "role": "ApManager",
                "keyId": principal.key_id,
                "orgLanguage": principal.language,
            },
        },
        "body": body.map(|b| b.to_string()),
        "isBase64Encoded": false,
    })
}

/// An API Gateway REQUEST authorizer event carrying `key` in `x-api-key`.
pub fn authorizer_event(key: &str) -> Value {
    json!({
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/users",
        "resource": "/v1/users",
        "path": "/v1/users",
        "httpMethod": "GET",
        "headers": {"Host": "abc123.execute-api.eu-west-1.amazonaws.com", "x-api-key": key},
        "multiValueHeaders": {"Host": ["abc123.execute-api.eu-west-1.amazonaws.com"], "x-api-key": [key]},
        "queryStringParameters": {},
        "multiValueQueryStringParameters": {},
        "pathParameters": {},
        "stageVariables": {},
        "requestContext": {
            "path": "/prod/v1/users",
            "accountId": "123456789012",
            "resourceId": "abcdef",
            "stage": "prod",
            "requestId": ulid::Ulid::new().to_string(),
            "identity": {"apiKey": "", "sourceIp": "203.0.113.10"},
            "resourcePath": "/v1/users",
            "httpMethod": "GET",
            "apiId": "abc123"
        }
    })
}

/// The ELF sections of a binary with their sizes (`size -A -d`), largest first.
pub fn sections(path: &Path) -> Vec<(String, u64)> {
    let Ok(out) = Command::new("size").arg("-A").arg("-d").arg(path).output() else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut sections: Vec<(String, u64)> = text
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let name = parts.next()?;
            let size = parts.next()?.parse().ok()?;
            name.starts_with('.').then(|| (name.to_string(), size))
        })
        .collect();
    sections.sort_by_key(|s| std::cmp::Reverse(s.1));
    sections
}
