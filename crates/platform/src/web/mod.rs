//! Web plumbing shared by every module: application state, the error type, the route registry
//! with declared access, authentication, pagination and the OpenAPI document.

mod auth;
mod error;
mod extract;
pub mod openapi;
pub mod ops;
pub mod pagination;
mod routes;

use std::ops::Deref;
use std::sync::Arc;

use gongzhi_kernel::WorkingCalendar;
use gongzhi_kernel::authz::{Actor, Denied, Permission, Policy, ResourceScope};

pub use auth::{AuthVia, CurrentActor, RequestCtx, guard_layer, session_cookie};
pub use error::{AppError, AppResult};
pub use extract::{
    ApiJson, Form, Path, Query, Rejection, clean_field, clean_json, typed, typed_form,
};
pub use pagination::{Page, PageParams};
pub use routes::{Access, Probe, RouteDef, Routes};

use crate::config::Config;
use crate::db::Db;
use crate::module::Module;

#[derive(Clone)]
pub struct AppState(pub Arc<AppInner>);

pub struct AppInner {
    pub db: Db,
    pub config: Config,
    pub audit: crate::audit::Trail,
    pub policy: Policy,
    pub calendar: WorkingCalendar,
    pub files: Arc<dyn crate::files::FileStore>,
    pub routes: Vec<RouteDef>,
    /// The finished OpenAPI document, rendered once.
    pub openapi: axum::body::Bytes,
    pub modules: Vec<Arc<dyn Module>>,
    pub login_limiter: auth::RateLimiter,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

impl Deref for AppState {
    type Target = AppInner;
    fn deref(&self) -> &AppInner {
        &self.0
    }
}

impl AppState {
    /// The single decision point for a record: 403 when out of scope or not permitted.
    pub fn authorize(
        &self,
        actor: &Actor,
        permission: Permission,
        resource: &ResourceScope,
    ) -> AppResult<()> {
        self.policy
            .authorize(actor, permission, resource)
            .map_err(|d: Denied| {
                tracing::debug!(%permission, ?d, user = %actor.username, "denied");
                AppError::Forbidden
            })
    }
}

pub use auth::{LANG_COOKIE, check_origin};

pub fn auth_cookie_name() -> &'static str {
    auth::SESSION_COOKIE
}
