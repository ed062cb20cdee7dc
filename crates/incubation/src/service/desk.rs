//! Incubation's part of the shared desk and of the dashboards.

use chrono::NaiveDate;
use gongzhi_kernel::authz::{Actor, ScopeFilter};
use gongzhi_platform::authz::scope_condition;
use gongzhi_platform::entity::territory;
use gongzhi_platform::module::{DeskItem, Figure, FigureUnit};
use gongzhi_platform::sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, QueryTrait,
};
use gongzhi_platform::web::{AppResult, AppState};

use crate::INCUBATION_MANAGE;
use crate::domain::{ApplicationState, StayState};
use crate::store::entity::{application, incubation, plan_item};

/// Applications waiting for their first review where the user manages incubators (urgent once
/// one is past its review date), and the mentor's overdue plan items.
pub async fn desk(state: &AppState, actor: &Actor) -> AppResult<Vec<DeskItem>> {
    let db = &state.db.read;
    let today = gongzhi_platform::clock::today();
    let mut out = Vec::new();
    if state.policy.holds_anywhere(actor, INCUBATION_MANAGE) {
        let area = ScopeFilter {
            orgs: Vec::new(),
            ..state.policy.scope_filter(actor, INCUBATION_MANAGE)
        };
        let waiting = || {
            application::Entity::find()
                .filter(scope_condition(&area, application::Column::Path))
                .filter(application::Column::State.eq(ApplicationState::SUBMITTED))
                .filter(application::Column::ReviewedOn.is_null())
        };
        let count = waiting().count(db).await?;
        let late = waiting()
            .filter(application::Column::ReviewDueOn.lt(today))
            .count(db)
            .await?;
        out.push(DeskItem {
            key: "incubation.desk.to_review".into(),
            count,
            href: "/incubators".into(),
            urgent: late > 0,
        });
    }
    let mine = incubation::Entity::find()
        .select_only()
        .column(incubation::Column::Id)
        .filter(incubation::Column::MentorId.eq(actor.user_id.0))
        .filter(incubation::Column::State.eq(StayState::IN_INCUBATION))
        .into_query();
    let overdue = plan_item::Entity::find()
        .filter(plan_item::Column::IncubationId.in_subquery(mine))
        .filter(plan_item::Column::DoneOn.is_null())
        .filter(plan_item::Column::DueOn.lt(today))
        .count(db)
        .await?;
    out.push(DeskItem {
        key: "incubation.desk.overdue_items".into(),
        count: overdue,
        href: "/mentoring".into(),
        urgent: true,
    });
    Ok(out)
}

/// Organizations in incubation at and below the node now, and those that graduated in the year.
pub async fn figures(state: &AppState, node: &territory::Model, year: i32) -> AppResult<Vec<Figure>> {
    let db = &state.db.read;
    let area = ScopeFilter::subtree(node.path.clone());
    let stays = || incubation::Entity::find().filter(scope_condition(&area, incubation::Column::Path));
    let now = stays()
        .filter(incubation::Column::State.eq(StayState::IN_INCUBATION))
        .count(db)
        .await?;
    let graduated = stays()
        .filter(incubation::Column::State.eq(StayState::GRADUATED))
        .filter(incubation::Column::EndedOn.between(
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ))
        .count(db)
        .await?;
    Ok(vec![
        Figure {
            key: "incubation.figure.in_incubation",
            value: now as i64,
            unit: FigureUnit::Count,
        },
        Figure {
            key: "incubation.figure.graduated_in_year",
            value: graduated as i64,
            unit: FigureUnit::Count,
        },
    ])
}
