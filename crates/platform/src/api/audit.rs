use crate::web::Query;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use gongzhi_kernel::authz::{ResourceScope, ScopeFilter};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::authz::{AUDIT_READ, level_condition};
use crate::entity::audit_entry;
use crate::territory as territory_svc;
use crate::web::{Access, AppError, AppResult, AppState, CurrentActor, Page, PageParams, Routes};

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/audit", Access::Permission(AUDIT_READ), list)
        .probe_query("scope={foreign_street}")
        .get(
            "/api/v1/audit/export.csv",
            Access::Permission(AUDIT_READ),
            export_csv,
        )
        .probe_query("scope={foreign_street}")
        .get(
            "/api/v1/audit/checkpoints",
            Access::Permission(AUDIT_READ),
            checkpoints,
        )
}

/// Whether the actor audits every district of the installation, which the chain covers.
pub async fn may_keep_checkpoints(
    state: &AppState,
    actor: &gongzhi_kernel::authz::Actor,
) -> AppResult<bool> {
    let roots = crate::entity::territory::Entity::find()
        .filter(crate::entity::territory::Column::ParentCode.is_null())
        .all(&state.db.read)
        .await?;
    Ok(!roots.is_empty()
        && roots.iter().all(|r| {
            state
                .policy
                .authorize(actor, AUDIT_READ, &ResourceScope::territory(r.path.clone()))
                .is_ok()
        }))
}

/// The signed checkpoint log (JSON lines, one per seal, each with the signing key's public half),
/// to download and keep apart from the platform: `gongzhi audit verify --checkpoints FILE`
/// then proves the database still matches every checkpoint in it. Checkpoints hold hashes
/// only, no entry's content; the chain covers the whole installation, so they are for auditors
/// of every district in it.
#[utoipa::path(get, path = "/api/v1/audit/checkpoints", tag = "audit",
    responses((status = 200, content_type = "application/x-ndjson", body = String)))]
pub async fn checkpoints(
    State(state): State<AppState>,
    me: CurrentActor,
) -> AppResult<impl IntoResponse> {
    if !may_keep_checkpoints(&state, &me.actor).await? {
        return Err(AppError::Forbidden);
    }
    let text = state
        .audit
        .log_text()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-checkpoints.jsonl\"",
            ),
        ],
        text,
    ))
}

#[derive(Serialize, ToSchema)]
pub struct AuditView {
    pub id: uuid::Uuid,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub scope_path: String,
    pub summary: serde_json::Value,
    pub ip: Option<String>,
    /// Position in the hash chain once sealed.
    pub chain_index: Option<i64>,
}

impl From<audit_entry::Model> for AuditView {
    fn from(m: audit_entry::Model) -> Self {
        AuditView {
            id: m.id,
            at: m.at,
            actor: m.actor_name,
            action: m.action,
            entity_type: m.entity_type,
            entity_id: m.entity_id,
            scope_path: m.scope_path,
            summary: serde_json::from_str(&m.summary).unwrap_or(serde_json::Value::Null),
            ip: m.ip,
            chain_index: m.chain_index,
        }
    }
}

/// What to list; paging comes apart (`PageParams`), and the export takes every match up to
/// its ceiling.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Territory code: entries of that node and below.
    pub scope: Option<String>,
    /// Action prefix, e.g. `territory.` or `auth.login`.
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Username of the actor.
    pub actor: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

async fn filtered(
    state: &AppState,
    actor: &gongzhi_kernel::authz::Actor,
    q: &AuditFilter,
) -> AppResult<Select<audit_entry::Entity>> {
    let filter = if let Some(code) = &q.scope {
        let node = territory_svc::get(&state.db.read, code)
            .await?
            .ok_or(AppError::NotFound)?;
        state.authorize(
            actor,
            AUDIT_READ,
            &ResourceScope::territory(node.path.clone()),
        )?;
        ScopeFilter::subtree(node.path)
    } else {
        state.policy.scope_filter(actor, AUDIT_READ)
    };
    let col = |c: audit_entry::Column| (audit_entry::Entity, c);
    let mut query = audit_entry::Entity::find().filter(level_condition(
        &filter,
        [
            col(audit_entry::Column::ScopeDistrict),
            col(audit_entry::Column::ScopeStreet),
            col(audit_entry::Column::ScopeCommunity),
        ],
        col(audit_entry::Column::ScopePath),
    ));
    if let Some(a) = q.action.as_deref().filter(|s| !s.is_empty()) {
        query = query.filter(crate::authz::starts_with(
            (audit_entry::Entity, audit_entry::Column::Action),
            a,
        ));
    }
    if let Some(t) = q.entity_type.as_deref().filter(|s| !s.is_empty()) {
        query = query.filter(audit_entry::Column::EntityType.eq(t));
    }
    if let Some(e) = q.entity_id.as_deref().filter(|s| !s.is_empty()) {
        query = query.filter(audit_entry::Column::EntityId.eq(e));
    }
    if let Some(a) = q.actor.as_deref().filter(|s| !s.is_empty()) {
        query = query.filter(audit_entry::Column::ActorName.eq(a));
    }
    if let Some(f) = q.from {
        query = query.filter(audit_entry::Column::At.gte(f));
    }
    if let Some(t) = q.to {
        query = query.filter(audit_entry::Column::At.lt(t));
    }
    Ok(query)
}

/// Audit entries in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditFilter, PageParams),
    responses((status = 200, body = Page<AuditView>), (status = 403, body = crate::api::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<AuditFilter>,
    Query(page): Query<PageParams>,
) -> AppResult<Json<Page<AuditView>>> {
    Ok(Json(query(&state, &me.actor, &q, &page).await?))
}

/// One page of the audit entries the actor may read, newest first.
pub async fn query(
    state: &AppState,
    actor: &gongzhi_kernel::authz::Actor,
    q: &AuditFilter,
    page: &PageParams,
) -> AppResult<Page<AuditView>> {
    let limit = page.limit()?;
    let after: Option<(DateTime<Utc>, uuid::Uuid)> = page.decode()?;
    let mut query = filtered(state, actor, q).await?;
    if let Some((at, id)) = after {
        // A row-value comparison lets both backends seek the (level, at, id) index.
        query = query.filter(
            Expr::tuple([
                Expr::col(audit_entry::Column::At),
                Expr::col(audit_entry::Column::Id),
            ])
            .lt(Expr::tuple([Expr::val(at), Expr::val(id)])),
        );
    }
    let rows = query
        .order_by_desc(audit_entry::Column::At)
        .order_by_desc(audit_entry::Column::Id)
        .limit(limit + 1)
        .all(&state.db.read)
        .await?;
    Ok(Page::from_rows(rows, limit, |r| (r.at, r.id)).map(AuditView::from))
}

pub const EXPORT_MAX_ROWS: u64 = 100_000;

/// The same entries as CSV (UTF-8 with BOM so Excel reads Chinese), at most 100,000 rows.
#[utoipa::path(get, path = "/api/v1/audit/export.csv", tag = "audit", params(AuditFilter),
    responses((status = 200, content_type = "text/csv", body = String)))]
pub async fn export_csv(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<AuditFilter>,
) -> AppResult<impl IntoResponse> {
    let rows = filtered(&state, &me.actor, &q)
        .await?
        .order_by_desc(audit_entry::Column::At)
        .order_by_desc(audit_entry::Column::Id)
        .limit(EXPORT_MAX_ROWS)
        .all(&state.db.read)
        .await?;
    let mut out = Vec::with_capacity(rows.len() * 160 + 3);
    out.extend_from_slice("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let h = |k: &str| crate::i18n::tr(&format!("audit.col.{k}"), &[]);
        w.write_record([
            h("at"),
            h("actor"),
            h("action"),
            h("entity_type"),
            h("entity_id"),
            h("scope"),
            h("summary"),
            h("ip"),
            h("chain_index"),
        ])
        .map_err(|e| AppError::Internal(e.into()))?;
        for r in rows {
            w.write_record([
                r.at.to_rfc3339(),
                r.actor_name,
                r.action,
                r.entity_type,
                r.entity_id,
                r.scope_path,
                r.summary,
                r.ip.unwrap_or_default(),
                r.chain_index.map(|i| i.to_string()).unwrap_or_default(),
            ])
            .map_err(|e| AppError::Internal(e.into()))?;
        }
        w.flush().map_err(|e| AppError::Internal(e.into()))?;
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.csv\"",
            ),
        ],
        out,
    ))
}
