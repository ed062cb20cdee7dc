//! The purchase API: views.

use super::*;

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

pub(super) fn notice_view(p: &project::Model, purchaser: String) -> NoticeView {
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
