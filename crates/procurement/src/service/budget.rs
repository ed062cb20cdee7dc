//! Budget lines (预算): a purchaser's money for a year from one fund source. Every change is one
//! conditional UPDATE whose WHERE clause carries the rule of `domain::BudgetLine`, so concurrent
//! approvals and payments can never take a line below zero, on either database.

use gongzhi_kernel::AmountKind;
use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_kernel::{FieldError, Money, ValidationErrors};
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::authz::scope_condition;
use gongzhi_platform::sea_orm::sea_query::{Expr, ExprTrait};
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState, Page, PageParams};
use serde_json::json;

use crate::domain::{BudgetLine, FUND_SOURCES};
use crate::store::entity::budget_line;
use crate::service::{self as svc, fail_if, required_text};
use crate::{PURCHASE_MANAGE, PURCHASE_READ};

pub fn line_of(m: &budget_line::Model) -> BudgetLine {
    BudgetLine {
        amount: Money::from_fen(m.amount_fen),
        committed: Money::from_fen(m.committed_fen),
        spent: Money::from_fen(m.spent_fen),
    }
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct LineInput {
    /// The purchaser: a street (or the district) code.
    pub node: String,
    pub year: i32,
    /// general_budget / lottery_fund / higher_transfer / community_service_fund
    pub source: String,
    pub title: String,
    pub amount_fen: i64,
}

pub async fn create(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    input: &LineInput,
) -> AppResult<budget_line::Model> {
    let n = svc::purchaser(state, actor, &input.node, PURCHASE_MANAGE).await?;
    let mut errors = ValidationErrors::new();
    let title = required_text(&mut errors, "title", &input.title, 2, 100);
    if !FUND_SOURCES.contains(&input.source.as_str()) {
        errors.push(FieldError::new("source", "procurement.unknown_source"));
    }
    let this_year = crate::domain::budget_year(svc::today());
    if !(this_year - 1..=this_year + 1).contains(&input.year) {
        errors.push(FieldError::new("year", "procurement.year_range"));
    }
    errors.check(
        "amount_fen",
        state
            .config
            .money_limits
            .positive(AmountKind::BudgetLine, input.amount_fen),
    );
    fail_if(errors)?;
    let now = audit::now();
    let txn = state.db.write.begin().await?;
    let row = budget_line::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        district: Set(n.district_code.clone()),
        node_code: Set(n.code.clone()),
        path: Set(n.path.clone()),
        year: Set(input.year),
        source: Set(input.source.clone()),
        title: Set(title),
        amount_fen: Set(input.amount_fen),
        committed_fen: Set(0),
        spent_fen: Set(0),
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
            action: "purchase.budget_line_created",
            entity_type: "budget_line",
            entity_id: &row.id.to_string(),
            scope_path: &row.path,
            summary: json!({"year": row.year, "source": row.source, "amount_fen": row.amount_fen}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn get(state: &AppState, actor: &Actor, id: &str) -> AppResult<budget_line::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let l = budget_line::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    svc::readable(state, actor, &l.path)?;
    Ok(l)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct AmountInput {
    /// The line's new amount: no less than what is committed and spent.
    pub amount_fen: i64,
    pub version: i32,
}

/// Change a line's amount (a budget adjustment); it cannot drop below what approvals hold.
pub async fn set_amount(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &AmountInput,
) -> AppResult<budget_line::Model> {
    let l = get(state, actor, id).await?;
    state.authorize(actor, PURCHASE_MANAGE, &ResourceScope::territory(&l.path))?;
    state
        .config
        .money_limits
        .positive(AmountKind::BudgetLine, input.amount_fen)
        .map_err(|e| AppError::from(e.for_field("amount_fen")))?;
    if l.version != input.version {
        return Err(AppError::Conflict("error.stale_version"));
    }
    let txn = state.db.write.begin().await?;
    let res = budget_line::Entity::update_many()
        .col_expr(
            budget_line::Column::AmountFen,
            Expr::value(input.amount_fen),
        )
        .col_expr(budget_line::Column::UpdatedAt, Expr::value(audit::now()))
        .col_expr(
            budget_line::Column::Version,
            Expr::col(budget_line::Column::Version).add(1),
        )
        .filter(budget_line::Column::Id.eq(l.id))
        .filter(budget_line::Column::Version.eq(input.version))
        .filter(
            Expr::col(budget_line::Column::CommittedFen)
                .add(Expr::col(budget_line::Column::SpentFen))
                .lte(input.amount_fen),
        )
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        let now = reread(&txn, l.id).await?;
        if now.version != input.version {
            return Err(AppError::Conflict("error.stale_version"));
        }
        return Err(AppError::Validation(
            FieldError::new("amount_fen", "procurement.below_committed")
                .arg("held", Money::from_fen(now.committed_fen + now.spent_fen))
                .into(),
        ));
    }
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.budget_line_amount_set",
            entity_type: "budget_line",
            entity_id: &l.id.to_string(),
            scope_path: &l.path,
            summary: json!({"from_fen": l.amount_fen, "to_fen": input.amount_fen}),
        },
    )
    .await?;
    let out = reread(&txn, l.id).await?;
    txn.commit().await?;
    Ok(out)
}

async fn reread(conn: &impl ConnectionTrait, id: uuid::Uuid) -> AppResult<budget_line::Model> {
    budget_line::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// An approval commits `x` on the line, only if that much is still available. Commitments
/// leave the line's version alone: that guards edits of the amount, whose own WHERE clause
/// keeps it above what is held.
pub async fn commit(conn: &impl ConnectionTrait, line: uuid::Uuid, x: Money) -> AppResult<()> {
    if x.fen() <= 0 {
        return Err(AppError::field("budget_fen", "procurement.amount_positive"));
    }
    let res = budget_line::Entity::update_many()
        .col_expr(
            budget_line::Column::CommittedFen,
            Expr::col(budget_line::Column::CommittedFen).add(x.fen()),
        )
        .col_expr(budget_line::Column::UpdatedAt, Expr::value(audit::now()))
        .filter(budget_line::Column::Id.eq(line))
        .filter(
            Expr::col(budget_line::Column::AmountFen)
                .sub(Expr::col(budget_line::Column::CommittedFen))
                .sub(Expr::col(budget_line::Column::SpentFen))
                .gte(x.fen()),
        )
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        let l = reread(conn, line).await?;
        return Err(AppError::Validation(
            FieldError::new("budget_fen", "procurement.budget_insufficient")
                .arg("available", line_of(&l).available())
                .into(),
        ));
    }
    Ok(())
}

/// A payment draws `x` of what was committed and spends it.
pub async fn draw(conn: &impl ConnectionTrait, line: uuid::Uuid, x: Money) -> AppResult<()> {
    let res = budget_line::Entity::update_many()
        .col_expr(
            budget_line::Column::CommittedFen,
            Expr::col(budget_line::Column::CommittedFen).sub(x.fen()),
        )
        .col_expr(
            budget_line::Column::SpentFen,
            Expr::col(budget_line::Column::SpentFen).add(x.fen()),
        )
        .col_expr(budget_line::Column::UpdatedAt, Expr::value(audit::now()))
        .filter(budget_line::Column::Id.eq(line))
        .filter(budget_line::Column::CommittedFen.gte(x.fen()))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        let l = reread(conn, line).await?;
        return Err(AppError::Validation(
            FieldError::new("amount_fen", "procurement.budget_insufficient")
                .arg("available", Money::from_fen(l.committed_fen))
                .into(),
        ));
    }
    Ok(())
}

/// A cancelled or failed project gives back its commitment.
pub async fn release(conn: &impl ConnectionTrait, line: uuid::Uuid, x: Money) -> AppResult<()> {
    let res = budget_line::Entity::update_many()
        .col_expr(
            budget_line::Column::CommittedFen,
            Expr::col(budget_line::Column::CommittedFen).sub(x.fen()),
        )
        .col_expr(budget_line::Column::UpdatedAt, Expr::value(audit::now()))
        .filter(budget_line::Column::Id.eq(line))
        .filter(budget_line::Column::CommittedFen.gte(x.fen()))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Err(AppError::field(
            "budget_fen",
            "procurement.release_too_much",
        ));
    }
    Ok(())
}

#[derive(Debug, serde::Deserialize, gongzhi_platform::utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LineQuery {
    /// Only lines of this node and below.
    pub node: Option<String>,
    pub year: Option<i32>,
    /// Rows per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Budget lines in the caller's scope, by node then year.
pub async fn list(
    state: &AppState,
    actor: &Actor,
    q: &LineQuery,
) -> AppResult<Page<budget_line::Model>> {
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let limit = page.limit()?;
    let after: Option<uuid::Uuid> = page.decode()?;
    let filter = state.policy.scope_filter(actor, PURCHASE_READ);
    let mut s =
        budget_line::Entity::find().filter(scope_condition(&filter, budget_line::Column::Path));
    if let Some(path) = svc::subtree(state, actor, q.node.as_deref()).await? {
        s = s.filter(budget_line::Column::Path.starts_with(&path));
    }
    if let Some(y) = q.year {
        s = s.filter(budget_line::Column::Year.eq(y));
    }
    if let Some(id) = after {
        s = s.filter(budget_line::Column::Id.lt(id));
    }
    let rows = s
        .order_by_desc(budget_line::Column::Id)
        .limit(limit + 1)
        .all(&state.db.read)
        .await?;
    Ok(Page::from_rows(rows, limit, |l| l.id))
}
