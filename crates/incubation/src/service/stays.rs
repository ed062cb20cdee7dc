//! An organization's stay in an incubator: stage, mentor, the mentoring plan and check-ins,
//! assessments, graduation or exit, and alumni services afterwards.

use gongzhi_platform::sea_orm::QueryTrait as _;
use gongzhi_platform::versioned::{self, Stamp};
use std::collections::BTreeMap;

use chrono::NaiveDate;
use gongzhi_kernel::ValidationErrors;
use gongzhi_kernel::authz::Actor;
use gongzhi_platform::audit::{self, AuditActor};
use gongzhi_platform::authz::scope_condition_with_org;
use gongzhi_platform::entity::{role_assignment, user};
use gongzhi_platform::sea_orm::sea_query::{Condition, Expr};
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState};
use gongzhi_platform::workflow::{self, Target};
use serde::Deserialize;
use serde_json::json;

use crate::domain::{self, StayCtx};
use crate::store::entity::{alumni_service, assessment, checkin, incubation, incubator, plan_item};
use crate::service::{log, manager_scope, shared_scope, today};
use crate::{INCUBATION_MANAGE, INCUBATION_MENTOR, INCUBATION_READ};
use crate::domain::StayState;

/// How the actor relates to a stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub manage: bool,
    pub mentor: bool,
}

fn access(state: &AppState, actor: &Actor, s: &incubation::Model) -> Access {
    Access {
        manage: state
            .authorize(actor, INCUBATION_MANAGE, &manager_scope(&s.path))
            .is_ok(),
        mentor: s.mentor_id == Some(actor.user_id.0)
            && state.policy.holds_anywhere(actor, INCUBATION_MENTOR),
    }
}

/// A stay the actor may see: managers of the incubator, the organization's people, its mentor.
pub async fn get(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> AppResult<(incubation::Model, Access)> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let s = incubation::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let a = access(state, actor, &s);
    if !a.mentor {
        state.authorize(actor, INCUBATION_READ, &shared_scope(&s.path, s.org_id))?;
    }
    Ok((s, a))
}

fn must_manage(a: Access) -> AppResult<()> {
    if a.manage {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn must_mentor(a: Access) -> AppResult<()> {
    if a.manage || a.mentor {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn ongoing(s: &incubation::Model) -> AppResult<()> {
    if s.state == StayState::IN_INCUBATION {
        Ok(())
    } else {
        Err(AppError::Conflict("incubation.stay_ended"))
    }
}

/// Bump the stay's version if the client saw the latest one (so two edits never cross).
async fn claim(
    conn: &impl gongzhi_platform::sea_orm::ConnectionTrait,
    s: &incubation::Model,
    version: i32,
) -> AppResult<()> {
    versioned::bump(
        conn,
        incubation::Entity::update_many()
            .filter(incubation::Column::Id.eq(s.id))
            .into_query(),
        version,
        Stamp::UpdatedAt,
    )
    .await?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct StayQuery {
    /// A path from `service::within`.
    pub under: Option<String>,
    pub incubator: Option<uuid::Uuid>,
    pub state: Option<String>,
    /// Only stays the caller mentors.
    pub mine: bool,
}

/// Stays in the actor's scope (or those they mentor), newest first.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    q: &StayQuery,
) -> AppResult<Vec<incubation::Model>> {
    let mine = Condition::all().add(incubation::Column::MentorId.eq(actor.user_id.0));
    let mut s = incubation::Entity::find();
    s = if q.mine {
        s.filter(mine)
    } else {
        let filter = state.policy.scope_filter(actor, INCUBATION_READ);
        s.filter(
            Condition::any()
                .add(scope_condition_with_org(
                    &filter,
                    incubation::Column::Path,
                    incubation::Column::OrgId,
                ))
                .add(mine),
        )
    };
    if let Some(p) = &q.under {
        s = s.filter(incubation::Column::Path.starts_with(p.as_str()));
    }
    if let Some(i) = q.incubator {
        s = s.filter(incubation::Column::IncubatorId.eq(i));
    }
    if let Some(st) = q.state.as_deref().filter(|s| !s.is_empty()) {
        s = s.filter(incubation::Column::State.eq(st));
    }
    Ok(s.order_by_desc(incubation::Column::StartsOn)
        .limit(500)
        .all(&state.db.read)
        .await?)
}

/// Everything recorded about a stay.
pub struct Detail {
    pub items: Vec<plan_item::Model>,
    pub checkins: Vec<checkin::Model>,
    pub assessments: Vec<assessment::Model>,
    pub alumni: Vec<alumni_service::Model>,
}

pub async fn detail(state: &AppState, s: &incubation::Model) -> AppResult<Detail> {
    let db = &state.db.read;
    Ok(Detail {
        items: plan_item::Entity::find()
            .filter(plan_item::Column::IncubationId.eq(s.id))
            .order_by_asc(plan_item::Column::Position)
            .all(db)
            .await?,
        checkins: checkin::Entity::find()
            .filter(checkin::Column::IncubationId.eq(s.id))
            .order_by_desc(checkin::Column::MetOn)
            .order_by_desc(checkin::Column::CreatedAt)
            .all(db)
            .await?,
        assessments: assessment::Entity::find()
            .filter(assessment::Column::IncubationId.eq(s.id))
            .order_by_asc(assessment::Column::AssessedOn)
            .all(db)
            .await?,
        alumni: alumni_service::Entity::find()
            .filter(alumni_service::Column::IncubationId.eq(s.id))
            .order_by_desc(alumni_service::Column::ServedOn)
            .all(db)
            .await?,
    })
}

pub async fn set_stage(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    stage: &str,
    version: i32,
) -> AppResult<()> {
    let (s, a) = get(state, actor, id).await?;
    must_manage(a)?;
    ongoing(&s)?;
    if !domain::STAGES.contains(&stage) {
        return Err(AppError::field("stage", "incubation.stage_unknown"));
    }
    if stage == s.stage {
        return Err(AppError::field("stage", "incubation.stage_same"));
    }
    let txn = state.db.write.begin().await?;
    claim(&txn, &s, version).await?;
    incubation::Entity::update_many()
        .col_expr(incubation::Column::Stage, Expr::value(stage))
        .col_expr(incubation::Column::StageSince, Expr::value(today()))
        .filter(incubation::Column::Id.eq(s.id))
        .exec(&txn)
        .await?;
    log(
        &txn,
        who,
        "incubation.stage",
        "incubation",
        s.id,
        &s.path,
        json!({"from": s.stage, "to": stage}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Assign a mentor by username: an active account that may mentor, from neither the
/// organization itself nor without any role near the incubator.
pub async fn assign_mentor(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    username: &str,
    version: i32,
) -> AppResult<()> {
    let (s, a) = get(state, actor, id).await?;
    must_manage(a)?;
    ongoing(&s)?;
    let mentor = candidates(state, &s)
        .await?
        .into_iter()
        .find(|u| u.username == username.trim())
        .ok_or_else(|| AppError::field("mentor", "incubation.mentor_unknown"))?;
    let txn = state.db.write.begin().await?;
    claim(&txn, &s, version).await?;
    incubation::Entity::update_many()
        .col_expr(incubation::Column::MentorId, Expr::value(mentor.id))
        .filter(incubation::Column::Id.eq(s.id))
        .exec(&txn)
        .await?;
    log(
        &txn,
        who,
        "incubation.mentor_assign",
        "incubation",
        s.id,
        &s.path,
        json!({"mentor": mentor.id, "username": mentor.username}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Who may mentor this stay: active accounts holding a mentoring role over the incubator's node
/// (or a node within it), or over the organization that runs the incubator — never the
/// incubated organization's own people.
pub async fn candidates(state: &AppState, s: &incubation::Model) -> AppResult<Vec<user::Model>> {
    let i = incubator::Entity::find_by_id(s.incubator_id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let roles: Vec<String> = gongzhi_kernel::authz::Role::ALL
        .into_iter()
        .filter(|r| state.policy.role_has(*r, INCUBATION_MENTOR))
        .map(|r| r.as_str().to_string())
        .collect();
    let mut near = Condition::any().add(
        Condition::all()
            .add(role_assignment::Column::ScopeKind.eq("territory"))
            .add(role_assignment::Column::ScopePath.starts_with(i.path.as_str())),
    );
    if let Some(op) = i.operator_org_id {
        near = near.add(
            Condition::all()
                .add(role_assignment::Column::ScopeKind.eq("org"))
                .add(role_assignment::Column::ScopeRef.eq(op.to_string())),
        );
    }
    let grants = role_assignment::Entity::find()
        .filter(role_assignment::Column::RevokedAt.is_null())
        .filter(role_assignment::Column::Role.is_in(roles))
        .filter(near)
        .all(&state.db.read)
        .await?;
    let own: Vec<uuid::Uuid> = role_assignment::Entity::find()
        .filter(role_assignment::Column::RevokedAt.is_null())
        .filter(role_assignment::Column::ScopeKind.eq("org"))
        .filter(role_assignment::Column::ScopeRef.eq(s.org_id.to_string()))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|g| g.user_id)
        .collect();
    let ids: Vec<uuid::Uuid> = grants
        .iter()
        .map(|g| g.user_id)
        .filter(|u| !own.contains(u))
        .collect();
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .filter(user::Column::Status.eq("active"))
        .order_by_asc(user::Column::Username)
        .all(&state.db.read)
        .await?)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct ItemDone {
    #[serde(default)]
    pub note: String,
    /// The item's version you last read.
    pub version: i32,
}

/// Tick off a plan item (its mentor or a manager).
pub async fn complete_item(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    item_id: &str,
    input: &ItemDone,
) -> AppResult<plan_item::Model> {
    let item_id: uuid::Uuid = item_id.parse().map_err(|_| AppError::NotFound)?;
    let item = plan_item::Entity::find_by_id(item_id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let (s, a) = get(state, actor, &item.incubation_id.to_string()).await?;
    must_mentor(a)?;
    ongoing(&s)?;
    if item.done_on.is_some() {
        return Err(AppError::Conflict("incubation.item_done"));
    }
    let mut e = ValidationErrors::new();
    let note = domain::checked_text(&mut e, "note", &input.note, 0, 1000);
    e.into_result()?;
    let txn = state.db.write.begin().await?;
    versioned::bump(
        &txn,
        plan_item::Entity::update_many()
            .col_expr(plan_item::Column::DoneOn, Expr::value(today()))
            .col_expr(plan_item::Column::DoneNote, Expr::value(note))
            .col_expr(plan_item::Column::DoneBy, Expr::value(who.user_id))
            .filter(plan_item::Column::Id.eq(item.id))
            .into_query(),
        input.version,
        Stamp::VersionOnly,
    )
    .await?;
    log(
        &txn,
        who,
        "incubation.plan_item_done",
        "incubation",
        s.id,
        &s.path,
        json!({"item": item.id, "title": item.title, "due_on": item.due_on}),
    )
    .await?;
    txn.commit().await?;
    plan_item::Entity::find_by_id(item.id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct CheckinInput {
    pub met_on: NaiveDate,
    /// visit / phone / online
    pub mode: String,
    pub minutes: i32,
    pub notes: String,
    /// The plan item worked on, if any.
    pub plan_item_id: Option<uuid::Uuid>,
}

/// A mentor's check-in (or a manager's on a mentor's behalf).
pub async fn check_in(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &CheckinInput,
) -> AppResult<checkin::Model> {
    let (s, a) = get(state, actor, id).await?;
    must_mentor(a)?;
    ongoing(&s)?;
    let mut e = ValidationErrors::new();
    if input.met_on > today() {
        e.add("met_on", "org.date_in_future");
    } else if input.met_on < s.starts_on {
        e.add("met_on", "incubation.before_start");
    }
    if !domain::CHECKIN_MODES.contains(&input.mode.as_str()) {
        e.add("mode", "incubation.mode_unknown");
    }
    domain::check_range(&mut e, "minutes", input.minutes, 5, 720);
    let notes = domain::checked_text(&mut e, "notes", &input.notes, 5, 2000);
    if let Some(item) = input.plan_item_id {
        let belongs = plan_item::Entity::find_by_id(item)
            .filter(plan_item::Column::IncubationId.eq(s.id))
            .one(&state.db.read)
            .await?
            .is_some();
        if !belongs {
            e.add("plan_item_id", "incubation.item_unknown");
        }
    }
    e.into_result()?;
    let txn = state.db.write.begin().await?;
    let c = checkin::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        incubation_id: Set(s.id),
        mentor_id: Set(who.user_id),
        met_on: Set(input.met_on),
        mode: Set(input.mode.clone()),
        minutes: Set(input.minutes),
        notes: Set(notes),
        plan_item_id: Set(input.plan_item_id),
        created_at: Set(audit::now()),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        who,
        "incubation.checkin",
        "incubation",
        s.id,
        &s.path,
        json!({"checkin": c.id, "met_on": c.met_on, "mode": c.mode, "minutes": c.minutes}),
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AssessmentInput {
    /// midterm / graduation
    pub kind: String,
    pub assessed_on: NaiveDate,
    /// governance (max 20), projects (30), finance (20), team (15), impact (15)
    pub scores: BTreeMap<String, i32>,
    #[serde(default)]
    pub notes: String,
}

pub async fn assess(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &AssessmentInput,
) -> AppResult<assessment::Model> {
    let (s, a) = get(state, actor, id).await?;
    must_manage(a)?;
    ongoing(&s)?;
    let mut e = ValidationErrors::new();
    if !domain::ASSESSMENT_KINDS.contains(&input.kind.as_str()) {
        e.add("kind", "incubation.assessment_kind_unknown");
    }
    if input.assessed_on > today() {
        e.add("assessed_on", "org.date_in_future");
    } else if input.assessed_on < s.starts_on {
        e.add("assessed_on", "incubation.before_start");
    }
    let notes = domain::checked_text(&mut e, "notes", &input.notes, 0, 2000);
    let scored = domain::assess(&input.scores);
    if let Err(errs) = &scored {
        for f in errs.iter() {
            e.push(f.clone());
        }
    }
    e.into_result()?;
    let (total, passed) = scored.expect("checked");
    let txn = state.db.write.begin().await?;
    let m = assessment::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        incubation_id: Set(s.id),
        kind: Set(input.kind.clone()),
        assessed_on: Set(input.assessed_on),
        scores: Set(serde_json::to_string(&input.scores).expect("scores json")),
        total: Set(total),
        passed: Set(passed),
        notes: Set(notes),
        assessor_id: Set(who.user_id),
        created_at: Set(audit::now()),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        who,
        "incubation.assess",
        "incubation",
        s.id,
        &s.path,
        json!({"assessment": m.id, "kind": m.kind, "total": total, "passed": passed}),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// Graduate (出壳, after a passed graduation assessment) or exit early with a reason.
pub async fn transition(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    transition: &str,
    version: i32,
    reason: Option<&str>,
) -> AppResult<()> {
    let (s, _) = get(state, actor, id).await?;
    let graduation_passed = assessment::Entity::find()
        .filter(assessment::Column::IncubationId.eq(s.id))
        .filter(assessment::Column::Kind.eq("graduation"))
        .filter(assessment::Column::Passed.eq(true))
        .one(&state.db.read)
        .await?
        .is_some();
    let txn = state.db.write.begin().await?;
    workflow::perform(
        &txn,
        state,
        actor,
        who,
        &domain::STAY,
        Target {
            table: "incubations",
            id: s.id.into(),
            entity_id: &s.id.to_string(),
            state: &s.state,
            version,
            scope: manager_scope(&s.path),
        },
        transition,
        reason,
        &StayCtx { graduation_passed },
    )
    .await?;
    incubation::Entity::update_many()
        .col_expr(incubation::Column::EndedOn, Expr::value(today()))
        .filter(incubation::Column::Id.eq(s.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct AlumniInput {
    /// contact / resource_link / assessment / public_support
    pub kind: String,
    pub served_on: NaiveDate,
    pub note: String,
}

/// A service to a graduated organization, logged by the incubator's managers or its mentor.
pub async fn serve_alumnus(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &AlumniInput,
) -> AppResult<alumni_service::Model> {
    let (s, a) = get(state, actor, id).await?;
    must_mentor(a)?;
    if s.state != StayState::GRADUATED {
        return Err(AppError::Conflict("incubation.not_graduated"));
    }
    let mut e = ValidationErrors::new();
    if !domain::ALUMNI_KINDS.contains(&input.kind.as_str()) {
        e.add("kind", "incubation.alumni_kind_unknown");
    }
    if input.served_on > today() {
        e.add("served_on", "org.date_in_future");
    } else if s.ended_on.is_some_and(|d| input.served_on < d) {
        e.add("served_on", "incubation.before_graduation");
    }
    let note = domain::checked_text(&mut e, "note", &input.note, 2, 1000);
    e.into_result()?;
    let txn = state.db.write.begin().await?;
    let m = alumni_service::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        incubation_id: Set(s.id),
        org_id: Set(s.org_id),
        kind: Set(input.kind.clone()),
        served_on: Set(input.served_on),
        note: Set(note),
        recorded_by: Set(who.user_id),
        created_at: Set(audit::now()),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        who,
        "incubation.alumni_service",
        "incubation",
        s.id,
        &s.path,
        json!({"service": m.id, "kind": m.kind, "served_on": m.served_on}),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

