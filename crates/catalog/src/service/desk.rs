//! The catalog's part of the shared desk: proposed changes waiting for the district's decision.

use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_platform::module::DeskItem;
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use gongzhi_platform::web::{AppResult, AppState};

use crate::CATALOG_MANAGE;
use crate::domain::ChangeState;
use crate::store::entity::change;

/// Proposals in the districts whose catalog the user manages.
pub async fn desk(state: &AppState, actor: &Actor) -> AppResult<Vec<DeskItem>> {
    if !state.policy.holds_anywhere(actor, CATALOG_MANAGE) {
        return Ok(Vec::new());
    }
    let db = &state.db.read;
    let by_district: Vec<(String, i64)> = change::Entity::find()
        .select_only()
        .column(change::Column::District)
        .column_as(change::Column::Id.count(), "n")
        .filter(change::Column::State.eq(ChangeState::PROPOSED))
        .group_by(change::Column::District)
        .into_tuple()
        .all(db)
        .await?;
    let mut count = 0;
    for (district, n) in by_district {
        let node = gongzhi_platform::territory::district_node(db, &district).await?;
        let decides = state
            .authorize(actor, CATALOG_MANAGE, &ResourceScope::territory(node.path))
            .is_ok();
        if decides {
            count += n as u64;
        }
    }
    Ok(vec![DeskItem {
        key: "catalog.desk.proposals".into(),
        count,
        href: "/catalog".into(),
        urgent: false,
    }])
}
