//! Performance evaluation (绩效评价) after acceptance: by the street, or by a third-party
//! evaluator it assigns; against the project's targets, with service users' satisfaction from a
//! short survey residents answer on a phone, weighted as the district configured; graded
//! 优/良/中/差. The grade is applied: a dated record on the provider (read by the credit
//! rating) and, for 差, the `performance_poor` standing event the admission criteria read.

use gongzhi_platform::sea_orm::QueryTrait as _;
use gongzhi_platform::versioned::{self, Stamp};
use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_kernel::{FieldError, ValidationErrors};
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::entity::role_assignment;
use gongzhi_platform::sea_orm::sea_query::Expr;
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState};
use serde_json::json;

use crate::service::contracts::{self, reread_contract, scope_of};
use crate::domain::{self, CONTRACT, Grade, PROJECT};
use crate::store::entity::{contract, evaluation, survey_response};
use crate::service::projects::reread;
use crate::service::{self as svc, Move, fail_if, required_text};
use crate::{PURCHASE_EVALUATE, PURCHASE_MANAGE, service::records};
use crate::domain::ContractState;

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct AssignInput {
    /// A user holding the evaluator role over the contract's street or district.
    pub evaluator: uuid::Uuid,
    pub version: i32,
}

/// Assign a third-party evaluator to a contract.
pub async fn assign(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &AssignInput,
) -> AppResult<contract::Model> {
    let c = contracts::get(state, actor, id).await?;
    state.authorize(actor, PURCHASE_MANAGE, &scope_of(&c))?;
    if c.state == ContractState::EVALUATED || c.state == ContractState::TERMINATED {
        return Err(AppError::Conflict("workflow.not_allowed"));
    }
    let qualified = role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.eq(input.evaluator))
        .filter(role_assignment::Column::Role.eq("evaluator"))
        .filter(role_assignment::Column::RevokedAt.is_null())
        .all(&state.db.read)
        .await?
        .iter()
        .any(|r| c.path.starts_with(&r.scope_path));
    if !qualified {
        return Err(AppError::field("evaluator", "procurement.not_an_evaluator"));
    }
    let txn = state.db.write.begin().await?;
    versioned::bump(
        &txn,
        contract::Entity::update_many()
            .col_expr(contract::Column::EvaluatorId, Expr::value(input.evaluator))
            .filter(contract::Column::Id.eq(c.id))
            .into_query(),
        input.version,
        Stamp::UpdatedAt,
    )
    .await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.evaluator_assigned",
            entity_type: "purchase_contract",
            entity_id: &c.id.to_string(),
            scope_path: &c.path,
            summary: json!({"evaluator": input.evaluator}),
        },
    )
    .await?;
    let out = reread_contract(&txn, c.id).await?;
    txn.commit().await?;
    Ok(out)
}

/// Contracts whose service users may answer the survey: in delivery or accepted, not yet
/// evaluated.
pub fn survey_open(c: &contract::Model) -> bool {
    c.state == ContractState::IN_FORCE || c.state == ContractState::ACCEPTED
}

pub async fn survey_contract(state: &AppState, id: &str) -> AppResult<contract::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    reread_contract(&state.db.read, id).await
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct SurveyInput {
    /// Four answers, each 1 (very dissatisfied) to 5 (very satisfied): the service overall,
    /// the staff's attitude, timeliness, whether it met the need.
    pub answers: Vec<u8>,
    #[serde(default)]
    pub comment: String,
}

/// A service user answers the satisfaction survey (no account needed).
pub async fn answer(
    state: &AppState,
    id: &str,
    input: &SurveyInput,
) -> AppResult<survey_response::Model> {
    let c = survey_contract(state, id).await?;
    if !survey_open(&c) {
        return Err(AppError::Conflict("procurement.survey_closed"));
    }
    let mut errors = ValidationErrors::new();
    if input.answers.len() != 4 || input.answers.iter().any(|a| !(1..=5).contains(a)) {
        errors.push(FieldError::new("answers", "procurement.survey_answers"));
    }
    if input.comment.chars().count() > 500 {
        errors.push(FieldError::new("comment", "procurement.text_too_long").arg("max", 500));
    }
    fail_if(errors)?;
    let txn = state.db.write.begin().await?;
    let a = &input.answers;
    let row = survey_response::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        contract_id: Set(c.id),
        q1: Set(a[0].into()),
        q2: Set(a[1].into()),
        q3: Set(a[2].into()),
        q4: Set(a[3].into()),
        comment: Set(input.comment.trim().into()),
        created_at: Set(audit::now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        &AuditActor::system("survey"),
        Change {
            action: "purchase.survey_answered",
            entity_type: "purchase_contract",
            entity_id: &c.id.to_string(),
            scope_path: &c.path,
            summary: json!({"response": row.id}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// The satisfaction so far: hundredths of 0–100 and how many answered.
pub async fn satisfaction(
    conn: &impl ConnectionTrait,
    contract: uuid::Uuid,
) -> AppResult<(Option<u32>, usize)> {
    let rows = survey_response::Entity::find()
        .filter(survey_response::Column::ContractId.eq(contract))
        .all(conn)
        .await?;
    let answers: Vec<[u8; 4]> = rows
        .iter()
        .map(|r| [r.q1, r.q2, r.q3, r.q4].map(|x| x.clamp(1, 5) as u8))
        .collect();
    Ok((domain::satisfaction(&answers), answers.len()))
}

#[derive(
    Debug, Clone, serde::Deserialize, serde::Serialize, gongzhi_platform::utoipa::ToSchema,
)]
pub struct TargetResult {
    pub name: String,
    /// What was achieved.
    pub actual: String,
    /// The evaluator's score of this target, 0–100.
    pub score: u32,
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct EvaluationInput {
    /// One line per project target, in order.
    pub targets: Vec<TargetResult>,
    pub note: String,
    /// The contract's version you last read.
    pub version: i32,
}

/// Evaluate an accepted contract and apply the result.
pub async fn evaluate(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &EvaluationInput,
) -> AppResult<evaluation::Model> {
    let c = contracts::get(state, actor, id).await?;
    let scope = ResourceScope::territory(&c.path);
    let kind = match c.evaluator_id {
        // Once a third party is assigned, it evaluates.
        Some(e) if e == actor.user_id.0 => "third_party",
        Some(_) => return Err(AppError::Forbidden),
        None => {
            state.authorize(actor, PURCHASE_MANAGE, &scope)?;
            "street"
        }
    };
    // An evaluator is assigned only over a node covering the contract, so this holds for both.
    state.authorize(actor, PURCHASE_EVALUATE, &scope)?;
    if c.state != ContractState::ACCEPTED {
        return Err(AppError::Conflict("procurement.not_accepted"));
    }
    let p = reread(&state.db.read, c.project_id).await?;
    let targets = crate::service::projects::targets_of(&p);
    let mut errors = ValidationErrors::new();
    let note = required_text(&mut errors, "note", &input.note, 10, 4000);
    let names_match = input.targets.len() == targets.len()
        && input
            .targets
            .iter()
            .zip(&targets)
            .all(|(a, b)| a.name.trim() == b.name.trim());
    if !names_match {
        errors.push(FieldError::new("targets", "procurement.targets_mismatch"));
    }
    let scores: Vec<u32> = input.targets.iter().map(|t| t.score).collect();
    let targets_score = domain::targets_score(&scores);
    if targets_score.is_none() && names_match {
        errors.push(FieldError::new("targets", "procurement.target_score_range"));
    }
    fail_if(errors)?;
    let targets_score = targets_score.expect("checked above");
    let settings = svc::settings(&state.db.read, &c.district).await?;
    let (sat, responses) = satisfaction(&state.db.read, c.id).await?;
    // Without answers the targets alone decide, and the record says so (no responses).
    let score = match sat {
        Some(s) => domain::evaluation_score(targets_score, s, settings.satisfaction_pct as u32),
        None => targets_score,
    };
    let grade = Grade::of(score);
    let today = svc::today();
    let txn = state.db.write.begin().await?;
    let row = evaluation::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        contract_id: Set(c.id),
        evaluator_kind: Set(kind.into()),
        evaluator_id: Set(Some(actor.user_id.0)),
        targets: Set(serde_json::to_string(&input.targets).expect("plain data")),
        targets_score: Set(targets_score as i32),
        satisfaction_score: Set(sat.map(i64::from)),
        responses: Set(responses as i32),
        satisfaction_pct: Set(settings.satisfaction_pct),
        score: Set(score as i32),
        grade: Set(grade.as_str().into()),
        note: Set(note.clone()),
        evaluated_on: Set(today),
        created_at: Set(audit::now()),
    }
    .insert(&txn)
    .await?;
    let mv = Move {
        table: "proc_contracts",
        id: c.id,
        state: &c.state,
        version: input.version,
        path: &c.path,
        org: None,
    };
    svc::step(&txn, state, actor, who, &CONTRACT, mv, "evaluate", None).await?;
    let pm = Move {
        table: "proc_projects",
        id: p.id,
        state: &p.state,
        version: p.version,
        path: &p.path,
        org: None,
    };
    svc::step(&txn, state, actor, who, &PROJECT, pm, "complete", None).await?;
    records::record(
        &txn,
        c.org_id,
        "evaluation",
        Some(grade.as_str()),
        Some(p.id),
        today,
        &format!("{} {}", p.number, p.title),
    )
    .await?;
    crate::service::ocds::publish(&txn, p.id, "implementation").await?;
    if grade == Grade::Poor {
        gongzhi_orgs::face::record_poor_performance(
            &txn,
            who,
            c.org_id,
            today,
            &format!("{} {}", p.number, p.title),
            format!("purchase_evaluation:{}", row.id),
        )
        .await?;
    }
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.performance_evaluated",
            entity_type: "purchase_contract",
            entity_id: &c.id.to_string(),
            scope_path: &c.path,
            summary: json!({
                "kind": kind, "targets_score": targets_score, "satisfaction": sat,
                "responses": responses, "score": score, "grade": grade.as_str(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn of_contract(
    conn: &impl ConnectionTrait,
    contract: uuid::Uuid,
) -> AppResult<Option<evaluation::Model>> {
    Ok(evaluation::Entity::find()
        .filter(evaluation::Column::ContractId.eq(contract))
        .one(conn)
        .await?)
}
