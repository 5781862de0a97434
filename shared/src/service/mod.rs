//! The use cases. Every business rule lives here, once; native routes and compatible surfaces
//! all call these functions.

mod activation;
pub mod batch;
mod commands;
mod keys;
mod orgs;
mod paging;
mod parties;
mod users;

use std::sync::Arc;

pub use activation::SweepSummary;
pub use commands::{MeChanges, NewUser, Patch, ProfileChanges, UserChanges, UserRef};
pub use keys::IssuedKey;
pub use paging::{ListPage, Paging};
pub use parties::{AuthorizationState, Grant, NewParty, PartyChanges};
pub use users::{BatchFailure, MAX_BATCH};

use crate::auth::Authenticator;
use crate::config::Config;
use crate::store::Store;

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
