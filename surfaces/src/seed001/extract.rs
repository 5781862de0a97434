//! `nextPageUrl`: an absolute URL that fetches the next page as it is, behind API Gateway (with
//! its stage or custom-domain base path) as well as locally.

use axum::extract::FromRequestParts;
use http::request::Parts;
use lambda_http::request::RequestContext;
use roster_shared::http::{encode, QueryParams};

/// Where the request was sent: the absolute URL of its path (no query), and its query pairs
/// (also as [`QueryParams`], for reading the listing's parameters).
pub struct RequestUrl {
    pub base: String,
    pub query: Vec<(String, String)>,
    pub params: QueryParams,
}

/// `scheme://host/path` of the request as the caller sent it.
fn base_of(parts: &Parts) -> String {
    let context = parts.extensions.get::<RequestContext>();
    // API Gateway: its domain and the full path as called (with the stage or base path, which
    // the router does not see).
    if let Some(RequestContext::ApiGatewayV1(c)) = context {
        if let (Some(domain), Some(path)) = (&c.domain_name, &c.path) {
            return format!("https://{domain}{path}");
        }
    }
    if let Some(RequestContext::ApiGatewayV2(c)) = context {
        if let (Some(domain), Some(path)) = (&c.domain_name, &c.http.path) {
            return format!("https://{domain}{path}");
        }
    }
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
    };
    let path = parts.uri.path();
    match header("host") {
        Some(host) => {
            let scheme = match header("x-forwarded-proto") {
                Some("https") => "https",
                _ => "http",
            };
            format!("{scheme}://{host}{path}")
        }
        None => path.to_string(),
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestUrl {
    type Rejection = roster_shared::Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let params = QueryParams::from_request_parts(parts, state).await?;
        let query = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
            .map(|q| q.0)
            .unwrap_or_default();
        Ok(Self {
            base: base_of(parts),
            query,
            params,
        })
    }
}

impl RequestUrl {
    /// This request's URL for page `page` at `cursor`: the other parameters kept in order.
    pub fn page(&self, page: u32, cursor: &str) -> String {
        let mut pairs: Vec<(&str, String)> = self
            .query
            .iter()
            .filter(|(k, _)| k != "page" && k != "cursor")
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        pairs.push(("page", page.to_string()));
        pairs.push(("cursor", cursor.to_string()));
        let query: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        format!("{}?{}", self.base, query.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_page_keeps_other_parameters_and_moves_page_and_cursor() {
        let url = RequestUrl {
            base: "https://api.example.com/prod/User/updateFrom".into(),
            query: vec![
                ("date".into(), "1999-01-01".into()),
                ("page".into(), "1".into()),
                ("pageSize".into(), "2".into()),
            ],
            params: QueryParams(Default::default()),
        };
        assert_eq!(
            url.page(2, "a+b/c="),
            "https://api.example.com/prod/User/updateFrom?date=1999-01-01&pageSize=2&page=2&cursor=a%2Bb%2Fc%3D"
        );
    }
}
