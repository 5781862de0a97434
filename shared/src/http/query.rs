//! Query-string parameters, read leniently and validated with field-named errors.

use std::collections::HashMap;

use axum::extract::FromRequestParts;
use http::request::Parts;

use crate::error::Problems;
use crate::service::Paging;
use crate::Error;

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

    /// `limit` (1–100, default 10) with `page` (≥ 1) or `cursor`.
    pub fn paging(&self, problems: &mut Problems) -> Paging {
        let mut paging = Paging::default();
        if let Some(limit) = self.get("limit") {
            if let Some(v) = problems.check(
                "limit",
                limit
                    .parse::<usize>()
                    .ok()
                    .filter(|v| (1..=100).contains(v))
                    .ok_or_else(|| "must be a whole number from 1 to 100".to_string()),
            ) {
                paging.limit = v;
            }
        }
        if let Some(page) = self.get("page") {
            paging.page = problems.check(
                "page",
                page.parse::<u32>()
                    .ok()
                    .filter(|v| *v >= 1)
                    .ok_or_else(|| "must be a whole number from 1".to_string()),
            );
        }
        if let Some(cursor) = self.get("cursor").filter(|c| !c.is_empty()) {
            if paging.page.is_some() {
                problems.push("cursor", "cannot be combined with page");
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
