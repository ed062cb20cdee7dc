//! Yearly cultivation targets per level (Tianyuan's "103090") with their progress, and community
//! coverage against 民发〔2017〕191号 (≥ 10 community organizations per urban community, ≥ 5 per
//! rural one).

use gongzhi_platform::sea_orm::QueryTrait as _;
use gongzhi_platform::versioned::{self, Stamp};
use chrono::NaiveDate;
use gongzhi_kernel::authz::Actor;
use gongzhi_platform::audit::{self, AuditActor};
use gongzhi_platform::entity::territory;
use gongzhi_platform::sea_orm::sea_query::Expr;
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::domain::{self, TARGET_LEVELS};
use crate::store::entity::{incubation, incubator, target};
use crate::service::{log, node_for};
use crate::{INCUBATION_READ, INCUBATION_TARGETS};
use crate::domain::StayState;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct TargetInput {
    /// The node whose target this is (the district, a street).
    pub territory: String,
    pub year: i32,
    /// district / street / community: the level of the incubators that count toward it.
    pub level: String,
    pub target: i32,
    #[serde(default)]
    pub note: String,
    /// The target's version you last read; omit when setting it for the first time.
    pub version: Option<i32>,
}

pub async fn set(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    input: &TargetInput,
) -> AppResult<target::Model> {
    let n = node_for(state, actor, input.territory.trim(), INCUBATION_TARGETS).await?;
    let mut e = gongzhi_kernel::ValidationErrors::new();
    if !TARGET_LEVELS.contains(&input.level.as_str()) {
        e.add("level", "incubation.level_unknown");
    }
    domain::check_range(&mut e, "year", input.year, 2000, 2100);
    domain::check_range(&mut e, "target", input.target, 0, 10_000);
    let note = domain::checked_text(&mut e, "note", &input.note, 0, 500);
    e.into_result()?;
    let txn = state.db.write.begin().await?;
    let existing = target::Entity::find()
        .filter(target::Column::TerritoryCode.eq(n.code.clone()))
        .filter(target::Column::Year.eq(input.year))
        .filter(target::Column::Level.eq(input.level.clone()))
        .one(&txn)
        .await?;
    let m = match existing {
        Some(t) => {
            if input.version != Some(t.version) {
                return Err(AppError::Conflict("error.stale_version"));
            }
            versioned::bump(
                &txn,
                target::Entity::update_many()
                    .col_expr(target::Column::Target, Expr::value(input.target))
                    .col_expr(target::Column::Note, Expr::value(note.clone()))
                    .filter(target::Column::Id.eq(t.id))
                    .into_query(),
                t.version,
                Stamp::UpdatedAt,
            )
            .await?;
            target::Entity::find_by_id(t.id)
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?
        }
        None => {
            if input.version.is_some_and(|v| v != 0) {
                return Err(AppError::Conflict("error.stale_version"));
            }
            target::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                year: Set(input.year),
                level: Set(input.level.clone()),
                territory_code: Set(n.code.clone()),
                path: Set(n.path.clone()),
                target: Set(input.target),
                note: Set(note.clone()),
                updated_at: Set(audit::now()),
                version: Set(1),
            }
            .insert(&txn)
            .await?
        }
    };
    log(
        &txn,
        who,
        "incubation.target_set",
        "cultivation_target",
        m.id,
        &m.path,
        json!({"territory": n.code, "year": m.year, "level": m.level, "target": m.target}),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TargetProgress {
    pub level: String,
    pub target: Option<i32>,
    /// Organizations in incubation at some point of the year at incubators of this level.
    pub cultivated: i64,
    /// Of those, graduated during the year.
    pub graduated: i64,
    /// cultivated / target in per cent, at most 100.
    pub progress: Option<i64>,
    pub version: Option<i32>,
}

/// Targets of a node for a year, with what the incubators within it achieved.
pub async fn progress(
    state: &AppState,
    actor: &Actor,
    code: &str,
    year: i32,
) -> AppResult<Vec<TargetProgress>> {
    let n = node_for(state, actor, code, INCUBATION_READ).await?;
    let (Some(first), Some(last)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Err(AppError::field("year", "incubation.year_invalid"));
    };
    let targets = target::Entity::find()
        .filter(target::Column::TerritoryCode.eq(n.code.clone()))
        .filter(target::Column::Year.eq(year))
        .all(&state.db.read)
        .await?;
    let incubators = incubator::Entity::find()
        .filter(incubator::Column::Path.starts_with(n.path.as_str()))
        .all(&state.db.read)
        .await?;
    let stays = incubation::Entity::find()
        .filter(incubation::Column::IncubatorId.is_in(incubators.iter().map(|i| i.id)))
        .filter(incubation::Column::StartsOn.lte(last))
        .all(&state.db.read)
        .await?;
    let mut out = Vec::new();
    for level in TARGET_LEVELS {
        let ids: Vec<uuid::Uuid> = incubators
            .iter()
            .filter(|i| i.level == level)
            .map(|i| i.id)
            .collect();
        let mut cultivated: Vec<uuid::Uuid> = Vec::new();
        let mut graduated: Vec<uuid::Uuid> = Vec::new();
        for s in stays.iter().filter(|s| ids.contains(&s.incubator_id)) {
            if s.ended_on.is_some_and(|d| d < first) {
                continue;
            }
            cultivated.push(s.org_id);
            if s.state == StayState::GRADUATED && s.ended_on.is_some_and(|d| d <= last) {
                graduated.push(s.org_id);
            }
        }
        cultivated.sort();
        cultivated.dedup();
        graduated.sort();
        graduated.dedup();
        let t = targets.iter().find(|t| t.level == level);
        out.push(TargetProgress {
            level: level.into(),
            target: t.map(|t| t.target),
            cultivated: cultivated.len() as i64,
            graduated: graduated.len() as i64,
            progress: t.map(|t| domain::progress(cultivated.len() as i64, t.target.into())),
            version: t.map(|t| t.version),
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoverageRow {
    pub code: String,
    pub name: String,
    /// A village (村) counts as rural, a community (社区) as urban.
    pub rural: bool,
    /// Community organizations filed or guided there and in good order.
    pub orgs: i64,
    pub goal: i64,
    pub met: bool,
}

/// Every community within the node against its 191号 goal, those furthest behind first.
pub async fn coverage(state: &AppState, actor: &Actor, code: &str) -> AppResult<Vec<CoverageRow>> {
    let n = node_for(state, actor, code, INCUBATION_READ).await?;
    let communities = territory::Entity::find()
        .filter(territory::Column::Level.eq("community"))
        .filter(territory::Column::Path.starts_with(n.path.as_str()))
        .filter(territory::Column::Status.eq("active"))
        .all(&state.db.read)
        .await?;
    let counts = gongzhi_orgs::face::count_by_community(
        &state.db.read,
        gongzhi_orgs::face::Find {
            legal_forms: &["community_org"],
            states: &gongzhi_orgs::face::PUBLIC_STATES,
            under: Some(&n.path),
            ..Default::default()
        },
    )
    .await?;
    let mut rows: Vec<CoverageRow> = communities
        .into_iter()
        .map(|c| {
            let rural = c.kind == "village";
            let orgs = counts
                .iter()
                .find(|(k, _)| k.as_deref() == Some(c.code.as_str()))
                .map(|(_, n)| *n)
                .unwrap_or(0);
            let goal = domain::coverage_goal(rural);
            CoverageRow {
                code: c.code,
                name: c.name,
                rural,
                orgs,
                goal,
                met: orgs >= goal,
            }
        })
        .collect();
    rows.sort_by_key(|r| (r.orgs - r.goal, r.code.clone()));
    Ok(rows)
}
