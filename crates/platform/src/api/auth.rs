use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum_extra::extract::cookie::{Cookie, CookieJar};
use gongzhi_kernel::ValidationErrors;
use sea_orm::EntityTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::users::{RoleView, roles_of};
use crate::audit::AuditActor;
use crate::entity::user;
use crate::identity;
use crate::web::{
    Access, ApiJson, AppError, AppResult, AppState, AuthVia, CurrentActor, RequestCtx, Routes,
    auth_cookie_name,
};

pub fn routes() -> Routes {
    Routes::new()
        .post("/api/v1/auth/login", Access::Public, login)
        .post("/api/v1/auth/logout", Access::SignedIn, logout)
        .get("/api/v1/me", Access::SignedIn, me)
        .post("/api/v1/me/password", Access::SignedIn, change_password)
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// Username or mobile number.
    pub login: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    pub home_code: String,
    pub must_change_password: bool,
    pub roles: Vec<RoleView>,
    /// Send as `X-CSRF-Token` on unsafe requests made with the session cookie.
    pub csrf_token: Option<String>,
}

async fn me_view(state: &AppState, u: user::Model, csrf: Option<String>) -> AppResult<MeView> {
    let roles = roles_of(&state.db.read, u.id).await?;
    Ok(MeView {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        home_code: u.home_code,
        must_change_password: u.must_change_password,
        roles,
        csrf_token: csrf,
    })
}

/// Sign in with username (or phone) and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, security(()),
    responses((status = 200, body = MeView), (status = 422, body = crate::api::Problem),
              (status = 429, body = crate::api::Problem)))]
pub async fn login(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    jar: CookieJar,
    ApiJson(body): ApiJson<LoginRequest>,
) -> AppResult<(CookieJar, Json<MeView>)> {
    crate::web::check_origin(&state, &headers)?;
    let mut errors = ValidationErrors::new();
    if body.login.trim().is_empty() {
        errors.add("login", "auth.login_required");
    }
    if body.password.is_empty() {
        errors.add("password", "auth.password_required");
    }
    errors.into_result()?;
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let ok = identity::login(&state, &body.login, &body.password, ctx.ip.clone(), ua).await?;
    let cookie = crate::web::session_cookie(&state, ok.cookie_value);
    let view = me_view(&state, ok.user, Some(ok.csrf_token)).await?;
    Ok((jar.add(cookie), Json(view)))
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    me: CurrentActor,
    jar: CookieJar,
) -> AppResult<(CookieJar, axum::http::StatusCode)> {
    let who = AuditActor::from(&me);
    if let AuthVia::Session { id_hash, .. } = &me.via {
        identity::logout(&state, &who, id_hash).await?;
    }
    Ok((
        jar.remove(Cookie::build(auth_cookie_name()).path("/").build()),
        axum::http::StatusCode::NO_CONTENT,
    ))
}

#[utoipa::path(get, path = "/api/v1/me", tag = "auth", responses((status = 200, body = MeView), (status = 401, body = crate::api::Problem)))]
pub async fn me(State(state): State<AppState>, me: CurrentActor) -> AppResult<Json<MeView>> {
    let u = user::Entity::find_by_id(me.actor.user_id.0)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let csrf = match &me.via {
        AuthVia::Session { csrf, .. } => Some(csrf.clone()),
        AuthVia::Token { .. } => None,
    };
    Ok(Json(me_view(&state, u, csrf).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ChangePassword {
    pub current_password: String,
    pub new_password: String,
}

/// Change your own password; every other session of yours is signed out.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", request_body = ChangePassword,
    responses((status = 204), (status = 422, body = crate::api::Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<ChangePassword>,
) -> AppResult<axum::http::StatusCode> {
    let keep = match &me.via {
        AuthVia::Session { id_hash, .. } => Some(id_hash.clone()),
        AuthVia::Token { .. } => None,
    };
    identity::change_own_password(
        &state,
        &AuditActor::from(&me),
        me.actor.user_id.0,
        keep.as_deref(),
        &body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
