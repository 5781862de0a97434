//! One integration-test binary: the whole API over HTTP on DynamoDB Local.

mod activation;
mod compat_seed002;
mod compat_seed003;
mod create;
mod delete;
mod events;
mod formats;
mod keys;
mod me;
mod paging;
mod parties;
mod security;
mod template;
mod update;
