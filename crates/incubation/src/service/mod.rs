//! Use cases of incubators, calls and applications: authorize → validate → change → audit, one
//! transaction each.

pub mod desk;
pub mod stays;
pub mod targets;

use gongzhi_platform::sea_orm::QueryTrait as _;
use gongzhi_platform::versioned::{self, Stamp};
use chrono::NaiveDate;
use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_kernel::id::OrgId;
use gongzhi_kernel::{FieldError, ValidationErrors};
use gongzhi_orgs::face::{self as registry, Purpose};
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::authz::{scope_condition, scope_condition_with_org};
use gongzhi_platform::entity::{hub, stored_file};
use gongzhi_platform::files::{self, Upload};
use gongzhi_platform::sea_orm::sea_query::Expr;
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState};
use gongzhi_platform::workflow::{self, Target};
use serde_json::json;

use crate::domain::{
    self, AgreementInput, ApplicationCtx, CohortInput, IncubatorInput, PlanItemDef,
};
use crate::store::entity::{application, application_document, cohort, incubation, incubator, plan_item};
use crate::{INCUBATION_APPLY, INCUBATION_MANAGE, INCUBATION_READ};
use crate::domain::{ApplicationState, StayState};

pub use gongzhi_platform::clock::today;

/// Managers hold their permission over the node of the incubator (or of a stay's incubator).
pub fn manager_scope(path: &str) -> ResourceScope {
    ResourceScope {
        path: path.to_string(),
        org_id: None,
    }
}

pub fn incubator_scope(i: &incubator::Model) -> ResourceScope {
    manager_scope(&i.path)
}

/// An application or a stay: the incubator's managers and the organization's own people.
pub fn shared_scope(path: &str, org_id: uuid::Uuid) -> ResourceScope {
    ResourceScope {
        path: path.to_string(),
        org_id: Some(OrgId(org_id)),
    }
}

pub(crate) async fn log(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    action: &str,
    entity_type: &str,
    id: uuid::Uuid,
    path: &str,
    summary: serde_json::Value,
) -> AppResult<()> {
    audit::record(
        conn,
        who,
        Change {
            action,
            entity_type,
            entity_id: &id.to_string(),
            scope_path: path,
            summary,
        },
    )
    .await?;
    Ok(())
}

fn parse_id(id: &str) -> AppResult<uuid::Uuid> {
    id.parse().map_err(|_| AppError::NotFound)
}

pub fn plan_of(i: &incubator::Model) -> Vec<PlanItemDef> {
    serde_json::from_str(&i.plan).unwrap_or_else(|_| domain::default_plan())
}

// ---- incubators ------------------------------------------------------------------------------

pub async fn create_incubator(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    input: &IncubatorInput,
) -> AppResult<incubator::Model> {
    let h = hub::Entity::find_by_id(input.hub_id)
        .one(&state.db.read)
        .await?
        .ok_or_else(|| AppError::field("hub_id", "incubation.hub_unknown"))?;
    state.authorize(actor, INCUBATION_MANAGE, &manager_scope(&h.path))?;
    let node = gongzhi_platform::territory::get(&state.db.read, &h.territory_code)
        .await?
        .ok_or(AppError::NotFound)?;
    let level = domain::level_of(&node.level)
        .ok_or_else(|| AppError::field("hub_id", "incubation.hub_level"))?;
    let v = domain::validate_incubator(input)?;
    if let Some(op) = input.operator_org_id {
        let o = registry::card(&state.db.read, op).await?;
        if !o.is_some_and(|o| o.is_public()) {
            return Err(AppError::field(
                "operator_org_id",
                "incubation.operator_unknown",
            ));
        }
    }
    let txn = state.db.write.begin().await?;
    let taken = incubator::Entity::find()
        .filter(incubator::Column::HubId.eq(h.id))
        .filter(incubator::Column::Name.eq(v.name.clone()))
        .count(&txn)
        .await?;
    if taken > 0 {
        return Err(AppError::field("name", "incubation.name_taken"));
    }
    let now = audit::now();
    let m = incubator::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        hub_id: Set(h.id),
        name: Set(v.name),
        level: Set(level.into()),
        territory_code: Set(h.territory_code.clone()),
        path: Set(h.path.clone()),
        capacity: Set(v.capacity),
        review_days: Set(v.review_days),
        operator_org_id: Set(input.operator_org_id),
        description: Set(v.description),
        plan: Set(serde_json::to_string(&domain::default_plan()).expect("plan json")),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        who,
        "incubator.create",
        "incubator",
        m.id,
        &m.path,
        json!({"name": m.name, "hub": h.id, "level": m.level, "capacity": m.capacity, "review_days": m.review_days}),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// Everyday settings of an incubator; the plan applies to stays that start afterwards.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct IncubatorPatch {
    pub capacity: Option<i32>,
    pub review_days: Option<i32>,
    pub description: Option<String>,
    /// The mentoring plan template ("5个1" items with days from the start).
    pub plan: Option<Vec<PlanItemDef>>,
    pub version: i32,
}

pub async fn update_incubator(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    p: &IncubatorPatch,
) -> AppResult<incubator::Model> {
    let i = get_incubator(state, actor, id).await?;
    state.authorize(actor, INCUBATION_MANAGE, &incubator_scope(&i))?;
    let check = IncubatorInput {
        hub_id: i.hub_id,
        name: i.name.clone(),
        capacity: p.capacity.unwrap_or(i.capacity),
        review_days: p.review_days.unwrap_or(i.review_days),
        operator_org_id: i.operator_org_id,
        description: p.description.clone().unwrap_or(i.description.clone()),
    };
    let v = domain::validate_incubator(&check)?;
    let plan = match &p.plan {
        Some(items) => Some(domain::validate_plan(items)?),
        None => None,
    };
    let txn = state.db.write.begin().await?;
    let busy = occupancy(&txn, i.id).await?;
    if i64::from(v.capacity) < busy {
        return Err(
            FieldError::new("capacity", "incubation.capacity_below_occupancy")
                .arg("n", busy)
                .into(),
        );
    }
    let mut a: incubator::ActiveModel = i.clone().into();
    a.capacity = Set(v.capacity);
    a.review_days = Set(v.review_days);
    a.description = Set(v.description);
    if let Some(plan) = &plan {
        a.plan = Set(serde_json::to_string(plan).expect("plan json"));
    }
    versioned::bump(
        &txn,
        incubator::Entity::update_many()
            .set(a)
            .filter(incubator::Column::Id.eq(i.id))
            .into_query(),
        p.version,
        Stamp::UpdatedAt,
    )
    .await?;
    log(
        &txn,
        who,
        "incubator.update",
        "incubator",
        i.id,
        &i.path,
        json!({"capacity": v.capacity, "review_days": v.review_days, "plan": plan}),
    )
    .await?;
    txn.commit().await?;
    get_incubator(state, actor, id).await
}

pub async fn get_incubator(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> AppResult<incubator::Model> {
    let i = incubator::Entity::find_by_id(parse_id(id)?)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    state.authorize(actor, INCUBATION_READ, &incubator_scope(&i))?;
    Ok(i)
}

/// Organizations incubating now.
pub async fn occupancy(conn: &impl ConnectionTrait, incubator_id: uuid::Uuid) -> AppResult<i64> {
    Ok(incubation::Entity::find()
        .filter(incubation::Column::IncubatorId.eq(incubator_id))
        .filter(incubation::Column::State.eq(StayState::IN_INCUBATION))
        .count(conn)
        .await? as i64)
}

/// The path of a node the actor may read, when a list is narrowed to it.
pub async fn within(
    state: &AppState,
    actor: &Actor,
    code: Option<&str>,
) -> AppResult<Option<String>> {
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    Ok(Some(
        node_for(state, actor, code, INCUBATION_READ).await?.path,
    ))
}

/// A territory node over which the actor holds `permission`.
pub async fn node_for(
    state: &AppState,
    actor: &Actor,
    code: &str,
    permission: gongzhi_kernel::authz::Permission,
) -> AppResult<gongzhi_platform::entity::territory::Model> {
    let n = gongzhi_platform::territory::get(&state.db.read, code)
        .await?
        .ok_or(AppError::NotFound)?;
    state.authorize(actor, permission, &manager_scope(&n.path))?;
    Ok(n)
}

/// Incubators in the actor's scope (within `under`, a path), with how many places are taken.
pub async fn list_incubators(
    state: &AppState,
    actor: &Actor,
    under: Option<&str>,
) -> AppResult<Vec<(incubator::Model, i64)>> {
    let filter = state.policy.scope_filter(actor, INCUBATION_READ);
    let list = incubator::Entity::find()
        .filter(scope_condition(&filter, incubator::Column::Path))
        .filter(incubator::Column::Path.starts_with(under.unwrap_or("")))
        .order_by_asc(incubator::Column::Path)
        .order_by_asc(incubator::Column::Name)
        .all(&state.db.read)
        .await?;
    // One grouped count for all of them.
    let taken: Vec<(uuid::Uuid, i64)> = incubation::Entity::find()
        .select_only()
        .column(incubation::Column::IncubatorId)
        .column_as(incubation::Column::Id.count(), "n")
        .filter(incubation::Column::IncubatorId.is_in(list.iter().map(|i| i.id)))
        .filter(incubation::Column::State.eq(StayState::IN_INCUBATION))
        .group_by(incubation::Column::IncubatorId)
        .into_tuple()
        .all(&state.db.read)
        .await?;
    Ok(list
        .into_iter()
        .map(|i| {
            let n = taken
                .iter()
                .find(|(id, _)| *id == i.id)
                .map_or(0, |(_, n)| *n);
            (i, n)
        })
        .collect())
}

// ---- calls and cohorts -----------------------------------------------------------------------

pub async fn create_cohort(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    incubator_id: &str,
    input: &CohortInput,
) -> AppResult<cohort::Model> {
    let i = get_incubator(state, actor, incubator_id).await?;
    state.authorize(actor, INCUBATION_MANAGE, &incubator_scope(&i))?;
    let v = domain::validate_cohort(input, i.capacity)?;
    let txn = state.db.write.begin().await?;
    let taken = cohort::Entity::find()
        .filter(cohort::Column::IncubatorId.eq(i.id))
        .filter(cohort::Column::Name.eq(v.name.clone()))
        .count(&txn)
        .await?;
    if taken > 0 {
        return Err(AppError::field("name", "incubation.cohort_name_taken"));
    }
    let c = cohort::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        incubator_id: Set(i.id),
        name: Set(v.name),
        call_text: Set(v.call_text),
        opens_on: Set(v.opens_on),
        closes_on: Set(v.closes_on),
        starts_on: Set(v.starts_on),
        ends_on: Set(v.ends_on),
        seats: Set(v.seats),
        created_at: Set(audit::now()),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        who,
        "incubation.call_open",
        "incubator",
        i.id,
        &i.path,
        json!({"cohort": c.id, "name": c.name, "opens_on": c.opens_on, "closes_on": c.closes_on, "seats": c.seats}),
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

pub async fn cohorts_of(
    conn: &impl ConnectionTrait,
    incubator_id: uuid::Uuid,
) -> AppResult<Vec<cohort::Model>> {
    Ok(cohort::Entity::find()
        .filter(cohort::Column::IncubatorId.eq(incubator_id))
        .order_by_desc(cohort::Column::OpensOn)
        .all(conn)
        .await?)
}

/// Calls open on `day`, for everyone: the public page and organizations looking for a place.
pub async fn open_calls(
    conn: &impl ConnectionTrait,
    day: NaiveDate,
) -> AppResult<Vec<(cohort::Model, incubator::Model)>> {
    let calls = cohort::Entity::find()
        .filter(cohort::Column::OpensOn.lte(day))
        .filter(cohort::Column::ClosesOn.gte(day))
        .order_by_asc(cohort::Column::ClosesOn)
        .all(conn)
        .await?;
    let incubators = incubator::Entity::find()
        .filter(incubator::Column::Id.is_in(calls.iter().map(|c| c.incubator_id)))
        .all(conn)
        .await?;
    Ok(calls
        .into_iter()
        .filter_map(|c| {
            let i = incubators.iter().find(|i| i.id == c.incubator_id)?.clone();
            Some((c, i))
        })
        .collect())
}

pub async fn get_cohort(
    conn: &impl ConnectionTrait,
    id: &str,
) -> AppResult<(cohort::Model, incubator::Model)> {
    let c = cohort::Entity::find_by_id(parse_id(id)?)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let i = incubator::Entity::find_by_id(c.incubator_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((c, i))
}

// ---- applications ----------------------------------------------------------------------------

#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ApplicationInput {
    pub org_id: uuid::Uuid,
    /// What the organization wants to achieve in incubation.
    pub plan: String,
    /// Support it asks for.
    #[serde(default)]
    pub needs: String,
}

pub async fn apply(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    cohort_id: &str,
    input: &ApplicationInput,
    file: Option<&Upload>,
) -> AppResult<application::Model> {
    let o = registry::visible(state, actor, &input.org_id.to_string())
        .await
        .map_err(|e| match e {
            AppError::NotFound => AppError::field("org_id", "incubation.org_unknown"),
            other => other,
        })?;
    state.authorize(actor, INCUBATION_APPLY, &o.resource())?;
    let (c, i) = get_cohort(&state.db.read, cohort_id).await?;
    let day = today();
    if domain::call_status(c.opens_on, c.closes_on, day) != "open" {
        return Err(AppError::Conflict("incubation.call_not_open"));
    }
    let mut e = ValidationErrors::new();
    let plan = domain::checked_text(&mut e, "plan", &input.plan, 10, 4000);
    let needs = domain::checked_text(&mut e, "needs", &input.needs, 0, 2000);
    let verdict =
        registry::is_eligible_for(&state.db.read, o.id, Purpose::Incubation, day)
            .await?;
    for n in verdict.notes.iter().filter(|n| n.blocking) {
        e.add("org_id", n.key);
    }
    e.into_result()?;
    let txn = state.db.write.begin().await?;
    let open = application::Entity::find()
        .filter(application::Column::OrgId.eq(o.id))
        .filter(application::Column::CohortId.eq(c.id))
        .filter(application::Column::State.is_in([
            ApplicationState::SUBMITTED,
            ApplicationState::RETURNED,
            ApplicationState::ACCEPTED,
            ApplicationState::ADMITTED,
        ]))
        .count(&txn)
        .await?;
    if open > 0 {
        return Err(AppError::field("org_id", "incubation.already_applied"));
    }
    let incubating = incubation::Entity::find()
        .filter(incubation::Column::OrgId.eq(o.id))
        .filter(incubation::Column::State.eq(StayState::IN_INCUBATION))
        .count(&txn)
        .await?;
    if incubating > 0 {
        return Err(AppError::field("org_id", "incubation.already_incubated"));
    }
    let now = audit::now();
    let a = application::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        cohort_id: Set(c.id),
        incubator_id: Set(i.id),
        org_id: Set(o.id),
        path: Set(i.path.clone()),
        plan: Set(plan),
        needs: Set(needs),
        state: Set(domain::APPLICATION.initial.into()),
        submitted_on: Set(day),
        review_due_on: Set(state.calendar.add_working_days(day, i.review_days as u32)),
        reviewed_on: Set(None),
        created_by: Set(who.user_id),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        who,
        "incubation_application.submit",
        "incubation_application",
        a.id,
        &a.path,
        json!({"org": o.id, "cohort": c.id, "review_due_on": a.review_due_on}),
    )
    .await?;
    if let Some(f) = file {
        attach(state, &txn, who, &a, "", f).await?;
    }
    txn.commit().await?;
    Ok(a)
}

async fn attach(
    state: &AppState,
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    a: &application::Model,
    title: &str,
    file: &Upload,
) -> AppResult<application_document::Model> {
    let mut e = ValidationErrors::new();
    let title = domain::checked_text(&mut e, "title", title, 0, 100);
    e.into_result()?;
    let f = files::store(state, conn, who, file).await?;
    let d = application_document::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        application_id: Set(a.id),
        file_id: Set(f.id),
        title: Set(if title.is_empty() {
            f.name.clone()
        } else {
            title
        }),
        uploaded_by: Set(who.user_id),
        uploaded_at: Set(audit::now()),
    }
    .insert(conn)
    .await?;
    log(
        conn,
        who,
        "incubation_application.document_add",
        "incubation_application",
        a.id,
        &a.path,
        json!({"document": d.id, "title": d.title, "sha256": f.sha256, "size": f.size}),
    )
    .await?;
    Ok(d)
}

/// An application the actor may see (the incubator's managers, the organization's people).
pub async fn get_application(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> AppResult<application::Model> {
    let a = application::Entity::find_by_id(parse_id(id)?)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    state.authorize(actor, INCUBATION_READ, &shared_scope(&a.path, a.org_id))?;
    Ok(a)
}

pub async fn add_document(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    title: &str,
    file: Option<&Upload>,
) -> AppResult<application_document::Model> {
    let a = get_application(state, actor, id).await?;
    state.authorize(actor, INCUBATION_APPLY, &shared_scope(&a.path, a.org_id))?;
    if !ApplicationState::PENDING.contains(&a.state.as_str()) {
        return Err(AppError::Conflict("incubation.documents_closed"));
    }
    let file = file.ok_or_else(|| AppError::field("file", "file.required"))?;
    let txn = state.db.write.begin().await?;
    let d = attach(state, &txn, who, &a, title, file).await?;
    txn.commit().await?;
    Ok(d)
}

pub async fn documents_of(
    conn: &impl ConnectionTrait,
    application_id: uuid::Uuid,
) -> AppResult<Vec<(application_document::Model, stored_file::Model)>> {
    let docs = application_document::Entity::find()
        .filter(application_document::Column::ApplicationId.eq(application_id))
        .order_by_asc(application_document::Column::UploadedAt)
        .all(conn)
        .await?;
    let stored = stored_file::Entity::find()
        .filter(stored_file::Column::Id.is_in(docs.iter().map(|d| d.file_id)))
        .all(conn)
        .await?;
    Ok(docs
        .into_iter()
        .filter_map(|d| {
            let f = stored.iter().find(|f| f.id == d.file_id)?.clone();
            Some((d, f))
        })
        .collect())
}

pub async fn download(
    state: &AppState,
    actor: &Actor,
    id: &str,
    document_id: &str,
) -> AppResult<axum::response::Response> {
    let a = get_application(state, actor, id).await?;
    let d = application_document::Entity::find_by_id(parse_id(document_id)?)
        .filter(application_document::Column::ApplicationId.eq(a.id))
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let f = files::find(&state.db.read, d.file_id).await?;
    files::download(state, &f).await
}

#[derive(Debug, Clone, Default)]
pub struct ApplicationQuery {
    /// A path from [`within`].
    pub under: Option<String>,
    pub incubator: Option<uuid::Uuid>,
    pub state: Option<String>,
}

/// Applications in the actor's scope, the first review due soonest first.
pub async fn list_applications(
    state: &AppState,
    actor: &Actor,
    q: &ApplicationQuery,
) -> AppResult<Vec<application::Model>> {
    let filter = state.policy.scope_filter(actor, INCUBATION_READ);
    let mut s = application::Entity::find().filter(scope_condition_with_org(
        &filter,
        application::Column::Path,
        application::Column::OrgId,
    ));
    if let Some(p) = &q.under {
        s = s.filter(application::Column::Path.starts_with(p.as_str()));
    }
    if let Some(i) = q.incubator {
        s = s.filter(application::Column::IncubatorId.eq(i));
    }
    if let Some(st) = q.state.as_deref().filter(|s| !s.is_empty()) {
        s = s.filter(application::Column::State.eq(st));
    }
    Ok(s.order_by_asc(application::Column::ReviewDueOn)
        .order_by_asc(application::Column::CreatedAt)
        .limit(500)
        .all(&state.db.read)
        .await?)
}

/// First review and the applicant's own steps (accept, return, decline, resubmit, withdraw).
/// Admission goes through [`admit`], which needs the agreement.
pub async fn transition_application(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    transition: &str,
    version: i32,
    reason: Option<&str>,
) -> AppResult<application::Model> {
    let a = get_application(state, actor, id).await?;
    let i = incubator::Entity::find_by_id(a.incubator_id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let txn = state.db.write.begin().await?;
    let step = workflow::perform(
        &txn,
        state,
        actor,
        who,
        &domain::APPLICATION,
        Target {
            table: "incubation_applications",
            id: a.id.into(),
            entity_id: &a.id.to_string(),
            state: &a.state,
            version,
            scope: shared_scope(&a.path, a.org_id),
        },
        transition,
        reason,
        &ApplicationCtx {
            agreement: false,
            places_left: 0,
        },
    )
    .await?;
    let day = today();
    match step.transition {
        "accept" | "return" | "decline" if a.reviewed_on.is_none() => {
            application::Entity::update_many()
                .col_expr(application::Column::ReviewedOn, Expr::value(day))
                .filter(application::Column::Id.eq(a.id))
                .exec(&txn)
                .await?;
        }
        "resubmit" => {
            // A returned application is reviewed afresh, within the same number of days.
            application::Entity::update_many()
                .col_expr(application::Column::SubmittedOn, Expr::value(day))
                .col_expr(
                    application::Column::ReviewDueOn,
                    Expr::value(state.calendar.add_working_days(day, i.review_days as u32)),
                )
                .col_expr(
                    application::Column::ReviewedOn,
                    Expr::value(None::<NaiveDate>),
                )
                .filter(application::Column::Id.eq(a.id))
                .exec(&txn)
                .await?;
        }
        _ => {}
    }
    txn.commit().await?;
    get_application(state, actor, id).await
}

/// Sign the entry agreement: the application is admitted and the organization's stay begins,
/// with its mentoring plan laid out from the incubator's template. Refused when the incubator is
/// full; two managers admitting the last place at once cannot both succeed.
pub async fn admit(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &AgreementInput,
) -> AppResult<incubation::Model> {
    let a = get_application(state, actor, id).await?;
    domain::validate_agreement(input, today())?;
    let txn = state.db.write.begin().await?;
    let i = incubator::Entity::find_by_id(a.incubator_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    // Claim the incubator row first, so concurrent admissions count places one after another.
    versioned::bump(
        &txn,
        incubator::Entity::update_many()
            .filter(incubator::Column::Id.eq(i.id))
            .into_query(),
        i.version,
        Stamp::UpdatedAt,
    )
    .await?;
    let places_left = i64::from(i.capacity) - occupancy(&txn, i.id).await?;
    workflow::perform(
        &txn,
        state,
        actor,
        who,
        &domain::APPLICATION,
        Target {
            table: "incubation_applications",
            id: a.id.into(),
            entity_id: &a.id.to_string(),
            state: &a.state,
            version: input.version,
            scope: shared_scope(&a.path, a.org_id),
        },
        "admit",
        None,
        &ApplicationCtx {
            agreement: true,
            places_left,
        },
    )
    .await?;
    let now = audit::now();
    let s = incubation::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        incubator_id: Set(i.id),
        cohort_id: Set(a.cohort_id),
        application_id: Set(a.id),
        org_id: Set(a.org_id),
        path: Set(i.path.clone()),
        stage: Set(input.stage.clone()),
        stage_since: Set(input.starts_on),
        mentor_id: Set(None),
        agreement_signed_on: Set(input.signed_on),
        agreement_terms: Set(input.terms.trim().into()),
        starts_on: Set(input.starts_on),
        ends_on: Set(input.ends_on),
        state: Set(domain::STAY.initial.into()),
        ended_on: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    for (n, item) in plan_of(&i).iter().enumerate() {
        plan_item::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            incubation_id: Set(s.id),
            position: Set(n as i32 + 1),
            title: Set(item.title.clone()),
            due_on: Set(input.starts_on + chrono::Duration::days(item.due_after_days.into())),
            done_on: Set(None),
            done_note: Set(String::new()),
            done_by: Set(None),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
    }
    log(
        &txn,
        who,
        "incubation.agreement_sign",
        "incubation",
        s.id,
        &s.path,
        json!({"application": a.id, "org": a.org_id, "signed_on": input.signed_on, "starts_on": input.starts_on, "ends_on": input.ends_on, "stage": input.stage}),
    )
    .await?;
    txn.commit().await?;
    Ok(s)
}
