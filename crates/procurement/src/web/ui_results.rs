//! The district's view of what its purchases achieved (results by catalog item, to adjust the
//! catalog and the budgets) and its purchase settings: the open-tender threshold, the weight of
//! residents' satisfaction and the credit rating model.

use askama::Template;
use axum::extract::State;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::ui::{
    Fields, FormState, PageCtx, PageResult, form_errors, field, form_version, get, typed_form, render_status, see_other,
};
use gongzhi_platform::web::Form;
use gongzhi_platform::web::Query;
use gongzhi_platform::web::{Access, AppState, CurrentActor, Routes};
use serde::Deserialize;

use crate::domain::rating::CreditModel;
use crate::service::{self as svc, SettingsInput};
use crate::web::ui::{may, money, parse_money};
use crate::web::ui_project::points;
use crate::{PURCHASE_CONFIGURE, PURCHASE_READ};

pub fn routes() -> Routes {
    Routes::new()
        .get("/purchase/results", Access::Permission(PURCHASE_READ), results_page)
        .probe_query("node={foreign_street}&year={this_year}")
        .get("/purchase/settings", Access::Permission(PURCHASE_READ), settings_page)
        .probe_query("district={district}")
        .post("/purchase/settings", Access::Permission(PURCHASE_CONFIGURE), settings_post)
        .probe_form("district={district}&threshold=2000000&satisfaction_pct=40&version=0&base=70&per_grade_level=4&excellent=5&good=2&fair=-5&poor=-20&breach=-10&termination=-25&abnormal=-15&window_years=3")
}

struct ResultRow {
    item: String,
    projects: u64,
    budget: String,
    contracts: u64,
    value: String,
    terminated: u64,
    evaluated: u64,
    mean: String,
    grades: String,
}

#[derive(Template)]
#[template(path = "purchase_results.html")]
struct ResultsPage {
    c: PageCtx,
    node: String,
    node_name: String,
    year: i32,
    rows: Vec<ResultRow>,
}

#[derive(Deserialize)]
struct ResultsQuery {
    node: Option<String>,
    year: Option<i32>,
}

async fn results_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Query(q): Query<ResultsQuery>,
) -> PageResult {
    let code = match q.node.filter(|n| !n.is_empty()).or(c.scope_code.clone()) {
        Some(n) => n,
        None => gongzhi_platform::ui::first_node(&state, &me.actor, PURCHASE_READ)?,
    };
    let n = svc::node(&state.db.read, &code).await?;
    // Projects count in the year their service starts; without a year, the newest project's.
    let year = match q.year {
        Some(y) => y,
        None => crate::service::projects::list(
            &state,
            &me.actor,
            &crate::service::projects::ProjectQuery {
                node: Some(n.code.clone()),
                state: None,
                year: None,
                limit: Some(1),
                cursor: None,
            },
        )
        .await?
        .items
        .first()
        .map(|p| p.year)
        .unwrap_or_else(|| chrono::Datelike::year(&svc::today())),
    };
    let items = crate::service::results::by_item(&state, &me.actor, &n.code, year).await?;
    let rows = items
        .into_iter()
        .map(|r| ResultRow {
            item: format!("{} {}", r.item_code, r.item_name),
            projects: r.projects,
            budget: money(r.budget_fen),
            contracts: r.contracts,
            value: money(r.contract_fen),
            terminated: r.terminated,
            evaluated: r.evaluated,
            mean: r
                .mean_score
                .map(|m| points(m.max(0) as u32))
                .unwrap_or_default(),
            grades: [
                ("excellent", r.excellent),
                ("good", r.good),
                ("fair", r.fair),
                ("poor", r.poor),
            ]
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(g, n)| format!("{} {n}", c.t(&format!("procurement.grade.{g}"))))
            .collect::<Vec<_>>()
            .join(" · "),
        })
        .collect();
    let page = ResultsPage {
        node: n.code,
        node_name: n.name,
        year,
        rows,
        c,
    };
    Ok(render_status(axum::http::StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "purchase_settings.html")]
struct SettingsPage {
    c: PageCtx,
    district: String,
    district_name: String,
    can_configure: bool,
    model_keys: Vec<(String, String)>,
    f: FormState,
}

#[derive(Deserialize)]
struct DistrictQuery {
    district: Option<String>,
}

/// The model's weights, in the order the form shows them.
const MODEL_KEYS: [&str; 10] = [
    "base",
    "per_grade_level",
    "excellent",
    "good",
    "fair",
    "poor",
    "breach",
    "termination",
    "abnormal",
    "window_years",
];

async fn settings_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Query(q): Query<DistrictQuery>,
) -> PageResult {
    settings_view(&state, c, &me, q.district, None).await
}

async fn settings_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    district: Option<String>,
    form: Option<FormState>,
) -> PageResult {
    let code = match district.filter(|d| !d.is_empty()).or(c.scope_code.clone()) {
        Some(d) => d,
        None => gongzhi_platform::ui::first_node(state, &me.actor, PURCHASE_READ)?,
    };
    let n = svc::node(&state.db.read, &code).await?;
    let d = gongzhi_platform::territory::district_node(
        &state.db.read,
        &n.district_code,
    )
    .await?;
    // A street reads the settings that bind it; the district changes them.
    svc::readable(state, &me.actor, &n.path)?;
    let status = if form.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let f = match form {
        Some(f) => f,
        None => {
            let s = svc::settings(&state.db.read, &d.district_code).await?;
            let mut v = Fields::new();
            v.insert(
                "threshold".into(),
                format!("{:.2}", s.open_tender_threshold_fen.fen() as f64 / 100.0),
            );
            v.insert("satisfaction_pct".into(), s.satisfaction_pct.to_string());
            v.insert("version".into(), s.version.to_string());
            let m = serde_json::to_value(&s.credit_model).unwrap_or_default();
            for k in MODEL_KEYS {
                v.insert(k.into(), m[k].to_string());
            }
            FormState::from_values(v)
        }
    };
    let page = SettingsPage {
        can_configure: may(state, me, PURCHASE_CONFIGURE, &d.path),
        district: d.code,
        district_name: d.name,
        model_keys: MODEL_KEYS
            .iter()
            .map(|k| (k.to_string(), c.t(&format!("procurement.model.{k}"))))
            .collect(),
        f,
        c,
    };
    Ok(render_status(status, &page))
}

async fn settings_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Form(f): Form<Fields>,
) -> PageResult {
    let district = get(&f, "district").to_string();
    let result = match (
        typed_form::<CreditModel>(&f),
        field::<i32>(&f, "satisfaction_pct"),
        parse_money(&f, "threshold"),
    ) {
        (Ok(model), Ok(satisfaction_pct), Ok(threshold)) => {
            let input = SettingsInput {
                open_tender_threshold_fen: threshold,
                satisfaction_pct,
                credit_model: Some(model),
                version: form_version(&f),
            };
            svc::put_settings(&state, &me.actor, &AuditActor::from(&me), &district, &input)
                .await
                .map(|_| ())
        }
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/purchase/settings?district={district}&done=settings_saved"
        ))),
        Err(e) => {
            let form = form_errors(e, f, &c)?;
            settings_view(&state, c, &me, Some(district), Some(form)).await
        }
    }
}
