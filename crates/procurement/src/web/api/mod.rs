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

mod views;
mod public_api;
mod settings_api;
mod budget_api;
mod needs_api;
mod projects_api;
mod notices_api;
mod credit_api;
mod evaluation_api;
mod challenges_api;
mod contracts_api;
mod ocds_api;
mod queues_api;

pub use views::*;
pub use public_api::*;
pub use settings_api::*;
pub use budget_api::*;
pub use needs_api::*;
pub use projects_api::*;
pub use notices_api::*;
pub use credit_api::*;
pub use evaluation_api::*;
pub use challenges_api::*;
pub use contracts_api::*;
pub use ocds_api::*;
pub use queues_api::*;

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
