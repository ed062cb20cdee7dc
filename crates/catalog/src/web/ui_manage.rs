//! Pages for the people who keep the catalog: the catalog desk of a street or the district
//! (proposals, publishing the next version with a preview of what changes, categories), the
//! proposal form, and a proposal's page with its review.

use askama::Template;
use axum::extract::State;
use gongzhi_kernel::authz::ResourceScope;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::ui::{
    Fields, FormState, PageCtx, PageResult, form_errors, get, typed_form, outcome, render_status,
    see_other, status_of,
};
use gongzhi_platform::web::Form;
use gongzhi_platform::web::{Access, AppError, AppState, CurrentActor, Routes};
use gongzhi_platform::web::{Path, Query};
use serde::Deserialize;

use crate::web::api::{self, ChangeQuery};
use crate::domain::{
    self, CHANGE_KINDS, Change, ItemDef, ItemInput, LICENCE_KINDS, NEGATIVE_CATEGORIES,
    NegativeDef, TIERS,
};
use crate::web::export::{criteria_lines, yuan};
use crate::service::{self as svc, CategoryInput, CategoryPatch, ChangeInput, DecisionInput};
use crate::web::ui::{DiffRows, ItemRow, diff_rows, item_row, parse_date};
use crate::{CATALOG_MANAGE, CATALOG_PROPOSE, CATALOG_READ};
use crate::domain::ChangeState;

pub fn routes() -> Routes {
    Routes::new()
        .get("/catalog", Access::Permission(CATALOG_READ), desk)
        .probe_query("node={foreign_street}")
        .get("/catalog/changes/new", Access::Permission(CATALOG_PROPOSE), change_form)
        .probe_query("node={foreign_street}")
        .post("/catalog/changes", Access::Permission(CATALOG_PROPOSE), change_create)
        .probe_form("node={foreign_street}&kind=retire_item&code=A05-01&reason=%E6%8E%A2%E9%92%88%E7%90%86%E7%94%B1")
        .get("/catalog/changes/{catalog_change_id}", Access::Permission(CATALOG_READ), change_page)
        .post("/catalog/changes/{catalog_change_id}", Access::Permission(CATALOG_READ), change_post)
        .probe_form("transition=approve&version=1&reason=")
        .post("/catalog/versions", Access::Permission(CATALOG_MANAGE), publish_post)
        .probe_form("district={district}&effective_from=2099-01-01&title=%E6%8E%A2%E9%92%88%E7%89%88%E6%9C%AC&notes=")
        .post("/catalog/categories", Access::Permission(CATALOG_MANAGE), category_post)
        .probe_form("op=add&district={district}&code=Z9&name=%E6%8E%A2%E9%92%88%E7%B1%BB%E5%88%AB&parent_code=")
}

fn may(
    state: &AppState,
    me: &CurrentActor,
    p: gongzhi_kernel::authz::Permission,
    path: &str,
) -> bool {
    state
        .policy
        .authorize(&me.actor, p, &ResourceScope::territory(path))
        .is_ok()
}

pub struct ChangeRow {
    pub id: uuid::Uuid,
    pub kind: String,
    pub code: String,
    pub node: String,
    pub state: String,
    pub state_key: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "catalog_desk.html")]
struct DeskPage {
    c: PageCtx,
    node: String,
    node_name: String,
    level: String,
    district: String,
    version: Option<crate::web::ui::VersionRow>,
    changes: Vec<ChangeRow>,
    can_propose: bool,
    can_manage: bool,
    approved: usize,
    preview: Option<DiffRows>,
    categories: Vec<api::CategoryView>,
    publish: FormState,
    category_form: FormState,
    error: Option<String>,
}

#[derive(Deserialize)]
struct NodeParam {
    node: Option<String>,
}

async fn desk(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Query(q): Query<NodeParam>,
) -> PageResult {
    let node = match q.node.filter(|n| !n.is_empty()).or(c.scope_code.clone()) {
        Some(n) => n,
        None => gongzhi_platform::ui::first_node(&state, &me.actor, CATALOG_READ)?,
    };
    desk_view(
        &state,
        c,
        &me,
        &node,
        FormState::default(),
        FormState::default(),
        None,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn desk_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    node: &str,
    publish: FormState,
    category_form: FormState,
    error: Option<String>,
) -> PageResult {
    let n = svc::node(&state.db.read, node).await?;
    state.authorize(&me.actor, CATALOG_READ, &ResourceScope::territory(&n.path))?;
    let d = svc::district_node(&state.db.read, &svc::district_of(&n)).await?;
    let can_manage = may(state, me, CATALOG_MANAGE, &d.path);
    let l = api::load(state, &d.code, None).await?;
    let page = api::changes(
        state,
        &me.actor,
        &ChangeQuery {
            node: Some(n.code.clone()),
            state: None,
            limit: Some(100),
            cursor: None,
        },
    )
    .await?;
    let changes = page
        .items
        .into_iter()
        .map(|ch| ChangeRow {
            id: ch.id,
            kind: c.t(&format!("catalog.kind.{}", ch.kind)),
            code: ch.code,
            node: ch.node_code,
            state: c.t(&format!("catalog.change_state.{}", ch.state)),
            state_key: ch.state,
            at: ch.created_at.format("%Y-%m-%d").to_string(),
        })
        .collect();
    let (approved, preview) = if can_manage {
        let (latest, next, approved) =
            svc::latest_and_next(&state.db.read, &d.district_code).await?;
        let diff = domain::diff(&latest, &next);
        (
            approved.len(),
            Some(diff_rows(&c, &diff, c.t("catalog.next_version_preview"))),
        )
    } else {
        (0, None)
    };
    let categories = svc::categories(&state.db.read, &d.district_code)
        .await?
        .into_iter()
        .map(|k| api::CategoryView {
            id: k.id,
            code: k.code,
            parent_code: k.parent_code,
            name: k.name,
            sort: k.sort,
            version: k.version,
        })
        .collect();
    let status =
        if error.is_some() || !publish.errors.is_empty() || !category_form.errors.is_empty() {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        } else {
            axum::http::StatusCode::OK
        };
    let out = DeskPage {
        node: n.code.clone(),
        node_name: n.name.clone(),
        level: n.level.clone(),
        district: d.code.clone(),
        version: l
            .version
            .as_ref()
            .map(|v| crate::web::ui::version_row(&c, &api::version_view(&l.all, v))),
        changes,
        can_propose: may(state, me, CATALOG_PROPOSE, &n.path),
        can_manage,
        approved,
        preview,
        categories,
        publish,
        category_form,
        c,
        error,
    };
    Ok(render_status(status, &out))
}

/// Which of the desk's forms a post came from.
enum DeskForm {
    Publish,
    Category,
}

/// After a desk form: go on, or show the desk again with the form's messages.
#[allow(clippy::too_many_arguments)]
async fn desk_outcome(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    district: &str,
    f: &Fields,
    result: Result<(), AppError>,
    to: String,
    which: DeskForm,
) -> PageResult {
    match result {
        Ok(()) => Ok(see_other(&to)),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(e.into()),
        Err(e) => {
            let form = form_errors(e, f.clone(), &c)?;
            let general = form.general.clone();
            let (publish, category) = match which {
                DeskForm::Publish => (form, FormState::default()),
                DeskForm::Category => (FormState::default(), form),
            };
            desk_view(state, c, me, district, publish, category, general).await
        }
    }
}

async fn publish_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Form(f): Form<Fields>,
) -> PageResult {
    let district = get(&f, "district").to_string();
    let result = match parse_date(&f, "effective_from") {
        Ok(on) => svc::publish(
            &state,
            &me.actor,
            &AuditActor::from(&me),
            &district,
            &svc::PublishInput {
                effective_from: on,
                title: get(&f, "title").into(),
                notes: get(&f, "notes").into(),
            },
        )
        .await
        .map(|_| ()),
        Err(e) => Err(e),
    };
    let to = format!("/public/catalogs/{district}/versions?done=version_published");
    desk_outcome(&state, c, &me, &district, &f, result, to, DeskForm::Publish).await
}

async fn category_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Form(f): Form<Fields>,
) -> PageResult {
    let district = get(&f, "district").to_string();
    let who = AuditActor::from(&me);
    let result = match get(&f, "op") {
        "add" => match typed_form::<CategoryInput>(&f) {
            Ok(input) => svc::add_category(&state, &me.actor, &who, &district, &input)
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        },
        "rename" => match typed_form::<CategoryPatch>(&f) {
            Ok(input) => {
                svc::rename_category(&state, &me.actor, &who, get(&f, "category_id"), &input)
                    .await
                    .map(|_| ())
            }
            Err(e) => Err(e),
        },
        _ => Err(AppError::field("op", "catalog.kind_unknown")),
    };
    let to = format!("/catalog?node={district}&done=category_saved");
    desk_outcome(
        &state,
        c,
        &me,
        &district,
        &f,
        result,
        to,
        DeskForm::Category,
    )
    .await
}

// ---- the proposal form ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "catalog_change_form.html")]
struct ChangeFormPage {
    c: PageCtx,
    node: String,
    node_name: String,
    f: FormState,
    kinds: Vec<(&'static str, String)>,
    categories: Vec<(String, String)>,
    tiers: Vec<(&'static str, String)>,
    legal_forms: Vec<(&'static str, String)>,
    org_tiers: Vec<(&'static str, String)>,
    licences: Vec<(&'static str, String)>,
    negative_categories: Vec<(&'static str, String)>,
}

#[derive(Deserialize)]
struct NewParams {
    node: Option<String>,
    kind: Option<String>,
    code: Option<String>,
}

/// Form values of an item, for prefilling a modification.
fn item_values(i: &ItemDef) -> Fields {
    let mut v = Fields::new();
    let mut set = |k: &str, val: String| {
        v.insert(k.to_string(), val);
    };
    set("code", i.code.clone());
    set("category", i.category.clone());
    set("name", i.name.clone());
    set("description", i.description.clone());
    set("tier", i.tier.clone());
    if i.purchasable {
        set("purchasable", "on".into());
    }
    set("service_standard", i.service_standard.clone());
    set("unit", i.unit.clone());
    set("price_min", yuan(i.price_min_fen));
    set("price_max", yuan(i.price_max_fen));
    set(
        "indicators",
        i.indicators
            .iter()
            .map(|x| format!("{}|{}", x.name, x.target))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let c = &i.criteria;
    for l in &c.legal_forms {
        set(&format!("lf_{l}"), "on".into());
    }
    for t in &c.tiers {
        set(&format!("ot_{t}"), "on".into());
    }
    for l in &c.licences {
        set(&format!("lic_{l}"), "on".into());
    }
    set(
        "min_years",
        c.min_years.map(|x| x.to_string()).unwrap_or_default(),
    );
    set(
        "min_grade",
        c.min_grade.map(|x| x.to_string()).unwrap_or_default(),
    );
    set(
        "min_social_workers",
        c.min_social_workers
            .map(|x| x.to_string())
            .unwrap_or_default(),
    );
    set(
        "no_poor_years",
        c.no_poor_years.map(|x| x.to_string()).unwrap_or_default(),
    );
    if c.abnormal_blocks {
        set("abnormal_blocks", "on".into());
    }
    set("notes", c.notes.clone());
    v
}

async fn change_form(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Query(q): Query<NewParams>,
) -> PageResult {
    let node = match q.node.filter(|n| !n.is_empty()).or(c.scope_code.clone()) {
        Some(n) => n,
        None => gongzhi_platform::ui::first_node(&state, &me.actor, CATALOG_PROPOSE)?,
    };
    let n = svc::node(&state.db.read, &node).await?;
    state.authorize(
        &me.actor,
        CATALOG_PROPOSE,
        &ResourceScope::territory(&n.path),
    )?;
    let kind = q.kind.unwrap_or_else(|| "add_item".into());
    let mut values = Fields::new();
    if let Some(code) = q.code.filter(|c| !c.is_empty()) {
        let (next, _) = svc::next_snapshot(&state.db.read, &svc::district_of(&n)).await?;
        if let Some(i) = next.items.get(&code) {
            values = item_values(i);
        }
        values.insert("code".into(), code);
    } else {
        values.insert("purchasable".into(), "on".into());
    }
    values.insert("kind".into(), kind);
    change_form_view(&state, c, &n, FormState::from_values(values)).await
}

async fn change_form_view(
    state: &AppState,
    c: PageCtx,
    n: &gongzhi_platform::entity::territory::Model,
    f: FormState,
) -> PageResult {
    let labels = |prefix: &str, keys: &[&'static str]| -> Vec<(&'static str, String)> {
        keys.iter()
            .map(|k| (*k, c.t(&format!("{prefix}.{k}"))))
            .collect()
    };
    let legal: Vec<&'static str> = gongzhi_orgs::face::LegalForm::ALL
        .iter()
        .map(|l| l.as_str())
        .collect();
    let org_tiers: Vec<&'static str> = gongzhi_orgs::face::Tier::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    let page = ChangeFormPage {
        kinds: labels("catalog.kind", &CHANGE_KINDS),
        categories: api::category_codes(state, &svc::district_of(n)).await?,
        tiers: labels("catalog.tier", &TIERS),
        legal_forms: labels("org.form", &legal),
        org_tiers: labels("org.tier", &org_tiers),
        licences: labels("catalog.licence", &LICENCE_KINDS),
        negative_categories: labels("catalog.negative", &NEGATIVE_CATEGORIES),
        node: n.code.clone(),
        node_name: n.name.clone(),
        c,
        f,
    };
    let status = if page.f.errors.is_empty() && page.f.general.is_none() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(status, &page))
}

fn opt_num<T: std::str::FromStr>(f: &Fields, k: &str) -> Result<Option<T>, AppError> {
    match get(f, k) {
        "" => Ok(None),
        s => s
            .parse()
            .map(Some)
            .map_err(|_| AppError::field(&format!("criteria.{k}"), "catalog.number_invalid")),
    }
}

/// The proposal a form describes.
fn input_of(f: &Fields) -> Result<ChangeInput, AppError> {
    let on = |k: &str| !get(f, k).is_empty();
    let picked = |prefix: &str, keys: &[&str]| -> Vec<String> {
        keys.iter()
            .filter(|k| on(&format!("{prefix}{k}")))
            .map(|k| k.to_string())
            .collect()
    };
    let kind = get(f, "kind").to_string();
    let legal: Vec<&str> = gongzhi_orgs::face::LegalForm::ALL
        .iter()
        .map(|l| l.as_str())
        .collect();
    let tiers: Vec<&str> = gongzhi_orgs::face::Tier::ALL
        .iter()
        .map(|t| t.as_str())
        .collect();
    let item = if kind.ends_with("_item") && kind != "retire_item" {
        let criteria = serde_json::json!({
            "legal_forms": picked("lf_", &legal),
            "tiers": picked("ot_", &tiers),
            "min_years": opt_num::<u32>(f, "min_years")?,
            "min_grade": opt_num::<i32>(f, "min_grade")?,
            "abnormal_blocks": on("abnormal_blocks"),
            "min_social_workers": opt_num::<i32>(f, "min_social_workers")?,
            "licences": picked("lic_", &LICENCE_KINDS),
            "no_poor_years": opt_num::<u32>(f, "no_poor_years")?,
            "notes": get(f, "notes"),
        });
        Some(ItemInput {
            code: get(f, "code").into(),
            category: get(f, "category").into(),
            name: get(f, "name").into(),
            description: get(f, "description").into(),
            tier: get(f, "tier").into(),
            purchasable: on("purchasable"),
            service_standard: get(f, "service_standard").into(),
            unit: get(f, "unit").into(),
            price_min: Some(get(f, "price_min").into()),
            price_max: Some(get(f, "price_max").into()),
            indicators: get(f, "indicators")
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let (n, t) = l.split_once('|').unwrap_or((l, ""));
                    domain::Indicator {
                        name: n.trim().into(),
                        target: t.trim().into(),
                    }
                })
                .collect(),
            criteria,
        })
    } else {
        None
    };
    let entry = (kind == "add_negative").then(|| NegativeDef {
        code: get(f, "code").into(),
        category: get(f, "neg_category").into(),
        title: get(f, "title").into(),
        description: get(f, "neg_description").into(),
        terms: get(f, "terms")
            .split(['、', ',', '，', '\n'])
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect(),
        basis: get(f, "basis").into(),
    });
    Ok(ChangeInput {
        node: Some(get(f, "node").into()),
        code: Some(get(f, "code").into()),
        kind,
        item,
        entry,
        reason: get(f, "reason").into(),
    })
}

/// Field names of the API (`item.name`, `criteria.min_grade`) as the form names them.
fn form_field(api_field: &str) -> String {
    let f = api_field.strip_prefix("item.").unwrap_or(api_field);
    let f = f.strip_prefix("entry.").unwrap_or(f);
    match f {
        "criteria.legal_forms" | "criteria.tiers" | "criteria.licences" => "criteria".into(),
        _ => f.strip_prefix("criteria.").unwrap_or(f).to_string(),
    }
}

async fn change_create(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Form(f): Form<Fields>,
) -> PageResult {
    let result = match input_of(&f) {
        Ok(input) => svc::propose(&state, &me.actor, &AuditActor::from(&me), &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(ch) => Ok(see_other(&format!(
            "/catalog/changes/{}?done=change_proposed",
            ch.id
        ))),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(e.into()),
        Err(e) => {
            let e = match e {
                AppError::Validation(mut v) => {
                    for x in v.0.iter_mut() {
                        x.field = form_field(&x.field);
                    }
                    AppError::Validation(v)
                }
                other => other,
            };
            let form = form_errors(e, f.clone(), &c)?;
            let n = svc::node(&state.db.read, get(&f, "node")).await?;
            change_form_view(&state, c, &n, form).await
        }
    }
}

// ---- a proposal's page ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "catalog_change.html")]
struct ChangePage {
    c: PageCtx,
    id: uuid::Uuid,
    district: String,
    kind: String,
    code: String,
    node: String,
    reason: String,
    state: String,
    state_key: String,
    version: i32,
    item: Option<ItemRow>,
    item_details: Vec<(String, String)>,
    criteria: Vec<String>,
    changed: String,
    entry: Option<crate::web::ui::NegativeRow>,
    can_decide: bool,
    can_withdraw: bool,
    error: Option<String>,
}

async fn change_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
) -> PageResult {
    change_view(&state, c, &me, &id, None).await
}

async fn change_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    id: &str,
    error: Option<String>,
) -> PageResult {
    let ch = svc::get_change(state, &me.actor, id).await?;
    let stored = Change::stored(&ch.kind, &ch.code, &ch.payload);
    let (latest, _) = svc::next_snapshot(&state.db.read, &ch.district)
        .await
        .unwrap_or_default();
    let (mut item, mut details, mut criteria, mut changed, mut entry) =
        (None, Vec::new(), Vec::new(), String::new(), None);
    match &stored {
        Some(Change::AddItem(i)) | Some(Change::ModifyItem(i)) => {
            item = Some(item_row(&c, i, None));
            details = vec![
                (c.t("catalog.category"), i.category.clone()),
                (c.t("catalog.description"), i.description.clone()),
                (c.t("catalog.service_standard"), i.service_standard.clone()),
                (
                    c.t("catalog.indicators"),
                    i.indicators
                        .iter()
                        .map(|x| format!("{} {}", x.name, x.target))
                        .collect::<Vec<_>>()
                        .join("；"),
                ),
            ];
            criteria = criteria_lines(&i.criteria);
            if let (Some(Change::ModifyItem(_)), Some(old)) = (&stored, latest.items.get(&i.code)) {
                changed = domain::changed_fields(old, i)
                    .iter()
                    .map(|f| c.t(&format!("catalog.field.{f}")))
                    .collect::<Vec<_>>()
                    .join("、");
            }
        }
        Some(Change::AddNegative(e)) => entry = Some(crate::web::ui::negative_row(&c, e)),
        Some(Change::RetireItem(code)) => {
            item = latest.items.get(code).map(|i| item_row(&c, i, None));
        }
        Some(Change::RemoveNegative(code)) => {
            entry = latest
                .negatives
                .get(code)
                .map(|e| crate::web::ui::negative_row(&c, e));
        }
        None => {}
    }
    let d = svc::district_node(&state.db.read, &ch.district).await?;
    let page = ChangePage {
        id: ch.id,
        district: ch.district.clone(),
        kind: c.t(&format!("catalog.kind.{}", ch.kind)),
        code: ch.code.clone(),
        node: ch.node_code.clone(),
        reason: ch.reason.clone(),
        state: c.t(&format!("catalog.change_state.{}", ch.state)),
        can_decide: ch.state == ChangeState::PROPOSED && may(state, me, CATALOG_MANAGE, &d.path),
        can_withdraw: ch.state == ChangeState::PROPOSED && may(state, me, CATALOG_PROPOSE, &ch.path),
        state_key: ch.state,
        version: ch.version,
        item,
        item_details: details,
        criteria,
        changed,
        entry,
        c,
        error: error.clone(),
    };
    Ok(render_status(status_of(&error), &page))
}

async fn change_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let transition = get(&f, "transition").to_string();
    let result = match typed_form::<DecisionInput>(&f) {
        Ok(input) => svc::decide(&state, &me.actor, &AuditActor::from(&me), &id, &input)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    let to = format!("/catalog/changes/{id}?done=change_{transition}");
    let (st, m, cid) = (&state, &me, id.clone());
    outcome(c, result, to, |c, error| async move {
        change_view(st, c, m, &cid, error).await
    })
    .await
}
