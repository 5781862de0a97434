//! One integration-test binary: the whole API over HTTP on DynamoDB Local.

mod activation;
mod authorizer;
mod create;
mod delete;
mod events;
mod formats;
mod fuzz_findings;
mod keys;
mod me;
mod openapi;
mod paging;
mod parties;
mod security;
mod template;
mod update;
