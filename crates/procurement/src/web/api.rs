//! JSON API of the purchase of services: settings, budget lines, needs, projects and their
//! workflow, notices with questions and clarifications, bids; the public notice list.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use gongzhi_kernel::authz::ResourceScope;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::i18n::field_message;
use gongzhi_platform::utoipa::{self, IntoParams, OpenApi, ToSchema};
use gongzhi_platform::web::{Access, ApiJson, AppResult, AppState, CurrentActor, Page, Routes};
use gongzhi_platform::web::{Path, Query};
use serde::{Deserialize, Serialize};

use crate::service::award::{self, ChallengeInput, ChallengeStep};
use crate::service::bids::{
    self, BidInput, BidView, BidsView, EligibilityView, OrgBidsQuery, WithdrawInput,
};
use crate::service::budget::{self, AmountInput, LineInput, LineQuery};
use crate::service::contracts::{
    self, AcceptanceInput, ContractInput, MilestoneReview, PaymentInput, TerminationInput,
    VariationInput, VisitInput,
};
use crate::domain::{Method, PreAssessment, Rubric, Target};
use crate::store::entity::{budget_line, clarification, need, project};
use crate::store::entity::{challenge, reviewer};
use crate::store::entity::{contract, evaluation, milestone, payment, report, variation, visit};
use crate::service::needs::{self, DeclineInput, NeedInput, NeedQuery};
use crate::service::notices::{self, ClarificationInput, NoticeInput, NoticeQuery, QuestionInput};
use crate::service::panel::{self, DeclarationInput, DrawInput, Evaluation, ScoreSheet};
use crate::service::performance::{self, AssignInput, EvaluationInput, SurveyInput, TargetResult};
use crate::service::projects::{self, ProjectInput, ProjectQuery, TransitionInput};
use crate::domain::rating::{CreditModel, Rating};
use crate::service::{self as svc, Settings, SettingsInput};
use crate::{
    PURCHASE_APPROVE, PURCHASE_BID, PURCHASE_CONFIGURE, PURCHASE_EVALUATE, PURCHASE_MANAGE,
    PURCHASE_NEED, PURCHASE_READ, PURCHASE_REVIEW};

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/public/ocds/releases", Access::Public, ocds_year)
        .get("/api/v1/public/ocds/releases/{ocid}", Access::Public, ocds_releases)
        .get("/api/v1/public/ocds/records/{ocid}", Access::Public, ocds_record)
        .get("/api/v1/public/ocds/extension.json", Access::Public, ocds_extension)
        .get(
            "/api/v1/public/ocds/release-schema.json",
            Access::Public,
            ocds_extension_schema,
        )
        .get("/api/v1/purchase-queue", Access::SignedIn, work_queue)
        .get("/api/v1/purchase-results", Access::Permission(PURCHASE_READ), results_by_item)
        .probe_query("node={foreign_street}&year=2026")
        .get("/api/v1/public/notices", Access::Public, public_notices)
        .get("/api/v1/public/notices/{notice_id}", Access::Public, public_notice)
        .get("/api/v1/purchase-settings/{district}", Access::Permission(PURCHASE_READ), get_settings)
        .patch("/api/v1/purchase-settings/{district}", Access::Permission(PURCHASE_CONFIGURE), put_settings)
        .probe_json(r#"{"open_tender_threshold_fen":200000000,"satisfaction_pct":40,"version":0}"#)
        .get("/api/v1/budget-lines", Access::Permission(PURCHASE_READ), list_lines)
        .probe_query("node={foreign_street}")
        .post("/api/v1/budget-lines", Access::Permission(PURCHASE_MANAGE), create_line)
        .probe_json(r#"{"node":"{foreign_street}","year":{this_year},"source":"lottery_fund","title":"探针预算","amount_fen":100000}"#)
        .get("/api/v1/budget-lines/{budget_line_id}", Access::Permission(PURCHASE_READ), get_line)
        .patch("/api/v1/budget-lines/{budget_line_id}", Access::Permission(PURCHASE_MANAGE), set_line_amount)
        .probe_json(r#"{"amount_fen":900000000,"version":1}"#)
        .get("/api/v1/purchase-needs", Access::Permission(PURCHASE_READ), list_needs)
        .probe_query("node={foreign_street}")
        .post("/api/v1/purchase-needs", Access::Permission(PURCHASE_NEED), raise_need)
        .probe_json(r#"{"node":"{foreign_community}","title":"探针需求","description":"探针需求的说明文字：居民希望增加活动","evidence":"探针：居民走访记录十份","residents":10}"#)
        .get("/api/v1/purchase-needs/{purchase_need_id}", Access::Permission(PURCHASE_READ), get_need)
        .post("/api/v1/purchase-needs/{purchase_need_id}/decline", Access::Permission(PURCHASE_MANAGE), decline_need)
        .probe_json(r#"{"reason":"探针：已由社区自办","version":1}"#)
        .get("/api/v1/purchase-projects", Access::Permission(PURCHASE_READ), list_projects)
        .probe_query("node={foreign_street}")
        .post("/api/v1/purchase-projects", Access::Permission(PURCHASE_MANAGE), create_project)
        .probe_json(r#"{"node":"{foreign_street}","title":"探针购买项目","item_code":"A05-01","scope":"探针：社区文体活动十二场","quantity":12,"unit":"场","period_start":"{period_start}","period_end":"{period_end}","budget_fen":3000000,"budget_line_id":"{budget_line_id}","pre_assessment":{"necessity":"居民需求强烈","feasibility":"多家机构可承接","cost_basis":"按指导价测算","risks":"天气影响"},"method":"open_tender"}"#)
        .get("/api/v1/purchase-projects/{purchase_project_id}", Access::Permission(PURCHASE_READ), get_project)
        .patch("/api/v1/purchase-projects/{purchase_project_id}", Access::Permission(PURCHASE_MANAGE), update_project)
        .probe_json(r#"{"node":"{foreign_street}","title":"探针改过的项目","item_code":"A05-01","scope":"探针：社区文体活动十二场","quantity":12,"unit":"场","period_start":"{period_start}","period_end":"{period_end}","budget_fen":3000000,"budget_line_id":"{budget_line_id}","pre_assessment":{"necessity":"居民需求强烈","feasibility":"多家机构可承接","cost_basis":"按指导价测算","risks":"天气影响"},"method":"open_tender","version":1}"#)
        .post("/api/v1/purchase-projects/{purchase_project_id}/transitions", Access::Permission(PURCHASE_READ), decide_project)
        .probe_json(r#"{"transition":"submit","version":1}"#)
        .get("/api/v1/purchase-projects/{purchase_project_id}/bids", Access::Permission(PURCHASE_READ), project_bids)
        .get("/api/v1/purchase-notices/{notice_id}/clarifications", Access::Permission(PURCHASE_READ), list_clarifications)
        .post("/api/v1/purchase-notices/{notice_id}/clarifications", Access::Permission(PURCHASE_MANAGE), clarify)
        .probe_json(r#"{"answer":"探针：服务地点为社区党群服务中心"}"#)
        .get("/api/v1/purchase-notices/{notice_id}/eligibility", Access::Permission(PURCHASE_BID), notice_eligibility)
        .probe_query("org={org_id}")
        .post("/api/v1/purchase-notices/{notice_id}/questions", Access::Permission(PURCHASE_BID), ask)
        .probe_json(r#"{"org":"{org_id}","question":"探针：场地由谁提供？"}"#)
        .post("/api/v1/purchase-notices/{notice_id}/bids", Access::Permission(PURCHASE_BID), submit_bid)
        .probe_json(r#"{"org":"{org_id}","price_fen":2500000,"proposal":"探针：十二场活动的方案、团队与进度安排"}"#)
        .post("/api/v1/purchase-bids/{purchase_bid_id}/withdraw", Access::Permission(PURCHASE_BID), withdraw_bid)
        .probe_json(r#"{"version":1}"#)
        .get("/api/v1/orgs/{org_id}/bids", Access::Permission(PURCHASE_BID), org_bids)
        .get("/api/v1/public/orgs/{org_id}/credit", Access::Public, org_credit)
        .get("/api/v1/purchase-evaluations/{evaluation_id}", Access::Permission(PURCHASE_READ), get_evaluation)
        .post("/api/v1/purchase-evaluations/{evaluation_id}/panel", Access::Permission(PURCHASE_MANAGE), draw_panel)
        .probe_json(r#"{"size":3}"#)
        .get("/api/v1/purchase-reviews", Access::SignedIn, my_reviews)
        .get("/api/v1/purchase-reviews/{purchase_review_id}", Access::Permission(PURCHASE_REVIEW), get_review)
        .post("/api/v1/purchase-reviews/{purchase_review_id}/declaration", Access::Permission(PURCHASE_REVIEW), declare)
        .probe_json(r#"{"conflict":true,"note":"探针：曾在投标机构任职","version":2}"#)
        .post("/api/v1/purchase-reviews/{purchase_review_id}/scores", Access::Permission(PURCHASE_REVIEW), submit_scores)
        .probe_json(r#"{"scores":[{"bid":"{evaluation_bid_a}","technical":4000,"quality":2000},{"bid":"{evaluation_bid_b}","technical":3500,"quality":1800}]}"#)
        .get("/api/v1/purchase-awards/{award_id}/challenges", Access::Permission(PURCHASE_READ), list_challenges)
        .post("/api/v1/purchase-awards/{award_id}/challenges", Access::Permission(PURCHASE_BID), raise_challenge)
        .probe_json(r#"{"org":"{org_id}","grounds":"探针：评分未按评分细则进行，请予复核"}"#)
        // Both sides act on a challenge (the purchaser answers, the challenger complains): the
        // record's scope and the workflow decide who may do what.
        .get("/api/v1/purchase-contracts", Access::Permission(PURCHASE_READ), list_contracts)
        .probe_query("node={foreign_street}")
        .post("/api/v1/purchase-contracts", Access::Permission(PURCHASE_MANAGE), sign_contract)
        .probe_json(r#"{"award":"{signable_award_id}","version":6,"content":"探针：全年组织社区文体活动十二场","starts_on":"{period_start}","ends_on":"{period_end}","quality":"探针：每场不少于五十名居民参加","settlement":"探针：按里程碑验收后支付","rights":"探针：甲方监督，乙方按约提供服务","breach":"探针：未按约提供服务的按比例扣减","milestones":[{"title":"上半年","deliverables":"六场活动及记录","due_on":"{period_start}","share_fen":1450000},{"title":"下半年","deliverables":"六场活动及总结","due_on":"{period_end}","share_fen":1450000}]}"#)
        // The purchaser, the provider and an assigned evaluator read a contract: its scope
        // decides.
        .get("/api/v1/purchase-contracts/{purchase_contract_id}", Access::SignedIn, get_contract)
        .get("/api/v1/orgs/{org_id}/contracts", Access::Permission(PURCHASE_BID), org_contracts)
        .upload("/api/v1/purchase-contracts/{purchase_contract_id}/reports", Access::Permission(PURCHASE_BID), submit_report)
        .with_probe(gongzhi_platform::web::Probe {
            query: "",
            body: Some("--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nprobe: six activities held\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 probe\r\n--XyZ--\r\n"),
            content_type: "multipart/form-data; boundary=XyZ",
        })
        .get("/api/v1/purchase-reports/{purchase_report_id}/attachment", Access::SignedIn, report_attachment)
        .post("/api/v1/purchase-milestones/{purchase_milestone_id}/review", Access::Permission(PURCHASE_MANAGE), review_milestone)
        .probe_json(r#"{"accept":true,"version":2}"#)
        .post("/api/v1/purchase-payments", Access::Permission(PURCHASE_APPROVE), pay)
        .probe_json(r#"{"milestone":"{accepted_milestone_id}","amount_fen":100000}"#)
        .post("/api/v1/purchase-contracts/{purchase_contract_id}/visits", Access::Permission(PURCHASE_MANAGE), record_visit)
        .probe_json(r#"{"visited_on":"{today}","findings":"探针：活动按计划开展，记录完整","verdict":"satisfactory"}"#)
        .post("/api/v1/purchase-contracts/{purchase_contract_id}/variations", Access::Permission(PURCHASE_APPROVE), vary_contract)
        .probe_json(r#"{"kind":"top_up","amount_fen":100000,"reason":"探针：居民需求增加，添购两场活动","milestone":{"title":"添购","deliverables":"两场活动","due_on":"{period_end}","share_fen":100000}}"#)
        .post("/api/v1/purchase-contracts/{purchase_contract_id}/termination", Access::Permission(PURCHASE_APPROVE), terminate_contract)
        .probe_json(r#"{"reason":"探针：连续两个月未按约开展活动","version":1}"#)
        .post("/api/v1/purchase-contracts/{purchase_contract_id}/acceptance", Access::Permission(PURCHASE_MANAGE), accept_contract)
        .probe_json(r#"{"passed":false,"note":"探针：第二阶段资料不全，限期补正","version":1}"#)
        .post("/api/v1/purchase-contracts/{purchase_contract_id}/evaluator", Access::Permission(PURCHASE_MANAGE), assign_evaluator)
        .probe_json(r#"{"evaluator":"{evaluator_user_id}","version":1}"#)
        .post("/api/v1/performance-evaluations", Access::Permission(PURCHASE_EVALUATE), evaluate_contract)
        .probe_json(r#"{"contract":"{accepted_contract_id}","targets":[{"name":"活动场次","actual":"12场","score":95},{"name":"居民满意度","actual":"93%","score":90}],"note":"探针：目标基本完成，居民反映良好","version":2}"#)
        .get("/api/v1/public/contracts/{purchase_contract_id}", Access::Public, public_contract)
        .get("/api/v1/public/surveys/{purchase_contract_id}", Access::Public, survey)
        .post("/api/v1/public/surveys/{purchase_contract_id}", Access::Public, answer_survey)
        .get("/api/v1/purchase-challenges/{purchase_challenge_id}", Access::SignedIn, get_challenge)
        .post("/api/v1/purchase-challenges/{purchase_challenge_id}/transitions", Access::SignedIn, challenge_step)
        .probe_json(r#"{"transition":"answer","text":"探针：经复核评分符合评分细则","outcome":"dismissed","version":1}"#)
}

#[derive(OpenApi)]
#[openapi(
    paths(
        work_queue,
        results_by_item,
        ocds_year,
        ocds_releases,
        ocds_record,
        ocds_extension,
        ocds_extension_schema,
        public_notices,
        public_notice,
        get_settings,
        put_settings,
        list_lines,
        create_line,
        get_line,
        set_line_amount,
        list_needs,
        raise_need,
        get_need,
        decline_need,
        list_projects,
        create_project,
        get_project,
        update_project,
        decide_project,
        project_bids,
        list_clarifications,
        clarify,
        notice_eligibility,
        ask,
        submit_bid,
        withdraw_bid,
        org_bids,
        org_credit,
        get_evaluation,
        draw_panel,
        my_reviews,
        get_review,
        declare,
        submit_scores,
        list_challenges,
        raise_challenge,
        get_challenge,
        challenge_step,
        list_contracts,
        sign_contract,
        get_contract,
        org_contracts,
        submit_report,
        report_attachment,
        review_milestone,
        pay,
        record_visit,
        vary_contract,
        terminate_contract,
        accept_contract,
        assign_evaluator,
        evaluate_contract,
        public_contract,
        survey,
        answer_survey,
    ),
    tags((name = "procurement", description = "Purchase of services: budgets, needs, projects, notices, bids"))
)]
struct ProcurementApi;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ProcurementApi::openapi()
}

type Problem = gongzhi_platform::api::Problem;

// ---------- views ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct LineView {
    pub id: uuid::Uuid,
    pub node_code: String,
    pub year: i32,
    pub source: String,
    pub title: String,
    pub amount_fen: i64,
    pub committed_fen: i64,
    pub spent_fen: i64,
    /// What approvals may still commit.
    pub available_fen: i64,
    pub version: i32,
}

pub fn line_view(l: budget_line::Model) -> LineView {
    LineView {
        available_fen: budget::line_of(&l).available().fen(),
        id: l.id,
        node_code: l.node_code,
        year: l.year,
        source: l.source,
        title: l.title,
        amount_fen: l.amount_fen,
        committed_fen: l.committed_fen,
        spent_fen: l.spent_fen,
        version: l.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeedView {
    pub id: uuid::Uuid,
    pub node_code: String,
    pub title: String,
    pub description: String,
    pub evidence: String,
    pub residents: i32,
    pub item_code: String,
    /// raised / adopted / declined
    pub state: String,
    pub project_id: Option<uuid::Uuid>,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

pub fn need_view(n: need::Model) -> NeedView {
    NeedView {
        id: n.id,
        node_code: n.node_code,
        title: n.title,
        description: n.description,
        evidence: n.evidence,
        residents: n.residents,
        item_code: n.item_code,
        state: n.state,
        project_id: n.project_id,
        created_at: n.created_at,
        version: n.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectView {
    pub id: uuid::Uuid,
    pub number: String,
    pub node_code: String,
    pub year: i32,
    pub title: String,
    pub item_code: String,
    pub item_name: String,
    pub catalog_version: i32,
    pub scope: String,
    pub quantity: i32,
    pub unit: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub budget_fen: i64,
    pub budget_line_id: uuid::Uuid,
    pub targets: Vec<Target>,
    pub pre_assessment: PreAssessment,
    pub method: String,
    /// The Chinese name of the method.
    pub method_details: String,
    pub justification: String,
    pub approval_ref: String,
    pub invited: Vec<uuid::Uuid>,
    pub rubric: Option<Rubric>,
    /// draft / submitted / approved / tendering / evaluating / failed / cancelled
    pub state: String,
    pub predecessor_id: Option<uuid::Uuid>,
    pub notice_at: Option<DateTime<Utc>>,
    pub enquiry_until: Option<NaiveDate>,
    pub submit_until: Option<DateTime<Utc>>,
    pub notice_text: String,
    pub version: i32,
    /// Why the project may not be bought (empty when the scope check passes); only on the
    /// single-project read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope_check: Option<Vec<String>>,
}

pub fn project_view(p: project::Model) -> ProjectView {
    ProjectView {
        targets: projects::targets_of(&p),
        pre_assessment: serde_json::from_str(&p.pre_assessment).unwrap_or_default(),
        invited: serde_json::from_str(&p.invited).unwrap_or_default(),
        rubric: serde_json::from_str(&p.rubric).ok(),
        method_details: Method::parse(&p.method)
            .map(|m| m.details().to_string())
            .unwrap_or_default(),
        id: p.id,
        number: p.number,
        node_code: p.node_code,
        year: p.year,
        title: p.title,
        item_code: p.item_code,
        item_name: p.item_name,
        catalog_version: p.catalog_version,
        scope: p.scope,
        quantity: p.quantity,
        unit: p.unit,
        period_start: p.period_start,
        period_end: p.period_end,
        budget_fen: p.budget_fen,
        budget_line_id: p.budget_line_id,
        method: p.method,
        justification: p.justification,
        approval_ref: p.approval_ref,
        state: p.state,
        predecessor_id: p.predecessor_id,
        notice_at: p.notice_at,
        enquiry_until: p.enquiry_until,
        submit_until: p.submit_until,
        notice_text: p.notice_text,
        version: p.version,
        scope_check: None,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClarificationView {
    pub id: uuid::Uuid,
    /// Empty for a clarification issued without a question.
    pub question: String,
    /// Empty until answered.
    pub answer: String,
    pub asked_at: Option<DateTime<Utc>>,
    pub published_at: Option<DateTime<Utc>>,
    pub version: i32,
}

pub fn clarification_view(c: clarification::Model) -> ClarificationView {
    ClarificationView {
        id: c.id,
        question: c.question,
        answer: c.answer,
        asked_at: c.asked_at,
        published_at: c.published_at,
        version: c.version,
    }
}

/// A notice as the public sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: uuid::Uuid,
    pub number: String,
    pub purchaser: String,
    pub title: String,
    pub item_code: String,
    pub item_name: String,
    pub budget_fen: i64,
    pub method: String,
    pub method_details: String,
    pub state: String,
    pub notice_at: Option<DateTime<Utc>>,
    pub enquiry_until: Option<NaiveDate>,
    pub submit_until: Option<DateTime<Utc>>,
}

fn notice_view(p: &project::Model, purchaser: String) -> NoticeView {
    NoticeView {
        id: p.id,
        number: p.number.clone(),
        purchaser,
        title: p.title.clone(),
        item_code: p.item_code.clone(),
        item_name: p.item_name.clone(),
        budget_fen: p.budget_fen,
        method: p.method.clone(),
        method_details: Method::parse(&p.method)
            .map(|m| m.details().to_string())
            .unwrap_or_default(),
        state: p.state.clone(),
        notice_at: p.notice_at,
        enquiry_until: p.enquiry_until,
        submit_until: p.submit_until,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeDetail {
    #[serde(flatten)]
    pub notice: NoticeView,
    pub scope: String,
    pub quantity: i32,
    pub unit: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub targets: Vec<Target>,
    pub notice_text: String,
    pub clarifications: Vec<ClarificationView>,
    /// How many bids came in; only once the deadline has passed.
    pub bids: Option<u64>,
}

/// One purchaser's name (empty for a node that no longer exists).
pub async fn purchaser_name(state: &AppState, code: &str) -> AppResult<String> {
    Ok(purchaser_names(state, std::iter::once(code.to_string()))
        .await?
        .remove(code)
        .unwrap_or_default())
}

/// The names of purchasers (territory nodes) by code.
pub async fn purchaser_names(
    state: &AppState,
    codes: impl Iterator<Item = String>,
) -> AppResult<std::collections::HashMap<String, String>> {
    use gongzhi_platform::entity::territory;
    use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut codes: Vec<String> = codes.collect();
    codes.sort();
    codes.dedup();
    Ok(territory::Entity::find()
        .filter(territory::Column::Code.is_in(codes))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|n| (n.code, n.name))
        .collect())
}

// ---------- public ----------

/// Published procurement notices of a district, newest first.
#[utoipa::path(get, path = "/api/v1/public/notices", tag = "procurement", params(NoticeQuery),
    responses((status = 200, body = Page<NoticeView>), (status = 404, body = Problem)))]
pub async fn public_notices(
    State(state): State<AppState>,
    Query(q): Query<NoticeQuery>,
) -> AppResult<Json<Page<NoticeView>>> {
    let page = notices::list(&state, &q).await?;
    let names = purchaser_names(&state, page.items.iter().map(|p| p.node_code.clone())).await?;
    Ok(Json(page.map(|p| {
        let name = names.get(&p.node_code).cloned().unwrap_or_default();
        notice_view(&p, name)
    })))
}

/// One notice with its published clarifications (the asker is never named).
#[utoipa::path(get, path = "/api/v1/public/notices/{notice_id}", tag = "procurement",
    params(("notice_id" = uuid::Uuid, Path)),
    responses((status = 200, body = NoticeDetail), (status = 404, body = Problem)))]
pub async fn public_notice(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> AppResult<Json<NoticeDetail>> {
    let p = notices::public(&state, &id).await?;
    let purchaser = purchaser_name(&state, &p.node_code).await?;
    let clar = notices::clarifications(&state.db.read, p.id, true).await?;
    let bid_count = if bids::deadline_passed(&p) {
        Some(bids::count(&state.db.read, p.id).await?)
    } else {
        None
    };
    Ok(Json(NoticeDetail {
        notice: notice_view(&p, purchaser),
        scope: p.scope.clone(),
        quantity: p.quantity,
        unit: p.unit.clone(),
        period_start: p.period_start,
        period_end: p.period_end,
        targets: projects::targets_of(&p),
        notice_text: p.notice_text.clone(),
        clarifications: clar.into_iter().map(clarification_view).collect(),
        bids: bid_count,
    }))
}

// ---------- settings ----------

/// The district's purchase settings (the defaults until it sets its own).
#[utoipa::path(get, path = "/api/v1/purchase-settings/{district}", tag = "procurement",
    params(("district" = String, Path)),
    responses((status = 200, body = Settings), (status = 404, body = Problem)))]
pub async fn get_settings(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(district): Path<String>,
) -> AppResult<Json<Settings>> {
    let d = gongzhi_platform::territory::district_node(&state.db.read, &district).await?;
    state.authorize(&me.actor, PURCHASE_READ, &ResourceScope::territory(&d.path))?;
    Ok(Json(svc::settings(&state.db.read, &d.district_code).await?))
}

/// Set the open-tender threshold and the weight of satisfaction (the district).
#[utoipa::path(patch, path = "/api/v1/purchase-settings/{district}", tag = "procurement",
    params(("district" = String, Path)), request_body = SettingsInput,
    responses((status = 200, body = Settings), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_settings(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(district): Path<String>,
    ApiJson(body): ApiJson<SettingsInput>,
) -> AppResult<Json<Settings>> {
    Ok(Json(
        svc::put_settings(&state, &me.actor, &AuditActor::from(&me), &district, &body).await?,
    ))
}

// ---------- budget ----------

/// Budget lines in the caller's scope.
#[utoipa::path(get, path = "/api/v1/budget-lines", tag = "procurement", params(LineQuery),
    responses((status = 200, body = Page<LineView>), (status = 403, body = Problem)))]
pub async fn list_lines(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<LineQuery>,
) -> AppResult<Json<Page<LineView>>> {
    Ok(Json(
        budget::list(&state, &me.actor, &q).await?.map(line_view),
    ))
}

/// Open a budget line for a purchaser, year and fund source.
#[utoipa::path(post, path = "/api/v1/budget-lines", tag = "procurement", request_body = LineInput,
    responses((status = 201, body = LineView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_line(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<LineInput>,
) -> AppResult<(StatusCode, Json<LineView>)> {
    let l = budget::create(&state, &me.actor, &AuditActor::from(&me), &body).await?;
    Ok((StatusCode::CREATED, Json(line_view(l))))
}

#[utoipa::path(get, path = "/api/v1/budget-lines/{budget_line_id}", tag = "procurement",
    params(("budget_line_id" = uuid::Uuid, Path)),
    responses((status = 200, body = LineView), (status = 404, body = Problem)))]
pub async fn get_line(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<LineView>> {
    Ok(Json(line_view(budget::get(&state, &me.actor, &id).await?)))
}

/// Adjust a line's amount; never below what approvals hold and payments spent.
#[utoipa::path(patch, path = "/api/v1/budget-lines/{budget_line_id}", tag = "procurement",
    params(("budget_line_id" = uuid::Uuid, Path)), request_body = AmountInput,
    responses((status = 200, body = LineView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_line_amount(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AmountInput>,
) -> AppResult<Json<LineView>> {
    let l = budget::set_amount(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(line_view(l)))
}

// ---------- needs ----------

/// Needs in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/purchase-needs", tag = "procurement", params(NeedQuery),
    responses((status = 200, body = Page<NeedView>), (status = 403, body = Problem)))]
pub async fn list_needs(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<NeedQuery>,
) -> AppResult<Json<Page<NeedView>>> {
    Ok(Json(
        needs::list(&state, &me.actor, &q).await?.map(need_view),
    ))
}

/// Raise a need with evidence of resident demand (a community or a street).
#[utoipa::path(post, path = "/api/v1/purchase-needs", tag = "procurement", request_body = NeedInput,
    responses((status = 201, body = NeedView), (status = 422, body = Problem)))]
pub async fn raise_need(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<NeedInput>,
) -> AppResult<(StatusCode, Json<NeedView>)> {
    let n = needs::raise(&state, &me.actor, &AuditActor::from(&me), &body).await?;
    Ok((StatusCode::CREATED, Json(need_view(n))))
}

#[utoipa::path(get, path = "/api/v1/purchase-needs/{purchase_need_id}", tag = "procurement",
    params(("purchase_need_id" = uuid::Uuid, Path)),
    responses((status = 200, body = NeedView), (status = 404, body = Problem)))]
pub async fn get_need(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<NeedView>> {
    Ok(Json(need_view(needs::get(&state, &me.actor, &id).await?)))
}

/// Decline a need, saying why (the street).
#[utoipa::path(post, path = "/api/v1/purchase-needs/{purchase_need_id}/decline", tag = "procurement",
    params(("purchase_need_id" = uuid::Uuid, Path)), request_body = DeclineInput,
    responses((status = 200, body = NeedView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decline_need(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DeclineInput>,
) -> AppResult<Json<NeedView>> {
    let n = needs::decline(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(need_view(n)))
}

// ---------- projects ----------

/// Projects in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/purchase-projects", tag = "procurement", params(ProjectQuery),
    responses((status = 200, body = Page<ProjectView>), (status = 403, body = Problem)))]
pub async fn list_projects(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<ProjectQuery>,
) -> AppResult<Json<Page<ProjectView>>> {
    Ok(Json(
        projects::list(&state, &me.actor, &q)
            .await?
            .map(project_view),
    ))
}

/// Draw up a project (a draft), adopting the needs it answers.
#[utoipa::path(post, path = "/api/v1/purchase-projects", tag = "procurement", request_body = ProjectInput,
    responses((status = 201, body = ProjectView), (status = 422, body = Problem)))]
pub async fn create_project(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<ProjectInput>,
) -> AppResult<(StatusCode, Json<ProjectView>)> {
    let p = projects::create(&state, &me.actor, &AuditActor::from(&me), &body).await?;
    Ok((StatusCode::CREATED, Json(project_view(p))))
}

/// A project, with what its scope check says today.
#[utoipa::path(get, path = "/api/v1/purchase-projects/{purchase_project_id}", tag = "procurement",
    params(("purchase_project_id" = uuid::Uuid, Path)),
    responses((status = 200, body = ProjectView), (status = 404, body = Problem)))]
pub async fn get_project(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<ProjectView>> {
    let p = projects::get(&state, &me.actor, &id).await?;
    let reasons = projects::scope_reasons(&state.db.read, &p).await?;
    let mut v = project_view(p);
    v.scope_check = Some(reasons.iter().map(field_message).collect());
    Ok(Json(v))
}

/// A draft's new content and the version it was read at.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ProjectPatch {
    #[serde(flatten)]
    pub project: ProjectInput,
    /// The project's version you last read.
    pub version: i32,
}

impl ProjectPatch {
    /// Read part by part, so that a field that fails is named (inside a flattened part serde
    /// would lose its path).
    pub fn read(v: &serde_json::Value) -> AppResult<ProjectPatch> {
        #[derive(Deserialize)]
        struct VersionRead {
            version: i32,
        }
        let VersionRead { version } = gongzhi_platform::web::typed(v)?;
        Ok(ProjectPatch {
            project: gongzhi_platform::web::typed(v)?,
            version,
        })
    }
}

/// Edit a draft.
#[utoipa::path(patch, path = "/api/v1/purchase-projects/{purchase_project_id}", tag = "procurement",
    params(("purchase_project_id" = uuid::Uuid, Path)), request_body = ProjectPatch,
    responses((status = 200, body = ProjectView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_project(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> AppResult<Json<ProjectView>> {
    let body = ProjectPatch::read(&body)?;
    let p = projects::update(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &id,
        &body.project,
        body.version,
    )
    .await?;
    Ok(Json(project_view(p)))
}

/// Move a project: submit, return (with a reason), approve (scope check, budget committed),
/// publish (with the notice), open (after the deadline), award (once the panel has scored),
/// fail or cancel (with a reason; the budget is released), relaunch (a failed or cancelled
/// one: answers the new draft).
#[utoipa::path(post, path = "/api/v1/purchase-projects/{purchase_project_id}/transitions", tag = "procurement",
    params(("purchase_project_id" = uuid::Uuid, Path)), request_body = ProjectStep,
    responses((status = 200, body = ProjectView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_project(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ProjectStep>,
) -> AppResult<Json<ProjectView>> {
    let who = AuditActor::from(&me);
    let step = TransitionInput {
        transition: body.transition.clone(),
        reason: body.reason.clone(),
        version: body.version,
    };
    let p = match (step.transition.as_str(), &body.notice) {
        ("publish", Some(n)) => {
            notices::publish(&state, &me.actor, &who, &id, n, step.version).await?
        }
        ("publish", None) => {
            return Err(gongzhi_platform::web::AppError::field(
                "notice",
                "procurement.notice_required",
            ));
        }
        ("relaunch", _) => projects::relaunch(&state, &me.actor, &who, &id).await?,
        ("award", _) => {
            award::award(
                &state,
                &me.actor,
                &who,
                &id,
                step.version,
                body.bid,
                step.reason.as_deref(),
            )
            .await?
        }
        _ => projects::decide(&state, &me.actor, &who, &id, &step).await?,
    };
    Ok(Json(project_view(p)))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ProjectStep {
    /// submit / return / approve / publish / open / award / fail / cancel / relaunch
    pub transition: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// The project's version you last read.
    pub version: i32,
    /// With `publish`: the notice and its deadlines.
    #[serde(default)]
    pub notice: Option<NoticeInput>,
    /// With `award`: the winning bid when it is not the panel's recommendation (a reason is
    /// then required).
    #[serde(default)]
    pub bid: Option<uuid::Uuid>,
}

/// A project's bids: only their number until the deadline (sealed), then all of them.
#[utoipa::path(get, path = "/api/v1/purchase-projects/{purchase_project_id}/bids", tag = "procurement",
    params(("purchase_project_id" = uuid::Uuid, Path)),
    responses((status = 200, body = BidsView), (status = 404, body = Problem)))]
pub async fn project_bids(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<BidsView>> {
    Ok(Json(bids::for_project(&state, &me.actor, &id).await?))
}

// ---------- notices: clarifications, questions, bids ----------

/// Every question and clarification of a notice, for its purchaser.
#[utoipa::path(get, path = "/api/v1/purchase-notices/{notice_id}/clarifications", tag = "procurement",
    params(("notice_id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<ClarificationView>), (status = 404, body = Problem)))]
pub async fn list_clarifications(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<ClarificationView>>> {
    let p = projects::get(&state, &me.actor, &id).await?;
    let all = notices::clarifications(&state.db.read, p.id, false).await?;
    Ok(Json(all.into_iter().map(clarification_view).collect()))
}

/// Publish a clarification, answering a question or on the purchaser's own initiative.
#[utoipa::path(post, path = "/api/v1/purchase-notices/{notice_id}/clarifications", tag = "procurement",
    params(("notice_id" = uuid::Uuid, Path)), request_body = ClarificationInput,
    responses((status = 201, body = ClarificationView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn clarify(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ClarificationInput>,
) -> AppResult<(StatusCode, Json<ClarificationView>)> {
    let c = notices::clarify(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((StatusCode::CREATED, Json(clarification_view(c))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgParam {
    /// The organization that would bid.
    pub org: uuid::Uuid,
}

/// Whether an organization may bid on a notice, criterion by criterion.
#[utoipa::path(get, path = "/api/v1/purchase-notices/{notice_id}/eligibility", tag = "procurement",
    params(("notice_id" = uuid::Uuid, Path), OrgParam),
    responses((status = 200, body = EligibilityView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn notice_eligibility(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    Query(q): Query<OrgParam>,
) -> AppResult<Json<EligibilityView>> {
    Ok(Json(
        bids::eligibility_view(&state, &me.actor, &id, q.org).await?,
    ))
}

/// Ask about a notice, until its enquiry deadline.
#[utoipa::path(post, path = "/api/v1/purchase-notices/{notice_id}/questions", tag = "procurement",
    params(("notice_id" = uuid::Uuid, Path)), request_body = QuestionInput,
    responses((status = 201, body = ClarificationView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn ask(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<QuestionInput>,
) -> AppResult<(StatusCode, Json<ClarificationView>)> {
    let c = notices::ask(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((StatusCode::CREATED, Json(clarification_view(c))))
}

/// Submit a bid, or replace one before the deadline. Checked live against the item's
/// admission criteria: an ineligible organization is told each reason and nothing is saved.
#[utoipa::path(post, path = "/api/v1/purchase-notices/{notice_id}/bids", tag = "procurement",
    params(("notice_id" = uuid::Uuid, Path)), request_body = BidInput,
    responses((status = 201, body = BidView), (status = 422, body = Problem)))]
pub async fn submit_bid(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<BidInput>,
) -> AppResult<(StatusCode, Json<BidView>)> {
    let b = bids::submit(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((StatusCode::CREATED, Json(bids::bid_view(b))))
}

/// Withdraw a bid before the deadline.
#[utoipa::path(post, path = "/api/v1/purchase-bids/{purchase_bid_id}/withdraw", tag = "procurement",
    params(("purchase_bid_id" = uuid::Uuid, Path)), request_body = WithdrawInput,
    responses((status = 200, body = BidView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn withdraw_bid(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WithdrawInput>,
) -> AppResult<Json<BidView>> {
    let b = bids::withdraw(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(bids::bid_view(b)))
}

/// An organization's own bids, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/bids", tag = "procurement",
    params(("org_id" = uuid::Uuid, Path), OrgBidsQuery),
    responses((status = 200, body = Page<BidView>), (status = 403, body = Problem)))]
pub async fn org_bids(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org): Path<uuid::Uuid>,
    Query(q): Query<OrgBidsQuery>,
) -> AppResult<Json<Page<BidView>>> {
    Ok(Json(
        bids::of_org(&state, &me.actor, org, &q)
            .await?
            .map(bids::bid_view),
    ))
}

// ---------- credit ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordView {
    /// evaluation / breach / termination
    pub kind: String,
    pub grade: Option<String>,
    pub on: NaiveDate,
    pub project_id: Option<uuid::Uuid>,
    pub detail: String,
}

/// An organization's credit rating with everything it was computed from.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditView {
    pub org_id: uuid::Uuid,
    pub rating: Rating,
    pub grade: Option<i32>,
    pub abnormal: bool,
    pub serious: bool,
    pub records: Vec<RecordView>,
    pub model: CreditModel,
}

/// An organization's credit rating, shown with its inputs and the model.
#[utoipa::path(get, path = "/api/v1/public/orgs/{org_id}/credit", tag = "procurement",
    params(("org_id" = uuid::Uuid, Path)),
    responses((status = 200, body = CreditView), (status = 404, body = Problem)))]
pub async fn org_credit(
    State(state): State<AppState>,
    Path(org): Path<uuid::Uuid>,
) -> AppResult<Json<CreditView>> {
    let o = gongzhi_orgs::face::card(&state.db.read, org)
        .await?
        .filter(|o| o.is_public())
        .ok_or(gongzhi_platform::web::AppError::NotFound)?;
    let today = svc::today();
    let model = crate::service::records::model(&state.db.read, &o.scope_district).await?;
    let (inputs, rows) = crate::service::records::inputs(&state.db.read, o.id, today).await?;
    Ok(Json(CreditView {
        org_id: o.id,
        rating: crate::domain::rating::rate(&model, &inputs, today),
        grade: inputs.grade,
        abnormal: inputs.abnormal,
        serious: inputs.serious,
        records: rows
            .into_iter()
            .map(|r| RecordView {
                kind: r.kind,
                grade: r.grade,
                on: r.on_date,
                project_id: r.project_id,
                detail: r.detail,
            })
            .collect(),
        model,
    }))
}

// ---------- evaluation ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct SeatView {
    pub id: uuid::Uuid,
    pub project_id: uuid::Uuid,
    pub user_id: uuid::Uuid,
    pub name: String,
    /// drawn / seated / removed
    pub state: String,
    pub conflict_note: String,
    pub declared_at: Option<DateTime<Utc>>,
    pub version: i32,
}

pub fn seat_view(r: reviewer::Model) -> SeatView {
    SeatView {
        id: r.id,
        project_id: r.project_id,
        user_id: r.user_id,
        name: r.name,
        state: r.state,
        conflict_note: r.conflict_note,
        declared_at: r.declared_at,
        version: r.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationView {
    pub project: ProjectView,
    pub panel: Vec<SeatView>,
    #[serde(flatten)]
    pub evaluation: Evaluation,
}

/// A project's panel and, once every seat has scored, the ranking and recommendation.
#[utoipa::path(get, path = "/api/v1/purchase-evaluations/{evaluation_id}", tag = "procurement",
    params(("evaluation_id" = uuid::Uuid, Path)),
    responses((status = 200, body = EvaluationView), (status = 404, body = Problem)))]
pub async fn get_evaluation(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<EvaluationView>> {
    let (p, members, e) = panel::for_project(&state, &me.actor, &id).await?;
    Ok(Json(EvaluationView {
        project: project_view(p),
        panel: members.into_iter().map(seat_view).collect(),
        evaluation: e,
    }))
}

/// Draw reviewers at random from the expert pool until the panel is full; reviewers tied to a
/// bidder are recorded as removed.
#[utoipa::path(post, path = "/api/v1/purchase-evaluations/{evaluation_id}/panel", tag = "procurement",
    params(("evaluation_id" = uuid::Uuid, Path)), request_body = DrawInput,
    responses((status = 200, body = Vec<SeatView>), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn draw_panel(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DrawInput>,
) -> AppResult<Json<Vec<SeatView>>> {
    let drawn = panel::draw(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(drawn.into_iter().map(seat_view).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewTask {
    pub seat: SeatView,
    pub project_number: String,
    pub project_title: String,
    pub project_state: String,
}

/// The reviewer's own seats: what to declare and score.
#[utoipa::path(get, path = "/api/v1/purchase-reviews", tag = "procurement",
    responses((status = 200, body = Vec<ReviewTask>), (status = 403, body = Problem)))]
pub async fn my_reviews(
    State(state): State<AppState>,
    me: CurrentActor,
) -> AppResult<Json<Vec<ReviewTask>>> {
    Ok(Json(
        panel::seats_of(&state, &me.actor)
            .await?
            .into_iter()
            .map(|(s, p)| ReviewTask {
                seat: seat_view(s),
                project_number: p.number,
                project_title: p.title,
                project_state: p.state,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SheetBid {
    pub bid: uuid::Uuid,
    pub org_name: String,
    /// Only for a seated reviewer.
    pub price_fen: Option<i64>,
    pub proposal: Option<String>,
    pub my_technical: Option<i32>,
    pub my_quality: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub seat: SeatView,
    pub project: ProjectView,
    /// The bidders (to declare conflicts); their bids once seated.
    pub bids: Vec<SheetBid>,
}

/// A seat: the bidders to declare against and, once seated, the bids to score.
#[utoipa::path(get, path = "/api/v1/purchase-reviews/{purchase_review_id}", tag = "procurement",
    params(("purchase_review_id" = uuid::Uuid, Path)),
    responses((status = 200, body = ReviewView), (status = 404, body = Problem)))]
pub async fn get_review(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<ReviewView>> {
    let (seat, p, bids, mine) = panel::review(&state, &me.actor, &id).await?;
    let seated = seat.state == "seated";
    Ok(Json(ReviewView {
        bids: bids
            .into_iter()
            .map(|b| {
                let s = mine.iter().find(|s| s.bid_id == b.id);
                SheetBid {
                    bid: b.id,
                    org_name: b.org_name,
                    price_fen: seated.then_some(b.price_fen),
                    proposal: seated.then_some(b.proposal),
                    my_technical: s.map(|s| s.technical),
                    my_quality: s.map(|s| s.quality),
                }
            })
            .collect(),
        seat: seat_view(seat),
        project: project_view(p),
    }))
}

/// Declare conflicts of interest: with one (declared or detected) the reviewer leaves the panel.
#[utoipa::path(post, path = "/api/v1/purchase-reviews/{purchase_review_id}/declaration", tag = "procurement",
    params(("purchase_review_id" = uuid::Uuid, Path)), request_body = DeclarationInput,
    responses((status = 200, body = SeatView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn declare(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DeclarationInput>,
) -> AppResult<Json<SeatView>> {
    let s = panel::declare(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(seat_view(s)))
}

/// Score every valid bid (technical and quality, in hundredths, within the rubric).
#[utoipa::path(post, path = "/api/v1/purchase-reviews/{purchase_review_id}/scores", tag = "procurement",
    params(("purchase_review_id" = uuid::Uuid, Path)), request_body = ScoreSheet,
    responses((status = 200, body = ReviewView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_scores(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ScoreSheet>,
) -> AppResult<Json<ReviewView>> {
    panel::score(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    get_review(State(state), me, Path(id)).await
}

// ---------- challenges ----------

#[derive(Debug, Serialize, ToSchema)]
pub struct ChallengeView {
    pub id: uuid::Uuid,
    pub project_id: uuid::Uuid,
    pub org_id: uuid::Uuid,
    pub grounds: String,
    pub received_on: NaiveDate,
    pub answer_due: NaiveDate,
    pub answer: String,
    pub answered_on: Option<NaiveDate>,
    /// upheld / dismissed, once answered
    pub outcome: String,
    pub complaint_until: Option<NaiveDate>,
    pub complaint: String,
    pub complained_on: Option<NaiveDate>,
    pub resolution: String,
    /// open / answered / complained / closed
    pub state: String,
    pub version: i32,
}

pub fn challenge_view(c: challenge::Model) -> ChallengeView {
    ChallengeView {
        id: c.id,
        project_id: c.project_id,
        org_id: c.org_id,
        grounds: c.grounds,
        received_on: c.received_on,
        answer_due: c.answer_due,
        answer: c.answer,
        answered_on: c.answered_on,
        outcome: c.outcome,
        complaint_until: c.complaint_until,
        complaint: c.complaint,
        complained_on: c.complained_on,
        resolution: c.resolution,
        state: c.state,
        version: c.version,
    }
}

/// An award's challenges, for its purchaser.
#[utoipa::path(get, path = "/api/v1/purchase-awards/{award_id}/challenges", tag = "procurement",
    params(("award_id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<ChallengeView>), (status = 404, body = Problem)))]
pub async fn list_challenges(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<ChallengeView>>> {
    let all = award::of_project(&state, &me.actor, &id).await?;
    Ok(Json(all.into_iter().map(challenge_view).collect()))
}

/// A bidder challenges the award, within 7 working days of the award notice.
#[utoipa::path(post, path = "/api/v1/purchase-awards/{award_id}/challenges", tag = "procurement",
    params(("award_id" = uuid::Uuid, Path)), request_body = ChallengeInput,
    responses((status = 201, body = ChallengeView), (status = 422, body = Problem)))]
pub async fn raise_challenge(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ChallengeInput>,
) -> AppResult<(StatusCode, Json<ChallengeView>)> {
    let c = award::raise(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((StatusCode::CREATED, Json(challenge_view(c))))
}

#[utoipa::path(get, path = "/api/v1/purchase-challenges/{purchase_challenge_id}", tag = "procurement",
    params(("purchase_challenge_id" = uuid::Uuid, Path)),
    responses((status = 200, body = ChallengeView), (status = 404, body = Problem)))]
pub async fn get_challenge(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<ChallengeView>> {
    Ok(Json(challenge_view(
        award::get(&state, &me.actor, &id).await?.0,
    )))
}

/// Answer a challenge (the purchaser, within 7 working days), complain about the answer (the
/// challenger, within 15 working days), record the decision on the complaint (the purchaser).
#[utoipa::path(post, path = "/api/v1/purchase-challenges/{purchase_challenge_id}/transitions", tag = "procurement",
    params(("purchase_challenge_id" = uuid::Uuid, Path)), request_body = ChallengeStep,
    responses((status = 200, body = ChallengeView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn challenge_step(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ChallengeStep>,
) -> AppResult<Json<ChallengeView>> {
    let c = award::step(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(challenge_view(c)))
}

// ---------- contracts and delivery ----------

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

fn milestone_view(m: milestone::Model) -> MilestoneView {
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

fn performance_view(e: evaluation::Model) -> PerformanceView {
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

fn contract_view(c: contract::Model) -> ContractView {
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

async fn contract_detail(state: &AppState, c: contract::Model) -> AppResult<ContractDetail> {
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

// ---------- OCDS ----------

/// The address the caller reached us at, for package URIs.
fn base_url(headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// A process's releases, one per stage, as published (OCDS 1.1 release package).
#[utoipa::path(get, path = "/api/v1/public/ocds/releases/{ocid}", tag = "procurement",
    params(("ocid" = String, Path, description = "e.g. ocds-gongzh-440308002000-2026-0001")),
    responses((status = 200, description = "OCDS 1.1 release package", content_type = "application/json"), (status = 404, body = Problem)))]
pub async fn ocds_releases(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(ocid): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    let releases = crate::service::ocds::releases_of(&state.db.read, &ocid).await?;
    Ok(Json(crate::service::ocds::release_package(
        &base_url(&headers),
        &format!("/api/v1/public/ocds/releases/{ocid}"),
        releases,
    )))
}

/// A process's record: its releases and the compiled release (OCDS 1.1 record package).
#[utoipa::path(get, path = "/api/v1/public/ocds/records/{ocid}", tag = "procurement",
    params(("ocid" = String, Path)),
    responses((status = 200, description = "OCDS 1.1 record package", content_type = "application/json"), (status = 404, body = Problem)))]
pub async fn ocds_record(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Path(ocid): Path<String>,
) -> AppResult<Json<serde_json::Value>> {
    let releases = crate::service::ocds::releases_of(&state.db.read, &ocid).await?;
    Ok(Json(crate::service::ocds::record_package(
        &base_url(&headers),
        &format!("/api/v1/public/ocds/records/{ocid}"),
        &ocid,
        releases,
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The district (`440308` or `440308000000`).
    pub district: String,
    pub year: i32,
    /// Releases per package (1–1000, default 500).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// From the `Link: rel="next"` of the previous package.
    pub cursor: Option<String>,
}

/// Every release a district published in a year, in publication order, in packages of `limit`;
/// the next package is linked in the `Link` header.
#[utoipa::path(get, path = "/api/v1/public/ocds/releases", tag = "procurement", params(YearQuery),
    responses((status = 200, description = "OCDS 1.1 release package", content_type = "application/json"), (status = 404, body = Problem)))]
pub async fn ocds_year(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<YearQuery>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let d = gongzhi_platform::territory::district_node(&state.db.read, &q.district).await?;
    let limit = match q.limit {
        None => 500,
        Some(n @ 1..=1000) => n,
        Some(_) => {
            return Err(gongzhi_platform::AppError::Validation(
                gongzhi_kernel::FieldError::new("limit", "page.limit_range")
                    .arg("min", 1)
                    .arg("max", 1000)
                    .into(),
            ));
        }
    };
    let page = gongzhi_platform::web::PageParams {
        limit: Some(1),
        cursor: q.cursor.clone(),
    };
    let after: Option<(DateTime<Utc>, String)> = page.decode()?;
    // One more than the package holds tells whether another follows: a year whose releases
    // fill the last package exactly gets no link to an empty one.
    let mut rows =
        crate::service::ocds::year(&state.db.read, &d.district_code, q.year, after, limit + 1).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let base = base_url(&headers);
    let uri = format!(
        "/api/v1/public/ocds/releases?district={}&year={}&limit={limit}{}",
        d.district_code,
        q.year,
        q.cursor
            .as_deref()
            .map(|c| format!("&cursor={c}"))
            .unwrap_or_default()
    );
    let next = more.then(|| {
        let last = rows.last().expect("a full page");
        gongzhi_platform::web::pagination::encode_cursor(&(last.date, last.id.clone()))
    });
    let releases = rows
        .iter()
        .map(|r| crate::service::ocds::stored(&r.payload))
        .collect();
    let body = crate::service::ocds::release_package(&base, &uri, releases);
    let mut resp = Json(body).into_response();
    if let Some(c) = next {
        let link = format!(
            "<{base}/api/v1/public/ocds/releases?district={}&year={}&limit={limit}&cursor={c}>; rel=\"next\"",
            d.district_code, q.year
        );
        if let Ok(v) = axum::http::HeaderValue::from_str(&link) {
            resp.headers_mut().insert(axum::http::header::LINK, v);
        }
    }
    Ok(resp)
}

/// Our OCDS extension: the fields of Chinese purchase of services that OCDS lacks.
#[utoipa::path(get, path = "/api/v1/public/ocds/extension.json", tag = "procurement",
    responses((status = 200, description = "OCDS extension", content_type = "application/json")))]
pub async fn ocds_extension() -> Json<serde_json::Value> {
    Json(crate::service::ocds::extension())
}

/// The release-schema patch that `extension.json` names in `schemas`.
#[utoipa::path(get, path = "/api/v1/public/ocds/release-schema.json", tag = "procurement",
    responses((status = 200, description = "OCDS extension release-schema patch", content_type = "application/json")))]
pub async fn ocds_extension_schema() -> Json<serde_json::Value> {
    Json(crate::service::ocds::extension_release_schema())
}

// ---------- work queues and results ----------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only this node and below (a street, for the district).
    pub node: Option<String>,
}

/// What waits for the caller, by role, each section counted with its first items.
#[utoipa::path(get, path = "/api/v1/purchase-queue", tag = "procurement", params(QueueQuery),
    responses((status = 200, body = crate::service::queue::Queue), (status = 403, body = Problem)))]
pub async fn work_queue(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<QueueQuery>,
) -> AppResult<Json<crate::service::queue::Queue>> {
    Ok(Json(
        crate::service::queue::queue(&state, &me.actor, q.node.as_deref()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// A street or the district.
    pub node: String,
    /// Projects starting in this year.
    pub year: i32,
}

/// Results by catalog item: projects, budgets, contracts, terminations and grades.
#[utoipa::path(get, path = "/api/v1/purchase-results", tag = "procurement", params(ResultsQuery),
    responses((status = 200, body = Vec<crate::service::results::ItemResult>), (status = 403, body = Problem)))]
pub async fn results_by_item(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<ResultsQuery>,
) -> AppResult<Json<Vec<crate::service::results::ItemResult>>> {
    Ok(Json(
        crate::service::results::by_item(&state, &me.actor, &q.node, q.year).await?,
    ))
}
