//! The purchase API: contracts and delivery.

use super::*;

#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneView {
    pub id: uuid::Uuid,
    pub seq: i32,
    pub title: String,
    pub deliverables: String,
    pub due_on: NaiveDate,
    pub share_fen: i64,
    pub paid_fen: i64,
    /// planned / submitted / accepted / rejected
    pub state: String,
    pub accepted_on: Option<NaiveDate>,
    pub review_note: String,
    pub version: i32,
}

pub(super) fn milestone_view(m: milestone::Model) -> MilestoneView {
    MilestoneView {
        id: m.id,
        seq: m.seq,
        title: m.title,
        deliverables: m.deliverables,
        due_on: m.due_on,
        share_fen: m.share_fen,
        paid_fen: m.paid_fen,
        state: m.state,
        accepted_on: m.accepted_on,
        review_note: m.review_note,
        version: m.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = PurchaseReportView)]
pub struct ReportView {
    pub id: uuid::Uuid,
    pub milestone_id: Option<uuid::Uuid>,
    pub body: String,
    pub has_attachment: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitView {
    pub id: uuid::Uuid,
    pub visited_on: NaiveDate,
    pub findings: String,
    pub verdict: String,
    pub rectification: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    pub id: uuid::Uuid,
    pub milestone_id: uuid::Uuid,
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VariationView {
    pub id: uuid::Uuid,
    pub kind: String,
    pub amount_fen: i64,
    pub reason: String,
    pub on: NaiveDate,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PerformanceView {
    pub evaluator_kind: String,
    pub targets: Vec<TargetResult>,
    pub targets_score: i32,
    pub satisfaction_score: Option<i64>,
    pub responses: i32,
    pub satisfaction_pct: i32,
    pub score: i32,
    /// excellent / good / fair / poor
    pub grade: String,
    pub note: String,
    pub evaluated_on: NaiveDate,
}

pub(super) fn performance_view(e: evaluation::Model) -> PerformanceView {
    PerformanceView {
        evaluator_kind: e.evaluator_kind,
        targets: serde_json::from_str(&e.targets).unwrap_or_default(),
        targets_score: e.targets_score,
        satisfaction_score: e.satisfaction_score,
        responses: e.responses,
        satisfaction_pct: e.satisfaction_pct,
        score: e.score,
        grade: e.grade,
        note: e.note,
        evaluated_on: e.evaluated_on,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractView {
    pub id: uuid::Uuid,
    pub number: String,
    pub project_id: uuid::Uuid,
    pub org_id: uuid::Uuid,
    pub org_name: String,
    pub content: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub quantity: i32,
    pub unit: String,
    pub quality: String,
    pub price_fen: i64,
    pub original_fen: i64,
    pub settlement: String,
    pub rights: String,
    pub breach: String,
    pub signed_on: NaiveDate,
    /// in_force / accepted / evaluated / terminated
    pub state: String,
    pub accepted_on: Option<NaiveDate>,
    pub acceptance_note: String,
    pub terminated_on: Option<NaiveDate>,
    pub termination_reason: String,
    pub evaluator_id: Option<uuid::Uuid>,
    pub version: i32,
}

pub(super) fn contract_view(c: contract::Model) -> ContractView {
    ContractView {
        id: c.id,
        number: c.number,
        project_id: c.project_id,
        org_id: c.org_id,
        org_name: c.org_name,
        content: c.content,
        starts_on: c.starts_on,
        ends_on: c.ends_on,
        quantity: c.quantity,
        unit: c.unit,
        quality: c.quality,
        price_fen: c.price_fen,
        original_fen: c.original_fen,
        settlement: c.settlement,
        rights: c.rights,
        breach: c.breach,
        signed_on: c.signed_on,
        state: c.state,
        accepted_on: c.accepted_on,
        acceptance_note: c.acceptance_note,
        terminated_on: c.terminated_on,
        termination_reason: c.termination_reason,
        evaluator_id: c.evaluator_id,
        version: c.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractDetail {
    #[serde(flatten)]
    pub contract: ContractView,
    pub milestones: Vec<MilestoneView>,
    pub variations: Vec<VariationView>,
    pub reports: Vec<ReportView>,
    pub visits: Vec<VisitView>,
    pub payments: Vec<PaymentView>,
    pub paid_fen: i64,
    /// Service users' satisfaction so far (hundredths of 0–100) and how many answered.
    pub satisfaction: Option<u32>,
    pub responses: usize,
    pub evaluation: Option<PerformanceView>,
}

pub(super) async fn contract_detail(state: &AppState, c: contract::Model) -> AppResult<ContractDetail> {
    let d = contracts::delivery(&state.db.read, c.id).await?;
    let (satisfaction, responses) = performance::satisfaction(&state.db.read, c.id).await?;
    let evaluation = performance::of_contract(&state.db.read, c.id).await?;
    let paid_fen = d.payments.iter().map(|p| p.amount_fen).sum();
    Ok(ContractDetail {
        milestones: d.milestones.into_iter().map(milestone_view).collect(),
        variations: d
            .variations
            .into_iter()
            .map(|v: variation::Model| VariationView {
                id: v.id,
                kind: v.kind,
                amount_fen: v.amount_fen,
                reason: v.reason,
                on: v.on_date,
            })
            .collect(),
        reports: d
            .reports
            .into_iter()
            .map(|r: report::Model| ReportView {
                id: r.id,
                milestone_id: r.milestone_id,
                body: r.body,
                has_attachment: r.file_id.is_some(),
                created_at: r.created_at,
            })
            .collect(),
        visits: d
            .visits
            .into_iter()
            .map(|v: visit::Model| VisitView {
                id: v.id,
                visited_on: v.visited_on,
                findings: v.findings,
                verdict: v.verdict,
                rectification: v.rectification,
            })
            .collect(),
        payments: d
            .payments
            .into_iter()
            .map(|p: payment::Model| PaymentView {
                id: p.id,
                milestone_id: p.milestone_id,
                amount_fen: p.amount_fen,
                paid_on: p.paid_on,
            })
            .collect(),
        paid_fen,
        satisfaction,
        responses,
        evaluation: evaluation.map(performance_view),
        contract: contract_view(c),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContractQuery {
    /// Only contracts of this node and below.
    pub node: Option<String>,
    /// in_force / accepted / evaluated / terminated
    pub state: Option<String>,
    /// Rows per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Contracts in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/purchase-contracts", tag = "procurement", params(ContractQuery),
    responses((status = 200, body = Page<ContractView>), (status = 403, body = Problem)))]
pub async fn list_contracts(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<ContractQuery>,
) -> AppResult<Json<Page<ContractView>>> {
    use gongzhi_platform::authz::scope_condition;
    use gongzhi_platform::sea_orm::{
        ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    };
    let page = gongzhi_platform::web::PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let limit = page.limit()?;
    let after: Option<uuid::Uuid> = page.decode()?;
    let filter = state.policy.scope_filter(&me.actor, PURCHASE_READ);
    let mut s = contract::Entity::find().filter(scope_condition(&filter, contract::Column::Path));
    if let Some(path) = svc::subtree(&state, &me.actor, q.node.as_deref()).await? {
        s = s.filter(contract::Column::Path.starts_with(&path));
    }
    if let Some(st) = q.state.as_deref().filter(|s| !s.is_empty()) {
        s = s.filter(contract::Column::State.eq(st));
    }
    if let Some(id) = after {
        s = s.filter(contract::Column::Id.lt(id));
    }
    let rows = s
        .order_by_desc(contract::Column::Id)
        .limit(limit + 1)
        .all(&state.db.read)
        .await?;
    Ok(Json(
        Page::from_rows(rows, limit, |c| c.id).map(contract_view),
    ))
}

/// Sign the contract of an awarded project (after the standstill, with no challenge open).
#[utoipa::path(post, path = "/api/v1/purchase-contracts", tag = "procurement", request_body = ContractInput,
    responses((status = 201, body = ContractDetail), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn sign_contract(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<ContractInput>,
) -> AppResult<(StatusCode, Json<ContractDetail>)> {
    let c = contracts::sign(&state, &me.actor, &AuditActor::from(&me), &body).await?;
    Ok((StatusCode::CREATED, Json(contract_detail(&state, c).await?)))
}

/// A contract with its milestones, variations, reports, visits, payments and evaluation.
#[utoipa::path(get, path = "/api/v1/purchase-contracts/{purchase_contract_id}", tag = "procurement",
    params(("purchase_contract_id" = uuid::Uuid, Path)),
    responses((status = 200, body = ContractDetail), (status = 404, body = Problem)))]
pub async fn get_contract(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<ContractDetail>> {
    let c = contracts::get(&state, &me.actor, &id).await?;
    Ok(Json(contract_detail(&state, c).await?))
}

/// An organization's contracts, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/contracts", tag = "procurement",
    params(("org_id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<ContractView>), (status = 403, body = Problem)))]
pub async fn org_contracts(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org): Path<uuid::Uuid>,
) -> AppResult<Json<Vec<ContractView>>> {
    use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let o = bids::acting_org(&state, &me.actor, org).await?;
    let rows = contract::Entity::find()
        .filter(contract::Column::OrgId.eq(o.id))
        .order_by_desc(contract::Column::Id)
        .all(&state.db.read)
        .await?;
    Ok(Json(rows.into_iter().map(contract_view).collect()))
}

/// The provider reports progress (multipart: `body`, optional `milestone`, optional `file`);
/// naming a milestone submits it for acceptance.
#[utoipa::path(post, path = "/api/v1/purchase-contracts/{purchase_contract_id}/reports", tag = "procurement",
    params(("purchase_contract_id" = uuid::Uuid, Path)),
    responses((status = 201, body = ReportView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_report(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    form: axum::extract::Multipart,
) -> AppResult<(StatusCode, Json<ReportView>)> {
    let (fields, file) = gongzhi_platform::files::read_multipart(&state, form).await?;
    let body = fields.get("body").map(String::as_str).unwrap_or("");
    let milestone = match fields
        .get("milestone")
        .map(|m| m.trim())
        .filter(|m| !m.is_empty())
    {
        Some(m) => Some(m.parse().map_err(|_| {
            gongzhi_platform::web::AppError::field("milestone", "procurement.milestone_unknown")
        })?),
        None => None,
    };
    let r = contracts::report(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &id,
        body,
        milestone,
        file.as_ref(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(ReportView {
            id: r.id,
            milestone_id: r.milestone_id,
            body: r.body,
            has_attachment: r.file_id.is_some(),
            created_at: r.created_at,
        }),
    ))
}

/// A progress report's attachment.
#[utoipa::path(get, path = "/api/v1/purchase-reports/{purchase_report_id}/attachment", tag = "procurement",
    params(("purchase_report_id" = uuid::Uuid, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 404, body = Problem)))]
pub async fn report_attachment(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<axum::response::Response> {
    let f = contracts::attachment(&state, &me.actor, &id).await?;
    gongzhi_platform::files::download(&state, &f).await
}

/// Accept a submitted milestone, or send it back with a note.
#[utoipa::path(post, path = "/api/v1/purchase-milestones/{purchase_milestone_id}/review", tag = "procurement",
    params(("purchase_milestone_id" = uuid::Uuid, Path)), request_body = MilestoneReview,
    responses((status = 200, body = MilestoneView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review_milestone(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MilestoneReview>,
) -> AppResult<Json<MilestoneView>> {
    let m = contracts::review(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(milestone_view(m)))
}

/// Pay against an accepted milestone, within its share; the budget line is drawn down.
#[utoipa::path(post, path = "/api/v1/purchase-payments", tag = "procurement", request_body = PaymentInput,
    responses((status = 201, body = PaymentView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn pay(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<PaymentInput>,
) -> AppResult<(StatusCode, Json<PaymentView>)> {
    let p = contracts::pay(&state, &me.actor, &AuditActor::from(&me), &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(PaymentView {
            id: p.id,
            milestone_id: p.milestone_id,
            amount_fen: p.amount_fen,
            paid_on: p.paid_on,
        }),
    ))
}

/// Record a monitoring visit; a breach leaves a record on the provider.
#[utoipa::path(post, path = "/api/v1/purchase-contracts/{purchase_contract_id}/visits", tag = "procurement",
    params(("purchase_contract_id" = uuid::Uuid, Path)), request_body = VisitInput,
    responses((status = 201, body = VisitView), (status = 422, body = Problem)))]
pub async fn record_visit(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VisitInput>,
) -> AppResult<(StatusCode, Json<VisitView>)> {
    let v = contracts::visit(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(VisitView {
            id: v.id,
            visited_on: v.visited_on,
            findings: v.findings,
            verdict: v.verdict,
            rectification: v.rectification,
        }),
    ))
}

/// Vary a contract: a single-source top-up (≤ 10% of the original price in total, with its
/// milestone) or another recorded change.
#[utoipa::path(post, path = "/api/v1/purchase-contracts/{purchase_contract_id}/variations", tag = "procurement",
    params(("purchase_contract_id" = uuid::Uuid, Path)), request_body = VariationInput,
    responses((status = 201, body = VariationView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn vary_contract(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<VariationInput>,
) -> AppResult<(StatusCode, Json<VariationView>)> {
    let v = contracts::vary(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(VariationView {
            id: v.id,
            kind: v.kind,
            amount_fen: v.amount_fen,
            reason: v.reason,
            on: v.on_date,
        }),
    ))
}

/// Terminate a contract early for breach.
#[utoipa::path(post, path = "/api/v1/purchase-contracts/{purchase_contract_id}/termination", tag = "procurement",
    params(("purchase_contract_id" = uuid::Uuid, Path)), request_body = TerminationInput,
    responses((status = 200, body = ContractView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn terminate_contract(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TerminationInput>,
) -> AppResult<Json<ContractView>> {
    let c = contracts::terminate(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(contract_view(c)))
}

/// Record acceptance (验收): passed once every milestone is accepted, or failed with what to fix.
#[utoipa::path(post, path = "/api/v1/purchase-contracts/{purchase_contract_id}/acceptance", tag = "procurement",
    params(("purchase_contract_id" = uuid::Uuid, Path)), request_body = AcceptanceInput,
    responses((status = 200, body = ContractView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn accept_contract(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AcceptanceInput>,
) -> AppResult<Json<ContractView>> {
    let c = contracts::acceptance(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(contract_view(c)))
}

/// Assign a third-party evaluator.
#[utoipa::path(post, path = "/api/v1/purchase-contracts/{purchase_contract_id}/evaluator", tag = "procurement",
    params(("purchase_contract_id" = uuid::Uuid, Path)), request_body = AssignInput,
    responses((status = 200, body = ContractView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn assign_evaluator(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssignInput>,
) -> AppResult<Json<ContractView>> {
    let c = performance::assign(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(contract_view(c)))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PerformanceInput {
    pub contract: uuid::Uuid,
    /// One line per project target, in order.
    pub targets: Vec<crate::service::performance::TargetResult>,
    pub note: String,
    /// The contract's version you last read.
    pub version: i32,
}

/// Evaluate an accepted contract against its targets, with the survey's satisfaction weighted;
/// the grade becomes a record on the provider.
#[utoipa::path(post, path = "/api/v1/performance-evaluations", tag = "procurement", request_body = PerformanceInput,
    responses((status = 201, body = PerformanceView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn evaluate_contract(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<PerformanceInput>,
) -> AppResult<(StatusCode, Json<PerformanceView>)> {
    let e = performance::evaluate(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &body.contract.to_string(),
        &EvaluationInput {
            targets: body.targets,
            note: body.note,
            version: body.version,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(performance_view(e))))
}

/// A contract's published summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractSummary {
    pub number: String,
    pub project_id: uuid::Uuid,
    pub project_title: String,
    pub purchaser: String,
    pub provider: String,
    pub content: String,
    pub quantity: i32,
    pub unit: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub price_fen: i64,
    pub signed_on: NaiveDate,
    pub state: String,
    /// The performance grade once evaluated.
    pub grade: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/public/contracts/{purchase_contract_id}", tag = "procurement",
    params(("purchase_contract_id" = uuid::Uuid, Path)),
    responses((status = 200, body = ContractSummary), (status = 404, body = Problem)))]
pub async fn public_contract(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<ContractSummary>> {
    let c = performance::survey_contract(&state, &id).await?;
    let p = projects::reread(&state.db.read, c.project_id).await?;
    let purchaser = purchaser_name(&state, &p.node_code).await?;
    let grade = performance::of_contract(&state.db.read, c.id)
        .await?
        .map(|e| e.grade);
    Ok(Json(ContractSummary {
        number: c.number,
        project_id: p.id,
        project_title: p.title,
        purchaser,
        provider: c.org_name,
        content: c.content,
        quantity: c.quantity,
        unit: c.unit,
        starts_on: c.starts_on,
        ends_on: c.ends_on,
        price_fen: c.price_fen,
        signed_on: c.signed_on,
        state: c.state,
        grade,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyView {
    pub contract_id: uuid::Uuid,
    pub project_title: String,
    pub provider: String,
    /// Whether answers are taken now.
    pub open: bool,
    /// The four questions' keys (answered 1–5 each).
    pub questions: Vec<String>,
}

/// The satisfaction survey of a contract's service, for residents (no account needed).
#[utoipa::path(get, path = "/api/v1/public/surveys/{purchase_contract_id}", tag = "procurement",
    params(("purchase_contract_id" = uuid::Uuid, Path)),
    responses((status = 200, body = SurveyView), (status = 404, body = Problem)))]
pub async fn survey(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<SurveyView>> {
    let c = performance::survey_contract(&state, &id).await?;
    let p = projects::reread(&state.db.read, c.project_id).await?;
    Ok(Json(SurveyView {
        contract_id: c.id,
        project_title: p.title,
        open: performance::survey_open(&c),
        provider: c.org_name,
        questions: ["overall", "attitude", "timeliness", "need_met"]
            .iter()
            .map(|q| gongzhi_platform::i18n::tr(&format!("procurement.survey.{q}"), &[]))
            .collect(),
    }))
}

/// Answer the satisfaction survey: four answers 1–5 and an optional comment.
#[utoipa::path(post, path = "/api/v1/public/surveys/{purchase_contract_id}", tag = "procurement",
    params(("purchase_contract_id" = uuid::Uuid, Path)), request_body = SurveyInput,
    responses((status = 201, description = "Thank you"), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn answer_survey(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SurveyInput>,
) -> AppResult<StatusCode> {
    performance::answer(&state, &id, &body).await?;
    Ok(StatusCode::CREATED)
}
