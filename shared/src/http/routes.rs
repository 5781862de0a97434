//! A router that remembers its routes, so tests can compare them with `template.yaml` and the
//! local server can merge every function's routes into one. Each route set belongs to one
//! surface: its routes (and their 405 answers) make it the surface of the request, so every
//! error they answer has that surface's shape.

use axum::extract::Request;
use axum::handler::Handler;
use axum::middleware::{from_fn, Next};
use axum::routing::{MethodFilter, MethodRouter};
use axum::Router;
use http::Method;

use super::context::request_context;
use super::problem::{self, ProblemDocument, Surface};
use crate::service::Roster;

/// One path: its surface and its methods' handlers.
struct PathRoutes {
    path: &'static str,
    surface: &'static dyn Surface,
    methods: MethodRouter<Roster>,
}

pub struct RouteSet {
    surface: &'static dyn Surface,
    paths: Vec<PathRoutes>,
    /// Surfaces mounted under a prefix with routers of their own (see [`RouteSet::nest`]).
    nested: Vec<(&'static str, Router<Roster>)>,
    routes: Vec<(Method, &'static str)>,
}

impl Default for RouteSet {
    fn default() -> Self {
        Self::new(&ProblemDocument::NEGOTIATED)
    }
}

impl RouteSet {
    /// An empty route set of `surface` (whose error shape its routes answer with).
    pub fn new(surface: &'static dyn Surface) -> Self {
        Self {
            surface,
            paths: Vec::new(),
            nested: Vec::new(),
            routes: Vec::new(),
        }
    }

    /// Adds `method path` served by `handler`.
    pub fn add<H, T>(mut self, method: Method, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, Roster>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
        match self.paths.iter_mut().find(|p| p.path == path) {
            Some(entry) => {
                let methods = std::mem::take(&mut entry.methods);
                entry.methods = methods.on(filter, handler);
            }
            None => self.paths.push(PathRoutes {
                path,
                surface: self.surface,
                methods: MethodRouter::new().on(filter, handler),
            }),
        }
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
        self.nested.push((prefix, router));
        let any = Method::from_bytes(b"ANY").unwrap_or(Method::GET);
        self.routes.push((any, declared));
        self
    }

    /// Both route sets in one (the local API serves every function's routes).
    pub fn merge(mut self, other: RouteSet) -> Self {
        for entry in other.paths {
            match self.paths.iter_mut().find(|p| p.path == entry.path) {
                Some(mine) => {
                    let methods = std::mem::take(&mut mine.methods);
                    mine.methods = methods.merge(entry.methods);
                }
                None => self.paths.push(entry),
            }
        }
        self.nested.extend(other.nested);
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

    /// The finished router: each path answers a wrong method with 405 in its surface's shape,
    /// unknown paths a problem+json 404; request context and logging on every route.
    pub fn into_router(self, roster: Roster) -> Router {
        let mut router = Router::new();
        for PathRoutes {
            path,
            surface,
            methods,
        } in self.paths
        {
            let methods = methods.fallback(problem::method_not_allowed).layer(from_fn(
                move |request: Request, next: Next| {
                    problem::with_surface(surface, next.run(request))
                },
            ));
            router = router.route(path, methods);
        }
        for (prefix, nested) in self.nested {
            router = router.nest(prefix, nested);
        }
        router
            .fallback(problem::not_found_fallback)
            .layer(from_fn(request_context))
            .with_state(roster)
    }
}
