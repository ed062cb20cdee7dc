//! The procurement notice (采购公告) on the public portal, with its enquiry and submission
//! deadlines; organizations' questions and the purchaser's published clarifications.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use gongzhi_kernel::FieldError;
use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::sea_orm::sea_query::{Expr, ExprTrait};
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState, Page, PageParams};
use serde_json::json;

use crate::PURCHASE_MANAGE;
use crate::domain::{self, Method, PROJECT};
use crate::store::entity::{clarification, project};
use crate::service::projects::{self, reread};
use crate::service::{self as svc, Move, fail_if, required_text};
use crate::domain::ProjectState;

/// The day a moment falls on in China (UTC+8, no daylight saving).
pub fn china_day(t: DateTime<Utc>) -> NaiveDate {
    (t + chrono::Duration::hours(8)).date_naive()
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct NoticeInput {
    /// Last day questions are taken.
    pub enquiry_until: NaiveDate,
    /// The moment bids close (RFC 3339, e.g. `2026-12-20T09:30:00+08:00`).
    #[schema(value_type = String)]
    pub submit_until: DateTime<FixedOffset>,
    /// The notice: requirements, qualification, evaluation method, how to respond.
    pub notice_text: String,
}

/// Publish the notice of an approved project: the deadlines must leave the time the method
/// requires.
pub async fn publish(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &NoticeInput,
    version: i32,
) -> AppResult<project::Model> {
    let p = projects::get(state, actor, id).await?;
    state.authorize(actor, PURCHASE_MANAGE, &ResourceScope::territory(&p.path))?;
    let mut errors = gongzhi_kernel::ValidationErrors::new();
    let text = required_text(&mut errors, "notice_text", &input.notice_text, 20, 20_000);
    let method = Method::parse(&p.method).ok_or(AppError::Conflict("workflow.not_allowed"))?;
    let submit_until = input.submit_until.with_timezone(&Utc);
    errors.0.extend(domain::check_deadlines(
        method,
        &state.calendar,
        svc::today(),
        input.enquiry_until,
        china_day(submit_until),
    ));
    fail_if(errors)?;
    let txn = state.db.write.begin().await?;
    let m = Move {
        table: "proc_projects",
        id: p.id,
        state: &p.state,
        version,
        path: &p.path,
        org: None,
    };
    svc::step(&txn, state, actor, who, &PROJECT, m, "publish", None).await?;
    project::Entity::update_many()
        .col_expr(project::Column::NoticeAt, Expr::value(audit::now()))
        .col_expr(
            project::Column::EnquiryUntil,
            Expr::value(input.enquiry_until),
        )
        .col_expr(project::Column::SubmitUntil, Expr::value(submit_until))
        .col_expr(project::Column::NoticeText, Expr::value(text))
        .filter(project::Column::Id.eq(p.id))
        .exec(&txn)
        .await?;
    crate::service::ocds::publish(&txn, p.id, "tender").await?;
    let out = reread(&txn, p.id).await?;
    txn.commit().await?;
    Ok(out)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct QuestionInput {
    /// The asking organization.
    pub org: uuid::Uuid,
    pub question: String,
}

/// An organization asks about an open notice, until the enquiry deadline. The question is
/// answered in a published clarification without naming the asker.
pub async fn ask(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    project_id: &str,
    input: &QuestionInput,
) -> AppResult<clarification::Model> {
    let o = crate::service::bids::acting_org(state, actor, input.org).await?;
    let p = open_notice(state, project_id).await?;
    let mut errors = gongzhi_kernel::ValidationErrors::new();
    let q = required_text(&mut errors, "question", &input.question, 5, 2000);
    if p.enquiry_until.is_some_and(|d| svc::today() > d) {
        errors.push(FieldError::new("question", "procurement.enquiry_closed"));
    }
    fail_if(errors)?;
    let now = audit::now();
    let txn = state.db.write.begin().await?;
    let row = clarification::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        project_id: Set(p.id),
        org_id: Set(Some(o.id)),
        question: Set(q),
        answer: Set(String::new()),
        asked_at: Set(Some(now)),
        published_at: Set(None),
        asked_by: Set(Some(actor.user_id.0)),
        answered_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.question_asked",
            entity_type: "purchase_clarification",
            entity_id: &row.id.to_string(),
            scope_path: &o.path,
            summary: json!({"project": p.number}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// A project whose notice is out and whose bids are not yet opened.
async fn open_notice(state: &AppState, id: &str) -> AppResult<project::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let p = reread(&state.db.read, id).await?;
    if p.notice_at.is_none() {
        return Err(AppError::NotFound);
    }
    if p.state != ProjectState::TENDERING {
        return Err(AppError::Conflict("procurement.notice_closed"));
    }
    Ok(p)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct ClarificationInput {
    /// The question answered, if any.
    #[serde(default)]
    pub question: Option<uuid::Uuid>,
    pub answer: String,
}

/// The purchaser publishes a clarification, answering a question or on its own initiative.
pub async fn clarify(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    project_id: &str,
    input: &ClarificationInput,
) -> AppResult<clarification::Model> {
    let p = projects::get(state, actor, project_id).await?;
    state.authorize(actor, PURCHASE_MANAGE, &ResourceScope::territory(&p.path))?;
    if p.state != ProjectState::TENDERING {
        return Err(AppError::Conflict("procurement.notice_closed"));
    }
    let mut errors = gongzhi_kernel::ValidationErrors::new();
    let answer = required_text(&mut errors, "answer", &input.answer, 5, 4000);
    fail_if(errors)?;
    let now = audit::now();
    let txn = state.db.write.begin().await?;
    let row = match input.question {
        Some(qid) => {
            let res = clarification::Entity::update_many()
                .col_expr(clarification::Column::Answer, Expr::value(answer))
                .col_expr(clarification::Column::PublishedAt, Expr::value(now))
                .col_expr(
                    clarification::Column::AnsweredBy,
                    Expr::value(actor.user_id.0),
                )
                .col_expr(clarification::Column::UpdatedAt, Expr::value(now))
                .col_expr(
                    clarification::Column::Version,
                    Expr::col(clarification::Column::Version).add(1),
                )
                .filter(clarification::Column::Id.eq(qid))
                .filter(clarification::Column::ProjectId.eq(p.id))
                .filter(clarification::Column::PublishedAt.is_null())
                .exec(&txn)
                .await?;
            if res.rows_affected != 1 {
                return Err(AppError::field("question", "procurement.question_unknown"));
            }
            clarification::Entity::find_by_id(qid)
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?
        }
        None => {
            clarification::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                project_id: Set(p.id),
                org_id: Set(None),
                question: Set(String::new()),
                answer: Set(answer),
                asked_at: Set(None),
                published_at: Set(Some(now)),
                asked_by: Set(None),
                answered_by: Set(Some(actor.user_id.0)),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(&txn)
            .await?
        }
    };
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.clarification_published",
            entity_type: "purchase_clarification",
            entity_id: &row.id.to_string(),
            scope_path: &p.path,
            summary: json!({"project": p.number, "question": input.question}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// A project's clarifications: all for its purchaser, only the published ones otherwise.
pub async fn clarifications(
    conn: &impl ConnectionTrait,
    project: uuid::Uuid,
    published_only: bool,
) -> AppResult<Vec<clarification::Model>> {
    let mut s = clarification::Entity::find().filter(clarification::Column::ProjectId.eq(project));
    if published_only {
        s = s.filter(clarification::Column::PublishedAt.is_not_null());
    }
    Ok(s.order_by_asc(clarification::Column::CreatedAt)
        .all(conn)
        .await?)
}


#[derive(Debug, serde::Deserialize, gongzhi_platform::utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    /// The district (`440308` or `440308000000`).
    pub district: String,
    /// Only notices still taking bids.
    #[serde(default)]
    pub open: bool,
    /// Rows per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Published notices of a district, newest first.
pub async fn list(state: &AppState, q: &NoticeQuery) -> AppResult<Page<project::Model>> {
    let d = gongzhi_platform::territory::district_node(&state.db.read, &q.district).await?;
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let limit = page.limit()?;
    let after: Option<(DateTime<Utc>, uuid::Uuid)> = page.decode()?;
    let mut s = project::Entity::find()
        .filter(project::Column::District.eq(&d.district_code))
        .filter(project::Column::NoticeAt.is_not_null());
    if q.open {
        s = s.filter(project::Column::State.eq(ProjectState::TENDERING));
    }
    if let Some((at, id)) = after {
        s = s.filter(
            gongzhi_platform::sea_orm::Condition::any()
                .add(project::Column::NoticeAt.lt(at))
                .add(
                    gongzhi_platform::sea_orm::Condition::all()
                        .add(project::Column::NoticeAt.eq(at))
                        .add(project::Column::Id.lt(id)),
                ),
        );
    }
    let rows = s
        .order_by_desc(project::Column::NoticeAt)
        .order_by_desc(project::Column::Id)
        .limit(limit + 1)
        .all(&state.db.read)
        .await?;
    Ok(Page::from_rows(rows, limit, |p| {
        (p.notice_at.unwrap_or_default(), p.id)
    }))
}

/// One published notice.
pub async fn public(state: &AppState, id: &str) -> AppResult<project::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let p = reread(&state.db.read, id).await?;
    if p.notice_at.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(p)
}
