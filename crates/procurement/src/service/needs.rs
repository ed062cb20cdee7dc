//! Needs (需求申报): a community or a street department raises one with evidence of resident
//! demand; the street adopts it into a project (see `projects`) or declines it with a reason.

use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_kernel::{FieldError, ValidationErrors};
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::authz::scope_condition;
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState, Page, PageParams};
use serde_json::json;

use crate::domain::NEED;
use crate::store::entity::need;
use crate::service::{self as svc, Move, fail_if, required_text};
use crate::{PURCHASE_NEED, PURCHASE_READ};

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct NeedInput {
    /// The raising community or street.
    pub node: String,
    pub title: String,
    pub description: String,
    /// How the demand is known: surveys, petitions, visits, meeting minutes.
    pub evidence: String,
    /// Residents who asked for it.
    pub residents: i32,
    /// A catalog item code the raiser suggests (optional).
    #[serde(default)]
    pub item_code: String,
}

pub async fn raise(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    input: &NeedInput,
) -> AppResult<need::Model> {
    let n = svc::node(&state.db.read, &input.node)
        .await
        .map_err(|_| AppError::field("node", "territory.not_found"))?;
    state.authorize(actor, PURCHASE_NEED, &ResourceScope::territory(&n.path))?;
    let mut errors = ValidationErrors::new();
    if n.level != "community" && n.level != "street" {
        errors.push(FieldError::new("node", "procurement.need_node"));
    }
    let title = required_text(&mut errors, "title", &input.title, 4, 100);
    let description = required_text(&mut errors, "description", &input.description, 10, 4000);
    let evidence = required_text(&mut errors, "evidence", &input.evidence, 10, 4000);
    if !(1..=1_000_000).contains(&input.residents) {
        errors.push(FieldError::new("residents", "procurement.residents_range"));
    }
    fail_if(errors)?;
    let now = audit::now();
    let txn = state.db.write.begin().await?;
    let row = need::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        district: Set(n.district_code.clone()),
        node_code: Set(n.code.clone()),
        path: Set(n.path.clone()),
        title: Set(title),
        description: Set(description),
        evidence: Set(evidence),
        residents: Set(input.residents),
        item_code: Set(input.item_code.trim().to_string()),
        state: Set(NEED.initial.into()),
        project_id: Set(None),
        raised_by: Set(Some(actor.user_id.0)),
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
            action: "purchase.need_raised",
            entity_type: "purchase_need",
            entity_id: &row.id.to_string(),
            scope_path: &row.path,
            summary: json!({"title": row.title, "residents": row.residents}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn get(state: &AppState, actor: &Actor, id: &str) -> AppResult<need::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let n = need::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    svc::readable(state, actor, &n.path)?;
    Ok(n)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct DeclineInput {
    pub reason: String,
    pub version: i32,
}

/// The street declines a need, saying why.
pub async fn decline(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &DeclineInput,
) -> AppResult<need::Model> {
    let n = get(state, actor, id).await?;
    let txn = state.db.write.begin().await?;
    svc::step(
        &txn,
        state,
        actor,
        who,
        &NEED,
        Move {
            table: "proc_needs",
            id: n.id,
            state: &n.state,
            version: input.version,
            path: &n.path,
            org: None,
        },
        "decline",
        Some(&input.reason),
    )
    .await?;
    let out = reread(&txn, n.id).await?;
    txn.commit().await?;
    Ok(out)
}

pub async fn reread(conn: &impl ConnectionTrait, id: uuid::Uuid) -> AppResult<need::Model> {
    need::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Debug, serde::Deserialize, gongzhi_platform::utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NeedQuery {
    /// Only needs raised at this node and below.
    pub node: Option<String>,
    /// raised / adopted / declined
    pub state: Option<String>,
    /// Rows per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Needs in the caller's scope, newest first.
pub async fn list(state: &AppState, actor: &Actor, q: &NeedQuery) -> AppResult<Page<need::Model>> {
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let limit = page.limit()?;
    let after: Option<uuid::Uuid> = page.decode()?;
    let filter = state.policy.scope_filter(actor, PURCHASE_READ);
    let mut s = need::Entity::find().filter(scope_condition(&filter, need::Column::Path));
    if let Some(path) = svc::subtree(state, actor, q.node.as_deref()).await? {
        s = s.filter(need::Column::Path.starts_with(&path));
    }
    if let Some(st) = q.state.as_deref().filter(|s| !s.is_empty()) {
        s = s.filter(need::Column::State.eq(st));
    }
    if let Some(id) = after {
        s = s.filter(need::Column::Id.lt(id));
    }
    let rows = s
        .order_by_desc(need::Column::Id)
        .limit(limit + 1)
        .all(&state.db.read)
        .await?;
    Ok(Page::from_rows(rows, limit, |n| n.id))
}
