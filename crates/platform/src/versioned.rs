//! Optimistic saves, one way: a change lands only on the `version` the client last read, bumps
//! it (and `updated_at` where the table keeps one), and a lost race is 409 `error.stale_version`.
//! The caller writes its audit entry next, in the same transaction.
//!
//! ```ignore
//! let update = category::Entity::update_many()
//!     .col_expr(category::Column::Name, Expr::value(name.clone()))
//!     .filter(category::Column::Id.eq(c.id))
//!     .into_query();
//! versioned::bump(&txn, update, input.version, Stamp::UpdatedAt).await?;
//! ```

use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, UpdateStatement};

use crate::audit;
use crate::web::{AppError, AppResult};

/// Whether the table also keeps `updated_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    UpdatedAt,
    VersionOnly,
}

/// Run `update` (its SET list and key filter, without `version` or `updated_at`) only if the
/// row's version is still `read`, bumping it in SQL.
pub async fn bump(
    conn: &impl ConnectionTrait,
    mut update: UpdateStatement,
    read: i32,
    stamp: Stamp,
) -> AppResult<()> {
    update
        .value(
            Alias::new("version"),
            Expr::col(Alias::new("version")).add(1),
        )
        .and_where(Expr::col(Alias::new("version")).eq(read));
    if stamp == Stamp::UpdatedAt {
        update.value(Alias::new("updated_at"), audit::now());
    }
    let res = conn.execute(&update).await?;
    if res.rows_affected() != 1 {
        // Someone else changed it first: the caller's view is stale.
        return Err(AppError::Conflict("error.stale_version"));
    }
    Ok(())
}
