//! The platform's own pages: sign-in, dashboard, territory, accounts, tokens, audit.
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

// ---------------------------------------------------------------------------------------------
// Sign-in, language, scope

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: PageCtx,
    f: FormState,
    next: String,
}

#[derive(serde::Deserialize)]
struct NextQuery {
    next: Option<String>,
}

async fn login_form(c: PageCtx, Query(q): Query<NextQuery>) -> PageResult {
    if c.username.is_some() {
        return Ok(see_other(&ui::safe_next(q.next.as_deref())));
    }
    Ok(render(&LoginPage {
        c,
        f: FormState::default(),
        next: ui::safe_next(q.next.as_deref()),
    }))
}

async fn login_submit(
    State(state): State<AppState>,
    c: PageCtx,
    ctx: RequestCtx,
    headers: HeaderMap,
    jar: CookieJar,
    Form(fields): Form<Fields>,
) -> PageResult {
    crate::web::check_origin(&state, &headers)?;
    let next = ui::safe_next(fields.get("next").map(String::as_str));
    let mut errors = ValidationErrors::new();
    if v(&fields, "login").trim().is_empty() {
        errors.add("login", "auth.login_required");
    }
    if v(&fields, "password").is_empty() {
        errors.add("password", "auth.password_required");
    }
    let values: Fields = [("login".to_string(), v(&fields, "login"))].into();
    if !errors.is_empty() {
        let f = FormState::from_values(values).with_errors(&errors);
        return Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &LoginPage { c, f, next },
        ));
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match identity::login(
        &state,
        &v(&fields, "login"),
        &v(&fields, "password"),
        ctx.ip.clone(),
        ua,
    )
    .await
    {
        Ok(ok) => {
            let cookie = crate::web::session_cookie(&state, ok.cookie_value);
            let to = if ok.user.must_change_password {
                "/account/password".to_string()
            } else {
                next
            };
            Ok((jar.add(cookie), see_other(&to)).into_response())
        }
        Err(e @ AppError::RateLimited { .. }) => {
            let mut f = FormState::from_values(values);
            f.general = e.problem()["detail"].as_str().map(str::to_string);
            Ok(render_status(
                StatusCode::TOO_MANY_REQUESTS,
                &LoginPage { c, f, next },
            ))
        }
        Err(AppError::Validation(errs)) => {
            let mut f = FormState::from_values(values);
            f.general = errs.0.first().map(crate::i18n::field_message);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &LoginPage { c, f, next },
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout(State(state): State<AppState>, me: CurrentActor, jar: CookieJar) -> PageResult {
    if let AuthVia::Session { id_hash, .. } = &me.via {
        identity::logout(&state, &AuditActor::from(&me), id_hash).await?;
    }
    Ok((
        jar.remove(Cookie::build(auth_cookie_name()).path("/").build()),
        see_other("/login"),
    )
        .into_response())
}

async fn switch_lang(
    Path(lang): Path<String>,
    Query(q): Query<NextQuery>,
    jar: CookieJar,
) -> PageResult {
    let locale = crate::i18n::Locale::parse(&lang).ok_or(AppError::NotFound)?;
    let cookie = Cookie::build((crate::web::LANG_COOKIE, locale.as_str()))
        .path("/")
        .same_site(SameSite::Lax)
        .build();
    // Drop a lang= parameter from where we go back to, or it would override the cookie.
    let next = ui::safe_next(q.next.as_deref());
    let next = next.split('?').next().unwrap_or("/").to_string();
    Ok((jar.add(cookie), see_other(&next)).into_response())
}

async fn switch_scope(me: CurrentActor, jar: CookieJar, Form(fields): Form<Fields>) -> PageResult {
    let code = v(&fields, "scope");
    let holds = me.actor.grants.iter().any(|g| matches!(&g.scope, gongzhi_kernel::authz::Scope::Territory { code: c, .. } if *c == code));
    if !holds {
        return Err(AppError::Forbidden.into());
    }
    let cookie = Cookie::build((ui::SCOPE_COOKIE, code))
        .path("/")
        .same_site(SameSite::Lax)
        .http_only(true)
        .build();
    let next = ui::safe_next(fields.get("next").map(String::as_str));
    Ok((jar.add(cookie), see_other(&next)).into_response())
}

// ---------------------------------------------------------------------------------------------
// Password

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    c: PageCtx,
    f: FormState,
    must_change: bool,
    fields: Vec<(&'static str, String, &'static str)>,
}

impl PasswordPage {
    fn new(c: PageCtx, f: FormState, must_change: bool) -> Self {
        let fields = vec![
            (
                "current_password",
                c.t("password.current"),
                "current-password",
            ),
            ("new_password", c.t("password.new"), "new-password"),
        ];
        PasswordPage {
            c,
            f,
            must_change,
            fields,
        }
    }
}

async fn password_form(State(state): State<AppState>, c: PageCtx, me: CurrentActor) -> PageResult {
    let u = user::Entity::find_by_id(me.actor.user_id.0)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    Ok(render(&PasswordPage::new(
        c,
        FormState::default(),
        u.must_change_password,
    )))
}

async fn password_submit(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Form(fields): Form<Fields>,
) -> PageResult {
    let keep = match &me.via {
        AuthVia::Session { id_hash, .. } => Some(id_hash.clone()),
        AuthVia::Token { .. } => None,
    };
    let who = AuditActor::from(&me);
    match identity::change_own_password(
        &state,
        &who,
        me.actor.user_id.0,
        keep.as_deref(),
        &v(&fields, "current_password"),
        &v(&fields, "new_password"),
    )
    .await
    {
        Ok(()) => Ok(see_other("/?done=password_changed")),
        Err(e) => {
            let f = form_errors(e, HashMap::new(), &c)?;
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PasswordPage::new(c, f, false),
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Territory

#[derive(Template)]
#[template(path = "territory.html")]
struct TerritoryPage {
    c: PageCtx,
    node: territory::Model,
    node_kind_key: String,
    children: Vec<KidRow>,
    hubs: Vec<(String, String)>,
    people: Vec<(uuid::Uuid, String, String)>,
    can_write: bool,
    can_users: bool,
    child_kinds: Vec<(&'static str, String)>,
    hub_kinds: Vec<(&'static str, String)>,
    code_hint: String,
    f: FormState,
    hf: FormState,
    rf: FormState,
    once: String,
}

#[derive(Template)]
#[template(path = "territory_header.html")]
struct TerritoryHeader {
    c: PageCtx,
    node: territory::Model,
    node_kind_key: String,
    can_write: bool,
    rf: FormState,
}

pub struct KidRow {
    pub code: String,
    pub name: String,
    pub kind_key: String,
    pub status_key: String,
}

#[derive(serde::Deserialize)]
struct CodeQuery {
    code: Option<String>,
}

/// The territory menu: the node given (a code typed or linked), else the current scope.
async fn territory_home(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Query(q): Query<CodeQuery>,
) -> PageResult {
    if let Some(code) = q.code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let node = load_node(&state, &me, code, TERRITORY_READ).await?;
        return Ok(see_other(&format!("/territory/{}", node.code)));
    }
    match &c.scope_code {
        Some(code) => Ok(see_other(&format!("/territory/{code}"))),
        None => Err(AppError::NotFound.into()),
    }
}

async fn load_node(
    state: &AppState,
    me: &CurrentActor,
    code: &str,
    permission: gongzhi_kernel::authz::Permission,
) -> Result<territory::Model, PageError> {
    let node = territory_svc::get(&state.db.read, code)
        .await?
        .ok_or(AppError::NotFound)?;
    state.authorize(
        &me.actor,
        permission,
        &ResourceScope::territory(node.path.clone()),
    )?;
    Ok(node)
}

async fn territory_view(
    state: &AppState,
    mut c: PageCtx,
    me: &CurrentActor,
    node: territory::Model,
    f: FormState,
    hf: FormState,
    status: StatusCode,
) -> PageResult {
    let db = &state.db.read;
    let res = ResourceScope::territory(node.path.clone());
    let can_write = state
        .policy
        .authorize(&me.actor, TERRITORY_WRITE, &res)
        .is_ok();
    let can_users = state.policy.authorize(&me.actor, USER_READ, &res).is_ok();
    let children = territory::Entity::find()
        .filter(territory::Column::ParentCode.eq(node.code.clone()))
        .order_by_asc(territory::Column::Path)
        .limit(1000)
        .all(db)
        .await?
        .into_iter()
        .map(|k| KidRow {
            kind_key: format!("kind.{}", k.kind),
            status_key: format!("status.{}", k.status),
            code: k.code,
            name: k.name,
        })
        .collect();
    let hubs = hub::Entity::find()
        .filter(hub::Column::TerritoryCode.eq(node.code.clone()))
        .order_by_asc(hub::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|h| (h.name, c.t(&format!("hub.kind.{}", h.kind))))
        .collect();
    let assignments = role_assignment::Entity::find()
        .filter(role_assignment::Column::ScopeRef.eq(node.code.clone()))
        .filter(role_assignment::Column::RevokedAt.is_null())
        .limit(500)
        .all(db)
        .await?;
    let users: HashMap<uuid::Uuid, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(assignments.iter().map(|a| a.user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let people = assignments
        .iter()
        .filter_map(|a| {
            users.get(&a.user_id).map(|u| {
                (
                    u.id,
                    format!("{} ({})", u.display_name, u.username),
                    role_label(&c, &a.role),
                )
            })
        })
        .collect();
    let level = TerritoryLevel::parse(&node.level);
    let child_kinds: Vec<&'static str> = match level {
        Some(TerritoryLevel::District) => vec!["street", "town", "township"],
        Some(TerritoryLevel::Street) => vec!["community", "village"],
        Some(TerritoryLevel::Community) => vec!["grid"],
        _ => vec![],
    };
    let code_hint = match level {
        Some(TerritoryLevel::District) => format!("{}___000", &node.code[..6]),
        Some(TerritoryLevel::Street) => format!("{}___", &node.code[..9]),
        _ => format!("{}___", node.code),
    };
    let hub_kinds = territory_svc::HUB_KINDS
        .iter()
        .filter(|(_, l)| l.is_none_or(|l| Some(l) == level))
        .map(|(k, _)| (*k, c.t(&format!("hub.kind.{k}"))))
        .collect();
    let rf = FormState::from_values([("name".to_string(), node.name.clone())].into());
    c.crumbs = crumbs_for(state, &node.path).await?;
    let page = TerritoryPage {
        child_kinds: child_kinds
            .into_iter()
            .map(|k| (k, c.t(&format!("kind.{k}"))))
            .collect(),
        node_kind_key: format!("kind.{}", node.kind),
        c,
        node,
        children,
        hubs,
        people,
        can_write,
        can_users,
        hub_kinds,
        code_hint,
        f,
        hf,
        rf,
        once: once(),
    };
    Ok(render_status(status, &page))
}

async fn territory_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(code): Path<String>,
) -> PageResult {
    let node = load_node(&state, &me, &code, TERRITORY_READ).await?;
    territory_view(
        &state,
        c,
        &me,
        node,
        FormState::default(),
        FormState::default(),
        StatusCode::OK,
    )
    .await
}

async fn create_child(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(code): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let node = load_node(&state, &me, &code, TERRITORY_WRITE).await?;
    let back = format!("/territory/{code}?done=territory_created");
    if !first_submission(&state, &fields).await? {
        return Ok(see_other(&back));
    }
    let (new_code, name, kind) = (v(&fields, "code"), v(&fields, "name"), v(&fields, "kind"));
    // The parent follows from the code; refuse a code that does not belong under this page's node.
    let parent_ok =
        gongzhi_kernel::authz::territory_parent(new_code.trim()).is_none_or(|p| p == code);
    let result = if parent_ok {
        territory_svc::create(
            &state,
            &me.actor,
            &AuditActor::from(&me),
            &new_code,
            &name,
            &kind,
        )
        .await
    } else {
        Err(AppError::field("code", "territory.not_under_parent"))
    };
    match result {
        Ok(_) => Ok(see_other(&back)),
        Err(e) => {
            let values = [("code", new_code), ("name", name), ("kind", kind)]
                .map(|(k, v)| (k.to_string(), v))
                .into();
            let f = form_errors(e, values, &c)?;
            territory_view(
                &state,
                c,
                &me,
                node,
                f,
                FormState::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn create_hub(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(code): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let node = load_node(&state, &me, &code, TERRITORY_WRITE).await?;
    let back = format!("/territory/{code}?done=hub_created");
    if !first_submission(&state, &fields).await? {
        return Ok(see_other(&back));
    }
    let new = territory_svc::NewHub {
        kind: v(&fields, "kind"),
        name: v(&fields, "name"),
        address: None,
        phone: None,
    };
    match territory_svc::create_hub(&state, &me.actor, &AuditActor::from(&me), &code, new).await {
        Ok(_) => Ok(see_other(&back)),
        Err(e) => {
            let values = [("name", v(&fields, "name")), ("kind", v(&fields, "kind"))]
                .map(|(k, v)| (k.to_string(), v))
                .into();
            let hf = form_errors(e, values, &c)?;
            territory_view(
                &state,
                c,
                &me,
                node,
                FormState::default(),
                hf,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Inline rename: htmx swaps the header fragment; without JavaScript the whole page reloads.
async fn rename(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let version = super::form_version(&fields);
    let patch = territory_svc::NodePatch {
        name: Some(v(&fields, "name")),
        status: None,
        version,
    };
    let result =
        territory_svc::update(&state, &me.actor, &AuditActor::from(&me), &code, patch).await;
    if !is_htmx(&headers) {
        return match result {
            Ok(_) => Ok(see_other(&format!(
                "/territory/{code}?done=territory_renamed"
            ))),
            Err(e) => Err(e.into()),
        };
    }
    let (node, rf, status) = match result {
        Ok(n) => {
            let rf = FormState::from_values([("name".to_string(), n.name.clone())].into());
            (n, rf, StatusCode::OK)
        }
        Err(e) => {
            let node = load_node(&state, &me, &code, TERRITORY_READ).await?;
            let rf = form_errors(e, [("name".to_string(), v(&fields, "name"))].into(), &c)?;
            let mut rf = rf;
            if let Some(g) = rf.general.take() {
                rf.errors.insert("name".into(), g);
            }
            (node, rf, StatusCode::OK)
        }
    };
    let header = TerritoryHeader {
        node_kind_key: format!("kind.{}", node.kind),
        c,
        node,
        can_write: true,
        rf,
    };
    Ok(render_status(status, &header))
}

// ---------------------------------------------------------------------------------------------
// Accounts

pub struct UserRow {
    pub id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    pub roles: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    c: PageCtx,
    q: String,
    link: String,
    rows: Vec<UserRow>,
    next: Option<String>,
    can_manage: bool,
}

#[derive(Template)]
#[template(path = "users_table.html")]
struct UsersTable {
    c: PageCtx,
    link: String,
    rows: Vec<UserRow>,
    next: Option<String>,
}

#[derive(serde::Deserialize, Default)]
struct UsersQuery {
    q: Option<String>,
    scope: Option<String>,
    cursor: Option<String>,
}

async fn users_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    headers: HeaderMap,
    Query(q): Query<UsersQuery>,
) -> PageResult {
    let text = q.q.clone().unwrap_or_default();
    let scope = q.scope.clone();
    let page = query_users(
        &state,
        &me.actor,
        ListQuery {
            scope: q.scope,
            q: q.q,
            limit: Some(50),
            cursor: q.cursor,
        },
    )
    .await?;
    let rows = page
        .items
        .into_iter()
        .map(|u| UserRow {
            roles: u
                .roles
                .iter()
                .map(|r| format!("{} @ {}", role_label(&c, &r.role), r.scope))
                .collect::<Vec<_>>()
                .join("; "),
            status: c.t(&format!("status.{}", u.status)),
            id: u.id,
            username: u.username,
            display_name: u.display_name,
        })
        .collect();
    let next = page.next_cursor;
    // The next-page link carries the filters, encoded.
    let mut q_link = format!("q={}", ui::urlencode(&text));
    if let Some(sc) = &scope {
        q_link.push_str(&format!("&scope={}", ui::urlencode(sc)));
    }
    if is_htmx(&headers) {
        return Ok(render(&UsersTable {
            c,
            link: q_link,
            rows,
            next,
        }));
    }
    let can_manage = c.can(&state, USER_MANAGE);
    Ok(render(&UsersPage {
        c,
        q: text,
        link: q_link,
        rows,
        next,
        can_manage,
    }))
}

/// Territory nodes the actor may use for `permission`, for selects (tree order, at most 1,000).
async fn node_options(
    state: &AppState,
    me: &CurrentActor,
    permission: gongzhi_kernel::authz::Permission,
) -> Result<Vec<(String, String)>, PageError> {
    let filter = state.policy.scope_filter(&me.actor, permission);
    let nodes = territory::Entity::find()
        .filter(scope_condition(
            &filter,
            (territory::Entity, territory::Column::Path),
        ))
        .order_by_asc(territory::Column::Path)
        .limit(1000)
        .all(&state.db.read)
        .await?;
    Ok(nodes
        .into_iter()
        .map(|n| (n.code.clone(), format!("{} {}", n.name, n.code)))
        .collect())
}

#[derive(Template)]
#[template(path = "user_new.html")]
struct UserNewPage {
    c: PageCtx,
    f: FormState,
    fields: Vec<(&'static str, String, &'static str, &'static str, bool)>,
    scope_options: Vec<(String, String)>,
    once: String,
}

async fn user_new_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    f: FormState,
    status: StatusCode,
) -> PageResult {
    let fields = vec![
        ("username", c.t("users.username"), "text", "off", true),
        (
            "display_name",
            c.t("users.display_name"),
            "text",
            "off",
            true,
        ),
        ("phone", c.t("users.phone"), "tel", "off", true),
        (
            "password",
            c.t("users.initial_password"),
            "password",
            "new-password",
            false,
        ),
    ];
    let scope_options = node_options(state, me, USER_MANAGE).await?;
    Ok(render_status(
        status,
        &UserNewPage {
            c,
            f,
            fields,
            scope_options,
            once: once(),
        },
    ))
}

#[derive(serde::Deserialize)]
struct HomeQuery {
    home: Option<String>,
}

/// The new-account form, preset to `?home=` (checked) or the current scope.
async fn user_new(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Query(q): Query<HomeQuery>,
) -> PageResult {
    let mut f = FormState::default();
    let home = match q.home.filter(|h| !h.trim().is_empty()) {
        Some(code) => Some(load_node(&state, &me, code.trim(), USER_MANAGE).await?.code),
        None => c.scope_code.clone(),
    };
    if let Some(code) = home {
        f.values.insert("home".into(), code);
    }
    user_new_view(&state, c, &me, f, StatusCode::OK).await
}

async fn user_create(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Form(fields): Form<Fields>,
) -> PageResult {
    if !first_submission(&state, &fields).await? {
        return Ok(see_other("/users?done=user_created"));
    }
    let home_code = v(&fields, "home");
    let home = territory_svc::get(&state.db.read, home_code.trim())
        .await?
        .ok_or_else(|| AppError::field("home", "territory.not_found"));
    let result = match home {
        Ok(home) => match state.authorize(
            &me.actor,
            USER_MANAGE,
            &ResourceScope::territory(home.path.clone()),
        ) {
            Ok(()) => {
                let new = identity::NewUser {
                    username: v(&fields, "username"),
                    password: v(&fields, "password"),
                    display_name: v(&fields, "display_name"),
                    phone: Some(v(&fields, "phone")),
                    home_code: home.code.clone(),
                };
                identity::create_user(&state.db.write, &AuditActor::from(&me), new, &home).await
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(u) => Ok(see_other(&format!("/users/{}?done=user_created", u.id))),
        Err(e) => {
            let mut values = fields.clone();
            values.remove("password");
            let f = form_errors(e, values, &c)?;
            user_new_view(&state, c, &me, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    c: PageCtx,
    u: user::Model,
    status: String,
    phone: String,
    home: String,
    roles: Vec<(uuid::Uuid, String, String)>,
    can_manage: bool,
    role_options: Vec<(&'static str, String)>,
    scope_options: Vec<(String, String)>,
    f: FormState,
}

async fn user_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    u: user::Model,
    f: FormState,
    status: StatusCode,
) -> PageResult {
    let can_manage = state
        .authorize(
            &me.actor,
            USER_MANAGE,
            &ResourceScope::territory(u.home_path.clone()),
        )
        .is_ok();
    let assignments = identity::assignments_of(&state.db.read, u.id).await?;
    let names: HashMap<String, String> = territory::Entity::find()
        .filter(
            territory::Column::Code.is_in(
                assignments
                    .iter()
                    .map(|a| a.scope_ref.clone())
                    .chain([u.home_code.clone()]),
            ),
        )
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|n| (n.code, n.name))
        .collect();
    let roles = assignments
        .iter()
        .map(|a| {
            (
                a.id,
                role_label(&c, &a.role),
                names
                    .get(&a.scope_ref)
                    .cloned()
                    .unwrap_or_else(|| a.scope_ref.clone()),
            )
        })
        .collect();
    let my_rank = me
        .actor
        .grants
        .iter()
        .filter(|g| g.role.is_admin())
        .map(|g| g.role.rank())
        .max()
        .unwrap_or(0);
    let role_options = Role::ALL
        .into_iter()
        .filter(|r| r.rank() <= my_rank && r.placement() != RolePlacement::Org)
        .map(|r| (r.as_str(), role_label(&c, r.as_str())))
        .collect();
    let scope_options = if can_manage {
        node_options(state, me, USER_MANAGE).await?
    } else {
        vec![]
    };
    let page = UserPage {
        status: c.t(&format!("status.{}", u.status)),
        phone: identity::masked_phone(&u).unwrap_or_default(),
        home: names
            .get(&u.home_code)
            .cloned()
            .unwrap_or_else(|| u.home_code.clone()),
        c,
        u,
        roles,
        can_manage,
        role_options,
        scope_options,
        f,
    };
    Ok(render_status(status, &page))
}

async fn user_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(user_id): Path<String>,
) -> PageResult {
    let u = identity::load_user_in_scope(&state, &me.actor, &user_id, USER_READ).await?;
    user_view(&state, c, &me, u, FormState::default(), StatusCode::OK).await
}

/// Run a management action on a user and come back to their page, with the messages on failure.
async fn user_action(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    user_id: &str,
    values: Fields,
    result: Result<&'static str, AppError>,
) -> PageResult {
    match result {
        Ok(done) => Ok(see_other(&format!("/users/{user_id}?done={done}"))),
        Err(e) => {
            let f = form_errors(e, values, &c)?;
            let u = identity::load_user_in_scope(state, &me.actor, user_id, USER_READ).await?;
            user_view(state, c, me, u, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn user_grant(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(user_id): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let target = identity::load_user_in_scope(&state, &me.actor, &user_id, USER_MANAGE).await?;
    let result = async {
        let role = Role::parse(v(&fields, "role").trim())
            .ok_or_else(|| AppError::field("role", "role.unknown"))?;
        let scope =
            identity::resolve_territory_scope(&state.db.read, role, v(&fields, "scope").trim())
                .await?;
        identity::grant_role(
            &state,
            &me.actor,
            &AuditActor::from(&me),
            &target,
            role,
            scope,
        )
        .await?;
        Ok("role_granted")
    }
    .await;
    user_action(&state, c, &me, &user_id, fields.clone(), result).await
}

async fn user_revoke(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path((user_id, assignment_id)): Path<(String, String)>,
) -> PageResult {
    let target = identity::load_user_in_scope(&state, &me.actor, &user_id, USER_MANAGE).await?;
    let result = identity::revoke_role(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &target,
        &assignment_id,
    )
    .await
    .map(|_| "role_revoked");
    user_action(&state, c, &me, &user_id, HashMap::new(), result).await
}

async fn user_status(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(user_id): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let target = identity::load_user_in_scope(&state, &me.actor, &user_id, USER_MANAGE).await?;
    let result = identity::set_status(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &target,
        &v(&fields, "status"),
    )
    .await
    .map(|_| "status_changed");
    user_action(&state, c, &me, &user_id, HashMap::new(), result).await
}

async fn user_reset(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(user_id): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let target = identity::load_user_in_scope(&state, &me.actor, &user_id, USER_MANAGE).await?;
    let result = identity::reset_password(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &target,
        &v(&fields, "new_password"),
    )
    .await
    .map(|_| "password_reset");
    user_action(&state, c, &me, &user_id, HashMap::new(), result).await
}

// ---------------------------------------------------------------------------------------------
// Tokens

pub struct TokenRow {
    pub id: uuid::Uuid,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub state: String,
    pub active: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    c: PageCtx,
    tokens: Vec<TokenRow>,
    secret: Option<String>,
    f: FormState,
    once: String,
}

async fn tokens_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    secret: Option<String>,
    f: FormState,
    status: StatusCode,
) -> PageResult {
    let now = chrono::Utc::now();
    let tokens = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(me.actor.user_id.0))
        .order_by_desc(api_token::Column::CreatedAt)
        .limit(200)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|t| {
            let key = if t.revoked_at.is_some() {
                "tokens.revoked"
            } else if t.expires_at.is_some_and(|e| e <= now) {
                "tokens.expired"
            } else {
                "tokens.active"
            };
            TokenRow {
                id: t.id,
                name: t.name,
                prefix: t.prefix,
                created: super::home::local_time(t.created_at),
                state: c.t(key),
                active: key == "tokens.active",
            }
        })
        .collect();
    Ok(render_status(
        status,
        &TokensPage {
            c,
            tokens,
            secret,
            f,
            once: once(),
        },
    ))
}

async fn tokens_page(State(state): State<AppState>, c: PageCtx, me: CurrentActor) -> PageResult {
    tokens_view(&state, c, &me, None, FormState::default(), StatusCode::OK).await
}

async fn token_create(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Form(fields): Form<Fields>,
) -> PageResult {
    if !first_submission(&state, &fields).await? {
        return Ok(see_other("/tokens"));
    }
    let days = v(&fields, "expires_in_days");
    let days = match days.trim() {
        "" => Ok(None),
        d => d
            .parse::<i64>()
            .map(Some)
            .map_err(|_| AppError::field("expires_in_days", "token.expiry_invalid")),
    };
    let u = user::Entity::find_by_id(me.actor.user_id.0)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let result = match days {
        Ok(d) => {
            identity::create_token(
                &state,
                &AuditActor::from(&me),
                u.id,
                &u.home_path,
                &v(&fields, "name"),
                d,
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        // Shown once, on this response only; the list never shows it again.
        Ok((_, secret)) => {
            tokens_view(
                &state,
                c,
                &me,
                Some(secret),
                FormState::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => {
            let f = form_errors(e, fields, &c)?;
            tokens_view(&state, c, &me, None, f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn token_revoke(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(token_id): Path<String>,
) -> PageResult {
    match identity::revoke_own_token(
        &state,
        &AuditActor::from(&me),
        me.actor.user_id.0,
        &token_id,
    )
    .await
    {
        Ok(_) | Err(AppError::Conflict(_)) => Ok(see_other("/tokens?done=token_revoked")),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Audit

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: PageCtx,
    filters: Vec<(&'static str, String, String, &'static str)>,
    rows: Vec<(String, String, String, String, String)>,
    next: Option<String>,
    query: String,
    error: Option<String>,
    /// Auditors of every district may download the signed checkpoints.
    checkpoints: bool,
}

#[derive(Template)]
#[template(path = "audit_table.html")]
struct AuditTable {
    c: PageCtx,
    rows: Vec<(String, String, String, String, String)>,
    next: Option<String>,
    query: String,
}

#[derive(serde::Deserialize, Default)]
struct AuditForm {
    scope: Option<String>,
    action: Option<String>,
    actor: Option<String>,
    entity_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
}

fn parse_day(s: &Option<String>, end: bool) -> Option<chrono::DateTime<chrono::Utc>> {
    let d = chrono::NaiveDate::parse_from_str(s.as_deref()?.trim(), "%Y-%m-%d").ok()?;
    let d = if end { d.succ_opt()? } else { d };
    // Days are Beijing days.
    Some(d.and_hms_opt(0, 0, 0)?.and_utc() - chrono::Duration::hours(8))
}

async fn audit_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    headers: HeaderMap,
    Query(f): Query<AuditForm>,
) -> PageResult {
    let nz = |o: &Option<String>| o.clone().filter(|s| !s.trim().is_empty());
    let q = AuditFilter {
        scope: nz(&f.scope),
        action: nz(&f.action),
        entity_type: None,
        entity_id: nz(&f.entity_id),
        actor: nz(&f.actor),
        from: parse_day(&f.from, false),
        to: parse_day(&f.to, true),
    };
    let page = PageParams {
        limit: Some(50),
        cursor: nz(&f.cursor),
    };
    let pairs = [
        ("scope", &f.scope),
        ("action", &f.action),
        ("actor", &f.actor),
        ("entity_id", &f.entity_id),
        ("from", &f.from),
        ("to", &f.to),
    ];
    let query = pairs
        .iter()
        .filter_map(|(k, val)| {
            val.as_ref()
                .filter(|s| !s.is_empty())
                .map(|s| format!("{k}={}", ui::urlencode(s)))
        })
        .collect::<Vec<_>>()
        .join("&");
    let (rows, next, error) = match audit_query(&state, &me.actor, &q, &page).await {
        Ok(page) => (
            page.items
                .into_iter()
                .map(|r| {
                    (
                        super::home::local_time(r.at),
                        r.actor,
                        r.action,
                        r.entity_id,
                        r.summary.to_string(),
                    )
                })
                .collect(),
            page.next_cursor,
            None,
        ),
        Err(AppError::Validation(errs)) => {
            (vec![], None, errs.0.first().map(crate::i18n::field_message))
        }
        Err(e) => return Err(e.into()),
    };
    if is_htmx(&headers) {
        return Ok(render(&AuditTable {
            c,
            rows,
            next,
            query,
        }));
    }
    let filters = vec![
        (
            "scope",
            c.t("audit.filter.scope"),
            f.scope.clone().unwrap_or_default(),
            "text",
        ),
        (
            "action",
            c.t("audit.col.action"),
            f.action.clone().unwrap_or_default(),
            "text",
        ),
        (
            "actor",
            c.t("audit.col.actor"),
            f.actor.clone().unwrap_or_default(),
            "text",
        ),
        (
            "entity_id",
            c.t("audit.col.entity_id"),
            f.entity_id.clone().unwrap_or_default(),
            "text",
        ),
        (
            "from",
            c.t("audit.filter.from"),
            f.from.clone().unwrap_or_default(),
            "date",
        ),
        (
            "to",
            c.t("audit.filter.to"),
            f.to.clone().unwrap_or_default(),
            "date",
        ),
    ];
    let checkpoints = crate::api::audit::may_keep_checkpoints(&state, &me.actor).await?;
    Ok(render(&AuditPage {
        c,
        filters,
        rows,
        next,
        query,
        error,
        checkpoints,
    }))
}

// ---------------------------------------------------------------------------------------------
// Notifications

pub struct NoticeRow {
    pub at: String,
    pub text: String,
    pub link: Option<String>,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    c: PageCtx,
    items: Vec<NoticeRow>,
}

async fn notifications_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
) -> PageResult {
    use crate::entity::notification;
    let items = notification::Entity::find()
        .filter(notification::Column::UserId.eq(me.actor.user_id.0))
        .order_by_desc(notification::Column::CreatedAt)
        .limit(100)
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|n| NoticeRow {
            at: super::home::local_time(n.created_at),
            text: crate::notify::render(c.locale, &n),
            link: n.link.clone(),
            unread: n.read_at.is_none(),
        })
        .collect();
    Ok(render(&NotificationsPage { c, items }))
}

async fn notifications_read(State(state): State<AppState>, me: CurrentActor) -> PageResult {
    crate::notify::mark_all_read(&state.db.write, me.actor.user_id.0).await?;
    Ok(see_other("/notifications"))
}
