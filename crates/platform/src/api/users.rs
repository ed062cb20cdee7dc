use crate::web::{Path, Query};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use gongzhi_kernel::authz::{ResourceScope, Role};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::AuditActor;
use crate::authz::{USER_MANAGE, USER_READ, scope_condition};
use crate::entity::{role_assignment, user};
use crate::identity;
use crate::territory as territory_svc;
use crate::web::{
    Access, ApiJson, AppError, AppResult, AppState, CurrentActor, Page, PageParams, Routes,
};

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/users", Access::Permission(USER_READ), list)
        .probe_query("scope={foreign_street}")
        .post("/api/v1/users", Access::Permission(USER_MANAGE), create)
        .probe_json(r#"{"username":"probe_user","password":"Probe12345","display_name":"探针","home":"{foreign_street}"}"#)
        .get("/api/v1/users/{user_id}", Access::Permission(USER_READ), get_one)
        .post("/api/v1/users/{user_id}/roles", Access::Permission(USER_MANAGE), grant)
        .probe_json(r#"{"role":"community_admin","scope":"{foreign_community}"}"#)
        .post("/api/v1/users/{user_id}/roles/{assignment_id}/revoke", Access::Permission(USER_MANAGE), revoke)
        .post("/api/v1/users/{user_id}/status", Access::Permission(USER_MANAGE), set_status)
        .probe_json(r#"{"status":"disabled"}"#)
        .post("/api/v1/users/{user_id}/password", Access::Permission(USER_MANAGE), reset_password)
        .probe_json(r#"{"new_password":"Reset12345"}"#)
}

#[derive(Serialize, ToSchema)]
pub struct RoleView {
    pub id: uuid::Uuid,
    pub role: String,
    /// territory / org
    pub scope_kind: String,
    /// Territory code or organization id.
    pub scope: String,
    pub granted_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    /// Masked (personal information).
    #[schema(example = "138****1234")]
    pub phone: Option<String>,
    /// active / disabled
    pub status: String,
    pub home_code: String,
    pub roles: Vec<RoleView>,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

pub async fn roles_of(
    conn: &impl ConnectionTrait,
    user_id: uuid::Uuid,
) -> AppResult<Vec<RoleView>> {
    Ok(identity::assignments_of(conn, user_id)
        .await?
        .into_iter()
        .map(role_view)
        .collect())
}

fn role_view(r: role_assignment::Model) -> RoleView {
    RoleView {
        id: r.id,
        role: r.role,
        scope_kind: r.scope_kind,
        scope: r.scope_ref,
        granted_at: r.granted_at,
    }
}

fn view(u: user::Model, roles: Vec<RoleView>) -> UserView {
    let phone = identity::masked_phone(&u);
    UserView {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        phone,
        status: u.status,
        home_code: u.home_code,
        roles,
        created_at: u.created_at,
        version: u.version,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only accounts based at or below this territory node.
    pub scope: Option<String>,
    /// Username prefix.
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(ListQuery),
    responses((status = 200, body = Page<UserView>)))]
pub async fn list(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Page<UserView>>> {
    Ok(Json(query_users(&state, &me.actor, q).await?))
}

/// Accounts the actor may read (optionally under one node, by username prefix), one page.
pub async fn query_users(
    state: &AppState,
    actor: &gongzhi_kernel::authz::Actor,
    q: ListQuery,
) -> AppResult<Page<UserView>> {
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    };
    let limit = page.limit()?;
    let after: Option<String> = page.decode()?;
    let mut query = user::Entity::find();
    if let Some(code) = &q.scope {
        let node = territory_svc::get(&state.db.read, code)
            .await?
            .ok_or(AppError::NotFound)?;
        state.authorize(
            actor,
            USER_READ,
            &ResourceScope::territory(node.path.clone()),
        )?;
        let filter = gongzhi_kernel::authz::ScopeFilter::subtree(node.path);
        query = query.filter(scope_condition(
            &filter,
            (user::Entity, user::Column::HomePath),
        ));
    } else {
        let filter = state.policy.scope_filter(actor, USER_READ);
        query = query.filter(scope_condition(
            &filter,
            (user::Entity, user::Column::HomePath),
        ));
    }
    if let Some(prefix) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        query = query.filter(crate::authz::starts_with(
            (user::Entity, user::Column::Username),
            prefix,
        ));
    }
    if let Some(a) = after {
        query = query.filter(user::Column::Username.gt(a));
    }
    let rows = query
        .order_by_asc(user::Column::Username)
        .limit(limit + 1)
        .all(&state.db.read)
        .await?;
    let page = Page::from_rows(rows, limit, |u| u.username.clone());
    // One query for the roles of the whole page.
    let ids: Vec<uuid::Uuid> = page.items.iter().map(|u| u.id).collect();
    let mut by_user: std::collections::HashMap<uuid::Uuid, Vec<RoleView>> =
        std::collections::HashMap::new();
    for r in role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.is_in(ids))
        .filter(role_assignment::Column::RevokedAt.is_null())
        .order_by_asc(role_assignment::Column::GrantedAt)
        .all(&state.db.read)
        .await?
    {
        by_user.entry(r.user_id).or_default().push(role_view(r));
    }
    Ok(page.map(|u| {
        let roles = by_user.remove(&u.id).unwrap_or_default();
        view(u, roles)
    }))
}

#[utoipa::path(get, path = "/api/v1/users/{user_id}", tag = "users", params(("user_id" = uuid::Uuid, Path)),
    responses((status = 200, body = UserView), (status = 404, body = crate::api::Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(user_id): Path<String>,
) -> AppResult<Json<UserView>> {
    let u = identity::load_user_in_scope(&state, &me.actor, &user_id, USER_READ).await?;
    let roles = roles_of(&state.db.read, u.id).await?;
    Ok(Json(view(u, roles)))
}

#[derive(Deserialize, ToSchema)]
pub struct NewUser {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub phone: Option<String>,
    /// Territory code the account belongs to (its managers are the admins above it).
    pub home: String,
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = UserView), (status = 422, body = crate::api::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<NewUser>,
) -> AppResult<(StatusCode, Json<UserView>)> {
    let home = territory_svc::get(&state.db.read, body.home.trim())
        .await?
        .ok_or_else(|| AppError::field("home", "territory.not_found"))?;
    state.authorize(
        &me.actor,
        USER_MANAGE,
        &ResourceScope::territory(home.path.clone()),
    )?;
    let who = AuditActor::from(&me);
    let u = identity::create_user(
        &state.db.write,
        &who,
        identity::NewUser {
            username: body.username,
            password: body.password,
            display_name: body.display_name,
            phone: body.phone,
            home_code: home.code.clone(),
        },
        &home,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view(u, vec![]))))
}

#[derive(Deserialize, ToSchema)]
pub struct GrantRole {
    #[schema(example = "community_admin")]
    pub role: String,
    /// Territory code where the role is held.
    pub scope: String,
}

#[utoipa::path(post, path = "/api/v1/users/{user_id}/roles", tag = "users", params(("user_id" = uuid::Uuid, Path)),
    request_body = GrantRole, responses((status = 201, body = RoleView), (status = 403, body = crate::api::Problem)))]
pub async fn grant(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(user_id): Path<String>,
    ApiJson(body): ApiJson<GrantRole>,
) -> AppResult<(StatusCode, Json<RoleView>)> {
    let target = identity::load_user_in_scope(&state, &me.actor, &user_id, USER_MANAGE).await?;
    let role =
        Role::parse(body.role.trim()).ok_or_else(|| AppError::field("role", "role.unknown"))?;
    let scope = identity::resolve_territory_scope(&state.db.read, role, body.scope.trim()).await?;
    let who = AuditActor::from(&me);
    let r = identity::grant_role(&state, &me.actor, &who, &target, role, scope).await?;
    Ok((StatusCode::CREATED, Json(role_view(r))))
}

#[utoipa::path(post, path = "/api/v1/users/{user_id}/roles/{assignment_id}/revoke", tag = "users",
    params(("user_id" = uuid::Uuid, Path), ("assignment_id" = uuid::Uuid, Path)),
    responses((status = 204), (status = 404, body = crate::api::Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    me: CurrentActor,
    Path((user_id, assignment_id)): Path<(String, String)>,
) -> AppResult<StatusCode> {
    let target = identity::load_user_in_scope(&state, &me.actor, &user_id, USER_MANAGE).await?;
    identity::revoke_role(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &target,
        &assignment_id,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct SetStatus {
    /// active / disabled.
    pub status: String,
}

#[utoipa::path(post, path = "/api/v1/users/{user_id}/status", tag = "users", params(("user_id" = uuid::Uuid, Path)),
    request_body = SetStatus, responses((status = 200, body = UserView)))]
pub async fn set_status(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(user_id): Path<String>,
    ApiJson(body): ApiJson<SetStatus>,
) -> AppResult<Json<UserView>> {
    let target = identity::load_user_in_scope(&state, &me.actor, &user_id, USER_MANAGE).await?;
    let u = identity::set_status(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &target,
        &body.status,
    )
    .await?;
    let roles = roles_of(&state.db.read, u.id).await?;
    Ok(Json(view(u, roles)))
}

#[derive(Deserialize, ToSchema)]
pub struct ResetPassword {
    pub new_password: String,
}

/// Set a new password for someone who forgot theirs; they must change it at next sign-in.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/password", tag = "users", params(("user_id" = uuid::Uuid, Path)),
    request_body = ResetPassword, responses((status = 204), (status = 422, body = crate::api::Problem)))]
pub async fn reset_password(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(user_id): Path<String>,
    ApiJson(body): ApiJson<ResetPassword>,
) -> AppResult<StatusCode> {
    let target = identity::load_user_in_scope(&state, &me.actor, &user_id, USER_MANAGE).await?;
    identity::reset_password(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &target,
        &body.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
