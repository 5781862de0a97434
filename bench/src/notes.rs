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

What it would take to show ≤ 1.2 in every cell here: DynamoDB Local on another machine (so it \
does not compete with the API for the same cores), a quiet machine, and more operations per \
cell. In the code there is little to take away: the API's CPU per request is dominated by the \
SDK's, not by Roster's layers.
";

pub const REQUESTS: &str = "### DynamoDB requests per operation

**Grant party authorization** makes 4 requests where 2 would do: `Roster::grant` \
(`shared/src/service/parties.rs`) reads the user (to answer 409 for a deleted user and to render \
`userStatus`/`active`), *then* the party and the existing authorization in parallel, then \
commits the transaction — whose `ConditionCheck` on the user checks again that it is live. That \
is 3 reads in 2 sequential round trips before the write. What it would take: read the user, the \
party and the authorization in one `BatchGetItem` (`ConsistentRead`), or at least start the \
three `GetItem`s together: 2 requests and 2 round trips instead of 4 and 3 (one `GetItem` round \
trip saved, a few ms on DynamoDB). The transaction's own conditions already guard every race, so \
nothing in the consistency argument changes.

Every other operation is at its minimum for this table design (the minimum column says why), \
and a warm call spends no request on the key. The first call of a key on an instance costs 4 \
requests before the operation's own: `GetItem` of the key lookup, then the user and the \
organization in parallel, then an `UpdateItem` of the key's `lastUsedAt` — awaited on the request \
path, so a cold key pays three round trips. Doing that update in the background (it is best \
effort already: a failure is only logged) would make it two; `GET /v1/me` then reads the same \
user once more.
";

pub const COLD_START: &str = "### Cold start

The hello-world does no I/O: its init is exec, dynamic loading and a tokio runtime. Every Roster \
function also builds an AWS SDK configuration and client and makes one DynamoDB request during \
init (`warm_up`). `sdk-lambda`, which does only that, is already far above 1.5× the hello-world \
(the SDK's steps are broken down under the table); the functions' init is within about a \
millisecond or two of `sdk-lambda`'s, i.e. Roster's own init (tracing subscriber, configuration, \
router) is small. The first answer adds the first request's own DynamoDB calls; the authorizer's \
is the slowest because a key it has not seen costs three sequential round trips (see the \
requests section).

So the ≤ 1.5× hello-world target cannot be met by a function that talks to DynamoDB through the \
AWS SDK: the floor is the SDK's configuration load, building the HTTPS connector (which parses the \
system trust store, ~150 certificates, even for an `http://` endpoint) and one round trip. What \
would lower it, none of it free:

- build `aws_sdk_dynamodb::Config` directly from the environment Lambda provides (region, the \
function's credentials in `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`) \
instead of `aws_config`'s provider chains — saves most of the `aws_config` load and about \
0.5 MiB (it also drops `aws-sdk-sts` and the XML parser);
- compiled-in roots (`webpki-roots`) instead of reading and parsing the system trust store — a \
custom HTTPS client in `Store::sdk_config`;
- dropping `warm_up` does not help: it only moves the connection (and on AWS the TLS handshake) \
from init into the first request, where it costs the caller instead.

On AWS the published figures put the hello-world's init at ≈ 14 ms and a Rust + DynamoDB CRUD \
function's cold start at 123 ms — about 9×, the same order as here. The meaningful comparison is \
with `sdk-lambda`: Roster's functions start about as fast as any function that uses the SDK.
";

pub const SIZE: &str = "### Binary size

The hello-world is 1.5 MiB; `sdk-lambda` — the hello-world plus the DynamoDB client, nothing of \
Roster — is already over 8 MiB. Roster's functions add 2–3.6 MiB on top of that. Where the \
`users` binary's bytes come from (linker map of an unstripped build of this commit, \
`bench/scripts/size-by-crate.py`, 2026-11-27; 10.5 MiB of code and data attributed, plus \
`.eh_frame` 0.66, `.rela.dyn` 0.51 and `.gcc_except_table` 0.28 MiB):

| group | MiB | what |
|---|--:|---|
| TLS and crypto | 2.7 | aws-lc (C) 2.26 — of which the x86_64 AVX-512 AES-GCM code alone is 0.65, absent from the arm64 build Lambda runs —, rustls 0.38, webpki, aws-lc-rs |
| AWS SDK and its HTTP client | 2.9 | aws-smithy-runtime 0.50, aws-sdk-dynamodb 0.46, h2 0.44 (HTTP/2; DynamoDB is spoken over HTTP/1.1), aws-config 0.29 with aws-sdk-sts 0.13 and an XML parser (role assumption, which Roster never does), hyper + hyper-util 0.37, aws-runtime, aws-smithy-types/-runtime-api, aws-sigv4, url |
| std, core, alloc | 1.5 | mostly generic code instantiated for the crates above |
| unnamed constants and functions | 0.9 | |
| HTTP, Lambda, JSON | 0.9 | axum 0.19, serde_json 0.16, encoding_rs 0.15 (lambda_http), http 0.15, lambda_runtime + lambda_http 0.11 |
| logging | 0.4 | tracing-subscriber's `EnvFilter` brings regex-automata + regex-syntax (0.26) |
| Roster | 0.5 | roster-shared 0.36, roster-users 0.07, main 0.04 |

What would bring each function to ≤ 8 MiB:

- **`opt-level = \"s\"`** (measured, see the experiment below): users 11.9 → 7.9 MiB, all four \
≤ 8 MiB — at the price of an Argon2id hash ~35–40 % slower and the rest of the CPU work ~10–25 % \
slower. Not adopted: the users function's one CPU-heavy path is password hashing, and its memory \
size was chosen from the Argon2id cost (README, Sizing); a size target buys nothing measurable at \
cold start (the 8.3 MiB `sdk-lambda` and the 11.9 MiB `users` init within a millisecond or two of \
each other; the zip is 5 MiB of Lambda's 50). Per-package `opt-level = 3` for `argon2`/`blake2` \
does not rescue it: with fat LTO the whole program is optimised again at the binary's level \
(measured: no change). A separate `opt-level = \"s\"` profile for the three functions that never \
hash (party, activation, authorizer) would meet the target without that cost, if the build \
(`sam build`/cargo-lambda) is given a profile per function.
- rustls with the *ring* provider instead of aws-lc-rs: about −1.5 to −2 MiB (estimate from the \
table). `Store::sdk_config` would build the HTTPS client itself \
(`aws_smithy_http_client::Builder` with `tls::Provider::Rustls(CryptoMode::Ring)`) and the \
workspace would drop the SDK's `default-https-client` feature.
- no `aws-config` (see cold start): about −0.5 MiB; an HTTP/1-only connector: −0.45 MiB (h2); a \
plain level filter instead of `EnvFilter` (tracing-subscriber's `env-filter` and lambda_http's \
`tracing` feature off): about −0.3 MiB.

Those four together are about −3 MiB at `opt-level = 3`. They change how the service talks TLS \
to DynamoDB and where its credentials come from, so each needs its own testing against AWS; none \
is a change to make from a benchmark.
";

pub const RSS: &str = "### Peak RSS

Every function but `users` peaks at 10–12 MiB. `users` peaks at ~220 MiB, because of password \
hashing: Argon2id (m = 19 MiB) allocates a 19 MiB block (64-byte aligned) on a blocking thread \
for each hash and frees it after, and glibc's malloc keeps the freed blocks — after the first \
19 MiB block is unmapped its *dynamic* mmap threshold rises to 19 MiB, so later blocks come from \
the heap, where they are neither returned to the kernel nor reliably reused. RSS climbs by about \
19 MiB per hash until it levels off (here within the first dozen hashes; 60 hashes gave the same \
~220 MiB, so at 512 MB it is waste, not a crash). The same stream with \
`MALLOC_MMAP_THRESHOLD_=1048576` in the function's environment (the threshold pinned at 1 MiB: \
every large block is mapped and unmapped) peaks at ~31 MiB and settles at ~12 MiB — measured in \
every run, the paragraph under the size table — with no measurable difference in hashing time \
(its pages are touched either way).

What it would take: that one environment variable on the users function in `template.yaml` (no \
code change), or in code a reused Argon2 block buffer per blocking thread \
(`hash_password_into_with_memory`), or `mallopt(M_MMAP_THRESHOLD, …)` at start. Any of them puts \
`users` under 40 MiB.
";

pub const OBSERVATIONS: &str = "## Observations on the code's performance

- **A cold key costs an awaited `UpdateItem`** (`lastUsedAt`) on the request path, at most once \
per key per instance per minute (the key's decision itself is re-read every \
`AUTH_CACHE_TTL_SECONDS`, at most 5 s: the revocation bound).
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
