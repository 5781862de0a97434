//! A minimal Lambda Runtime API (the HTTP interface a `provided.al2023` runtime talks to), enough
//! to time a function binary from exec to its first answer and to feed it a stream of events:
//! `GET /2018-06-01/runtime/invocation/next` hands out the queued events one by one (and then
//! holds the request, as Lambda does between invocations), `POST …/invocation/{id}/response` and
//! `…/{id}/error` record the answer, `POST /2018-06-01/runtime/init/error` records an init failure.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use tokio::sync::{watch, Notify};

/// One answer the function posted.
#[derive(Clone, Debug)]
pub struct Answer {
    pub at: Instant,
    /// False for `/error`.
    pub ok: bool,
    pub body: Value,
}

struct Shared {
    function_arn: String,
    queue: Mutex<VecDeque<Value>>,
    next_id: AtomicU64,
    first_next: Mutex<Option<Instant>>,
    answers: Mutex<Vec<Answer>>,
    init_error: Mutex<Option<String>>,
    changed: Notify,
    closed: watch::Receiver<bool>,
}

/// A running fake Runtime API on 127.0.0.1.
pub struct RuntimeApi {
    shared: Arc<Shared>,
    close: watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
    pub address: String,
}

fn header(value: &str) -> HeaderValue {
    HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

async fn next(State(shared): State<Arc<Shared>>) -> Response {
    {
        if let Ok(mut first) = shared.first_next.lock() {
            first.get_or_insert_with(Instant::now);
        }
    }
    let event = shared.queue.lock().ok().and_then(|mut q| q.pop_front());
    let Some(event) = event else {
        // Nothing to invoke: hold the request (the function waits, as between invocations).
        let mut closed = shared.closed.clone();
        let _ = closed.wait_for(|c| *c).await;
        return StatusCode::GONE.into_response();
    };
    let id = format!("req-{}", shared.next_id.fetch_add(1, Ordering::Relaxed));
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
        + 30_000;
    let mut headers = HeaderMap::new();
    headers.insert("lambda-runtime-aws-request-id", header(&id));
    headers.insert("lambda-runtime-deadline-ms", header(&deadline.to_string()));
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        header(&shared.function_arn),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        header("Root=1-00000000-000000000000000000000000;Sampled=0"),
    );
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    (headers, event.to_string()).into_response()
}

fn record(shared: &Shared, ok: bool, body: &Bytes) {
    let at = Instant::now();
    let body = serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()));
    if let Ok(mut answers) = shared.answers.lock() {
        answers.push(Answer { at, ok, body });
    }
    shared.changed.notify_waiters();
}

async fn response(
    State(shared): State<Arc<Shared>>,
    Path(_id): Path<String>,
    body: Bytes,
) -> StatusCode {
    record(&shared, true, &body);
    StatusCode::ACCEPTED
}

async fn error(
    State(shared): State<Arc<Shared>>,
    Path(_id): Path<String>,
    body: Bytes,
) -> StatusCode {
    record(&shared, false, &body);
    StatusCode::ACCEPTED
}

async fn init_error(State(shared): State<Arc<Shared>>, body: Bytes) -> StatusCode {
    if let Ok(mut e) = shared.init_error.lock() {
        *e = Some(String::from_utf8_lossy(&body).into_owned());
    }
    shared.changed.notify_waiters();
    StatusCode::ACCEPTED
}

impl RuntimeApi {
    /// Starts a Runtime API that will hand out `events` in order.
    pub async fn start(function: &str, events: Vec<Value>) -> std::io::Result<Self> {
        let (close, closed) = watch::channel(false);
        let shared = Arc::new(Shared {
            function_arn: format!("arn:aws:lambda:eu-west-1:123456789012:function:{function}"),
            queue: Mutex::new(events.into()),
            next_id: AtomicU64::new(1),
            first_next: Mutex::new(None),
            answers: Mutex::new(Vec::new()),
            init_error: Mutex::new(None),
            changed: Notify::new(),
            closed,
        });
        let app = Router::new()
            .route("/2018-06-01/runtime/invocation/next", get(next))
            .route(
                "/2018-06-01/runtime/invocation/{id}/response",
                post(response),
            )
            .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
            .route("/2018-06-01/runtime/init/error", post(init_error))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?.to_string();
        let mut stop = close.subscribe();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|c| *c).await;
                })
                .await;
        });
        Ok(Self {
            shared,
            close,
            server,
            address,
        })
    }

    /// When the function first asked for an event (the end of its init phase).
    pub fn first_next(&self) -> Option<Instant> {
        self.shared.first_next.lock().ok().and_then(|f| *f)
    }

    pub fn answers(&self) -> Vec<Answer> {
        self.shared
            .answers
            .lock()
            .map(|a| a.clone())
            .unwrap_or_default()
    }

    /// How many answers are in (without copying them: the waiter below asks after every one).
    fn answer_count(&self) -> usize {
        self.shared.answers.lock().map(|a| a.len()).unwrap_or(0)
    }

    pub fn init_error(&self) -> Option<String> {
        self.shared.init_error.lock().ok().and_then(|e| e.clone())
    }

    /// Waits until `count` answers are in (or an init error, or `timeout`); true if they are.
    pub async fn wait_for_answers(&self, count: usize, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.changed.notified();
            if self.answer_count() >= count {
                return true;
            }
            if self.init_error().is_some() {
                return false;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.answer_count() >= count;
            }
        }
    }

    pub async fn stop(self) {
        let _ = self.close.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(2), self.server).await;
    }
}
