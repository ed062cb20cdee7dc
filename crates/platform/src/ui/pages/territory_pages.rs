//! The territory tree: a node, its children and hubs, adding and renaming.

use super::*;

#[derive(Template)]
#[template(path = "territory.html")]
pub(super) struct TerritoryPage {
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
pub(super) struct TerritoryHeader {
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
pub(super) struct CodeQuery {
    code: Option<String>,
}

/// The territory menu: the node given (a code typed or linked), else the current scope.
pub(super) async fn territory_home(
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

pub(super) async fn load_node(
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

pub(super) async fn territory_view(
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

pub(super) async fn territory_page(
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

pub(super) async fn create_child(
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

pub(super) async fn create_hub(
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
pub(super) async fn rename(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    headers: HeaderMap,
    Path(code): Path<String>,
    Form(fields): Form<Fields>,
) -> PageResult {
    let version = crate::ui::form_version(&fields);
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
