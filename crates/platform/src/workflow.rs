//! The workflow engine's persistence. A module keeps `state`, `version` and `updated_at` columns on its table
//! and calls [`perform`] inside its transaction: the kernel definition decides, then the state
//! moves with the version check, the event is recorded and audited, all in that transaction.
//!
//! ```ignore
//! let step = workflow::perform(&txn, &state, &actor, &who, &FILING, Target {
//!     table: "org_filings", id: filing.id.into(), entity_id: &filing.id.to_string(),
//!     state: &filing.state, version: req.version, scope: filing.scope(),
//! }, "approve", req.reason.as_deref(), &filing).await?;
//! ```

use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_kernel::workflow::{Step, WorkflowDef, WorkflowError};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::json;

use crate::audit::{self, AuditActor, Change};
use crate::entity::workflow_event;
use crate::web::{AppError, AppResult, AppState};

/// The record being moved.
pub struct Target<'a> {
    pub table: &'a str,
    /// Primary key value of the row (column `id`).
    pub id: sea_orm::Value,
    pub entity_id: &'a str,
    /// State and version as the client last saw them.
    pub state: &'a str,
    pub version: i32,
    pub scope: ResourceScope,
}

pub fn map_error(e: WorkflowError) -> AppError {
    match e {
        WorkflowError::UnknownTransition(_) => {
            AppError::field("transition", "workflow.unknown_transition")
        }
        WorkflowError::UnknownState(_) | WorkflowError::NotAllowedFrom { .. } => {
            AppError::Conflict("workflow.not_allowed")
        }
        WorkflowError::Forbidden(_) => AppError::Forbidden,
        WorkflowError::ReasonRequired => AppError::field("reason", "workflow.reason_required"),
        WorkflowError::Guard(c) => AppError::Validation(c.for_field("transition").into()),
    }
}

#[allow(clippy::too_many_arguments)]
pub async fn perform<C>(
    conn: &impl ConnectionTrait,
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    def: &WorkflowDef<C>,
    target: Target<'_>,
    transition: &str,
    reason: Option<&str>,
    ctx: &C,
) -> AppResult<Step> {
    let step = def
        .plan(target.state, transition, reason, ctx, |p| {
            state.policy.authorize(actor, p, &target.scope).is_ok()
        })
        .map_err(map_error)?;
    let update = Query::update()
        .table(Alias::new(target.table))
        .value(Alias::new("state"), step.to)
        .and_where(Expr::col(Alias::new("id")).eq(target.id.clone()))
        .and_where(Expr::col(Alias::new("state")).eq(step.from))
        .to_owned();
    crate::versioned::bump(
        conn,
        update,
        target.version,
        crate::versioned::Stamp::UpdatedAt,
    )
    .await?;
    let now = audit::now();
    let reason = reason
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_string);
    workflow_event::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        workflow: Set(def.name.to_string()),
        entity_id: Set(target.entity_id.to_string()),
        transition: Set(step.transition.to_string()),
        from_state: Set(step.from.to_string()),
        to_state: Set(step.to.to_string()),
        actor_id: Set(who.user_id),
        reason: Set(reason.clone()),
        scope_path: Set(target.scope.path.clone()),
        at: Set(now),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        who,
        Change {
            action: &format!("{}.{}", def.name, step.transition),
            entity_type: def.name,
            entity_id: target.entity_id,
            scope_path: &target.scope.path,
            summary: json!({"from": step.from, "to": step.to, "reason": reason}),
        },
    )
    .await?;
    Ok(step)
}
