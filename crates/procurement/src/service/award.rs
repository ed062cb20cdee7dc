//! The award (中标/成交) and its challenges (质疑, 政府采购法 Arts. 52–55): the award notice starts
//! the clocks (challenges and standstill of 7 working days, signing within 30 days); a bidder
//! may challenge within the deadline; the purchaser answers within 7 working days; a complaint
//! may follow within 15 working days of the answer. An open challenge or complaint blocks the
//! contract; an upheld one lets the purchaser fail the award and start a new process.

use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_kernel::id::OrgId;
use gongzhi_kernel::{FieldError, ValidationErrors};
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::sea_orm::sea_query::Expr;
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState};
use serde_json::json;

use crate::domain::{self, BLOCKING_CHALLENGES, CHALLENGE, PROJECT};
use crate::store::entity::{bid, challenge, project};
use crate::service::projects::{self, reread};
use crate::service::{self as svc, Move, fail_if, required_text};
use crate::domain::{BidState, ProjectState};

/// Award the procurement: to the panel's recommendation, or (with a reason) to another valid
/// bid.
pub async fn award(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    project_id: &str,
    version: i32,
    chosen: Option<uuid::Uuid>,
    reason: Option<&str>,
) -> AppResult<project::Model> {
    let p = projects::get(state, actor, project_id).await?;
    if p.state != ProjectState::EVALUATING {
        // The workflow says why (a second award, or not yet opened).
        return step_only(state, actor, who, &p, version, "award", reason).await;
    }
    let e = crate::service::panel::evaluation(&state.db.read, &p).await?;
    let Some(recommended) = e.recommended else {
        return Err(AppError::field(
            "transition",
            "procurement.evaluation_incomplete",
        ));
    };
    let winner = chosen.unwrap_or(recommended);
    if !e.results.iter().any(|r| r.bid == winner) {
        return Err(AppError::field("bid", "procurement.bid_unknown"));
    }
    if winner != recommended && reason.is_none_or(|r| r.trim().chars().count() < 10) {
        return Err(AppError::field("reason", "procurement.award_reason"));
    }
    let today = svc::today();
    let clock = domain::award_clock(&state.calendar, today);
    let txn = state.db.write.begin().await?;
    let m = Move {
        table: "proc_projects",
        id: p.id,
        state: &p.state,
        version,
        path: &p.path,
        org: None,
    };
    svc::step(&txn, state, actor, who, &PROJECT, m, "award", reason).await?;
    project::Entity::update_many()
        .col_expr(project::Column::AwardedBidId, Expr::value(winner))
        .col_expr(project::Column::AwardOn, Expr::value(today))
        .col_expr(
            project::Column::ChallengeUntil,
            Expr::value(clock.challenge_until),
        )
        .col_expr(
            project::Column::StandstillUntil,
            Expr::value(clock.standstill_until),
        )
        .col_expr(project::Column::SignBy, Expr::value(clock.sign_by))
        .filter(project::Column::Id.eq(p.id))
        .exec(&txn)
        .await?;
    crate::service::ocds::publish(&txn, p.id, "award").await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.awarded",
            entity_type: "purchase_project",
            entity_id: &p.id.to_string(),
            scope_path: &p.path,
            summary: json!({"number": p.number, "bid": winner, "recommended": recommended}),
        },
    )
    .await?;
    let out = reread(&txn, p.id).await?;
    txn.commit().await?;
    Ok(out)
}

async fn step_only(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    p: &project::Model,
    version: i32,
    t: &str,
    reason: Option<&str>,
) -> AppResult<project::Model> {
    let txn = state.db.write.begin().await?;
    let m = Move {
        table: "proc_projects",
        id: p.id,
        state: &p.state,
        version,
        path: &p.path,
        org: None,
    };
    svc::step(&txn, state, actor, who, &PROJECT, m, t, reason).await?;
    let out = reread(&txn, p.id).await?;
    txn.commit().await?;
    Ok(out)
}

/// Challenges that block the contract.
pub async fn blocking(conn: &impl ConnectionTrait, project: uuid::Uuid) -> AppResult<u64> {
    Ok(challenge::Entity::find()
        .filter(challenge::Column::ProjectId.eq(project))
        .filter(challenge::Column::State.is_in(BLOCKING_CHALLENGES))
        .count(conn)
        .await?)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct ChallengeInput {
    /// The challenging bidder.
    pub org: uuid::Uuid,
    /// What harmed the bidder and why.
    pub grounds: String,
}

/// A bidder challenges the award, within the challenge deadline.
pub async fn raise(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    notice_id: &str,
    input: &ChallengeInput,
) -> AppResult<challenge::Model> {
    let o = crate::service::bids::acting_org(state, actor, input.org).await?;
    let p = crate::service::notices::public(state, notice_id).await?;
    let bidder = bid::Entity::find()
        .filter(bid::Column::ProjectId.eq(p.id))
        .filter(bid::Column::OrgId.eq(o.id))
        .filter(bid::Column::State.eq(BidState::VALID))
        .count(&state.db.read)
        .await?
        > 0;
    let mut errors = ValidationErrors::new();
    let grounds = required_text(&mut errors, "grounds", &input.grounds, 10, 4000);
    let today = svc::today();
    if !bidder {
        errors.push(FieldError::new("org", "procurement.challenge_not_bidder"));
    }
    match (p.state.as_str(), p.challenge_until) {
        (ProjectState::AWARDED, Some(until)) if today <= until => {}
        (ProjectState::AWARDED, Some(until)) => errors
            .push(FieldError::new("grounds", "procurement.challenge_late").arg("until", until)),
        _ => errors.push(FieldError::new("grounds", "procurement.challenge_no_award")),
    }
    fail_if(errors)?;
    let now = audit::now();
    let txn = state.db.write.begin().await?;
    let row = challenge::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        project_id: Set(p.id),
        org_id: Set(o.id),
        grounds: Set(grounds),
        received_on: Set(today),
        answer_due: Set(domain::answer_due(&state.calendar, today)),
        answer: Set(String::new()),
        answered_on: Set(None),
        outcome: Set(String::new()),
        complaint_until: Set(None),
        complaint: Set(String::new()),
        complained_on: Set(None),
        resolution: Set(String::new()),
        state: Set(CHALLENGE.initial.into()),
        raised_by: Set(Some(actor.user_id.0)),
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
            action: "purchase.challenge_raised",
            entity_type: "purchase_challenge",
            entity_id: &row.id.to_string(),
            scope_path: &p.path,
            summary: json!({"project": p.number, "org": o.id, "answer_due": row.answer_due}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// A challenge its purchaser or its challenger may see.
pub async fn get(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> AppResult<(challenge::Model, project::Model)> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let c = challenge::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = reread(&state.db.read, c.project_id).await?;
    let scope = ResourceScope {
        path: p.path.clone(),
        org_id: Some(OrgId(c.org_id)),
    };
    if state
        .authorize(actor, crate::PURCHASE_READ, &scope)
        .is_err()
        && state.authorize(actor, crate::PURCHASE_BID, &scope).is_err()
    {
        return Err(AppError::NotFound);
    }
    Ok((c, p))
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct ChallengeStep {
    /// answer (the purchaser), complain (the challenger), resolve (the purchaser, recording the
    /// finance department's decision on the complaint)
    pub transition: String,
    /// The answer, the complaint or the decision.
    pub text: String,
    /// With `answer`: upheld or dismissed.
    #[serde(default)]
    pub outcome: Option<String>,
    pub version: i32,
}

pub async fn step(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &ChallengeStep,
) -> AppResult<challenge::Model> {
    let (c, p) = get(state, actor, id).await?;
    let today = svc::today();
    let mut errors = ValidationErrors::new();
    let text = required_text(&mut errors, "text", &input.text, 10, 4000);
    let t = input.transition.as_str();
    match t {
        "answer" => {
            if !matches!(input.outcome.as_deref(), Some("upheld" | "dismissed")) {
                errors.push(FieldError::new("outcome", "procurement.outcome_required"));
            }
        }
        "complain" => {
            if c.complaint_until.is_some_and(|d| today > d) {
                errors.push(FieldError::new("text", "procurement.complaint_late"));
            }
        }
        "resolve" => {}
        _ => return Err(AppError::field("transition", "workflow.unknown_transition")),
    }
    fail_if(errors)?;
    let txn = state.db.write.begin().await?;
    let m = Move {
        table: "proc_challenges",
        id: c.id,
        state: &c.state,
        version: input.version,
        path: &p.path,
        org: Some(c.org_id),
    };
    svc::step(&txn, state, actor, who, &CHALLENGE, m, t, None).await?;
    let mut q = challenge::Entity::update_many().filter(challenge::Column::Id.eq(c.id));
    q = match t {
        "answer" => q
            .col_expr(challenge::Column::Answer, Expr::value(text))
            .col_expr(challenge::Column::AnsweredOn, Expr::value(today))
            .col_expr(
                challenge::Column::Outcome,
                Expr::value(input.outcome.clone().unwrap_or_default()),
            )
            .col_expr(
                challenge::Column::ComplaintUntil,
                Expr::value(domain::complaint_until(&state.calendar, today)),
            ),
        "complain" => q
            .col_expr(challenge::Column::Complaint, Expr::value(text))
            .col_expr(challenge::Column::ComplainedOn, Expr::value(today)),
        _ => q.col_expr(challenge::Column::Resolution, Expr::value(text)),
    };
    q.exec(&txn).await?;
    let out = challenge::Entity::find_by_id(c.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(out)
}

/// A project's challenges, for its purchaser.
pub async fn of_project(
    state: &AppState,
    actor: &Actor,
    project_id: &str,
) -> AppResult<Vec<challenge::Model>> {
    let p = projects::get(state, actor, project_id).await?;
    Ok(challenge::Entity::find()
        .filter(challenge::Column::ProjectId.eq(p.id))
        .order_by_asc(challenge::Column::CreatedAt)
        .all(&state.db.read)
        .await?)
}
