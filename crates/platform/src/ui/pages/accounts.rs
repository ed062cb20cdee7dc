//! Accounts and roles, and the user's own API tokens.

use super::*;

pub struct UserRow {
    pub id: uuid::Uuid,
    pub username: String,
    pub display_name: String,
    pub roles: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "users.html")]
pub(super) struct UsersPage {
    c: PageCtx,
    q: String,
    link: String,
    rows: Vec<UserRow>,
    next: Option<String>,
    can_manage: bool,
}

#[derive(Template)]
#[template(path = "users_table.html")]
pub(super) struct UsersTable {
    c: PageCtx,
    link: String,
    rows: Vec<UserRow>,
    next: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub(super) struct UsersQuery {
    q: Option<String>,
    scope: Option<String>,
    cursor: Option<String>,
}

pub(super) async fn users_page(
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
pub(super) async fn node_options(
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
pub(super) struct UserNewPage {
    c: PageCtx,
    f: FormState,
    fields: Vec<(&'static str, String, &'static str, &'static str, bool)>,
    scope_options: Vec<(String, String)>,
    once: String,
}

pub(super) async fn user_new_view(
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
pub(super) struct HomeQuery {
    home: Option<String>,
}

/// The new-account form, preset to `?home=` (checked) or the current scope.
pub(super) async fn user_new(
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

pub(super) async fn user_create(
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
pub(super) struct UserPage {
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

pub(super) async fn user_view(
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

pub(super) async fn user_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(user_id): Path<String>,
) -> PageResult {
    let u = identity::load_user_in_scope(&state, &me.actor, &user_id, USER_READ).await?;
    user_view(&state, c, &me, u, FormState::default(), StatusCode::OK).await
}

/// Run a management action on a user and come back to their page, with the messages on failure.
pub(super) async fn user_action(
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

pub(super) async fn user_grant(
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

pub(super) async fn user_revoke(
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

pub(super) async fn user_status(
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

pub(super) async fn user_reset(
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
pub(super) struct TokensPage {
    c: PageCtx,
    tokens: Vec<TokenRow>,
    secret: Option<String>,
    f: FormState,
    once: String,
}

pub(super) async fn tokens_view(
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
                created: crate::ui::home::local_time(t.created_at),
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

pub(super) async fn tokens_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
) -> PageResult {
    tokens_view(&state, c, &me, None, FormState::default(), StatusCode::OK).await
}

pub(super) async fn token_create(
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

pub(super) async fn token_revoke(
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
