//! The purchase's part of the shared desk (its work queue, a line per section) and of the
//! dashboards (the year's budget and how far it is spent).

use gongzhi_kernel::authz::{Actor, ScopeFilter};
use gongzhi_platform::authz::scope_condition;
use gongzhi_platform::entity::territory;
use gongzhi_platform::module::{DeskItem, Figure, FigureUnit};
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use gongzhi_platform::web::{AppResult, AppState};

use crate::service::queue::{self, sum};
use crate::store::entity::budget_line;

/// Each non-empty section of the user's work queue (approvals, notices to open, contracts to
/// sign, bids and reports of their organization, seats on a panel); urgent when an item's
/// date has come.
pub async fn desk(state: &AppState, actor: &Actor) -> AppResult<Vec<DeskItem>> {
    let today = gongzhi_platform::clock::today();
    Ok(queue::sections(state, actor)
        .await?
        .into_iter()
        .map(|s| DeskItem {
            key: format!("procurement.queue.{}", s.key),
            count: s.count,
            urgent: s.items.iter().any(|i| i.due.is_some_and(|d| d <= today)),
            // One item: straight to it; more: the work queue.
            href: match s.items.as_slice() {
                [one] if s.count == 1 && !one.link.is_empty() => one.link.clone(),
                _ => "/purchase".into(),
            },
        })
        .collect())
}

/// The budget lines of the year at and below the node: the amount, what approved projects hold
/// and what has been paid, and the share paid.
pub async fn figures(state: &AppState, node: &territory::Model, year: i32) -> AppResult<Vec<Figure>> {
    let area = ScopeFilter::subtree(node.path.clone());
    let sums: Option<(Option<i64>, Option<i64>, Option<i64>)> = budget_line::Entity::find()
        .select_only()
        .column_as(sum(budget_line::Column::AmountFen), "a")
        .column_as(sum(budget_line::Column::CommittedFen), "c")
        .column_as(sum(budget_line::Column::SpentFen), "s")
        .filter(scope_condition(&area, budget_line::Column::Path))
        .filter(budget_line::Column::Year.eq(year))
        .into_tuple()
        .one(&state.db.read)
        .await?;
    let (budget, committed, spent) = match sums {
        Some((a, c, s)) => (a.unwrap_or(0), c.unwrap_or(0), s.unwrap_or(0)),
        None => (0, 0, 0),
    };
    let money = |key, value| Figure {
        key,
        value,
        unit: FigureUnit::Fen,
    };
    let mut out = vec![
        money("procurement.figure.budget", budget),
        money("procurement.figure.committed", committed),
        money("procurement.figure.spent", spent),
    ];
    if budget > 0 {
        out.push(Figure {
            key: "procurement.figure.execution",
            // i128: a budget line may reach ¥10,000,000,000 (10¹² fen) and sums of many more.
            value: (i128::from(spent) * 100 / i128::from(budget)) as i64,
            unit: FigureUnit::Percent,
        });
    }
    Ok(out)
}
