//! Every route is added through [`Routes`], which records what it needs. The router is built
//! from these records, so the route-walking authorization test sees every route there is.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodFilter, on};
use gongzhi_kernel::authz::Permission;

use super::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user acting on their own things (their profile, their tokens).
    SignedIn,
    /// A signed-in user who holds the permission somewhere; the handler then checks the record's
    /// scope with `AppState::authorize`.
    Permission(Permission),
}

/// What the authorization test sends to exercise a route against another street's records.
/// Placeholders (`{foreign_street}`, `{foreign_community}`, `{foreign_new_community}`, and path
/// parameter names) are filled in by the test fixture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    pub query: &'static str,
    pub body: Option<&'static str>,
    pub content_type: &'static str,
}

#[derive(Debug, Clone)]
pub struct RouteDef {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub probe: Option<Probe>,
}

/// The hard ceiling of an upload request's body.
pub const UPLOAD_BODY_CAP: usize = 64 * 1024 * 1024;

pub struct Routes {
    pub(crate) router: Router<AppState>,
    pub(crate) defs: Vec<RouteDef>,
}

impl Default for Routes {
    fn default() -> Self {
        Routes::new()
    }
}

impl Routes {
    pub fn new() -> Self {
        Routes {
            router: Router::new(),
            defs: Vec::new(),
        }
    }

    pub fn route<H, T>(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let filter = MethodFilter::try_from(method.clone()).expect("supported method");
        let access_for_layer = access;
        let method_router =
            on(filter, handler).route_layer(axum::middleware::from_fn(move |req, next| {
                super::auth::require(access_for_layer, req, next)
            }));
        self.router = self.router.route(path, method_router);
        self.defs.push(RouteDef {
            method,
            path,
            access,
            probe: None,
        });
        self
    }

    pub fn get<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        h: H,
    ) -> Self {
        self.route(Method::GET, path, access, h)
    }

    pub fn post<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        h: H,
    ) -> Self {
        self.route(Method::POST, path, access, h)
    }

    pub fn patch<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        access: Access,
        h: H,
    ) -> Self {
        self.route(Method::PATCH, path, access, h)
    }

    /// A POST that receives a file (multipart): its body may exceed the general limit, up to
    /// [`UPLOAD_BODY_CAP`]; the configured upload size is enforced while reading the file.
    pub fn upload<H: Handler<T, AppState>, T: 'static>(
        mut self,
        path: &'static str,
        access: Access,
        h: H,
    ) -> Self {
        let method_router = axum::routing::post(h)
            .route_layer(axum::middleware::from_fn(move |req, next| {
                super::auth::require(access, req, next)
            }))
            .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_CAP));
        self.router = self.router.route(path, method_router);
        self.defs.push(RouteDef {
            method: Method::POST,
            path,
            access,
            probe: None,
        });
        self
    }

    /// Attach the authorization-test probe (query string) to the route added last.
    pub fn probe_query(self, query: &'static str) -> Self {
        self.with_probe(Probe {
            query,
            body: None,
            content_type: "application/json",
        })
    }

    /// Attach a JSON probe body to the route added last.
    pub fn probe_json(self, body: &'static str) -> Self {
        self.with_probe(Probe {
            query: "",
            body: Some(body),
            content_type: "application/json",
        })
    }

    /// Attach a form probe body (`application/x-www-form-urlencoded`) to the route added last.
    pub fn probe_form(self, body: &'static str) -> Self {
        self.with_probe(Probe {
            query: "",
            body: Some(body),
            content_type: "application/x-www-form-urlencoded",
        })
    }

    pub fn with_probe(mut self, probe: Probe) -> Self {
        if let Some(last) = self.defs.last_mut() {
            last.probe = Some(probe);
        }
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.defs.extend(other.defs);
        self
    }
}
