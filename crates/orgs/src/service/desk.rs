//! The registry's part of the shared desk and of the dashboards.

use gongzhi_kernel::authz::{Actor, Scope, ScopeFilter};
use gongzhi_platform::entity::territory;
use gongzhi_platform::module::{DeskItem, Figure, FigureUnit};
use gongzhi_platform::sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, QueryTrait,
};
use gongzhi_platform::web::{AppResult, AppState};

use super::in_scope;
use crate::domain::{ChangeState, OrgState};
use crate::store::entity::{org, org_change};
use crate::{ORG_DECIDE, ORG_EDIT, ORG_REVIEW};

/// Filings waiting for this reviewer (the street decides what the community reviewed, the
/// community reviews what was submitted: the same rule as the queue page), key-fact changes
/// waiting in their area, and the applicant's own applications sent back for correction.
pub async fn desk(state: &AppState, actor: &Actor) -> AppResult<Vec<DeskItem>> {
    let db = &state.db.read;
    let mut out = Vec::new();
    let reviewer = [
        (ORG_DECIDE, OrgState::COMMUNITY_REVIEWED),
        (ORG_REVIEW, OrgState::SUBMITTED),
    ]
    .into_iter()
    .find(|(p, _)| state.policy.holds_anywhere(actor, *p));
    if let Some((permission, waiting)) = reviewer {
        let area = territory_only(state.policy.scope_filter(actor, permission));
        let filings = org::Entity::find()
            .filter(in_scope(&area))
            .filter(org::Column::State.eq(waiting))
            .count(db)
            .await?;
        let orgs_in_area = org::Entity::find()
            .select_only()
            .column(org::Column::Id)
            .filter(in_scope(&area))
            .into_query();
        let changes = org_change::Entity::find()
            .filter(org_change::Column::State.is_in([
                ChangeState::SUBMITTED,
                ChangeState::COMMUNITY_REVIEWED,
            ]))
            .filter(org_change::Column::OrgId.in_subquery(orgs_in_area))
            .count(db)
            .await?;
        out.push(DeskItem {
            key: "orgs.desk.filings".into(),
            count: filings,
            href: "/orgs/queue".into(),
            urgent: false,
        });
        out.push(DeskItem {
            key: "orgs.desk.changes".into(),
            count: changes,
            href: "/orgs/queue".into(),
            urgent: false,
        });
    }
    let own: Vec<uuid::Uuid> = actor
        .grants
        .iter()
        .filter(|g| state.policy.role_has(g.role, ORG_EDIT))
        .filter_map(|g| match &g.scope {
            Scope::Org { org_id } => Some(org_id.0),
            _ => None,
        })
        .collect();
    if !own.is_empty() {
        let returned = org::Entity::find()
            .filter(org::Column::Id.is_in(own.iter().copied()))
            .filter(org::Column::State.eq(OrgState::RETURNED))
            .all(db)
            .await?;
        let href = match returned.as_slice() {
            [one] => format!("/orgs/{}", one.id),
            _ => "/orgs".into(),
        };
        out.push(DeskItem {
            key: "orgs.desk.returned".into(),
            count: returned.len() as u64,
            href,
            urgent: true,
        });
    }
    Ok(out)
}

/// Reviewing is territorial: organization roles do not count toward a reviewer's area.
fn territory_only(f: ScopeFilter) -> ScopeFilter {
    ScopeFilter {
        orgs: Vec::new(),
        ..f
    }
}

/// Registered and filed organizations at and below the node, and those registered in the year.
pub async fn figures(state: &AppState, node: &territory::Model, year: i32) -> AppResult<Vec<Figure>> {
    let db = &state.db.read;
    let area = ScopeFilter::subtree(node.path.clone());
    let count_in = |st: &'static str| {
        org::Entity::find()
            .filter(in_scope(&area))
            .filter(org::Column::State.eq(st))
            .count(db)
    };
    let registered = count_in(OrgState::ACTIVE).await?;
    let filed = count_in(OrgState::FILED).await?;
    let (from, to) = (
        chrono::NaiveDate::from_ymd_opt(year, 1, 1),
        chrono::NaiveDate::from_ymd_opt(year, 12, 31),
    );
    let new = org::Entity::find()
        .filter(in_scope(&area))
        .filter(org::Column::State.eq(OrgState::ACTIVE))
        .filter(org::Column::RegisteredOn.between(from, to))
        .count(db)
        .await?;
    Ok(vec![
        Figure {
            key: "orgs.figure.registered",
            value: registered as i64,
            unit: FigureUnit::Count,
        },
        Figure {
            key: "orgs.figure.filed",
            value: filed as i64,
            unit: FigureUnit::Count,
        },
        Figure {
            key: "orgs.figure.registered_in_year",
            value: new as i64,
            unit: FigureUnit::Count,
        },
    ])
}
