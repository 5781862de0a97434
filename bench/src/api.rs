//! Latency through the local HTTP API (the merged router of every function, served by axum on
//! 127.0.0.1, called with reqwest and a manager key) against the bare DynamoDB calls the same
//! operation makes, with every DynamoDB request counted by an SDK interceptor.

use std::future::Future;
use std::net::SocketAddr;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use reqwest::Method;
use roster_shared::auth::Principal;
use roster_shared::clock;
use roster_shared::config::Config;
use roster_shared::domain::{
    Authorization, Email, Emails, Language, OrgId, PartyId, Permissions, PersonName, Profile,
    Registration, Status, User, UserId, Username,
};
use roster_shared::service::{NewUser, Roster};
use roster_shared::store::{PageRequest, Store, UserFilter, UserWrite};
use serde_json::{json, Value};

use crate::counting::{Counter, Counting, Stats};
use crate::cpu;
use crate::Res;

/// The operations measured, in report order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Get,
    List,
    Create,
    Patch,
    Delete,
    Upsert,
    Grant,
    Activate,
    Batch,
}

impl Op {
    pub const ALL: [Op; 9] = [
        Op::Get,
        Op::List,
        Op::Create,
        Op::Patch,
        Op::Delete,
        Op::Upsert,
        Op::Grant,
        Op::Activate,
        Op::Batch,
    ];

    /// The operation's short name (`BENCH_ONLY_OPS`).
    pub fn name(self) -> &'static str {
        match self {
            Op::Get => "get",
            Op::List => "list",
            Op::Create => "create",
            Op::Patch => "patch",
            Op::Delete => "delete",
            Op::Upsert => "upsert",
            Op::Grant => "grant",
            Op::Activate => "activate",
            Op::Batch => "batch",
        }
    }

    pub fn by_name(name: &str) -> Option<Op> {
        Op::ALL
            .into_iter()
            .find(|op| op.name().eq_ignore_ascii_case(name))
    }

    pub fn label(self) -> &'static str {
        match self {
            Op::Get => "get user",
            Op::List => "list a page (10)",
            Op::Create => "create",
            Op::Patch => "PATCH (name)",
            Op::Delete => "delete",
            Op::Upsert => "upsert (replace)",
            Op::Grant => "grant party authorization",
            Op::Activate => "activate",
            Op::Batch => "batch create of 100",
        }
    }

    pub fn route(self) -> &'static str {
        match self {
            Op::Get => "GET /v1/users/{id}",
            Op::List => "GET /v1/users?limit=10",
            Op::Create => "POST /v1/users (object)",
            Op::Patch => "PATCH /v1/users/{id}",
            Op::Delete => "DELETE /v1/users/{id}",
            Op::Upsert => "PUT /v1/users/by-username/{username}",
            Op::Grant => "PUT /v1/users/{id}/parties/{partyId}",
            Op::Activate => "POST /v1/users/{id}/activate",
            Op::Batch => "POST /v1/users (array of 100)",
        }
    }

    /// The bare calls, as made in the baseline (store functions: thin SDK wrappers).
    pub fn bare(self) -> &'static str {
        match self {
            Op::Get => "`get_user`: GetItem",
            Op::List => "`list_users` ∥ `org_counters`: Query (Limit 11) ∥ Query (org + counter shards)",
            Op::Create => "`create_user`: TransactWriteItems",
            Op::Patch | Op::Delete | Op::Activate => {
                "`get_user` → `replace_user`: GetItem → TransactWriteItems"
            }
            Op::Upsert => {
                "`find_by_username` → `replace_user`: GetItem (marker) → GetItem → TransactWriteItems"
            }
            Op::Grant => {
                "`grant_context` → `put_authorization`: BatchGetItem (user, party, grant) → \
                 TransactWriteItems"
            }
            Op::Batch => {
                "`create_users` (group commit, as the service): 6 TransactWriteItems of ≤ 19 users"
            }
        }
    }

    /// The fewest DynamoDB requests the operation can take with this table design.
    pub fn minimum(self) -> (u64, &'static str) {
        match self {
            Op::Get => (1, "1 GetItem"),
            Op::List => (
                2,
                "1 Query (the page) + 1 Query (the organization's counter shards, summed: the \
                 exact `totalItems`)",
            ),
            Op::Create => (1, "1 TransactWriteItems"),
            Op::Patch => (
                2,
                "1 GetItem + 1 write (merge patch and marker swaps need the stored user)",
            ),
            Op::Delete => (
                3,
                "1 GetItem + 1 Query (the user's API keys: they are revoked in the delete's own \
                 transaction, and their ids are not on the user item) + 1 TransactWriteItems",
            ),
            Op::Upsert => (
                3,
                "GetItem (username marker) + GetItem (user) + 1 TransactWriteItems",
            ),
            Op::Grant => (
                2,
                "1 read (user, party, existing grant: one BatchGetItem) + 1 TransactWriteItems",
            ),
            Op::Activate => (
                2,
                "1 GetItem + 1 TransactWriteItems (user + a counter shard)",
            ),
            Op::Batch => (
                6,
                "6 TransactWriteItems: group commit, 5 actions a user (user, profile, username \
                 and email markers, audit record) and one counter update a group, at most 100 \
                 actions a transaction: 19 users a group",
            ),
        }
    }
}

/// Latencies and DynamoDB traffic of one cell (one operation, one path, one concurrency).
#[derive(Clone, Debug, Default)]
pub struct Cell {
    pub latencies: Vec<Duration>,
    pub errors: usize,
    pub first_error: Option<String>,
    pub stats: Stats,
    /// CPU time of the API's thread during the cell.
    pub cpu_api: Duration,
    /// CPU time of the thread the bare calls run on during the cell.
    pub cpu_bare: Duration,
}

impl Cell {
    pub fn merge(&mut self, other: Cell) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.stats.add(&other.stats);
        self.cpu_api += other.cpu_api;
        self.cpu_bare += other.cpu_bare;
    }

    /// CPU ms per operation of the API thread / of the rest of the process.
    pub fn cpu_api_per_op(&self) -> f64 {
        per_op(self.cpu_api.as_secs_f64() * 1000.0, self.ops())
    }

    pub fn cpu_bare_per_op(&self) -> f64 {
        per_op(self.cpu_bare.as_secs_f64() * 1000.0, self.ops())
    }

    pub fn percentile(&self, p: f64) -> Duration {
        percentile(&self.latencies, p)
    }

    pub fn ops(&self) -> usize {
        self.latencies.len()
    }

    /// DynamoDB requests per operation.
    pub fn requests_per_op(&self) -> f64 {
        per_op(self.stats.total_requests() as f64, self.ops())
    }

    pub fn capacity_per_op(&self) -> Option<f64> {
        (self.stats.capacity_answered > 0).then(|| per_op(self.stats.capacity_units, self.ops()))
    }

    /// e.g. `GetItem 1 + TransactWriteItems 1` (per operation).
    pub fn breakdown(&self) -> String {
        self.stats
            .requests
            .iter()
            .map(|(op, n)| format!("{op} {}", trim(per_op(*n as f64, self.ops()))))
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

fn per_op(total: f64, ops: usize) -> f64 {
    if ops == 0 {
        0.0
    } else {
        total / ops as f64
    }
}

/// A number without trailing zeros (1, 1.5, 0.25).
pub fn trim(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Nearest-rank percentile.
pub fn percentile(values: &[Duration], p: f64) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = values.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// One measured row: the operation at one concurrency, through HTTP and bare.
#[derive(Clone, Debug)]
pub struct Row {
    pub op: Op,
    pub concurrency: usize,
    pub http: Cell,
    pub bare: Cell,
}

impl Row {
    pub fn ratio(&self) -> f64 {
        let bare = self.bare.percentile(50.0).as_secs_f64();
        if bare == 0.0 {
            return f64::NAN;
        }
        self.http.percentile(50.0).as_secs_f64() / bare
    }
}

/// What the first use of a key on an instance costs, and a warm call.
#[derive(Clone, Debug, Default)]
pub struct AuthCost {
    /// `GET /v1/me` with a key the instance has not seen: the key resolution and the read.
    pub cold: Stats,
    /// The same call again (the key cached).
    pub warm: Stats,
}

/// The local API, the clients and the data the cells work on.
pub struct Bench {
    pub url: String,
    pub http: reqwest::Client,
    /// Used only by the measured calls, on the load generator's thread: its connections (and
    /// their tasks) live on that thread's runtime.
    pub measured_http: reqwest::Client,
    pub key: String,
    pub caller: Principal,
    /// Uncounted: prepares targets outside the measured cells.
    pub setup: Roster,
    /// Counted: the baseline's bare calls.
    pub bare: Store,
    pub bare_counter: Counter,
    /// Counted: every DynamoDB request the served API makes.
    pub server_counter: Counter,
    pub party: PartyId,
    /// The threads the API and the bare calls run on (each its own current-thread runtime).
    pub threads: Threads,
    /// Uncounted, used only on the bare thread: what the counting interceptor costs.
    pub plain: Store,
    /// Users that are only read (created first, so they lead the organization's user list).
    pub readers: Vec<UserId>,
    pub auth: AuthCost,
}

/// Thread ids (for their CPU time) and where each path's calls are made and timed.
pub struct Threads {
    pub api: u32,
    pub bare: u32,
    pub bare_runtime: tokio::runtime::Handle,
    /// The load generator's HTTP calls: a current-thread runtime of their own, as the bare
    /// calls have, so that both paths are timed the same way (no hop between the worker
    /// threads of a multi-thread runtime on the HTTP side only).
    pub client_runtime: tokio::runtime::Handle,
}

/// A current-thread runtime on a thread of its own (for the bare calls, as the API has one, so
/// their CPU time is read apart from the load generator's; and for the load generator).
fn own_runtime(name: &str) -> Res<(tokio::runtime::Handle, u32)> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            let _ = sender.send((runtime.handle().clone(), crate::cpu::current_tid()));
            runtime.block_on(std::future::pending::<()>());
        })
        .map_err(e("bare thread"))?;
    receiver.recv().map_err(e("own runtime"))
}

fn counted_client(base: &aws_sdk_dynamodb::config::Builder, counter: &Counter) -> Client {
    let conf = base.clone().interceptor(Counting(counter.clone())).build();
    Client::from_conf(conf)
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", ulid::Ulid::new().to_string().to_lowercase())
}

fn e<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> String {
    move |err| format!("{what}: {err}")
}

const READERS: usize = 20;

impl Bench {
    pub async fn start(config: &Config) -> Res<Arc<Bench>> {
        let sdk = roster_shared::store::client_builder(config);
        let table = config.table_name.clone();
        let setup_store = Store::new(Client::from_conf(sdk.clone().build()), table.clone());
        setup_store
            .create_table_if_missing()
            .await
            .map_err(e("create table"))?;
        let setup = Roster::new(setup_store, config);
        let org = OrgId::parse(&unique("bench")).map_err(e("org id"))?;
        let (_manager, key) = setup
            .bootstrap_org(
                &org,
                Username::parse("admin").map_err(e("username"))?,
                Language::default_language(),
            )
            .await
            .map_err(e("bootstrap"))?;
        let key = key.key.secret;
        let caller = setup
            .auth
            .authenticate(&key, None)
            .await
            .map_err(e("manager key"))?;

        let server_counter = Counter::default();
        let roster = Roster::new(
            Store::new(counted_client(&sdk, &server_counter), table.clone()),
            config,
        );
        // The API on a thread of its own (a current-thread runtime, as one Lambda instance
        // serves one request at a time on its own CPU share), so its CPU time can be read apart
        // from the load generator's.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(e("bind"))?;
        listener.set_nonblocking(true).map_err(e("nonblocking"))?;
        let url = format!("http://{}", listener.local_addr().map_err(e("address"))?);
        let app = roster_dev::all_routes().into_router(roster);
        let (tid_sender, tid) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("roster-api".into())
            .spawn(move || {
                let _ = tid_sender.send(crate::cpu::current_tid());
                let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                runtime.block_on(async move {
                    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
                        return;
                    };
                    let _ = axum::serve(
                        listener,
                        app.into_make_service_with_connect_info::<SocketAddr>(),
                    )
                    .await;
                });
            })
            .map_err(e("API thread"))?;
        let api_thread = tid.recv().map_err(e("API thread id"))?;
        let (bare_runtime, bare_thread) = own_runtime("bare-calls")?;
        let (client_runtime, _) = own_runtime("load-generator")?;

        let bare_counter = Counter::default();
        let bare = Store::new(counted_client(&sdk, &bare_counter), table);
        let party = PartyId::parse(&format!(
            "0106:{:08}",
            ulid::Ulid::new().random() % 100_000_000
        ))
        .map_err(e("party id"))?;
        let mut bench = Bench {
            url,
            http: reqwest::Client::new(),
            measured_http: reqwest::Client::new(),
            key,
            caller,
            setup,
            bare,
            bare_counter,
            server_counter,
            party,
            threads: Threads {
                api: api_thread,
                bare: bare_thread,
                bare_runtime,
                client_runtime,
            },
            plain: Store::new(
                Client::from_conf(sdk.clone().build()),
                config.table_name.clone(),
            ),
            readers: Vec::new(),
            auth: AuthCost::default(),
        };
        bench.readers = bench
            .users(READERS, "reader", Status::Active)
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect();
        bench
            .setup
            .register_party(
                &bench.caller,
                roster_shared::service::NewParty {
                    id: bench.party.clone(),
                    name: "Bench Party".into(),
                    tin: None,
                    contact_name: None,
                    commercial_name: None,
                    external_id: None,
                },
            )
            .await
            .map_err(e("register party"))?;

        // The key's first use on the server (cold cache), then a warm call.
        let before = bench.server_counter.snapshot();
        bench.call(Method::GET, "/v1/me", None, 200).await?;
        // Its lastUsedAt write is sent in the background (the answer does not wait for it): let
        // it land before counting.
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let middle = bench.server_counter.snapshot();
        bench.call(Method::GET, "/v1/me", None, 200).await?;
        let after = bench.server_counter.snapshot();
        bench.auth = AuthCost {
            cold: middle.since(&before),
            warm: after.since(&middle),
        };
        Ok(Arc::new(bench))
    }

    pub fn org(&self) -> &OrgId {
        &self.caller.org
    }

    /// Creates `n` users (8 at a time) outside any measurement.
    pub async fn users(&self, n: usize, prefix: &str, status: Status) -> Res<Vec<User>> {
        let made = Arc::new(Mutex::new(Vec::with_capacity(n)));
        let next = Arc::new(AtomicUsize::new(0));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..8.min(n.max(1)) {
            let (made, next) = (made.clone(), next.clone());
            let roster = self.setup.clone();
            let caller = self.caller.clone();
            let prefix = prefix.to_string();
            tasks.spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < n {
                    let username = unique(&prefix);
                    let new = NewUser {
                        username: Some(Username::parse(&username).map_err(e("username"))?),
                        name: Some(PersonName::parse("Bench User").map_err(e("name"))?),
                        emails: email_list(&username)?,
                        status: Some(status),
                        ..NewUser::default()
                    };
                    let user = roster
                        .create_user_in(&caller.org, &caller.org_language, new, &caller.audit())
                        .await
                        .map_err(e("prepare user"))?;
                    if let Ok(mut made) = made.lock() {
                        made.push(user);
                    }
                }
                Ok::<(), String>(())
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.map_err(e("prepare task"))??;
        }
        let made = made.lock().map(|m| m.clone()).unwrap_or_default();
        Ok(made)
    }

    /// One HTTP call with the manager key; the status must be `expect`. Returns the body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        expect: u16,
    ) -> Res<Vec<u8>> {
        self.call_with(&self.http, method, path, body, expect).await
    }

    /// One HTTP call through `client` (see [`Bench::call`]).
    async fn call_with(
        &self,
        client: &reqwest::Client,
        method: Method,
        path: &str,
        body: Option<&Value>,
        expect: u16,
    ) -> Res<Vec<u8>> {
        let mut request = client
            .request(method.clone(), format!("{}{path}", self.url))
            .header("x-api-key", &self.key);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(e("request"))?;
        let status = response.status().as_u16();
        let bytes = response.bytes().await.map_err(e("response body"))?;
        if status != expect {
            return Err(format!(
                "{method} {path}: {status} (expected {expect}): {}",
                String::from_utf8_lossy(&bytes)
            ));
        }
        Ok(bytes.to_vec())
    }

    /// A new user as the service builds it for `POST /v1/users` with username, name and email.
    fn new_user(&self, username: &str) -> Res<UserWrite> {
        let now = clock::now();
        let user = User {
            id: UserId::generate(),
            org: self.org().clone(),
            external_id: None,
            username: Username::parse(username).map_err(e("username"))?,
            name: PersonName::parse("Bench User").map_err(e("name"))?,
            emails: email_list(username)?,
            phone: None,
            language: self.caller.org_language.clone(),
            business_partner_id: None,
            role: Default::default(),
            status: Status::Active,
            valid_until: None,
            flags: vec![],
            registration: Registration::default().moved_to(Default::default()),
            attributes: Default::default(),
            surface_data: Default::default(),
            password_hash: None,
            created_at: now.clone(),
            updated_at: now,
            deleted_at: None,
            // As the service records them for a create by this caller.
            created_by: Some(self.caller.user_id.clone()),
            updated_by: Some(self.caller.user_id.clone()),
            created_via: None,
            updated_via: None,
            version: 1,
        };
        let profile = Profile::default_for(&user);
        Ok(UserWrite { user, profile })
    }

    async fn bare_create(&self, username: &str) -> Res<()> {
        let write = self.new_user(username)?;
        self.bare
            .create_user(&write, &self.caller.audit())
            .await
            .map_err(e("create_user"))
    }

    async fn bare_load(&self, id: &UserId) -> Res<User> {
        self.bare
            .get_user(self.org(), id)
            .await
            .map_err(e("get_user"))?
            .ok_or_else(|| format!("user {id} missing"))
    }

    async fn bare_replace(&self, old: &User, change: impl FnOnce(&mut User)) -> Res<()> {
        let mut new = old.clone();
        change(&mut new);
        new.updated_at = clock::now();
        new.version = old.version + 1;
        let actor = (new.status == Status::Deleted).then_some(&self.caller.user_id);
        self.bare
            .replace_user(old, &new, actor, &self.caller.audit())
            .await
            .map_err(e("replace_user"))
    }

    /// What `op` works on at index `i` of a cell: prepared before the cell starts.
    pub async fn targets(&self, op: Op, n: usize) -> Res<Vec<User>> {
        match op {
            Op::Get | Op::List | Op::Create | Op::Batch => Ok(Vec::new()),
            Op::Activate => self.users(n, "target", Status::Inactive).await,
            Op::Patch | Op::Delete | Op::Upsert | Op::Grant => {
                self.users(n, "target", Status::Active).await
            }
        }
    }

    /// `op` through the HTTP API on target `i`.
    pub async fn http_op(&self, op: Op, i: usize, targets: &[User]) -> Res<()> {
        let target = || {
            targets
                .get(i)
                .ok_or_else(|| format!("no target {i} for {op:?}"))
        };
        match op {
            Op::Get => {
                let id = &self.readers[i % self.readers.len()];
                self.call_with(
                    &self.measured_http,
                    Method::GET,
                    &format!("/v1/users/{id}"),
                    None,
                    200,
                )
                .await?;
            }
            Op::List => {
                self.call_with(
                    &self.measured_http,
                    Method::GET,
                    "/v1/users?limit=10",
                    None,
                    200,
                )
                .await?;
            }
            Op::Create => {
                let username = unique("create");
                let body = json!({"username": username, "name": "Bench User",
                                  "emails": [format!("{username}@example.com")]});
                self.call_with(
                    &self.measured_http,
                    Method::POST,
                    "/v1/users",
                    Some(&body),
                    201,
                )
                .await?;
            }
            Op::Patch => {
                let body = json!({"name": format!("Patched {i}")});
                let path = format!("/v1/users/{}", target()?.id);
                self.call_with(&self.measured_http, Method::PATCH, &path, Some(&body), 200)
                    .await?;
            }
            Op::Delete => {
                let path = format!("/v1/users/{}", target()?.id);
                self.call_with(&self.measured_http, Method::DELETE, &path, None, 204)
                    .await?;
            }
            Op::Upsert => {
                let user = target()?;
                let body = json!({"name": format!("Upserted {i}"),
                                  "emails": user.emails.iter().map(ToString::to_string).collect::<Vec<_>>()});
                let path = format!("/v1/users/by-username/{}", user.username);
                self.call_with(&self.measured_http, Method::PUT, &path, Some(&body), 200)
                    .await?;
            }
            Op::Grant => {
                let body = json!({"name": "Bench Party", "permissions": {
                    "canSendDocument": true, "canReceiveDocument": true,
                    "canRemoveDocument": false, "canManageHook": false}});
                let path = format!("/v1/users/{}/parties/{}", target()?.id, self.party);
                self.call_with(&self.measured_http, Method::PUT, &path, Some(&body), 201)
                    .await?;
            }
            Op::Activate => {
                let path = format!("/v1/users/{}/activate", target()?.id);
                self.call_with(&self.measured_http, Method::POST, &path, None, 200)
                    .await?;
            }
            Op::Batch => {
                let items: Vec<Value> = (0..100)
                    .map(|_| {
                        let username = unique("batch");
                        json!({"username": username, "name": "Bench User",
                               "emails": [format!("{username}@example.com")]})
                    })
                    .collect();
                let body = self
                    .call(Method::POST, "/v1/users", Some(&Value::Array(items)), 200)
                    .await?;
                let answer: Value = serde_json::from_slice(&body).map_err(e("batch answer"))?;
                let created = answer["results"]
                    .as_array()
                    .map(|r| r.iter().filter(|x| x["status"] == 201).count())
                    .unwrap_or(0);
                if created != 100 {
                    return Err(format!("batch created {created} of 100: {answer}"));
                }
            }
        }
        Ok(())
    }

    /// The bare DynamoDB calls of `op` on target `i` (store functions, no HTTP, no service).
    pub async fn bare_op(&self, op: Op, i: usize, targets: &[User]) -> Res<()> {
        let target = || {
            targets
                .get(i)
                .ok_or_else(|| format!("no target {i} for {op:?}"))
        };
        let org = self.org();
        match op {
            Op::Get => {
                self.bare_load(&self.readers[i % self.readers.len()])
                    .await?;
            }
            Op::List => {
                let page = PageRequest {
                    limit: 10,
                    skip: 0,
                    start: None,
                };
                let filter = UserFilter::default();
                tokio::try_join!(
                    self.bare.list_users(org, &filter, &page),
                    self.bare.org_counters(org)
                )
                .map_err(e("list"))?;
            }
            Op::Create => self.bare_create(&unique("create")).await?,
            Op::Patch => {
                let old = self.bare_load(&target()?.id).await?;
                let name = PersonName::parse(&format!("Patched {i}")).map_err(e("name"))?;
                self.bare_replace(&old, |u| u.name = name).await?;
            }
            Op::Delete => {
                let old = self.bare_load(&target()?.id).await?;
                self.bare_replace(&old, |u| {
                    u.status = Status::Deleted;
                    u.deleted_at = Some(clock::now());
                })
                .await?;
            }
            Op::Upsert => {
                let user = target()?;
                let old = self
                    .bare
                    .find_by_username(org, &user.username)
                    .await
                    .map_err(e("find_by_username"))?
                    .ok_or("upsert target missing")?;
                let name = PersonName::parse(&format!("Upserted {i}")).map_err(e("name"))?;
                self.bare_replace(&old, |u| u.name = name).await?;
            }
            Op::Grant => {
                // As the service does: user, party and existing grant in one BatchGetItem.
                let (user, _party, existing) = self
                    .bare
                    .grant_context(org, &target()?.id, &self.party)
                    .await
                    .map_err(e("grant reads"))?;
                let user = user.ok_or("grant target missing")?;
                let now = clock::now();
                let authorization = Authorization {
                    org: org.clone(),
                    user_id: user.id.clone(),
                    party_id: self.party.clone(),
                    name: "Bench Party".into(),
                    permissions: Permissions {
                        can_send_document: true,
                        can_receive_document: true,
                        can_remove_document: false,
                        can_manage_hook: false,
                    },
                    created_at: now.clone(),
                    updated_at: now,
                    count_shard: None,
                };
                self.bare
                    .put_authorization(
                        &authorization,
                        None,
                        existing.as_ref(),
                        &self.caller.audit(),
                    )
                    .await
                    .map_err(e("put_authorization"))?;
            }
            Op::Activate => {
                let old = self.bare_load(&target()?.id).await?;
                self.bare_replace(&old, |u| u.status = Status::Active)
                    .await?;
            }
            Op::Batch => {
                let writes = (0..100)
                    .map(|_| self.new_user(&unique("batch")))
                    .collect::<Res<Vec<_>>>()?;
                let results = self.bare.create_users(&writes, &self.caller.audit()).await;
                for result in results {
                    result.map_err(|e| e.to_string())?;
                }
            }
        }
        Ok(())
    }
}

fn email_list(username: &str) -> Res<Emails> {
    let email = Email::parse(&format!("{username}@example.com")).map_err(e("email"))?;
    Emails::new(vec![email]).map_err(e("emails"))
}

/// Runs `f(i)` for every `i` in `range` with `concurrency` workers; each call is timed on its
/// own.
/// The workers run on `runtime` (the bare thread's or the load generator's).
pub async fn run_cell<F, Fut>(
    concurrency: usize,
    range: Range<usize>,
    counter: &Counter,
    threads: &Threads,
    runtime: &tokio::runtime::Handle,
    f: Arc<F>,
) -> Cell
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Res<()>> + Send + 'static,
{
    let next = Arc::new(AtomicUsize::new(range.start));
    let before = counter.snapshot();
    let (api_before, bare_before) = (cpu::thread(threads.api), cpu::thread(threads.bare));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (f, next, end) = (f.clone(), next.clone(), range.end);
        let worker = async move {
            let mut results = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= end {
                    return results;
                }
                let started = Instant::now();
                let outcome = f(i).await;
                results.push((started.elapsed(), outcome));
            }
        };
        tasks.spawn_on(worker, runtime);
    }
    let mut cell = Cell::default();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(results) => {
                for (elapsed, outcome) in results {
                    cell.latencies.push(elapsed);
                    if let Err(err) = outcome {
                        cell.errors += 1;
                        cell.first_error.get_or_insert(err);
                    }
                }
            }
            Err(err) => {
                cell.errors += 1;
                cell.first_error
                    .get_or_insert(format!("worker failed: {err}"));
            }
        }
    }
    cell.cpu_api = cpu::thread(threads.api).saturating_sub(api_before);
    cell.cpu_bare = cpu::thread(threads.bare).saturating_sub(bare_before);
    cell.stats = counter.snapshot().since(&before);
    cell
}

/// The chunks a cell is run in, alternating between the paths: at c=1 one operation each (every
/// HTTP call sits next to a bare one), otherwise up to 12 chunks of at least 2 operations per
/// worker.
fn chunks(ops: usize, concurrency: usize) -> Vec<Range<usize>> {
    let n = if concurrency <= 1 {
        ops.max(1)
    } else {
        (ops / (2 * concurrency)).clamp(1, 12)
    };
    let size = ops.div_ceil(n).max(1);
    (0..ops)
        .step_by(size)
        .map(|start| start..(start + size).min(ops))
        .collect()
}

/// Measures `op` at `concurrency`: `ops` calls through HTTP and `ops` bare, in chunks ordered
/// HTTP, bare, bare, HTTP, HTTP, bare, … so that drift and bursts during the measurement (the
/// JVM, the machine's other load) fall on both paths alike.
pub async fn measure(bench: &Arc<Bench>, op: Op, concurrency: usize, ops: usize) -> Res<Row> {
    let http_targets = Arc::new(bench.targets(op, ops).await?);
    let bare_targets = Arc::new(bench.targets(op, ops).await?);
    let b = bench.clone();
    let http_op = Arc::new(move |i| {
        let (b, t) = (b.clone(), http_targets.clone());
        async move { b.http_op(op, i, &t).await }
    });
    let b = bench.clone();
    let bare_op = Arc::new(move |i| {
        let (b, t) = (b.clone(), bare_targets.clone());
        async move { b.bare_op(op, i, &t).await }
    });
    let ranges = chunks(ops, concurrency);
    let (mut http, mut bare) = (Cell::default(), Cell::default());
    for (n, range) in ranges.into_iter().enumerate() {
        let (threads, counter) = (&bench.threads, &bench.server_counter);
        let h = run_cell(
            concurrency,
            range.clone(),
            counter,
            threads,
            &threads.client_runtime,
            http_op.clone(),
        );
        let counter = &bench.bare_counter;
        let b = run_cell(
            concurrency,
            range,
            counter,
            threads,
            &threads.bare_runtime,
            bare_op.clone(),
        );
        if n % 2 == 0 {
            http.merge(h.await);
            bare.merge(b.await);
        } else {
            bare.merge(b.await);
            http.merge(h.await);
        }
    }
    Ok(Row {
        op,
        concurrency,
        http,
        bare,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&values, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&values, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&values[..1], 99.0), Duration::from_millis(1));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn cells_alternate_in_chunks() {
        assert_eq!(chunks(3, 1), vec![0..1, 1..2, 2..3]);
        assert_eq!(chunks(200, 8).len(), 12);
        assert_eq!(chunks(200, 8)[0], 0..17);
        assert_eq!(chunks(200, 8)[11], 187..200);
        assert_eq!(chunks(16, 8), vec![0..16]);
        assert_eq!(chunks(40, 8), vec![0..20, 20..40]);
    }

    #[test]
    fn operations_are_found_by_name() {
        for op in Op::ALL {
            assert_eq!(Op::by_name(op.name()), Some(op));
        }
        assert_eq!(Op::by_name("GET"), Some(Op::Get));
        assert_eq!(Op::by_name("fetch"), None);
    }

    #[test]
    fn numbers_are_trimmed() {
        assert_eq!(trim(1.0), "1");
        assert_eq!(trim(1.5), "1.5");
        assert_eq!(trim(0.25), "0.25");
    }
}
