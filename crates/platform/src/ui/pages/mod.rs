//! The platform's own pages: sign-in, territory, accounts and tokens, audit and notifications
//! (the home page and the portal are `ui::home`).
//! Handlers stay thin: they call the same services as the API and render templates.

use std::collections::HashMap;

use crate::web::Form;
use crate::web::{PageParams, Path, Query};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use gongzhi_kernel::ValidationErrors;
use gongzhi_kernel::authz::{ResourceScope, Role, RolePlacement, TerritoryLevel};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{
    FormState, PageCtx, PageError, crumbs_for, first_submission, form_errors, is_htmx, once,
    render, render_status, see_other,
};
use crate::api::audit::{AuditFilter, query as audit_query};
use crate::api::users::{ListQuery, query_users};
use crate::audit::AuditActor;
use crate::authz::{
    AUDIT_READ, TERRITORY_READ, TERRITORY_WRITE, USER_MANAGE, USER_READ, scope_condition,
};
use crate::entity::{api_token, hub, role_assignment, territory, user};
use crate::territory as territory_svc;
use crate::web::{
    Access, AppError, AppState, AuthVia, CurrentActor, RequestCtx, Routes, auth_cookie_name,
};
use crate::{identity, ui};

type PageResult = Result<Response, PageError>;
use super::Fields;

pub fn routes() -> Routes {
    super::home::routes()
        .get("/login", Access::Public, login_form)
        .post("/login", Access::Public, login_submit)
        .post("/logout", Access::SignedIn, logout)
        .get("/lang/{lang}", Access::Public, switch_lang)
        .post("/scope", Access::SignedIn, switch_scope)
        .get("/account/password", Access::SignedIn, password_form)
        .post("/account/password", Access::SignedIn, password_submit)
        .get("/territory", Access::Permission(TERRITORY_READ), territory_home)
        .probe_query("code={foreign_street}")
        .get("/territory/{code}", Access::Permission(TERRITORY_READ), territory_page)
        .post("/territory/{code}/children", Access::Permission(TERRITORY_WRITE), create_child)
        .probe_form("code={foreign_new_grid}&name=%E6%8E%A2%E9%92%88&kind=grid&_once=probe-child")
        .post("/territory/{code}/hubs", Access::Permission(TERRITORY_WRITE), create_hub)
        .probe_form("name=%E6%8E%A2%E9%92%88&kind=party_service_center&_once=probe-hub")
        .post("/territory/{code}/rename", Access::Permission(TERRITORY_WRITE), rename)
        .probe_form("name=%E6%94%B9%E5%90%8D&version=1")
        .get("/users", Access::Permission(USER_READ), users_page)
        .probe_query("scope={foreign_street}")
        .get("/users/new", Access::Permission(USER_MANAGE), user_new)
        .probe_query("home={foreign_street}")
        .post("/users", Access::Permission(USER_MANAGE), user_create)
        .probe_form("username=probe.page&display_name=p&password=Probe12345&home={foreign_street}&_once=probe-user")
        .get("/users/{user_id}", Access::Permission(USER_READ), user_page)
        .post("/users/{user_id}/roles", Access::Permission(USER_MANAGE), user_grant)
        .probe_form("role=community_admin&scope={foreign_community}")
        .post("/users/{user_id}/roles/{assignment_id}/revoke", Access::Permission(USER_MANAGE), user_revoke)
        .post("/users/{user_id}/status", Access::Permission(USER_MANAGE), user_status)
        .probe_form("status=disabled")
        .post("/users/{user_id}/password", Access::Permission(USER_MANAGE), user_reset)
        .probe_form("new_password=Reset12345")
        .get("/tokens", Access::SignedIn, tokens_page)
        .post("/tokens", Access::SignedIn, token_create)
        .post("/tokens/{token_id}/revoke", Access::SignedIn, token_revoke)
        .get("/notifications", Access::SignedIn, notifications_page)
        .post("/notifications/read", Access::SignedIn, notifications_read)
        .get("/audit", Access::Permission(AUDIT_READ), audit_page)
        .probe_query("scope={foreign_street}")
}

fn v(fields: &Fields, k: &str) -> String {
    fields.get(k).cloned().unwrap_or_default()
}

fn role_label(c: &PageCtx, role: &str) -> String {
    c.t(&format!("role.name.{role}"))
}

mod accounts;
mod audit_log;
mod signin;
mod territory_pages;

use accounts::*;
use audit_log::*;
use signin::*;
use territory_pages::*;
