//! Pages of the purchase desk: the work queue of whoever signs in (a community's needs, a
//! street's or the district's approvals, notices, evaluations, awards, contracts and payments
//! with totals, an organization's notices and bids, a reviewer's seats, an evaluator's
//! assignments), the projects of a node, budget lines, raising a need, and drawing up a
//! project from needs.

use askama::Template;
use axum::extract::State;
use gongzhi_kernel::Money;
use gongzhi_kernel::authz::{Permission, ResourceScope};
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::ui::{
    Fields, FormState, PageCtx, PageResult, form_errors, field, form_version, get, typed_form, outcome, render_status,
    see_other,
};
use gongzhi_platform::web::Form;
use gongzhi_platform::web::{Access, AppError, AppState, CurrentActor, Routes};
use gongzhi_platform::web::{Path, Query};
use serde::Deserialize;

use crate::service::budget::{self, AmountInput, LineInput, LineQuery};
use crate::domain::{FUND_SOURCES, Method, PreAssessment, Rubric, Target};
use crate::service::needs::{self, DeclineInput, NeedInput, NeedQuery};
use crate::service::projects::{self, ProjectInput, ProjectQuery};
use crate::service::queue;
use crate::service as svc;
use crate::{PURCHASE_MANAGE, PURCHASE_NEED, PURCHASE_READ};
use crate::domain::NeedState;

pub fn routes() -> Routes {
    Routes::new()
        .get("/purchase", Access::SignedIn, desk)
        .get("/purchase/budget", Access::Permission(PURCHASE_READ), budget_page)
        .probe_query("node={foreign_street}")
        .post("/purchase/budget", Access::Permission(PURCHASE_MANAGE), budget_post)
        .probe_form("op=create&node={foreign_street}&year={this_year}&source=lottery_fund&title=%E6%8E%A2%E9%92%88%E9%A2%84%E7%AE%97&amount=1000")
        .post("/purchase/needs", Access::Permission(PURCHASE_NEED), need_post)
        .probe_form("node={foreign_community}&title=%E6%8E%A2%E9%92%88%E9%9C%80%E6%B1%82&description=%E6%8E%A2%E9%92%88%E9%9C%80%E6%B1%82%E7%9A%84%E8%AF%B4%E6%98%8E%E6%96%87%E5%AD%97%EF%BC%9A%E5%B1%85%E6%B0%91%E5%B8%8C%E6%9C%9B%E5%A2%9E%E5%8A%A0%E6%B4%BB%E5%8A%A8&evidence=%E6%8E%A2%E9%92%88%EF%BC%9A%E5%B1%85%E6%B0%91%E8%B5%B0%E8%AE%BF%E8%AE%B0%E5%BD%95%E5%8D%81%E4%BB%BD&residents=10")
        .post("/purchase/needs/{purchase_need_id}", Access::Permission(PURCHASE_MANAGE), need_decline)
        .probe_form("version=1&reason=%E6%8E%A2%E9%92%88%EF%BC%9A%E5%B7%B2%E7%94%B1%E7%A4%BE%E5%8C%BA%E8%87%AA%E5%8A%9E")
        .get("/purchase/projects/new", Access::Permission(PURCHASE_MANAGE), project_new)
        .probe_query("node={foreign_street}&need={purchase_need_id}")
        .post("/purchase/projects", Access::Permission(PURCHASE_MANAGE), project_create)
        .probe_form("node={foreign_street}&title=%E6%8E%A2%E9%92%88%E8%B4%AD%E4%B9%B0%E9%A1%B9%E7%9B%AE&item_code=A05-01&scope=%E6%8E%A2%E9%92%88%EF%BC%9A%E7%A4%BE%E5%8C%BA%E6%96%87%E4%BD%93%E6%B4%BB%E5%8A%A8%E5%8D%81%E4%BA%8C%E5%9C%BA&quantity=12&unit=%E5%9C%BA&period_start={period_start}&period_end={period_end}&budget=30000&budget_line_id={budget_line_id}&necessity=%E5%B1%85%E6%B0%91%E9%9C%80%E6%B1%82%E5%BC%BA%E7%83%88&feasibility=%E5%A4%9A%E5%AE%B6%E6%9C%BA%E6%9E%84%E5%8F%AF%E6%89%BF%E6%8E%A5&cost_basis=%E6%8C%89%E6%8C%87%E5%AF%BC%E4%BB%B7%E6%B5%8B%E7%AE%97&risks=%E5%A4%A9%E6%B0%94%E5%BD%B1%E5%93%8D&method=open_tender")
        .get("/purchase/projects/{purchase_project_id}/edit", Access::Permission(PURCHASE_MANAGE), project_edit)
}

// ---------- shared by the purchase pages ----------

pub fn money(fen: i64) -> String {
    Money::from_fen(fen).to_string()
}

/// An amount typed in yuan (`12,000.50`, `¥300`).
pub fn parse_money(f: &Fields, k: &str) -> Result<i64, AppError> {
    Money::parse(get(f, k))
        .map(|m| m.fen())
        .map_err(|_| AppError::field(k, "procurement.amount_invalid"))
}

pub fn parse_date(f: &Fields, k: &str) -> Result<chrono::NaiveDate, AppError> {
    get(f, k)
        .parse()
        .map_err(|_| AppError::field(k, "procurement.date_invalid"))
}

pub fn parse_id(f: &Fields, k: &str) -> Result<uuid::Uuid, AppError> {
    get(f, k)
        .parse()
        .map_err(|_| AppError::field(k, "procurement.choose"))
}

/// Whether the viewer holds `p` over `path` (to show a form only to who may use it).
pub fn may(state: &AppState, me: &CurrentActor, p: Permission, path: &str) -> bool {
    state
        .policy
        .authorize(&me.actor, p, &ResourceScope::territory(path))
        .is_ok()
}

pub fn state_label(c: &PageCtx, s: &str) -> String {
    c.t(&format!("procurement.state.{s}"))
}

pub fn method_label(c: &PageCtx, m: &str) -> String {
    c.t(&format!("procurement.method.{m}"))
}

pub fn date(d: Option<chrono::NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// A moment in China's time, to the minute.
pub fn china_time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| {
        (t + chrono::Duration::hours(8))
            .format("%Y-%m-%d %H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

/// A row of the queue and of project lists.
pub struct Row {
    pub href: String,
    pub number: String,
    pub title: String,
    pub state: String,
    pub due: String,
    pub amount: String,
}

pub struct SectionView {
    pub key: String,
    pub title: String,
    pub count: u64,
    pub rows: Vec<Row>,
}

// ---------- the desk ----------

/// Projects by state and the money of the whole scope.
struct TotalsView {
    states: Vec<(String, u64)>,
    budget: String,
    committed: String,
    spent: String,
}

#[derive(Template)]
#[template(path = "purchase_desk.html")]
struct DeskPage {
    c: PageCtx,
    node: Option<(String, String, String)>,
    sections: Vec<SectionView>,
    totals: Option<TotalsView>,
    projects: Vec<Row>,
    next: Option<String>,
    states: Vec<(String, String)>,
    state: String,
    can_manage: bool,
    can_need: bool,
    can_read: bool,
    items: Vec<(String, String)>,
    need: FormState,
}

#[derive(Deserialize)]
struct DeskQuery {
    node: Option<String>,
    state: Option<String>,
    cursor: Option<String>,
}

async fn desk(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Query(q): Query<DeskQuery>,
) -> PageResult {
    desk_view(&state, c, &me, q, FormState::default()).await
}

/// Purchasable items of the catalog in force where `node` is.
pub async fn purchasable(
    state: &AppState,
    node: &gongzhi_platform::entity::territory::Model,
) -> Result<Vec<(String, String)>, AppError> {
    let snap =
        gongzhi_catalog::face::current(&state.db.read, &node.district_code, svc::today()).await?;
    Ok(snap
        .items
        .values()
        .filter(|i| i.purchasable)
        .map(|i| (i.code.clone(), format!("{} {}", i.code, i.name)))
        .collect())
}

async fn desk_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    q: DeskQuery,
    need: FormState,
) -> PageResult {
    let code = q
        .node
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| c.scope_code.clone())
        .or_else(|| gongzhi_platform::ui::first_node(state, &me.actor, PURCHASE_READ).ok());
    // Organizations, reviewers and evaluators see their own queue without a node.
    let n = match &code {
        Some(code) => {
            let n = svc::node(&state.db.read, code).await?;
            may(state, me, PURCHASE_READ, &n.path).then_some(n)
        }
        None => None,
    };
    let qq = queue::queue(state, &me.actor, n.as_ref().map(|n| n.code.as_str())).await?;
    let sections = qq
        .sections
        .into_iter()
        .map(|s| SectionView {
            key: s.key.to_string(),
            title: c.t(&format!("procurement.queue.{}", s.key)),
            count: s.count,
            rows: s
                .items
                .into_iter()
                .map(|i| Row {
                    href: i.link,
                    number: i.number,
                    title: i.title,
                    state: state_label(&c, &i.state),
                    due: date(i.due),
                    amount: i.amount_fen.map(money).unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    let totals = qq.totals.map(|t| TotalsView {
        states: t
            .projects
            .into_iter()
            .map(|(s, n)| (state_label(&c, &s), n))
            .collect(),
        budget: money(t.budget_fen),
        committed: money(t.committed_fen),
        spent: money(t.spent_fen),
    });
    let (mut projects, mut next, mut items) = (Vec::new(), None, Vec::new());
    let st = q.state.clone().unwrap_or_default();
    if let Some(n) = &n {
        let page = projects::list(
            state,
            &me.actor,
            &ProjectQuery {
                node: Some(n.code.clone()),
                state: Some(st.clone()).filter(|s| !s.is_empty()),
                year: None,
                limit: Some(50),
                cursor: q.cursor.clone(),
            },
        )
        .await?;
        next = page.next_cursor.clone();
        projects = page
            .items
            .into_iter()
            .map(|p| Row {
                href: format!("/purchase/projects/{}", p.id),
                number: p.number,
                title: p.title,
                state: state_label(&c, &p.state),
                due: p.period_start.to_string(),
                amount: money(p.budget_fen),
            })
            .collect();
        if may(state, me, PURCHASE_NEED, &n.path) {
            items = purchasable(state, n).await?;
        }
    }
    let states = crate::domain::PROJECT
        .states
        .iter()
        .map(|s| (s.to_string(), state_label(&c, s)))
        .collect();
    let page = DeskPage {
        can_manage: n
            .as_ref()
            .is_some_and(|n| may(state, me, PURCHASE_MANAGE, &n.path) && n.level != "community"),
        can_need: n
            .as_ref()
            .is_some_and(|n| may(state, me, PURCHASE_NEED, &n.path)),
        can_read: n.is_some(),
        node: n.map(|n| (n.code, n.name, n.level)),
        sections,
        totals,
        projects,
        next,
        states,
        state: st,
        items,
        need,
        c,
    };
    let status = if page.need.errors.is_empty() && page.need.general.is_none() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(status, &page))
}

async fn need_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Form(f): Form<Fields>,
) -> PageResult {
    let raised = match typed_form::<NeedInput>(&f) {
        Ok(input) => needs::raise(&state, &me.actor, &AuditActor::from(&me), &input).await,
        Err(e) => Err(e),
    };
    match raised {
        Ok(n) => Ok(see_other(&format!(
            "/purchase?node={}&done=need_raised",
            n.node_code
        ))),
        Err(e) => {
            let node = get(&f, "node").to_string();
            let form = form_errors(e, f, &c)?;
            let q = DeskQuery {
                node: Some(node),
                state: None,
                cursor: None,
            };
            desk_view(&state, c, &me, q, form).await
        }
    }
}

async fn need_decline(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let result = match typed_form::<DeclineInput>(&f) {
        Ok(input) => needs::decline(&state, &me.actor, &AuditActor::from(&me), &id, &input).await,
        Err(e) => Err(e),
    };
    let node = match &result {
        Ok(n) => n.node_code.clone(),
        Err(_) => String::new(),
    };
    let (st, m, nid) = (&state, &me, id.clone());
    outcome(
        c,
        result.map(|_| ()),
        format!("/purchase?node={node}&done=need_declined"),
        |c, error| async move {
            let n = needs::get(st, &m.actor, &nid).await?;
            let q = ProjectNew {
                node: None,
                need: Some(n.id.to_string()),
            };
            project_form_view(st, c, m, q, None, FormState::default(), error).await
        },
    )
    .await
}

// ---------- budget lines ----------

/// The budget lines of a node and below (a page shows at most 200, every year).
async fn lines_of(
    state: &AppState,
    me: &CurrentActor,
    node: &str,
) -> Result<Vec<crate::store::entity::budget_line::Model>, AppError> {
    Ok(budget::list(
        state,
        &me.actor,
        &LineQuery {
            node: Some(node.to_string()),
            year: None,
            limit: Some(200),
            cursor: None,
        },
    )
    .await?
    .items)
}

#[derive(Template)]
#[template(path = "purchase_budget.html")]
struct BudgetPage {
    c: PageCtx,
    node: String,
    node_name: String,
    year: i32,
    lines: Vec<LineRow>,
    can_manage: bool,
    sources: Vec<(String, String)>,
    form: FormState,
    error: Option<String>,
}

struct LineRow {
    id: uuid::Uuid,
    node: String,
    source: String,
    title: String,
    amount: String,
    committed: String,
    spent: String,
    available: String,
    amount_value: String,
    version: i32,
}

#[derive(Deserialize)]
struct BudgetQuery {
    node: Option<String>,
    year: Option<i32>,
}

async fn budget_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Query(q): Query<BudgetQuery>,
) -> PageResult {
    budget_view(&state, c, &me, q, FormState::default(), None).await
}

async fn budget_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    q: BudgetQuery,
    form: FormState,
    error: Option<String>,
) -> PageResult {
    let code = match q.node.filter(|n| !n.is_empty()).or(c.scope_code.clone()) {
        Some(n) => n,
        None => gongzhi_platform::ui::first_node(state, &me.actor, PURCHASE_READ)?,
    };
    let n = svc::node(&state.db.read, &code).await?;
    svc::readable(state, &me.actor, &n.path)?;
    // Without a year: the latest one the node has lines for (next year's are drawn up now).
    let all = lines_of(state, me, &n.code).await?;
    // Without a year: the latest one the node has lines for (next year's are drawn up now).
    let year = q.year.unwrap_or_else(|| {
        all.iter()
            .map(|l| l.year)
            .max()
            .unwrap_or_else(|| chrono::Datelike::year(&svc::today()))
    });
    let lines = all
        .into_iter()
        .filter(|l| l.year == year)
        .map(|l| {
            let v = crate::web::api::line_view(l);
            LineRow {
                id: v.id,
                node: v.node_code,
                source: c.t(&format!("procurement.source.{}", v.source)),
                title: v.title,
                amount: money(v.amount_fen),
                committed: money(v.committed_fen),
                spent: money(v.spent_fen),
                available: money(v.available_fen),
                amount_value: format!("{:.2}", v.amount_fen as f64 / 100.0),
                version: v.version,
            }
        })
        .collect();
    let page = BudgetPage {
        can_manage: may(state, me, PURCHASE_MANAGE, &n.path) && n.level != "community",
        node: n.code,
        node_name: n.name,
        year,
        lines,
        sources: FUND_SOURCES
            .iter()
            .map(|s| (s.to_string(), c.t(&format!("procurement.source.{s}"))))
            .collect(),
        form,
        error,
        c,
    };
    let status = if page.error.is_some() || !page.form.errors.is_empty() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok(render_status(status, &page))
}

async fn budget_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Form(f): Form<Fields>,
) -> PageResult {
    let who = AuditActor::from(&me);
    let node = get(&f, "node").to_string();
    let year = get(&f, "year").parse().ok();
    let result = match get(&f, "op") {
        "amount" => match parse_money(&f, "amount") {
            Ok(amount_fen) => budget::set_amount(
                &state,
                &me.actor,
                &who,
                get(&f, "line"),
                &AmountInput {
                    amount_fen,
                    version: form_version(&f),
                },
            )
            .await
            .map(|_| ()),
            Err(e) => Err(e),
        },
        _ => match (field::<i32>(&f, "year"), parse_money(&f, "amount")) {
            (Ok(year), Ok(amount_fen)) => budget::create(
                &state,
                &me.actor,
                &who,
                &LineInput {
                    node: node.clone(),
                    year,
                    source: get(&f, "source").into(),
                    title: get(&f, "title").into(),
                    amount_fen,
                },
            )
            .await
            .map(|_| ()),
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
    };
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/purchase/budget?node={node}&year={}&done=budget_saved",
            year.unwrap_or(0)
        ))),
        Err(e @ (AppError::Forbidden | AppError::NotFound)) => Err(e.into()),
        Err(e) => {
            let creating = get(&f, "op") != "amount";
            let form = form_errors(e, f.clone(), &c)?;
            let (form, error) = if creating {
                (form, None)
            } else {
                let mut m: Vec<String> = form.general.into_iter().collect();
                m.extend(form.errors.into_values());
                (FormState::default(), Some(m.join("；")))
            };
            let q = BudgetQuery {
                node: Some(node),
                year,
            };
            budget_view(&state, c, &me, q, form, error).await
        }
    }
}

// ---------- drawing up a project ----------

#[derive(Template)]
#[template(path = "purchase_project_form.html")]
struct ProjectFormPage {
    c: PageCtx,
    /// Editing this draft (its id and version), or drawing up a new one.
    editing: Option<(uuid::Uuid, i32)>,
    node: String,
    node_name: String,
    items: Vec<(String, String)>,
    lines: Vec<(String, String)>,
    methods: Vec<(String, String)>,
    needs: Vec<NeedRow>,
    /// The need this page was opened from, which the street may decline instead.
    declinable: Option<NeedRow>,
    f: FormState,
    error: Option<String>,
}

struct NeedRow {
    id: uuid::Uuid,
    title: String,
    node: String,
    item: String,
    residents: i32,
    description: String,
    evidence: String,
    version: i32,
}

#[derive(Deserialize)]
struct ProjectNew {
    node: Option<String>,
    need: Option<String>,
}

async fn project_new(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Query(q): Query<ProjectNew>,
) -> PageResult {
    project_form_view(&state, c, &me, q, None, FormState::default(), None).await
}

async fn project_edit(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
) -> PageResult {
    let p = projects::get(&state, &me.actor, &id).await?;
    let q = ProjectNew {
        node: Some(p.node_code.clone()),
        need: None,
    };
    let values = project_fields(&p);
    project_form_view(
        &state,
        c,
        &me,
        q,
        Some((p.id, p.version)),
        FormState::from_values(values),
        None,
    )
    .await
}

/// A stored project as the form's fields.
fn project_fields(p: &crate::store::entity::project::Model) -> Fields {
    let v = crate::web::api::project_view(p.clone());
    let mut f = Fields::new();
    let mut put = |k: &str, v: String| {
        f.insert(k.to_string(), v);
    };
    put("title", v.title);
    put("item_code", v.item_code);
    put("scope", v.scope);
    put("quantity", v.quantity.to_string());
    put("unit", v.unit);
    put("period_start", v.period_start.to_string());
    put("period_end", v.period_end.to_string());
    put("budget", format!("{:.2}", v.budget_fen as f64 / 100.0));
    put("budget_line_id", v.budget_line_id.to_string());
    put(
        "targets",
        v.targets
            .iter()
            .map(|t| format!("{}：{}", t.name, t.target))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    put("necessity", v.pre_assessment.necessity);
    put("feasibility", v.pre_assessment.feasibility);
    put("cost_basis", v.pre_assessment.cost_basis);
    put("risks", v.pre_assessment.risks);
    if v.pre_assessment.budget_secured {
        put("budget_secured", "on".into());
    }
    if v.pre_assessment.fixed_continuous_stable {
        put("fixed_continuous_stable", "on".into());
    }
    put("method", v.method);
    put("justification", v.justification);
    put("approval_ref", v.approval_ref);
    put(
        "invited",
        v.invited
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    if let Some(r) = v.rubric {
        put("price", r.price.to_string());
        put("technical", r.technical.to_string());
        put("quality", r.quality.to_string());
        put("past_performance", r.past_performance.to_string());
    }
    f
}

#[allow(clippy::too_many_arguments)]
async fn project_form_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    q: ProjectNew,
    editing: Option<(uuid::Uuid, i32)>,
    mut f: FormState,
    error: Option<String>,
) -> PageResult {
    let from_need = match q.need.as_deref().filter(|n| !n.is_empty()) {
        Some(id) => Some(needs::get(state, &me.actor, id).await?),
        None => None,
    };
    // A need raised in a community is bought by its street.
    let code = match (&q.node, &from_need) {
        (Some(n), _) if !n.is_empty() => n.clone(),
        (_, Some(need)) => {
            let n = svc::node(&state.db.read, &need.node_code).await?;
            if n.level == "community" {
                n.parent_code.clone().unwrap_or(n.code)
            } else {
                n.code
            }
        }
        _ => c.scope_code.clone().map(Ok).unwrap_or_else(|| {
            gongzhi_platform::ui::first_node(state, &me.actor, PURCHASE_MANAGE)
        })?,
    };
    let n = svc::node(&state.db.read, &code).await?;
    state.authorize(
        &me.actor,
        PURCHASE_MANAGE,
        &ResourceScope::territory(&n.path),
    )?;
    let year = chrono::Datelike::year(&svc::today());
    let lines = lines_of(state, me, &n.code)
        .await?
        .into_iter()
        .filter(|l| l.node_code == n.code && l.year >= year - 1)
        .map(|l| {
            let v = crate::web::api::line_view(l);
            (
                v.id.to_string(),
                format!(
                    "{} {} · {} {}",
                    v.year,
                    v.title,
                    c.t("procurement.available"),
                    money(v.available_fen)
                ),
            )
        })
        .collect();
    let raised = needs::list(
        state,
        &me.actor,
        &NeedQuery {
            node: Some(n.code.clone()),
            state: Some(NeedState::RAISED.into()),
            limit: Some(100),
            cursor: None,
        },
    )
    .await?
    .items;
    let row = |x: &crate::store::entity::need::Model| NeedRow {
        id: x.id,
        title: x.title.clone(),
        node: x.node_code.clone(),
        item: x.item_code.clone(),
        residents: x.residents,
        description: x.description.clone(),
        evidence: x.evidence.clone(),
        version: x.version,
    };
    if let Some(need) = &from_need
        && f.values.is_empty()
    {
        f.values.insert(format!("need_{}", need.id), "on".into());
        f.values.insert("title".into(), need.title.clone());
        f.values.insert("item_code".into(), need.item_code.clone());
        f.values.insert("necessity".into(), need.evidence.clone());
    }
    let page = ProjectFormPage {
        editing,
        items: purchasable(state, &n).await?,
        node: n.code,
        node_name: n.name,
        lines,
        methods: Method::ALL
            .iter()
            .map(|m| (m.as_str().to_string(), method_label(&c, m.as_str())))
            .collect(),
        needs: raised.iter().map(row).collect(),
        declinable: from_need.filter(|x| x.state == NeedState::RAISED).as_ref().map(row),
        f,
        error,
        c,
    };
    let status = if page.error.is_some() || !page.f.errors.is_empty() || page.f.general.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok(render_status(status, &page))
}

/// The project form's fields as the service's input; a value that does not parse is a message
/// beside its field.
pub async fn project_input(state: &AppState, f: &Fields) -> Result<ProjectInput, AppError> {
    let targets: Vec<Target> = get(f, "targets")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, target) = l
                .split_once(['：', ':'])
                .ok_or(AppError::field("targets", "procurement.target_line"))?;
            Ok(Target {
                name: name.trim().into(),
                target: target.trim().into(),
            })
        })
        .collect::<Result<_, AppError>>()?;
    let weights = ["price", "technical", "quality", "past_performance"];
    let rubric = if weights.iter().all(|k| get(f, k).is_empty()) {
        None
    } else {
        let w = |k: &str| {
            get(f, k)
                .parse::<u32>()
                .map_err(|_| AppError::field(k, "procurement.weight_invalid"))
        };
        Some(Rubric {
            price: w("price")?,
            technical: w("technical")?,
            quality: w("quality")?,
            past_performance: w("past_performance")?,
        })
    };
    let invited = invited_orgs(state, get(f, "invited")).await?;
    Ok(ProjectInput {
        node: get(f, "node").into(),
        title: get(f, "title").into(),
        item_code: get(f, "item_code").into(),
        needs: f
            .keys()
            .filter_map(|k| k.strip_prefix("need_"))
            .filter_map(|id| id.parse().ok())
            .collect(),
        scope: get(f, "scope").into(),
        quantity: field(f, "quantity")?,
        unit: get(f, "unit").into(),
        period_start: parse_date(f, "period_start")?,
        period_end: parse_date(f, "period_end")?,
        budget_fen: parse_money(f, "budget")?,
        budget_line_id: parse_id(f, "budget_line_id")?,
        targets: (!targets.is_empty()).then_some(targets),
        pre_assessment: PreAssessment {
            necessity: get(f, "necessity").into(),
            feasibility: get(f, "feasibility").into(),
            cost_basis: get(f, "cost_basis").into(),
            risks: get(f, "risks").into(),
            budget_secured: !get(f, "budget_secured").is_empty(),
            fixed_continuous_stable: !get(f, "fixed_continuous_stable").is_empty(),
        },
        method: get(f, "method").into(),
        justification: get(f, "justification").into(),
        approval_ref: get(f, "approval_ref").into(),
        invited,
        rubric,
    })
}

/// Invited organizations, one per line: a unified social credit code or an id.
async fn invited_orgs(state: &AppState, text: &str) -> Result<Vec<uuid::Uuid>, AppError> {
    let mut out = Vec::new();
    for token in text
        .split(['\n', ',', '，', '、', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        if let Ok(id) = token.parse::<uuid::Uuid>() {
            out.push(id);
            continue;
        }
        let upper = token.to_uppercase();
        let found = gongzhi_orgs::face::find(
            &state.db.read,
            gongzhi_orgs::face::Find {
                uscc: Some(&upper),
                limit: Some(1),
                ..Default::default()
            },
        )
        .await?;
        let o = found
            .into_iter()
            .next()
            .ok_or(AppError::field("invited", "procurement.invited_unknown"))?;
        out.push(o.id);
    }
    Ok(out)
}

async fn project_create(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Form(f): Form<Fields>,
) -> PageResult {
    let result = match project_input(&state, &f).await {
        Ok(input) => projects::create(&state, &me.actor, &AuditActor::from(&me), &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(see_other(&format!(
            "/purchase/projects/{}?done=project_created",
            p.id
        ))),
        Err(e) => {
            let q = ProjectNew {
                node: Some(get(&f, "node").to_string()).filter(|n| !n.is_empty()),
                need: None,
            };
            let form = form_errors(e, f, &c)?;
            project_form_view(&state, c, &me, q, None, form, None).await
        }
    }
}

/// Saving an edited draft (from the project page's POST).
pub async fn project_update(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    id: &str,
    f: Fields,
) -> PageResult {
    let version = form_version(&f);
    let result = match project_input(state, &f).await {
        Ok(input) => {
            projects::update(state, &me.actor, &AuditActor::from(me), id, &input, version).await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(see_other(&format!(
            "/purchase/projects/{}?done=project_saved",
            p.id
        ))),
        Err(e) => {
            let p = projects::get(state, &me.actor, id).await?;
            let q = ProjectNew {
                node: Some(p.node_code.clone()),
                need: None,
            };
            let form = form_errors(e, f, &c)?;
            project_form_view(state, c, me, q, Some((p.id, version)), form, None).await
        }
    }
}
