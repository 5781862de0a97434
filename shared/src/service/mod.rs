//! The use cases. Every business rule lives here, once; native routes and compatible surfaces
//! all call these functions.

mod activation;
mod audit;
pub mod batch;
mod commands;
mod compat;
mod keys;
mod operator;
mod orgs;
mod paging;
mod parties;
mod profiles;
mod users;

use std::sync::Arc;

pub use activation::SweepSummary;
pub use commands::{MeChanges, NewUser, Patch, ProfileChanges, UserChanges, UserRef};
pub use compat::BatchFailure;
pub use keys::IssuedKey;
pub use paging::{ListPage, Paging};
pub use parties::{AuthorizationState, Grant, NewParty, PartyChanges};
pub use users::MAX_BATCH;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::domain::Precondition;
use crate::store::Store;
use crate::Error;

/// 412 unless the caller's `If-Match` (if any) admits the current `version` (RFC 9110 §13.1.1).
/// Every conditional write checks here first, then writes conditioned on the version it read.
pub(crate) fn check_precondition(
    if_match: Option<&Precondition>,
    version: u64,
) -> Result<(), Error> {
    match if_match {
        Some(p) if !p.admits(version) => Err(Error::PreconditionFailed),
        _ => Ok(()),
    }
}

/// Everything a request needs; cheap to clone (one per process, built in `main`).
#[derive(Clone)]
pub struct Roster {
    pub store: Store,
    pub auth: Arc<Authenticator>,
}

impl Roster {
    pub fn new(store: Store, config: &Config) -> Self {
        let auth = Arc::new(Authenticator::new(store.clone(), config.auth_cache_ttl));
        Self { store, auth }
    }
}
