//! The hand-written parts of `docs/PERFORMANCE.md`: why a target is missed and what it would
//! take, observations on the code, one-off experiments, and the published reference figures.
//! The tables above them are always the current run's; these paragraphs quote figures of the
//! committed run (and of one-off experiments, dated) and say where to look for the live ones.

pub const RATIO: &str = "### p50 ratio (HTTP / bare)

Where a cell is above 1.2 it is for one of two reasons, both visible in the tables:

- **Sub-millisecond baselines at c=1** (get user): a consistent `GetItem` on DynamoDB Local \
takes well under a millisecond, so any fixed cost weighs heavily. The HTTP path adds a loopback \
HTTP exchange (reqwest in the load generator, hyper + axum in the API) and the API's own work. \
The API's own work is small: the *API CPU* column minus the *bare SDK CPU* column is what Roster's \
layers (HTTP, routing, auth cache, JSON, validation, logging) cost per request — a few hundredths \
of a millisecond for a get in the committed run — while the SDK's own CPU per request (signing, \
endpoint resolution, the HTTP client, (de)serialisation) is several times that. On DynamoDB a \
strongly consistent `GetItem` from Lambda takes a few milliseconds in-region, against which the \
same ~0.2 ms is a ratio of about 1.05. Nothing in the get path is wasted: one `GetItem`, no auth \
read on a warm key, one item rendered.
- **c=8 cells**: the load generator, the API and DynamoDB Local (a JVM) share two cores, and other \
builds were running on the machine. At c=8 latency is mostly waiting for a CPU, so a GC pause or a \
neighbour's compile moves one path's p50 and not the other's (the p99 column shows such spikes), \
and the HTTP path also pays for the load generator's own HTTP client, CPU the bare path does not \
spend — which tells most on the cheapest operation (get), where the runs of this bench gave c=8 \
ratios anywhere between 0.7 and 1.4. The CPU columns, which do not depend on waiting, show the API \
adds the same small amount per operation as at c=1. On Lambda, eight concurrent requests are \
eight instances with a CPU share each, not eight requests queueing for two cores.

Profiled (2026-12-02, `perf record` on the API thread over the whole latency part): the API \
thread's CPU goes to the kernel (loopback sockets, 15 %), glibc's allocator (`free` and \
`malloc_consolidate`, 17 %: freeing a chunk next to the arena's top consolidates the fastbins), \
core/alloc, hashbrown and tokio (30 %), the HTTP stack (hyper, http, axum: 9 %), the SDK \
(smithy runtime, JSON, the DynamoDB (de)serialisers, signing: 12 %) and Roster's own crate \
(3.5 %). Disabling fastbins (`GLIBC_TUNABLES=glibc.malloc.mxfast=0`) moved get's ratio from \
1.26 to 1.23 only. So the get's ~0.13–0.16 ms over its bare call is the extra loopback HTTP hop \
and the HTTP server around a handler that does one cached-key check and one `GetItem`: the same \
absolute overhead as in November's run (1.07 vs 0.91 ms then), a larger ratio because this \
machine's bare read is faster (0.6 ms). On Lambda there is no loopback hop (the event arrives \
through the Runtime API) and the `GetItem` takes milliseconds. mimalloc as the global \
allocator (tried the same day) gave get 1.25 at c=1 and raised peak RSS (users 38.5 MiB instead of \
28.5, `sdk-lambda` 13.7 instead of 6.4): not adopted.

Profiled again (2026-12-02, `perf record --call-graph dwarf`, warm get only: \
`BENCH_ONLY_OPS=get BENCH_OPS=1000 BENCH_WARMUP_OPS=3000`), by inclusive share of the API \
thread: the SDK's `GetItem` and the item's decoding dominate (the counting interceptor's own \
response parse is 13 % of it, on both paths); of Roster's own layers the largest were the EMF \
line (`Document` built as `serde_json` maps, then serialised: ~3–5 %, plus ~4 % for writing it \
to the bench's stdout), the log line (~2.5 %), the user rendered through a `Value` (~2.6 %), the \
caller extractor (~2.6 %, of which `hash_key`'s 32 `format!`s 1.1 %). Cut: the EMF line is \
written straight into one buffer (the same bytes, asserted in `obs::metrics`), `hash_key` \
hex-encodes in one buffer, and the bench logs through the functions' own subscriber into a \
discarding sink (the EMF line went to the bench's stdout, a write per request). Kept: the \
rendering through `Value` (its sorted keys are the response's bytes). The measuring client is \
not free either: the load generator's runtime spent, outside parking, about half the API \
thread's CPU per HTTP call (reqwest, hyper's client dispatch, the loopback write) — CPU and \
wake-ups the bare path does not have, and a larger share of the gap than Roster's layers.

What it would take to show ≤ 1.2 in every cell here: DynamoDB Local on another machine (so it \
does not compete with the API for the same cores), a quiet machine, and more operations per \
cell. In the code there is little to take away: the API's CPU per request is dominated by the \
HTTP stack, the allocator and the SDK, not by Roster's layers.
";

pub const REQUESTS: &str = "### DynamoDB requests per operation

**Delete** makes 3 requests: the user (`GetItem`), the user's API keys (`Query` on its key \
prefix: a delete revokes them in its own transaction, so a deleted user's key cannot be used \
for a moment longer) and the transaction. The key ids are not on the user item; keeping them \
there would save the `Query` but make every key issue and revoke rewrite the user item (and \
conflict with the user's own updates). The bench counts 3 as the minimum for this design.

Every other operation is at its minimum for this table design (the minimum column says why), \
and a warm call spends no request on the key. The first call of a key on an instance costs one \
request before the operation's own: a `BatchGetItem` of the key's lookup item, its user and its \
organization (the key names its organization, user and key id beside its random part, so \
nothing has to be read first). When the `lastUsedAt` stamp those reads found is older than a \
minute, an `UpdateItem` of it is sent in the background (best effort: the answer does not wait \
for it, a failure is only logged); a key used through many instances is so stamped about once a \
minute, not once a minute per instance. A key issued before keys carried that locator costs the \
lookup `GetItem` first, then the user and organization: two round trips. `GET /v1/me` then \
reads the same user once more.
";

pub const COLD_START: &str = "### Cold start

The reference is `sdk-lambda`: the same client configuration, client and warm-up as the \
functions (`roster_shared::store::client_builder`, `Store::warm_up`) and one `GetItem` per event, \
of the same user item the users function's first event reads (until 2026-12-02 it read a \
missing item, which costs DynamoDB Local and the SDK less than a user's ~40 attributes). \
Compare the *init* columns first: that is where Roster's own init (log subscriber, \
configuration, service, router) would show. Measured on its own \
(`cargo run --release -p roster-users --example init_cost`, 2026-12-02): the log subscriber \
0.01–0.02 ms, the configuration 0.01 ms, the service 0.00 ms, the users router (every surface's \
users routes) 0.22 ms; `Store::connect` (the SDK client, as in `sdk-lambda`) 5 ms. The functions run a \
current-thread tokio runtime (since 2026-12-02; `sdk-lambda` keeps `#[tokio::main]`'s \
multi-thread one): an instance serves one event at a time on a fraction of a vCPU, so worker \
threads only add their start and cross-thread wake-ups, and each would get a glibc malloc arena \
of its own. Both run the same `Store::warm_up`, which opens three connections in parallel \
(`DescribeTable` and two `GetItem`s of a key that never exists).

The *first answer* adds the first event's own work. users' is exactly the reference's (one \
`GetItem` of the same user) plus Roster's HTTP path; party's reads the user and its \
authorizations in parallel (one round trip, two requests); the authorizer's first event is a key \
it has never seen: one `BatchGetItem` of the key's lookup item, user and organization — one \
round trip, as the reference's one; the key's `lastUsedAt` (stamped by the previous exec, less \
than a minute ago) is not written again. Until 2026-12-02 the key lookup came first, then the \
user, the organization and the `lastUsedAt` write in parallel: two round trips and a write on \
the answer's path, 1.08–1.14× the reference. The key now names its organization, user and key \
id (README \"Keys\"), and the stamp is written only when stale, in the background. \
On AWS the init is dominated by `warm_up`'s TLS \
handshakes (a few ms more for every function alike, in parallel).
";

pub const SIZE: &str = "### Binary size

Over 8 MiB means something grew the binary: the size-by-crate script \
(`bench/scripts/size-by-crate.py`, usage in its header) shows which crate. What keeps the \
functions small today (see \"The release profile\" below): fat LTO at `opt-level = \"s\"` (users \
at 3 for Argon2id), `strip = true` (repeated in the users package override), rustls on *ring*, \
no `aws-config` in the functions, no HTTP/2 server, Roster's own log layer instead of \
tracing-subscriber's `EnvFilter`. The SDK (smithy runtime, the DynamoDB client, hyper, h2, \
rustls) is most of every binary: `sdk-lambda`, the SDK client alone, is ~4 MiB.
";

pub const RSS: &str = "### Peak RSS

Over 40 MiB in `users` is password hashing: Argon2id needs a 19 MiB block buffer per hash. \
`shared/src/password.rs` keeps one buffer per hashing slot (one per CPU) and reuses it, because \
a buffer allocated and freed per hash raised glibc's dynamic mmap threshold and every later \
buffer stayed on the heap (~220 MiB after a dozen hashes, measured in November). If it grows \
again, check that the pool still returns its buffers (`hash_into`).
";

pub const BATCH: &str = "### Batch of 100 creates on the DynamoDB-semantics layer

The batch is already at DynamoDB's minimum of requests: 6 `TransactWriteItems` (group commit, \
19 users and one counter update each, 2 in flight), which by the layer's own model of DynamoDB \
(15 ms a transaction) take about 45 ms. What the figure measures is DynamoDB Local: it had one \
of the batch's requests outstanding for nearly all of the batch (the concurrency section), and \
it commits one transaction at a time at a cost per action set by the table's indexes and the \
items (`bench/probes/batch_floor.py`: the batch's own items, written again with no API and no \
layer, take as long on DynamoDB Local alone; under 0.4 s only on a table with neither the audit \
trail's record and indexes nor the default-profile item). What would move it: fewer actions or \
fewer indexes (for example no default-profile item at create, or the audit indexes folded into \
overloaded GSI1/GSI2 slots), each a schema change with a migration that DynamoDB itself does \
not need (its request count and latency would not change). Not done; see issue 11's note.
";

pub const OBSERVATIONS: &str = "## Observations on the code's performance

- **A cold key costs two round trips**: the key lookup, then its user, its organization and \
the `lastUsedAt` update (at most once per key per instance per minute) in parallel. The \
decision is re-read every `AUTH_CACHE_TTL_SECONDS`, at most 5 s (the revocation bound).
- **Single-item transactions.** A PATCH or upsert that changes no unique field and no status \
(e.g. a name) commits a `TransactWriteItems` with the user and its audit record; DynamoDB bills \
a transactional write at twice a standard write. A conditional `PutItem` on the version would \
halve that, but the audit record must be written with the change (one transaction), and the \
`ClientRequestToken` makes an SDK retry after a lost response idempotent.
- **Capacity figures.** DynamoDB Local returns `ConsumedCapacity`, but its transaction figures do \
not follow DynamoDB's documented rules; treat that column as indicative. By the rules, a create \
writes the user, its profile, two uniqueness markers, one counter shard and the audit record \
transactionally (2 WCU each up to 1 KB), plus the user's and the audit record's index entries.
- **Counters are sharded** (the concurrency section below): a write picks one of the \
organization's counter shards at random, a listing sums them with one `Query`, so concurrent \
writers of one organization no longer meet on one item. DynamoDB Local serialises all \
transactions anyway, so the latency table cannot show conflicts; the concurrency section, on \
the DynamoDB-semantics layer, does.
- **Listing filters deleted users after reading them.** The default listing (ACTIVE and INACTIVE) \
is a `Query` on `USER#` with a `FilterExpression`; deleted users in the range are read, paid for \
and dropped, and the store reads ahead in large pages until the page is full. An organization \
with many deleted users among its oldest pays more per page. A sort key or sparse index for live \
users would avoid it.
- **CPU per request matters more on Lambda than here.** The SDK spends about 0.2–0.4 ms of CPU \
per DynamoDB request on this machine (the bare SDK CPU column; the counting interceptor's share \
is measured under the latency table); at 256 MB Lambda gives a function about 0.14 vCPU, so \
that becomes 1.5–3 ms per request — more than Roster's own layers and comparable to DynamoDB's \
latency. party, activation and the authorizer run at 256 MB \
(template.yaml); more memory buys them latency, not just room.
- **DynamoDB Local's `DescribeTable` grows with the table** (it appears to count the items): the \
functions' `warm_up` took ~90 ms against the API part's table of tens of thousands of items in a \
first version of this bench, which is why the binaries get a table of their own. DynamoDB's \
`DescribeTable` does not; on AWS the warm-up's cost is the TLS handshake it takes off the first \
request.

## The release profile: why `users` is built at `opt-level = 3` (2026-12-02)

Argon2id's inner loop (`argon2::Block::compress`, 2 × 8 BlaMka permutations on 128 words) is fast \
only when LLVM vectorises it (SLP and loop vectorisation), which rustc enables at `opt-level` 2 \
and 3, not at `\"s\"`/`\"z\"`. With fat LTO every crate's code is optimised once more, after the \
link, at the *binary crate's* level, and the vectorisers run only then: `argon2`/`blake2` at 3 \
under a binary at `\"s\"` are as slow as everything at `\"s\"`. Measured on this machine with a \
stand-alone Argon2id program (m = 19456 KiB, t = 2, p = 1, the crate and version Roster uses; best \
of 20 hashes, three runs each):

| profile | best ms per hash |
|---|--:|
| fat LTO, binary at 3 | 16–19 |
| fat LTO, binary at 2 | 15–19 |
| fat LTO, binary at \"s\", `argon2`/`blake2` at 3 | 25–37 |
| thin LTO, binary at \"s\", `argon2`/`blake2` at 3 | 24–29 |
| no LTO, everything \"s\", `argon2`/`blake2` at 3 | 19–20 |

No LTO keeps the hash fast but makes every binary far larger (users 14.4 MiB, party 9.1 MiB). So \
the users function (the only one that hashes) is at 3 and the other three at \"s\"; `opt-level = 2` \
for users gives the same size as 3. What brought users under 8 MiB at 3: `strip = true` repeated \
in its package override (Cargo otherwise strips only debug info there: 2 MiB of symbol table), \
rustls on *ring* instead of aws-lc-rs, and no `aws-config` in the functions (`shared/src/store/client.rs`).
";

pub const REFERENCES: &str = "## Published reference figures

- Hello-world Rust function on Lambda (`provided.al2023`, arm64, 128 MB): init ≈ 14 ms.
- A Rust + DynamoDB CRUD sample on Lambda: p50 5 ms / p99 20 ms warm, 123 ms cold.

These are end-to-end numbers on AWS (a Firecracker micro-VM with a CPU share set by memory, \
DynamoDB over the network with TLS); the loopback numbers above are not comparable with them one \
to one, only in proportion: there the cold start of a DynamoDB function is ~9× the hello-world's \
init, here the functions' first answers are of the same order relative to the hello-world.
";
