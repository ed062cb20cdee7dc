//! Purchase projects (立项): drawn up by the street from needs, with a catalog item of the
//! version in force, scope, quantity, period, budget line, targets from the item's indicators, a
//! pre-project assessment, the method and rubric. Approval passes the scope check (in the
//! catalog, not excluded, budgeted) and commits the budget; cancelling or failing gives it back.

use gongzhi_platform::sea_orm::QueryTrait as _;
use gongzhi_platform::versioned::{self, Stamp};
use chrono::NaiveDate;
use gongzhi_catalog::face::{self as catalog, ItemDef, Snapshot};
use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_kernel::{FieldError, Money, ValidationErrors};
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::authz::scope_condition;
use gongzhi_platform::entity::territory;
use gongzhi_platform::sea_orm::sea_query::Expr;
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState, Page, PageParams};
use serde_json::json;

use crate::domain::{
    self, COMMITTED_STATES, LongTermGrounds, Method, MethodChoice, NEED, PROJECT, PreAssessment,
    Rubric, Target,
};
use crate::store::entity::{budget_line, need, project};
use crate::service::{self as svc, Move, fail_if, required_text};
use crate::{PURCHASE_MANAGE, PURCHASE_READ, service::budget};
use crate::domain::ProjectState;

/// The rubric a project gets unless it sets its own.
pub const DEFAULT_RUBRIC: Rubric = Rubric {
    price: 20,
    technical: 45,
    quality: 25,
    past_performance: 10,
};

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct ProjectInput {
    /// The purchaser: a street (or the district). Ignored when a draft is edited.
    pub node: String,
    pub title: String,
    /// A catalog item of the version in force.
    pub item_code: String,
    /// Needs the project answers (raised at the purchaser's node or below); linked on creation.
    #[serde(default)]
    pub needs: Vec<uuid::Uuid>,
    /// Scope of service (服务内容和范围).
    pub scope: String,
    pub quantity: i32,
    pub unit: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub budget_fen: i64,
    pub budget_line_id: uuid::Uuid,
    /// Performance targets; the item's indicators when absent.
    #[serde(default)]
    pub targets: Option<Vec<Target>>,
    pub pre_assessment: PreAssessment,
    /// open_tender / invited_tender / competitive_negotiation / competitive_consultation /
    /// request_for_quotation / single_source
    pub method: String,
    /// Why not open tender.
    #[serde(default)]
    pub justification: String,
    /// The finance department's approval of another method, at or above the threshold.
    #[serde(default)]
    pub approval_ref: String,
    /// Invited organizations (invited tender: at least three; single source: exactly one).
    #[serde(default)]
    pub invited: Vec<uuid::Uuid>,
    #[serde(default)]
    pub rubric: Option<Rubric>,
}

/// A checked project, ready to be written.
struct Valid {
    title: String,
    item: ItemDef,
    catalog_version: i32,
    scope: String,
    unit: String,
    targets: Vec<Target>,
    rubric: Rubric,
    method: Method,
    line: budget_line::Model,
    needs: Vec<need::Model>,
}

async fn validate(
    state: &AppState,
    n: &territory::Model,
    input: &ProjectInput,
    project_id: Option<uuid::Uuid>,
) -> AppResult<Valid> {
    let conn = &state.db.read;
    let mut errors = ValidationErrors::new();
    let title = required_text(&mut errors, "title", &input.title, 4, 100);
    let scope = required_text(&mut errors, "scope", &input.scope, 10, 4000);
    let unit = required_text(&mut errors, "unit", &input.unit, 1, 20);
    if !(1..=1_000_000).contains(&input.quantity) {
        errors.push(FieldError::new("quantity", "procurement.quantity_range"));
    }
    let grounds = LongTermGrounds {
        budget_secured: input.pre_assessment.budget_secured,
        fixed_continuous_stable: input.pre_assessment.fixed_continuous_stable,
    };
    if let Err(e) = domain::check_term(input.period_start, input.period_end, grounds) {
        errors.push(FieldError {
            field: "period_end".into(),
            ..e
        });
    }
    if input.period_start < svc::today() {
        errors.push(FieldError::new("period_start", "procurement.period_past"));
    }
    let budget = Money::from_fen(input.budget_fen);
    svc::purchase_amount(state, &mut errors, "budget_fen", input.budget_fen);
    let line = budget_line::Entity::find_by_id(input.budget_line_id)
        .one(conn)
        .await?;
    match &line {
        Some(l) if l.node_code == n.code && l.year == domain::budget_year(input.period_start) => {}
        _ => errors.push(FieldError::new(
            "budget_line_id",
            "procurement.line_mismatch",
        )),
    }
    // The item must be in the version in force, to pin it and copy its indicators; whether it
    // may be bought is the scope check's answer, shown on the project and enforced at approval.
    let (item, catalog_version) = match in_force(conn, &n.district_code).await? {
        Some((number, snap)) => match snap.items.get(input.item_code.trim()) {
            Some(item) => (Some(item.clone()), number),
            None => {
                errors.push(FieldError::new("item_code", "catalog.scope_not_in_catalog"));
                (None, number)
            }
        },
        None => {
            errors.push(FieldError::new("item_code", "catalog.scope_no_version"));
            (None, 0)
        }
    };
    let targets = match (&input.targets, &item) {
        (Some(t), _) => t.clone(),
        (None, Some(item)) => item
            .indicators
            .iter()
            .map(|i| Target {
                name: i.name.clone(),
                target: i.target.clone(),
            })
            .collect(),
        (None, None) => Vec::new(),
    };
    let incomplete = targets.is_empty()
        || targets
            .iter()
            .any(|t| t.name.trim().is_empty() || t.target.trim().is_empty());
    // Without an item there is nothing to draw targets from: the item's error says enough.
    if incomplete && (item.is_some() || input.targets.is_some()) {
        errors.push(FieldError::new("targets", "procurement.targets_required"));
    }
    errors.0.extend(input.pre_assessment.check());
    let method = Method::parse(&input.method);
    match method {
        None => errors.push(FieldError::new("method", "procurement.unknown_method")),
        Some(m) => {
            let settings = svc::settings(conn, &n.district_code).await?;
            let choice = MethodChoice {
                justification: &input.justification,
                approval_ref: &input.approval_ref,
            };
            if let Err(e) =
                domain::check_method(m, budget, settings.open_tender_threshold_fen, &choice)
            {
                errors.push(e);
            }
            if let Err(e) = domain::check_invited(m, input.invited.len()) {
                errors.push(e);
            }
        }
    }
    if !input.invited.is_empty() {
        let found = gongzhi_orgs::face::find(
            conn,
            gongzhi_orgs::face::Find {
                ids: Some(&input.invited),
                ..Default::default()
            },
        )
        .await?
        .len();
        let mut unique = input.invited.clone();
        unique.sort();
        unique.dedup();
        if found as usize != input.invited.len() || unique.len() != input.invited.len() {
            errors.push(FieldError::new("invited", "procurement.invited_unknown"));
        }
    }
    let rubric = input.rubric.unwrap_or(DEFAULT_RUBRIC);
    if let Err(e) = rubric.check() {
        errors.push(e);
    }
    let needs = if input.needs.is_empty() {
        Vec::new()
    } else {
        need::Entity::find()
            .filter(need::Column::Id.is_in(input.needs.clone()))
            .all(conn)
            .await?
    };
    let usable = |x: &need::Model| {
        x.path.starts_with(&n.path)
            && (x.state == NEED.initial || (x.project_id.is_some() && x.project_id == project_id))
    };
    if needs.len() != input.needs.len() || !needs.iter().all(usable) {
        errors.push(FieldError::new("needs", "procurement.need_unavailable"));
    }
    fail_if(errors)?;
    Ok(Valid {
        title,
        item: item.expect("checked above"),
        catalog_version,
        scope,
        unit,
        targets,
        rubric,
        method: method.expect("checked above"),
        line: line.expect("checked above"),
        needs,
    })
}

/// The number and content of the catalog version in force today.
async fn in_force(
    conn: &impl ConnectionTrait,
    district: &str,
) -> AppResult<Option<(i32, Snapshot)>> {
    match catalog::in_force(conn, district, svc::today()).await? {
        Some(found) => Ok(Some(found)),
        None => Ok(None),
    }
}

/// A project's performance targets as stored.
pub fn targets_of(p: &project::Model) -> Vec<crate::domain::Target> {
    serde_json::from_str(&p.targets).unwrap_or_default()
}

fn json_of<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("plain data serializes")
}

pub async fn create(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    input: &ProjectInput,
) -> AppResult<project::Model> {
    let n = svc::purchaser(state, actor, &input.node, PURCHASE_MANAGE).await?;
    let v = validate(state, &n, input, None).await?;
    let now = audit::now();
    let txn = state.db.write.begin().await?;
    let year = domain::budget_year(input.period_start);
    let number = svc::next_number(&txn, &n.code, year).await?;
    let row = project::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        district: Set(n.district_code.clone()),
        node_code: Set(n.code.clone()),
        path: Set(n.path.clone()),
        number: Set(number),
        year: Set(year),
        title: Set(v.title),
        item_code: Set(v.item.code.clone()),
        item_name: Set(v.item.name.clone()),
        catalog_version: Set(v.catalog_version),
        scope: Set(v.scope),
        quantity: Set(input.quantity),
        unit: Set(v.unit),
        period_start: Set(input.period_start),
        period_end: Set(input.period_end),
        budget_fen: Set(input.budget_fen),
        budget_line_id: Set(v.line.id),
        targets: Set(json_of(&v.targets)),
        pre_assessment: Set(json_of(&input.pre_assessment)),
        method: Set(v.method.as_str().into()),
        justification: Set(input.justification.trim().into()),
        approval_ref: Set(input.approval_ref.trim().into()),
        invited: Set(json_of(&input.invited)),
        rubric: Set(json_of(&v.rubric)),
        state: Set(PROJECT.initial.into()),
        predecessor_id: Set(None),
        notice_at: Set(None),
        enquiry_until: Set(None),
        submit_until: Set(None),
        notice_text: Set(String::new()),
        bid_seq: Set(0),
        created_by: Set(Some(actor.user_id.0)),
        awarded_bid_id: Set(None),
        award_on: Set(None),
        challenge_until: Set(None),
        standstill_until: Set(None),
        sign_by: Set(None),
        panel_size: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    for x in &v.needs {
        svc::step(
            &txn,
            state,
            actor,
            who,
            &NEED,
            Move {
                table: "proc_needs",
                id: x.id,
                state: &x.state,
                version: x.version,
                path: &x.path,
                org: None,
            },
            "adopt",
            None,
        )
        .await?;
        need::Entity::update_many()
            .col_expr(need::Column::ProjectId, Expr::value(row.id))
            .filter(need::Column::Id.eq(x.id))
            .exec(&txn)
            .await?;
    }
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.project_created",
            entity_type: "purchase_project",
            entity_id: &row.id.to_string(),
            scope_path: &row.path,
            summary: json!({
                "number": row.number, "item": row.item_code, "budget_fen": row.budget_fen,
                "method": row.method, "needs": input.needs,
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Edit a draft (a new one, or one returned by the approver).
pub async fn update(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &ProjectInput,
    version: i32,
) -> AppResult<project::Model> {
    let p = get(state, actor, id).await?;
    state.authorize(actor, PURCHASE_MANAGE, &ResourceScope::territory(&p.path))?;
    if p.state != PROJECT.initial {
        return Err(AppError::Conflict("workflow.not_allowed"));
    }
    let n = svc::node(&state.db.read, &p.node_code).await?;
    let input = ProjectInput {
        needs: Vec::new(),
        ..input.clone()
    };
    let v = validate(state, &n, &input, Some(p.id)).await?;
    let txn = state.db.write.begin().await?;
    versioned::bump(
        &txn,
        project::Entity::update_many()
            .col_expr(project::Column::Title, Expr::value(v.title))
            .col_expr(project::Column::ItemCode, Expr::value(v.item.code.clone()))
            .col_expr(project::Column::ItemName, Expr::value(v.item.name.clone()))
            .col_expr(
            project::Column::CatalogVersion,
            Expr::value(v.catalog_version),
        )
            .col_expr(project::Column::Scope, Expr::value(v.scope))
            .col_expr(project::Column::Quantity, Expr::value(input.quantity))
            .col_expr(project::Column::Unit, Expr::value(v.unit))
            .col_expr(
            project::Column::PeriodStart,
            Expr::value(input.period_start),
        )
            .col_expr(project::Column::PeriodEnd, Expr::value(input.period_end))
            .col_expr(project::Column::BudgetFen, Expr::value(input.budget_fen))
            .col_expr(project::Column::BudgetLineId, Expr::value(v.line.id))
            .col_expr(project::Column::Targets, Expr::value(json_of(&v.targets)))
            .col_expr(
            project::Column::PreAssessment,
            Expr::value(json_of(&input.pre_assessment)),
        )
            .col_expr(project::Column::Method, Expr::value(v.method.as_str()))
            .col_expr(
            project::Column::Justification,
            Expr::value(input.justification.trim()),
        )
            .col_expr(
            project::Column::ApprovalRef,
            Expr::value(input.approval_ref.trim()),
        )
            .col_expr(
            project::Column::Invited,
            Expr::value(json_of(&input.invited)),
        )
            .col_expr(project::Column::Rubric, Expr::value(json_of(&v.rubric)))
            .filter(project::Column::Id.eq(p.id))
            .filter(project::Column::State.eq(PROJECT.initial))
            .into_query(),
        version,
        Stamp::UpdatedAt,
    )
    .await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.project_updated",
            entity_type: "purchase_project",
            entity_id: &p.id.to_string(),
            scope_path: &p.path,
            summary: json!({"item": input.item_code, "budget_fen": input.budget_fen, "method": input.method}),
        },
    )
    .await?;
    let out = reread(&txn, p.id).await?;
    txn.commit().await?;
    Ok(out)
}

pub async fn reread(conn: &impl ConnectionTrait, id: uuid::Uuid) -> AppResult<project::Model> {
    project::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// A project the actor may read.
pub async fn get(state: &AppState, actor: &Actor, id: &str) -> AppResult<project::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let p = reread(&state.db.read, id).await?;
    svc::readable(state, actor, &p.path)?;
    Ok(p)
}

/// Why the project may not be bought, against its pinned catalog version today; the budget is
/// checked when approval commits it.
pub async fn scope_reasons(
    conn: &impl ConnectionTrait,
    p: &project::Model,
) -> AppResult<Vec<FieldError>> {
    Ok(catalog::scope_check(
        conn,
        &p.district,
        &p.item_code,
        Some(p.catalog_version),
        svc::today(),
    )
    .await?
    .reasons)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct TransitionInput {
    /// submit / return / approve / open / fail / cancel
    pub transition: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// The project's version you last read.
    pub version: i32,
}

const USER_TRANSITIONS: [&str; 6] = ["submit", "return", "approve", "open", "fail", "cancel"];

/// Move a project: approval checks the scope and commits the budget; opening the bids comes
/// after the deadline; failing or cancelling after approval releases the budget.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &TransitionInput,
) -> AppResult<project::Model> {
    let p = get(state, actor, id).await?;
    if !USER_TRANSITIONS.contains(&input.transition.as_str()) {
        return Err(AppError::field("transition", "workflow.unknown_transition"));
    }
    if p.version != input.version {
        return Err(AppError::Conflict("error.stale_version"));
    }
    let t = input.transition.as_str();
    if t == "approve" && p.state == ProjectState::SUBMITTED {
        let reasons = scope_reasons(&state.db.read, &p).await?;
        if !reasons.is_empty() {
            return Err(AppError::Validation(ValidationErrors(reasons)));
        }
    }
    if t == "open" && p.state == ProjectState::TENDERING && !crate::service::bids::deadline_passed(&p) {
        return Err(AppError::field("transition", "procurement.before_deadline"));
    }
    let txn = state.db.write.begin().await?;
    let m = Move {
        table: "proc_projects",
        id: p.id,
        state: &p.state,
        version: input.version,
        path: &p.path,
        org: None,
    };
    svc::step(
        &txn,
        state,
        actor,
        who,
        &PROJECT,
        m,
        t,
        input.reason.as_deref(),
    )
    .await?;
    let budget = Money::from_fen(p.budget_fen);
    match t {
        "approve" => budget::commit(&txn, p.budget_line_id, budget).await?,
        "fail" | "cancel" if COMMITTED_STATES.contains(&p.state.as_str()) => {
            budget::release(&txn, p.budget_line_id, budget).await?
        }
        "open" => crate::service::bids::open(&txn, state, actor, who, &reread(&txn, p.id).await?).await?,
        _ => {}
    }
    // Open data from approval on: each later step is a release of the process.
    let tag = match (t, p.notice_at.is_some()) {
        ("approve", _) => Some("planning"),
        ("open" | "fail", _) => Some("tenderUpdate"),
        ("cancel", true) => Some("tenderCancellation"),
        ("cancel", false) if COMMITTED_STATES.contains(&p.state.as_str()) => Some("planningUpdate"),
        _ => None,
    };
    if let Some(tag) = tag {
        crate::service::ocds::publish(&txn, p.id, tag).await?;
    }
    let out = reread(&txn, p.id).await?;
    txn.commit().await?;
    Ok(out)
}

/// Start a new process for a failed or cancelled one: a draft with the same content, linked to
/// it, to be approved again.
pub async fn relaunch(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
) -> AppResult<project::Model> {
    let p = get(state, actor, id).await?;
    state.authorize(actor, PURCHASE_MANAGE, &ResourceScope::territory(&p.path))?;
    if p.state != ProjectState::FAILED && p.state != ProjectState::CANCELLED {
        return Err(AppError::Conflict("workflow.not_allowed"));
    }
    let now = audit::now();
    let txn = state.db.write.begin().await?;
    let number = svc::next_number(&txn, &p.node_code, p.year).await?;
    let row = project::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        number: Set(number),
        state: Set(PROJECT.initial.into()),
        predecessor_id: Set(Some(p.id)),
        notice_at: Set(None),
        enquiry_until: Set(None),
        submit_until: Set(None),
        notice_text: Set(String::new()),
        bid_seq: Set(0),
        created_by: Set(Some(actor.user_id.0)),
        awarded_bid_id: Set(None),
        award_on: Set(None),
        challenge_until: Set(None),
        standstill_until: Set(None),
        sign_by: Set(None),
        panel_size: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..project::ActiveModel::from(p.clone())
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.project_relaunched",
            entity_type: "purchase_project",
            entity_id: &row.id.to_string(),
            scope_path: &row.path,
            summary: json!({"number": row.number, "predecessor": p.number}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

#[derive(Debug, serde::Deserialize, gongzhi_platform::utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    /// Only projects of this node and below.
    pub node: Option<String>,
    /// draft / submitted / approved / tendering / evaluating / failed / cancelled
    pub state: Option<String>,
    pub year: Option<i32>,
    /// Rows per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Projects in the caller's scope, newest first.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    q: &ProjectQuery,
) -> AppResult<Page<project::Model>> {
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let limit = page.limit()?;
    let after: Option<uuid::Uuid> = page.decode()?;
    let filter = state.policy.scope_filter(actor, PURCHASE_READ);
    let mut s = project::Entity::find().filter(scope_condition(&filter, project::Column::Path));
    if let Some(path) = svc::subtree(state, actor, q.node.as_deref()).await? {
        s = s.filter(project::Column::Path.starts_with(&path));
    }
    if let Some(st) = q.state.as_deref().filter(|s| !s.is_empty()) {
        s = s.filter(project::Column::State.eq(st));
    }
    if let Some(y) = q.year {
        s = s.filter(project::Column::Year.eq(y));
    }
    if let Some(id) = after {
        s = s.filter(project::Column::Id.lt(id));
    }
    // The page's ids first, from the index alone; then their rows. Sorting a street's whole
    // subtree of full rows to keep fifty is what this avoids.
    let ids: Vec<uuid::Uuid> = s
        .select_only()
        .column(project::Column::Id)
        .order_by_desc(project::Column::Id)
        .limit(limit + 1)
        .into_tuple()
        .all(&state.db.read)
        .await?;
    let rows = project::Entity::find()
        .filter(project::Column::Id.is_in(ids))
        .order_by_desc(project::Column::Id)
        .all(&state.db.read)
        .await?;
    Ok(Page::from_rows(rows, limit, |p| p.id))
}
