//! Authentication per request (bearer token or session cookie), the CSRF and Origin check for
//! cookie-authenticated unsafe requests, the access guard every route carries, and the login
//! rate limiter.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use gongzhi_kernel::authz::Actor;

use super::{Access, AppError, AppState};
use crate::i18n::{LOCALE, Locale};
use crate::identity;

pub const SESSION_COOKIE: &str = "gz_session";
pub const LANG_COOKIE: &str = "gz_lang";
pub const CSRF_HEADER: &str = "x-csrf-token";

#[derive(Debug, Clone)]
pub enum AuthVia {
    Session { id_hash: String, csrf: String },
    Token { token_id: uuid::Uuid },
}

/// Who is asking and from where; put in the request extensions by the global layer.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    pub actor: Option<Arc<Actor>>,
    pub via: Option<AuthVia>,
    /// An administrator reset the password: only changing it (and signing out) is allowed.
    pub must_change_password: bool,
    pub ip: Option<String>,
    pub locale: Locale,
}

/// The signed-in actor; rejects with 401 when there is none.
pub struct CurrentActor {
    pub actor: Arc<Actor>,
    pub via: AuthVia,
    pub ip: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentActor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let ctx = parts
            .extensions
            .get::<RequestCtx>()
            .ok_or(AppError::Unauthenticated)?;
        match (&ctx.actor, &ctx.via) {
            (Some(actor), Some(via)) => Ok(CurrentActor {
                actor: actor.clone(),
                via: via.clone(),
                ip: ctx.ip.clone(),
            }),
            _ => Err(AppError::Unauthenticated),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("request context missing")))
    }
}

/// The client's address. Behind a reverse proxy named in `trusted_proxies`, the right-most
/// address in `X-Forwarded-For` that is not itself a trusted proxy (the left part of the header
/// is whatever the client wrote); otherwise the connection's peer.
fn client_ip(req: &Request, trusted: &[std::net::IpAddr]) -> Option<String> {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>()?.0.ip();
    if !trusted.contains(&peer) {
        return Some(peer.to_string());
    }
    let hops: Vec<std::net::IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    let client = hops.into_iter().rev().find(|a| !trusted.contains(a));
    Some(client.unwrap_or(peer).to_string())
}

fn choose_locale(req: &Request, jar: &CookieJar) -> Locale {
    if let Some(q) = req.uri().query() {
        for pair in q.split('&') {
            if let Some(v) = pair.strip_prefix("lang=")
                && let Some(l) = Locale::parse(v)
            {
                return l;
            }
        }
    }
    if let Some(l) = jar.get(LANG_COOKIE).and_then(|c| Locale::parse(c.value())) {
        return l;
    }
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language)
        .unwrap_or_default()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Global layer: resolve locale and actor once, run the rest of the request inside the locale.
pub async fn guard_layer(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let jar = CookieJar::from_headers(req.headers());
    let locale = choose_locale(&req, &jar);
    let ip = client_ip(&req, &state.config.trusted_proxies);
    LOCALE
        .scope(locale, async move {
            let resolved = if let Some(token) = bearer(req.headers()) {
                identity::actor_from_token(&state, token).await.map(|o| {
                    o.map(|(actor, token_id, must)| (actor, AuthVia::Token { token_id }, must))
                })
            } else if let Some(cookie) = jar.get(SESSION_COOKIE) {
                identity::actor_from_session(&state, cookie.value())
                    .await
                    .map(|o| {
                        o.map(|(actor, id_hash, csrf, must)| {
                            (actor, AuthVia::Session { id_hash, csrf }, must)
                        })
                    })
            } else {
                Ok(None)
            };
            let (actor, via, must_change_password) = match resolved {
                Ok(Some((a, v, m))) => (Some(Arc::new(a)), Some(v), m),
                Ok(None) => (None, None, false),
                Err(e) => return e.into_response(),
            };
            req.extensions_mut().insert(RequestCtx {
                actor,
                via,
                must_change_password,
                ip,
                locale,
            });
            next.run(req).await
        })
        .await
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A cookie-authenticated unsafe request must carry the session's CSRF token (header for
/// scripts and htmx, `_csrf` field for plain forms), and its Origin (when sent) must be this
/// host or an allowed origin. Form bodies are read here and handed on unchanged.
async fn check_csrf(state: &AppState, req: Request, csrf: &str) -> Result<Request, AppError> {
    check_origin(state, req.headers())?;
    if let Some(sent) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        return if sent == csrf {
            Ok(req)
        } else {
            Err(AppError::Csrf)
        };
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // An upload form cannot be read here without buffering the file: its token rides in the
    // action's query string instead (same-origin referrer policy keeps it from leaking).
    if content_type.starts_with("multipart/form-data") {
        let sent = req
            .uri()
            .query()
            .and_then(|q| form_urlencoded_field(q.as_bytes(), "_csrf"));
        return if sent.as_deref() == Some(csrf) {
            Ok(req)
        } else {
            Err(AppError::Csrf)
        };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(AppError::Csrf);
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, state.config.max_body_bytes)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    let sent = form_urlencoded_field(&bytes, "_csrf");
    if sent.as_deref() != Some(csrf) {
        return Err(AppError::Csrf);
    }
    Ok(Request::from_parts(parts, axum::body::Body::from(bytes)))
}

fn form_urlencoded_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

pub fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return Ok(());
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let origin_host = origin.split("://").nth(1).unwrap_or("");
    if origin_host == host || state.config.allowed_origins.iter().any(|o| o == origin) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

/// What a user whose password an administrator reset may still do.
const PASSWORD_CHANGE_PATHS: [&str; 5] = [
    "/account/password",
    "/api/v1/me/password",
    "/api/v1/me",
    "/logout",
    "/api/v1/auth/logout",
];

/// Per-route guard: anonymous → 401 (pages: to the sign-in page and back), missing permission
/// anywhere → 403, CSRF for cookies.
pub async fn require(access: Access, req: Request, next: Next) -> Response {
    let state = req.extensions().get::<AppState>().cloned();
    let ctx = req.extensions().get::<RequestCtx>().cloned();
    let (Some(state), Some(ctx)) = (state, ctx) else {
        return AppError::Internal(anyhow::anyhow!("guard layer missing")).into_response();
    };
    let page = !req.uri().path().starts_with("/api/");
    if access != Access::Public {
        let Some(actor) = &ctx.actor else {
            if page {
                let here = req
                    .uri()
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let to = if req.method() == Method::GET {
                    here
                } else {
                    "/"
                };
                return axum::response::Redirect::to(&format!(
                    "/login?next={}",
                    crate::ui::urlencode(to)
                ))
                .into_response();
            }
            return AppError::Unauthenticated.into_response();
        };
        if let Access::Permission(p) = access
            && !state.policy.holds_anywhere(actor, p)
        {
            return deny(page, AppError::Forbidden);
        }
        if ctx.must_change_password && !PASSWORD_CHANGE_PATHS.contains(&req.uri().path()) {
            if page {
                return axum::response::Redirect::to("/account/password").into_response();
            }
            return AppError::PasswordChangeRequired.into_response();
        }
    }
    let mut req = req;
    if is_unsafe(req.method())
        && let Some(AuthVia::Session { csrf, .. }) = &ctx.via
    {
        match check_csrf(&state, req, csrf).await {
            Ok(r) => req = r,
            Err(e) => return deny(page, e),
        }
    }
    next.run(req).await
}

fn deny(page: bool, e: AppError) -> Response {
    if page {
        crate::ui::PageError(e).into_response()
    } else {
        e.into_response()
    }
}

/// The session cookie set at sign-in (HttpOnly, SameSite=Lax, Secure unless configured off).
pub fn session_cookie(
    state: &AppState,
    value: String,
) -> axum_extra::extract::cookie::Cookie<'static> {
    axum_extra::extract::cookie::Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .same_site(axum_extra::extract::cookie::SameSite::Lax)
        .secure(state.config.cookie_secure)
        .path("/")
        .build()
}

/// Fixed-window limiter keyed by client address (per server instance; the sign-in throttle in
/// the database is what holds across instances).
#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn allow(&self, key: &str, per_minute: u32) -> bool {
        let mut w = self.windows.lock().expect("limiter lock");
        let now = Instant::now();
        if w.len() > 10_000 {
            w.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = w.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= per_minute
    }
}

#[cfg(test)]
mod tests {
    use super::{RateLimiter, client_ip};

    #[test]
    fn behind_a_trusted_proxy_the_client_is_the_last_untrusted_forwarded_address() {
        let req = |peer: &str, forwarded: Option<&str>| {
            let mut r = axum::http::Request::builder();
            if let Some(f) = forwarded {
                r = r.header("x-forwarded-for", f);
            }
            let mut r = r.body(axum::body::Body::empty()).unwrap();
            r.extensions_mut()
                .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
                    peer.parse().unwrap(),
                    40_000,
                )));
            r
        };
        let proxy: std::net::IpAddr = "10.0.0.2".parse().unwrap();
        let trusted = [proxy];
        // Without a trusted proxy the header is the client's own say: ignored.
        assert_eq!(
            client_ip(&req("198.51.100.7", Some("1.2.3.4")), &trusted).as_deref(),
            Some("198.51.100.7")
        );
        // Through the proxy: the address it saw, not what the client wrote before it.
        assert_eq!(
            client_ip(&req("10.0.0.2", Some("1.2.3.4, 203.0.113.9")), &trusted).as_deref(),
            Some("203.0.113.9")
        );
        assert_eq!(
            client_ip(&req("10.0.0.2", None), &trusted).as_deref(),
            Some("10.0.0.2")
        );
    }

    #[test]
    fn limiter_allows_up_to_the_rate_per_key() {
        let l = RateLimiter::default();
        assert!((0..3).all(|_| l.allow("1.2.3.4", 3)));
        assert!(!l.allow("1.2.3.4", 3));
        assert!(l.allow("5.6.7.8", 3), "keys are independent");
    }
}
