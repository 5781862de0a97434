//! A router that remembers its routes, so tests can compare them with `template.yaml` and the
//! local server can merge every function's routes into one.

use axum::handler::Handler;
use axum::middleware::from_fn;
use axum::routing::{on, MethodFilter};
use axum::Router;
use http::Method;

use super::{context::request_context, problem};
use crate::service::Roster;

#[derive(Default)]
pub struct RouteSet {
    router: Router<Roster>,
    routes: Vec<(Method, &'static str)>,
}

impl RouteSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `method path` served by `handler`.
    pub fn add<H, T>(mut self, method: Method, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, Roster>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
        self.router = self.router.route(path, on(filter, handler));
        self.routes.push((method, path));
        self
    }

    /// A surface mounted at `prefix`, whose `router` answers unknown paths and methods under the
    /// prefix itself (its own fallbacks, in its own error format). Declared to API Gateway as
    /// `ANY declared` (a `{proxy+}` path), so every method and path under the prefix reaches the
    /// function instead of API Gateway's "Missing Authentication Token".
    pub fn nest(
        mut self,
        prefix: &'static str,
        router: Router<Roster>,
        declared: &'static str,
    ) -> Self {
        self.router = self.router.nest(prefix, router);
        let any = Method::from_bytes(b"ANY").unwrap_or(Method::GET);
        self.routes.push((any, declared));
        self
    }

    /// Both route sets in one (the local API serves every function's routes).
    pub fn merge(mut self, other: RouteSet) -> Self {
        self.router = self.router.merge(other.router);
        self.routes.extend(other.routes);
        self
    }

    /// `(METHOD, path)` of every route, paths in API Gateway's `{param}` form.
    pub fn routes(&self) -> Vec<(String, String)> {
        self.routes
            .iter()
            .map(|(m, p)| (m.to_string(), (*p).to_string()))
            .collect()
    }

    /// The finished router: fallbacks as problem+json, request context and logging on every route.
    pub fn into_router(self, roster: Roster) -> Router {
        self.router
            .fallback(problem::not_found_fallback)
            .method_not_allowed_fallback(problem::method_not_allowed)
            .layer(from_fn(request_context))
            .with_state(roster)
    }
}
