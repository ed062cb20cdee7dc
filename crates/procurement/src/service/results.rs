//! Results by catalog item (结果运用): how much each item was bought, delivered and paid, and how
//! it was graded, so the district can adjust the catalog and the budgets.

use std::collections::BTreeMap;

use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_platform::sea_orm::sea_query::{Expr, ExprTrait, Query};
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use gongzhi_platform::web::{AppError, AppResult, AppState};

use crate::PURCHASE_READ;
use crate::store::entity::{contract, evaluation, project};
use crate::service::queue::sum;
use crate::domain::{ContractState, ProjectState};

#[derive(Debug, Clone, Default, serde::Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct ItemResult {
    pub item_code: String,
    pub item_name: String,
    pub projects: u64,
    pub budget_fen: i64,
    pub contracts: u64,
    pub contract_fen: i64,
    pub terminated: u64,
    pub evaluated: u64,
    /// Mean evaluation score, hundredths.
    pub mean_score: Option<i64>,
    pub excellent: u64,
    pub good: u64,
    pub fair: u64,
    pub poor: u64,
}

/// Per item, for projects of `node` and below starting in `year`.
pub async fn by_item(
    state: &AppState,
    actor: &Actor,
    node: &str,
    year: i32,
) -> AppResult<Vec<ItemResult>> {
    let n = crate::service::node(&state.db.read, node)
        .await
        .map_err(|_| AppError::field("node", "territory.not_found"))?;
    state.authorize(actor, PURCHASE_READ, &ResourceScope::territory(&n.path))?;
    let conn = &state.db.read;
    let scope = || {
        project::Column::Path
            .starts_with(&n.path)
            .and(project::Column::Year.eq(year))
    };
    let mut out: BTreeMap<String, ItemResult> = BTreeMap::new();
    let rows: Vec<(String, String, i64, Option<i64>)> = project::Entity::find()
        .select_only()
        .column(project::Column::ItemCode)
        .column(project::Column::ItemName)
        .column_as(project::Column::Id.count(), "n")
        .column_as(sum(project::Column::BudgetFen), "b")
        .filter(scope())
        .filter(project::Column::State.is_not_in([
            ProjectState::DRAFT,
            ProjectState::SUBMITTED,
            ProjectState::CANCELLED,
        ]))
        .group_by(project::Column::ItemCode)
        .group_by(project::Column::ItemName)
        .into_tuple()
        .all(conn)
        .await?;
    for (code, name, n, b) in rows {
        let r = out.entry(code.clone()).or_default();
        r.item_code = code;
        r.item_name = name;
        r.projects += n as u64;
        r.budget_fen = add(r.budget_fen, b.unwrap_or(0))?;
    }
    let in_scope = Query::select()
        .column(project::Column::Id)
        .from(project::Entity)
        .cond_where(scope())
        .to_owned();
    let contracts = contract::Entity::find()
        .filter(contract::Column::ProjectId.in_subquery(in_scope.clone()))
        .all(conn)
        .await?;
    let item_of: std::collections::HashMap<uuid::Uuid, String> = project::Entity::find()
        .select_only()
        .column(project::Column::Id)
        .column(project::Column::ItemCode)
        .filter(scope())
        .into_tuple()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut contract_item = std::collections::HashMap::new();
    for c in &contracts {
        let code = item_of.get(&c.project_id).cloned().unwrap_or_default();
        contract_item.insert(c.id, code.clone());
        let r = out.entry(code).or_default();
        r.contracts += 1;
        r.contract_fen = add(r.contract_fen, c.price_fen)?;
        r.terminated += u64::from(c.state == ContractState::TERMINATED);
    }
    let evaluations = evaluation::Entity::find()
        .filter(
            evaluation::Column::ContractId.in_subquery(
                Query::select()
                    .column(contract::Column::Id)
                    .from(contract::Entity)
                    .and_where(Expr::col(contract::Column::ProjectId).in_subquery(in_scope))
                    .to_owned(),
            ),
        )
        .all(conn)
        .await?;
    let mut scores: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for e in evaluations {
        let code = contract_item
            .get(&e.contract_id)
            .cloned()
            .unwrap_or_default();
        let r = out.entry(code.clone()).or_default();
        r.evaluated += 1;
        match e.grade.as_str() {
            "excellent" => r.excellent += 1,
            "good" => r.good += 1,
            "fair" => r.fair += 1,
            _ => r.poor += 1,
        }
        scores.entry(code).or_default().push(i64::from(e.score));
    }
    for (code, s) in scores {
        if let Some(r) = out.get_mut(&code) {
            r.mean_score = Some(s.iter().sum::<i64>() / s.len() as i64);
        }
    }
    Ok(out.into_values().collect())
}

/// Money sums are checked: amounts are bounded where they enter, so this never fails, but a sum
/// out of range must be an error, never a wrapped number.
fn add(a: i64, b: i64) -> AppResult<i64> {
    a.checked_add(b)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a money sum left the range of i64")))
}
