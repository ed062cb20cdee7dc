//! Sign-in and sign-out, language, the scope switch and the password form.

use super::*;

#[derive(Template)]
#[template(path = "login.html")]
pub(super) struct LoginPage {
    c: PageCtx,
    f: FormState,
    next: String,
}

#[derive(serde::Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

pub(super) async fn login_form(c: PageCtx, Query(q): Query<NextQuery>) -> PageResult {
    if c.username.is_some() {
        return Ok(see_other(&ui::safe_next(q.next.as_deref())));
    }
    Ok(render(&LoginPage {
        c,
        f: FormState::default(),
        next: ui::safe_next(q.next.as_deref()),
    }))
}

pub(super) async fn login_submit(
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

pub(super) async fn logout(
    State(state): State<AppState>,
    me: CurrentActor,
    jar: CookieJar,
) -> PageResult {
    if let AuthVia::Session { id_hash, .. } = &me.via {
        identity::logout(&state, &AuditActor::from(&me), id_hash).await?;
    }
    Ok((
        jar.remove(Cookie::build(auth_cookie_name()).path("/").build()),
        see_other("/login"),
    )
        .into_response())
}

pub(super) async fn switch_lang(
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

pub(super) async fn switch_scope(
    me: CurrentActor,
    jar: CookieJar,
    Form(fields): Form<Fields>,
) -> PageResult {
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
pub(super) struct PasswordPage {
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

pub(super) async fn password_form(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
) -> PageResult {
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

pub(super) async fn password_submit(
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
