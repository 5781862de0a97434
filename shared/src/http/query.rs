//! Query-string parameters, read leniently and validated with field-named errors.

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use http::request::Parts;

use crate::error::Problems;
use crate::service::Paging;
use crate::Error;

/// How a surface names and bounds its paging parameters.
#[derive(Clone, Copy, Debug)]
pub struct PagingSpec {
    /// The page size parameter (1 to `max_limit`; default [`Paging::default`]'s).
    pub limit: &'static str,
    /// The page number parameter (from 1).
    pub page: &'static str,
    /// The opaque cursor parameter.
    pub cursor: &'static str,
    pub max_limit: usize,
    /// Empty values count as left out, and a cursor overrides the page number (seed 001's
    /// page links carry both); otherwise a cursor with a page number is refused.
    pub lenient: bool,
}

impl PagingSpec {
    /// The native API's `limit` (1–100), `page`, `cursor`.
    pub const NATIVE: Self = Self {
        limit: "limit",
        page: "page",
        cursor: "cursor",
        max_limit: 100,
        lenient: false,
    };
}

/// The raw query parameters (last value wins), percent-decoded.
pub struct QueryParams(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Error> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs: Vec<(String, String)> = serde_urlencoded_pairs(query)
            .map_err(|_| Error::field("query", "is not a valid query string"))?;
        Ok(Self(pairs.into_iter().collect()))
    }
}

fn serde_urlencoded_pairs(query: &str) -> Result<Vec<(String, String)>, ()> {
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
        &format!("/?{query}").parse().map_err(|_| ())?,
    )
    .map(|q| q.0)
    .map_err(|_| ())
}

impl QueryParams {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The paging parameters as `spec` names and bounds them: a page size, a page number
    /// (≥ 1) or a cursor.
    pub fn paging(&self, spec: &PagingSpec, problems: &mut Problems) -> Paging {
        let given = |name: &str| self.get(name).filter(|v| !(spec.lenient && v.is_empty()));
        let mut paging = Paging {
            page_param: spec.page,
            cursor_param: spec.cursor,
            ..Paging::default()
        };
        if let Some(size) = given(spec.limit) {
            let max = spec.max_limit;
            if let Some(v) = problems.check(
                spec.limit,
                size.parse::<usize>()
                    .ok()
                    .filter(|v| (1..=max).contains(v))
                    .ok_or_else(|| format!("must be a whole number from 1 to {max}")),
            ) {
                paging.limit = v;
            }
        }
        if let Some(page) = given(spec.page) {
            paging.page = problems.check(
                spec.page,
                page.parse::<u32>()
                    .ok()
                    .filter(|v| *v >= 1)
                    .ok_or_else(|| "must be a whole number from 1".to_string()),
            );
        }
        if let Some(cursor) = self.get(spec.cursor).filter(|c| !c.is_empty()) {
            if spec.lenient {
                paging.page = None;
            } else if paging.page.is_some() {
                problems.push(
                    spec.cursor,
                    format!("cannot be combined with {}", spec.page),
                );
            }
            paging.cursor = Some(cursor.to_string());
        }
        paging
    }

    /// Parses an optional parameter with `parse`, recording a field error when invalid.
    pub fn parse<T>(
        &self,
        name: &str,
        problems: &mut Problems,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<T> {
        self.get(name).and_then(|v| problems.check(name, parse(v)))
    }
}
