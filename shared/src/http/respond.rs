//! Successful responses: JSON by default, the same document as XML when the caller asks.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderName, HeaderValue, StatusCode};
use serde::Serialize;

use super::context::RequestInfo;
use super::xml;

/// A document with a status and extra headers, rendered in the negotiated format.
pub struct Doc {
    status: StatusCode,
    body: serde_json::Value,
    headers: Vec<(HeaderName, HeaderValue)>,
    root: &'static str,
}

impl Doc {
    pub fn ok(body: impl Serialize) -> Self {
        Self::with_status(StatusCode::OK, body)
    }

    pub fn created(body: impl Serialize, location: &str) -> Self {
        Self::with_status(StatusCode::CREATED, body).header(header::LOCATION, location)
    }

    pub fn with_status(status: StatusCode, body: impl Serialize) -> Self {
        let body = serde_json::to_value(body).unwrap_or(serde_json::Value::Null);
        Self {
            status,
            body,
            headers: Vec::new(),
            root: "response",
        }
    }

    pub fn header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((name, v));
        }
        self
    }

    /// The XML root element name (seed 001 documents `<export>`).
    pub fn xml_root(mut self, root: &'static str) -> Self {
        self.root = root;
        self
    }
}

/// The ETag of a versioned resource.
pub fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

impl IntoResponse for Doc {
    fn into_response(self) -> Response {
        let (content_type, text) = if RequestInfo::current().xml {
            ("application/xml", xml::render(self.root, &self.body))
        } else {
            ("application/json", self.body.to_string())
        };
        let mut response = (self.status, text).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        for (name, value) in self.headers {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

/// The page envelope: `{data, pagination: {totalItems, itemsPerPage, currentPage, totalPages,
/// nextCursor, nextPageUrl}}`. `nextPageUrl` is `uri` with the cursor of the next page, behind
/// API Gateway absolute with its stage (so it really fetches the next page), locally relative.
pub fn page_body<T: Serialize>(
    page: &crate::service::ListPage<T>,
    uri: &http::Uri,
) -> serde_json::Value {
    let next_url = page.next_cursor.as_ref().map(|cursor| {
        let mut pairs: Vec<(String, String)> = uri
            .query()
            .map(|q| {
                url_pairs(q)
                    .into_iter()
                    .filter(|(k, _)| k != "cursor" && k != "page")
                    .collect()
            })
            .unwrap_or_default();
        pairs.push(("cursor".into(), cursor.clone()));
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let prefix = RequestInfo::current().public_prefix.clone();
        format!("{prefix}{}?{}", uri.path(), query.join("&"))
    });
    serde_json::json!({
        "data": page.items,
        "pagination": {
            "totalItems": page.total_items,
            "itemsPerPage": page.items_per_page,
            "currentPage": page.current_page,
            "totalPages": page.total_pages,
            "nextCursor": page.next_cursor,
            "nextPageUrl": next_url,
        }
    })
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    format!("/?{query}")
        .parse::<http::Uri>()
        .ok()
        .and_then(|uri| axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri).ok())
        .map(|q| q.0)
        .unwrap_or_default()
}

/// What [`encode`] leaves as it is: RFC 3986's unreserved characters.
const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes a URL component (a query name or value, a path segment) for the links every
/// surface builds.
pub fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn components_keep_only_unreserved_characters() {
        assert_eq!(encode("page[size]"), "page%5Bsize%5D");
        assert_eq!(encode("a@x.io"), "a%40x.io");
        assert_eq!(encode("a+b/c= ~-_."), "a%2Bb%2Fc%3D%20~-_.");
        assert_eq!(encode("é"), "%C3%A9");
    }
}
