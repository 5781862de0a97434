//! The native handlers, one file per function group: extract → service → respond.

pub mod activation;
pub mod audit;
pub mod party;
pub mod users;

use axum::extract::FromRequestParts;
use http::request::Parts;
use http::Uri;
use serde::Serialize;

use roster_shared::error::Problems;
use roster_shared::http::{page_body, Doc, PagingSpec, QueryParams};
use roster_shared::service::{ListPage, Paging};
use roster_shared::Error;

/// A listing's paging parameters (`limit`, `page`, `cursor`; 400 naming each bad one) and the
/// request URI its next-page link is made from, for listings that take no other parameter.
pub struct Paged {
    paging: Paging,
    uri: Uri,
}

impl<S: Send + Sync> FromRequestParts<S> for Paged {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let query = QueryParams::from_request_parts(parts, state).await?;
        let mut problems = Problems::default();
        let paging = query.paging(&PagingSpec::NATIVE, &mut problems);
        problems.finish()?;
        Ok(Self {
            paging,
            uri: parts.uri.clone(),
        })
    }
}

impl Paged {
    /// The page envelope of `page`, each item shown as `view` shows it.
    fn doc<T, V: Serialize>(&self, page: ListPage<T>, view: impl Fn(&T) -> V) -> Doc {
        let page = page.map(|item| view(&item));
        Doc::ok(page_body(&page, &self.uri))
    }
}
