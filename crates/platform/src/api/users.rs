use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use gongzhi_kernel::authz::{Actor, ResourceScope, Role};
use gongzhi_kernel::{PhoneNumber, ValidationErrors};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use crate::audit::{self, AuditActor, Change};
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
    pub locked: bool,
    pub home_code: String,
    pub roles: Vec<RoleView>,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

pub async fn roles_of(
    conn: &impl ConnectionTrait,
    user_id: uuid::Uuid,
) -> AppResult<Vec<RoleView>> {
    Ok(role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.eq(user_id))
        .filter(role_assignment::Column::RevokedAt.is_null())
        .order_by_asc(role_assignment::Column::GrantedAt)
        .all(conn)
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
    UserView {
        id: u.id,
        username: u.username,
        display_name: u.display_name,
        phone: u
            .phone
            .as_deref()
            .and_then(|p| PhoneNumber::parse(p).ok())
            .map(|p| p.masked()),
        status: u.status,
        locked: u.locked_until.is_some_and(|t| t > Utc::now()),
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
            &me.actor,
            USER_READ,
            &ResourceScope::territory(node.path.clone()),
        )?;
        let filter = gongzhi_kernel::authz::ScopeFilter {
            paths: vec![node.path],
            orgs: vec![],
        };
        query = query.filter(scope_condition(
            &filter,
            (user::Entity, user::Column::HomePath),
        ));
    } else {
        let filter = state.policy.scope_filter(&me.actor, USER_READ);
        query = query.filter(scope_condition(
            &filter,
            (user::Entity, user::Column::HomePath),
        ));
    }
    if let Some(prefix) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        query = query.filter(user::Column::Username.starts_with(prefix));
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
    let mut items = Vec::with_capacity(page.items.len());
    for u in page.items {
        let roles = roles_of(&state.db.read, u.id).await?;
        items.push(view(u, roles));
    }
    Ok(Json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Load a user the actor may see with `permission`; another scope's user is 403, a missing one 404.
async fn load_target(
    state: &AppState,
    actor: &Actor,
    id: &str,
    permission: gongzhi_kernel::authz::Permission,
) -> AppResult<user::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let u = user::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    state.authorize(
        actor,
        permission,
        &ResourceScope::territory(u.home_path.clone()),
    )?;
    Ok(u)
}

/// Managing an account (status, password) needs an admin grant ranking at least as high as
/// every role the account holds, so nobody takes over an account above their own.
async fn check_outranks(state: &AppState, actor: &Actor, target: &user::Model) -> AppResult<()> {
    let target_roles = roles_of(&state.db.read, target.id).await?;
    let top = target_roles
        .iter()
        .filter_map(|r| Role::parse(&r.role))
        .map(Role::rank)
        .max()
        .unwrap_or(0);
    let resource = ResourceScope::territory(target.home_path.clone());
    let ok = actor.grants.iter().any(|g| {
        g.role.is_admin()
            && g.role.rank() >= top
            && state.policy.role_has(g.role, USER_MANAGE)
            && g.scope.covers(&resource)
    });
    if ok { Ok(()) } else { Err(AppError::Forbidden) }
}

#[utoipa::path(get, path = "/api/v1/users/{user_id}", tag = "users", params(("user_id" = uuid::Uuid, Path)),
    responses((status = 200, body = UserView), (status = 404, body = crate::api::Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(user_id): Path<String>,
) -> AppResult<Json<UserView>> {
    let u = load_target(&state, &me.actor, &user_id, USER_READ).await?;
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
    let target = load_target(&state, &me.actor, &user_id, USER_MANAGE).await?;
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
    let target = load_target(&state, &me.actor, &user_id, USER_MANAGE).await?;
    let aid: uuid::Uuid = assignment_id.parse().map_err(|_| AppError::NotFound)?;
    let txn = state.db.write.begin().await?;
    let r = role_assignment::Entity::find_by_id(aid)
        .one(&txn)
        .await?
        .filter(|r| r.user_id == target.id)
        .ok_or(AppError::NotFound)?;
    if r.revoked_at.is_some() {
        return Err(AppError::Conflict("role.already_revoked"));
    }
    let role = Role::parse(&r.role).ok_or(AppError::NotFound)?;
    let grant = crate::authz::grant_of(r.clone()).ok_or(AppError::NotFound)?;
    state
        .policy
        .may_grant(&me.actor, USER_MANAGE, role, &grant.scope, &r.scope_path)
        .map_err(|_| AppError::Forbidden)?;
    let res = role_assignment::Entity::update_many()
        .col_expr(
            role_assignment::Column::RevokedAt,
            Expr::value(audit::now()),
        )
        .col_expr(
            role_assignment::Column::RevokedBy,
            Expr::value(me.actor.user_id.0),
        )
        .filter(role_assignment::Column::Id.eq(aid))
        .filter(role_assignment::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(AppError::Conflict("role.already_revoked"));
    }
    audit::record(
        &txn,
        &AuditActor::from(&me),
        Change {
            action: "role.revoke",
            entity_type: "user",
            entity_id: &target.id.to_string(),
            scope_path: &r.scope_path,
            summary: json!({"role": r.role, "scope": r.scope_ref, "assignment": r.id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct SetStatus {
    /// active / disabled. Enabling also lifts a lockout.
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
    let target = load_target(&state, &me.actor, &user_id, USER_MANAGE).await?;
    check_outranks(&state, &me.actor, &target).await?;
    if body.status != "active" && body.status != "disabled" {
        return Err(AppError::field("status", "user.status_invalid"));
    }
    if target.id == me.actor.user_id.0 {
        return Err(AppError::field("status", "user.not_self"));
    }
    let txn = state.db.write.begin().await?;
    let mut am: user::ActiveModel = target.clone().into();
    am.status = Set(body.status.clone());
    am.failed_logins = Set(0);
    am.locked_until = Set(None);
    am.updated_at = Set(audit::now());
    am.version = Set(target.version + 1);
    let res = user::Entity::update_many()
        .set(am)
        .filter(user::Column::Id.eq(target.id))
        .filter(user::Column::Version.eq(target.version))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(AppError::Conflict("error.stale_version"));
    }
    if body.status == "disabled" {
        identity::revoke_sessions(&txn, target.id, None).await?;
    }
    audit::record(
        &txn,
        &AuditActor::from(&me),
        Change {
            action: "user.status",
            entity_type: "user",
            entity_id: &target.id.to_string(),
            scope_path: &target.home_path,
            summary: json!({"from": target.status, "to": body.status}),
        },
    )
    .await?;
    txn.commit().await?;
    let u = user::Entity::find_by_id(target.id)
        .one(&state.db.write)
        .await?
        .ok_or(AppError::NotFound)?;
    let roles = roles_of(&state.db.write, u.id).await?;
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
    let target = load_target(&state, &me.actor, &user_id, USER_MANAGE).await?;
    check_outranks(&state, &me.actor, &target).await?;
    let mut errors = ValidationErrors::new();
    identity::check_password("new_password", &body.new_password, &mut errors);
    errors.into_result()?;
    let hash = identity::hash_password(body.new_password).await?;
    let txn = state.db.write.begin().await?;
    let mut am: user::ActiveModel = target.clone().into();
    am.password_hash = Set(hash);
    am.must_change_password = Set(true);
    am.failed_logins = Set(0);
    am.locked_until = Set(None);
    am.updated_at = Set(audit::now());
    am.version = Set(target.version + 1);
    am.update(&txn).await?;
    identity::revoke_sessions(&txn, target.id, None).await?;
    audit::record(
        &txn,
        &AuditActor::from(&me),
        Change {
            action: "user.password_reset",
            entity_type: "user",
            entity_id: &target.id.to_string(),
            scope_path: &target.home_path,
            summary: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
