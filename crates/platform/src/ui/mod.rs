//! Server-rendered pages: the shell (navigation from module manifests, breadcrumbs, scope switcher,
//! language switch, account menu), forms with per-field messages, htmx fragments, error pages.
//! Every visible string comes from the message catalog.

pub mod assets;
mod home;
mod pages;

use std::collections::HashMap;

use askama::Template;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use gongzhi_kernel::ValidationErrors;
use gongzhi_kernel::authz::{Actor, Permission, Scope};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::entity::{form_submission, territory};
use crate::i18n::{Locale, field_message, tr_in};
use crate::web::{AppError, AppState, AuthVia, RequestCtx, Routes};

pub use pages::routes;

pub const SCOPE_COOKIE: &str = "gz_scope";

/// A submitted form's fields.
pub type Fields = HashMap<String, String>;

/// A menu entry a module contributes; shown to users who hold `permission` somewhere.
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    /// Message key of the label.
    pub key: &'static str,
    pub href: &'static str,
    pub permission: Option<Permission>,
    pub order: u16,
}

pub struct NavItem {
    pub label: String,
    pub href: String,
    pub active: bool,
}

pub struct Crumb {
    pub label: String,
    pub href: String,
}

pub struct ScopeChoice {
    pub code: String,
    pub label: String,
    pub current: bool,
}

/// What every page's layout needs. Built once per page request.
pub struct PageCtx {
    pub locale: Locale,
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub username: Option<String>,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub crumbs: Vec<Crumb>,
    pub scopes: Vec<ScopeChoice>,
    /// The territory node the user is working in (from the scope switcher).
    pub scope_code: Option<String>,
    pub path: String,
    pub flash: Option<String>,
    pub actor: Option<std::sync::Arc<Actor>>,
    /// Unread notifications, shown in the shell.
    pub unread: u64,
}

impl PageCtx {
    pub fn t(&self, key: &str) -> String {
        tr_in(self.locale, key, &[])
    }

    /// A message with arguments (`%{n}`) in the page's language.
    pub fn t_args(&self, key: &str, args: &[(&str, String)]) -> String {
        tr_in(self.locale, key, args)
    }

    pub fn can(&self, state: &AppState, p: Permission) -> bool {
        self.actor
            .as_ref()
            .is_some_and(|a| state.policy.holds_anywhere(a, p))
    }

    /// `?next=` for the language switch: the current path, kept relative.
    pub fn here(&self) -> String {
        urlencode(&self.path)
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Only same-site relative paths are followed after login or a language switch.
pub fn safe_next(next: Option<&str>) -> String {
    let ok = |n: &str| {
        let mut chars = n.chars();
        chars.next() == Some('/')
            && !matches!(chars.next(), Some('/' | '\\'))
            && !n
                .chars()
                .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    };
    match next {
        Some(n) if ok(n) => n.to_string(),
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/users?q=a")), "/users?q=a");
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n",
            "https://evil.example",
            "evil",
            "/a b",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PageCtx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, PageError> {
        let state = parts
            .extensions
            .get::<AppState>()
            .cloned()
            .ok_or_else(|| PageError(AppError::Internal(anyhow::anyhow!("state missing"))))?;
        let ctx = parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .ok_or_else(|| PageError(AppError::Internal(anyhow::anyhow!("context missing"))))?;
        let jar = CookieJar::from_headers(&parts.headers);
        let path = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let flash = parts.uri.query().and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("done="))
                .map(|k| tr_in(ctx.locale, &format!("flash.{k}"), &[]))
        });
        build_ctx(&state, &ctx, &jar, path, flash)
            .await
            .map_err(PageError)
    }
}

pub async fn build_ctx(
    state: &AppState,
    ctx: &RequestCtx,
    jar: &CookieJar,
    path: String,
    flash: Option<String>,
) -> Result<PageCtx, AppError> {
    let locale = ctx.locale;
    let mut page = PageCtx {
        locale,
        lang: locale.as_str(),
        other_lang: if locale == Locale::Zh { "en" } else { "zh-CN" },
        username: ctx.actor.as_ref().map(|a| a.username.clone()),
        csrf: match &ctx.via {
            Some(AuthVia::Session { csrf, .. }) => csrf.clone(),
            _ => String::new(),
        },
        nav: Vec::new(),
        crumbs: Vec::new(),
        scopes: Vec::new(),
        scope_code: None,
        path: path.clone(),
        flash,
        actor: ctx.actor.clone(),
        unread: 0,
    };
    let Some(actor) = &ctx.actor else {
        return Ok(page);
    };
    page.unread = crate::notify::unread(&state.db.read, actor.user_id.0).await?;
    let mut entries: Vec<NavEntry> = state.modules.iter().flat_map(|m| m.nav()).collect();
    entries.sort_by_key(|e| e.order);
    let route = path.split('?').next().unwrap_or("/");
    for e in entries {
        // A module may offer one page to several roles: one entry per address.
        if e.permission
            .is_none_or(|p| state.policy.holds_anywhere(actor, p))
            && !page.nav.iter().any(|n| n.href == e.href)
        {
            let active = if e.href == "/" {
                route == "/"
            } else {
                route.starts_with(e.href)
            };
            page.nav.push(NavItem {
                label: tr_in(locale, e.key, &[]),
                href: e.href.to_string(),
                active,
            });
        }
    }
    // Scopes the user holds roles over, for the switcher (territory scopes; organizations later).
    let mut codes: Vec<(String, String)> = Vec::new();
    for g in &actor.grants {
        if let Scope::Territory { code, .. } = &g.scope
            && !codes.iter().any(|(c, _)| c == code)
        {
            codes.push((code.clone(), g.role.as_str().to_string()));
        }
    }
    let nodes = territory::Entity::find()
        .filter(territory::Column::Code.is_in(codes.iter().map(|(c, _)| c.clone())))
        .order_by_asc(territory::Column::Path)
        .all(&state.db.read)
        .await?;
    let wanted = jar.get(SCOPE_COOKIE).map(|c| c.value().to_string());
    let current = wanted
        .filter(|w| nodes.iter().any(|n| &n.code == w))
        .or_else(|| nodes.first().map(|n| n.code.clone()));
    for n in &nodes {
        let roles: Vec<String> = codes
            .iter()
            .filter(|(c, _)| c == &n.code)
            .map(|(_, r)| tr_in(locale, &format!("role.name.{r}"), &[]))
            .collect();
        page.scopes.push(ScopeChoice {
            code: n.code.clone(),
            label: format!("{} · {}", n.name, roles.join(", ")),
            current: Some(&n.code) == current.as_ref(),
        });
    }
    page.scope_code = current;
    Ok(page)
}

/// Breadcrumbs 区 › 街道 › 社区 for a node path.
pub async fn crumbs_for(state: &AppState, path: &str) -> Result<Vec<Crumb>, AppError> {
    let codes: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s.len() < 12 {
                format!("{s:0<12}")
            } else {
                s.to_string()
            }
        })
        .collect();
    let nodes = territory::Entity::find()
        .filter(territory::Column::Code.is_in(codes.clone()))
        .order_by_asc(territory::Column::Path)
        .all(&state.db.read)
        .await?;
    Ok(nodes
        .into_iter()
        .map(|n| Crumb {
            label: n.name,
            href: format!("/territory/{}", n.code),
        })
        .collect())
}

/// Form values and per-field messages, kept when a form is shown again.
#[derive(Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: HashMap<String, String>,
    /// A message about the whole form (not one field).
    pub general: Option<String>,
}

impl FormState {
    pub fn from_values(values: HashMap<String, String>) -> Self {
        FormState {
            values,
            ..Default::default()
        }
    }

    pub fn with_errors(mut self, errors: &ValidationErrors) -> Self {
        for e in &errors.0 {
            self.errors
                .entry(e.field.clone())
                .or_insert_with(|| field_message(e));
        }
        self
    }

    pub fn v(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }

    pub fn e(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    pub fn invalid(&self, name: &str) -> &'static str {
        if self.errors.contains_key(name) {
            " is-invalid"
        } else {
            ""
        }
    }

    pub fn selected(&self, name: &str, value: &str) -> &'static str {
        if self.v(name) == value {
            "selected"
        } else {
            ""
        }
    }
}

/// Render a template, or an error page if rendering fails.
pub fn render<T: Template>(t: &T) -> Response {
    render_status(StatusCode::OK, t)
}

pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => PageError(AppError::Internal(e.into())).into_response(),
    }
}

pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

/// After a successful POST: see-other to a page (htmx follows it too).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    c: PageCtx,
    status: u16,
    heading: String,
    detail: String,
}

/// Errors on page routes become pages that say what happened in plain words.
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl From<sea_orm::DbErr> for PageError {
    fn from(e: sea_orm::DbErr) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let AppError::Internal(e) = &self.0 {
            tracing::error!(error = ?e, "internal error on a page");
        }
        let locale = crate::i18n::current();
        let status = self.0.status();
        let kind = match status.as_u16() {
            401 => "401",
            403 => "403",
            404 | 405 => "404",
            409 => "409",
            413 => "413",
            422 | 400 | 415 => "400",
            429 => "429",
            _ => "500",
        };
        let c = PageCtx {
            locale,
            lang: locale.as_str(),
            other_lang: if locale == Locale::Zh { "en" } else { "zh-CN" },
            username: None,
            csrf: String::new(),
            nav: vec![NavItem {
                label: tr_in(locale, "nav.home", &[]),
                href: "/".into(),
                active: false,
            }],
            crumbs: Vec::new(),
            scopes: Vec::new(),
            scope_code: None,
            path: "/".into(),
            flash: None,
            actor: None,
            unread: 0,
        };
        let detail = match &self.0 {
            AppError::Conflict(_) | AppError::RateLimited { .. } => self.0.problem()["detail"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            // A refusal no form shows (a query or a form sent outside the page): say what.
            AppError::Validation(errors) => errors
                .iter()
                .map(crate::i18n::field_message)
                .collect::<Vec<_>>()
                .join("；"),
            _ => tr_in(locale, &format!("page.error.{kind}.detail"), &[]),
        };
        let page = ErrorPage {
            heading: tr_in(locale, &format!("page.error.{kind}.title"), &[]),
            detail,
            status: status.as_u16(),
            c,
        };
        let mut resp = render_status(status, &page);
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, "no-store".parse().expect("header"));
        }
        resp
    }
}

/// The HTML 404 for unknown non-API paths.
pub async fn not_found_page(req: Request) -> Response {
    error_for(req.uri().path(), AppError::NotFound)
}

/// An error as the path's surface shows it: a problem document under `/api/`, a page elsewhere.
pub fn error_for(path: &str, e: AppError) -> Response {
    if path.starts_with("/api/") {
        e.into_response()
    } else {
        PageError(e).into_response()
    }
}

/// A validation failure becomes a form state; anything else stays an error page.
pub fn form_errors(e: AppError, values: Fields, c: &PageCtx) -> Result<FormState, PageError> {
    match e {
        AppError::Validation(errs) => Ok(FormState::from_values(values).with_errors(&errs)),
        AppError::Conflict(key) => {
            let mut f = FormState::from_values(values);
            f.general = Some(tr_in(c.locale, key, &[]));
            Ok(f)
        }
        other => Err(PageError(other)),
    }
}

/// Record a form's one-time token; false when it was already used (a double submit).
pub async fn first_submission(state: &AppState, fields: &Fields) -> Result<bool, PageError> {
    let token = fields.get("_once").cloned().unwrap_or_default();
    if token.is_empty() {
        return Ok(true);
    }
    let res = form_submission::Entity::insert(form_submission::ActiveModel {
        token: sea_orm::Set(token.chars().take(64).collect()),
        created_at: sea_orm::Set(crate::audit::now()),
    })
    .exec(&state.db.write)
    .await;
    match res {
        Ok(_) => Ok(true),
        Err(e)
            if matches!(
                e.sql_err(),
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
            ) =>
        {
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// What an upload field accepts, with the configured size limit.
pub fn upload_hint(state: &AppState, c: &PageCtx) -> String {
    tr_in(
        c.locale,
        "file.upload_hint",
        &[(
            "max",
            state
                .config
                .upload_max_bytes
                .div_ceil(1024 * 1024)
                .to_string(),
        )],
    )
}

pub fn once() -> String {
    crate::identity::random_token(16)
}

/// Routes of the shell that every deployment has.
pub fn shell_routes() -> Routes {
    assets::routes()
}

pub type PageResult = Result<Response, PageError>;

/// After a page form: on success go to `to`; on a validation failure or conflict show the page
/// again (`again`) with the messages in one line; refusals stay error pages.
pub async fn outcome<F, Fut>(
    c: PageCtx,
    result: Result<(), AppError>,
    to: String,
    again: F,
) -> PageResult
where
    F: FnOnce(PageCtx, Option<String>) -> Fut,
    Fut: Future<Output = PageResult>,
{
    match result {
        Ok(()) => Ok(see_other(&to)),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(e.into()),
        Err(e) => {
            let f = form_errors(e, HashMap::new(), &c)?;
            let mut messages: Vec<String> = f.general.into_iter().collect();
            let mut fields: Vec<(String, String)> = f.errors.into_iter().collect();
            fields.sort();
            messages.extend(fields.into_iter().map(|(_, m)| m));
            again(c, Some(messages.join("；"))).await
        }
    }
}

pub fn get<'a>(f: &'a Fields, k: &str) -> &'a str {
    f.get(k).map(String::as_str).unwrap_or("").trim()
}

/// A page form as a typed input, every bad value named (see `web::typed_form`).
pub use crate::web::typed_form;

/// One field of a page form as a `T`, with the message a typed input gives (blank: required).
pub fn field<T: serde::de::DeserializeOwned>(f: &Fields, k: &str) -> Result<T, AppError> {
    let one: Fields = f
        .get_key_value(k)
        .map(|(k, v)| (k.clone(), v.clone()))
        .into_iter()
        .collect();
    let mut read: HashMap<String, T> = typed_form(&one)?;
    read.remove(k)
        .ok_or_else(|| AppError::field(k, "input.required"))
}

/// The record's version the page showed, from its hidden `version` field. None (or one our page
/// never sent) is 0, which no record has: the change is refused as made on a stale page.
pub fn form_version(f: &Fields) -> i32 {
    get(f, "version").parse().unwrap_or(0)
}

pub fn status_of(error: &Option<String>) -> StatusCode {
    if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    }
}

/// The highest territory node where the viewer holds `permission` (a page's default scope).
pub fn first_node(
    state: &AppState,
    actor: &Actor,
    permission: Permission,
) -> Result<String, PageError> {
    actor
        .grants
        .iter()
        .filter(|g| state.policy.role_has(g.role, permission))
        .filter_map(|g| match &g.scope {
            Scope::Territory { code, path } => Some((path.len(), code)),
            _ => None,
        })
        .min()
        .map(|(_, code)| code.clone())
        .ok_or(PageError(AppError::Forbidden))
}
