//! One integration-test binary: the whole API over HTTP on DynamoDB Local.

mod activation;
mod authorizer;
mod compat_seed000;
mod compat_seed001;
mod compat_seed002;
mod compat_seed003;
mod concurrency;
mod create;
mod delete;
mod events;
mod faults;
mod formats;
mod fuzz_findings;
mod invariants;
mod keys;
mod me;
mod openapi;
mod paging;
mod parties;
mod scim;
mod security;
mod template;
mod update;
