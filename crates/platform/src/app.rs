//! Assemble the application from the module list: policy, routes, OpenAPI, layers.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use gongzhi_kernel::WorkingCalendar;
use gongzhi_kernel::authz::Policy;
use tower_http::trace::TraceLayer;

use crate::config::Config;
use crate::db::Db;
use crate::module::Module;
use crate::web::{AppInner, AppState, Routes, guard_layer, ops};

pub struct App {
    pub state: AppState,
    pub router: Router,
}

pub fn calendar(config: &Config) -> anyhow::Result<WorkingCalendar> {
    let mut cal = WorkingCalendar::default_cn();
    if let Some(path) = &config.calendar_file {
        let text = std::fs::read_to_string(path)?;
        cal.extend_from_toml(&text)
            .map_err(|e| anyhow::anyhow!("calendar {}: {e}", path.display()))?;
    }
    Ok(cal)
}

pub fn build(config: Config, db: Db, modules: Vec<Arc<dyn Module>>) -> anyhow::Result<App> {
    for m in &modules {
        crate::i18n::register(m.name(), m.messages()).map_err(|e| anyhow::anyhow!(e))?;
    }
    let policy = Policy::new(modules.iter().flat_map(|m| m.permissions()));
    check_workflows(&modules, &policy)?;
    let mut routes = ops::routes();
    for m in &modules {
        routes = routes.merge(m.routes());
    }
    let Routes { router, defs } = routes;
    let mut openapi = crate::web::openapi::merge(modules.iter().map(|m| m.openapi()).collect())?;
    crate::web::openapi::finish(&mut openapi, &defs)?;
    let openapi = serde_json::to_string_pretty(&openapi)?.into();
    let max_body = config.max_body_bytes;
    let audit = crate::audit::Trail::open(&config)?;
    let state = AppState(Arc::new(AppInner {
        audit,
        calendar: calendar(&config)?,
        files: Arc::new(crate::files::LocalDisk {
            root: config.data_dir.join("files"),
        }),
        db,
        config,
        policy,
        routes: defs,
        openapi,
        modules,
        login_limiter: Default::default(),
        metrics: ops::prometheus(),
    }));
    let docs = utoipa_swagger_ui::SwaggerUi::new("/api/docs")
        .config(utoipa_swagger_ui::Config::from("/api/openapi.json"));
    let router = router
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .with_state(state.clone())
        .merge(docs)
        .layer(middleware::from_fn(one_error_format))
        .layer(middleware::from_fn_with_state(state.clone(), guard_layer))
        .layer(axum::Extension(state.clone()))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(ops::track))
        .layer(TraceLayer::new_for_http());
    Ok(App { state, router })
}

/// Every registered workflow is valid, has a name of its own, and moves only under permissions
/// some module declares.
fn check_workflows(modules: &[Arc<dyn Module>], policy: &Policy) -> anyhow::Result<()> {
    let mut names = std::collections::BTreeSet::new();
    for m in modules {
        for w in m.workflows() {
            w.validate()
                .map_err(|e| anyhow::anyhow!("module {}: {e}", m.name()))?;
            anyhow::ensure!(
                names.insert(w.name()),
                "workflow {} is registered twice",
                w.name()
            );
            for e in w.edges() {
                anyhow::ensure!(
                    policy.is_known(e.permission),
                    "workflow {}: {} needs {}, which no module declares",
                    w.name(),
                    e.name,
                    e.permission.0
                );
            }
        }
    }
    Ok(())
}

async fn not_found(req: axum::extract::Request) -> Response {
    crate::ui::not_found_page(req).await
}

async fn method_not_allowed(req: axum::extract::Request) -> Response {
    crate::ui::error_for(req.uri().path(), crate::AppError::MethodNotAllowed)
}

/// Every error the framework answers under `/api` before a handler runs (a body it cannot read,
/// a bare status) leaves as a problem in the request's language, with its status and its
/// `Allow` and `Retry-After`. Runs inside the locale's scope. Pages are left as they are.
async fn one_error_format(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let resp = next.run(req).await;
    let status = resp.status();
    let problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    if problem || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let mut out = crate::AppError::from_status(status).into_response();
    *out.status_mut() = status;
    for h in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = resp.headers().get(&h) {
            out.headers_mut().insert(h, v.clone());
        }
    }
    out
}

/// Strict headers on every response. Swagger UI alone needs inline styles.
async fn security_headers(req: Request, next: Next) -> Response {
    let docs = req.uri().path().starts_with("/api/docs");
    let mut resp = next.run(req).await;
    let csp = if docs {
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'"
    } else {
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    resp
}

/// Seal audit entries on a timer until the process ends.
pub fn spawn_audit_sealer(state: AppState) -> tokio::task::JoinHandle<()> {
    let every = Duration::from_secs(state.config.audit_seal_seconds.max(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = state.audit.seal_pending(&state.db, 10_000).await {
                // A concurrent sealer on another instance wins the race; try again next tick.
                tracing::debug!(error = %e, "audit seal skipped");
            }
        }
    })
}
