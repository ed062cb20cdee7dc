use crate::web::{Path, Query};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use gongzhi_kernel::authz::ResourceScope;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::audit::AuditActor;
use crate::authz::{TERRITORY_READ, TERRITORY_WRITE, scope_condition};
use crate::entity::{hub, territory};
use crate::territory as svc;
use crate::web::{
    Access, ApiJson, AppError, AppResult, AppState, CurrentActor, Page, PageParams, Probe, Routes,
};

pub fn routes() -> Routes {
    Routes::new()
        .get(
            "/api/v1/territories",
            Access::Permission(TERRITORY_READ),
            list,
        )
        .probe_query("parent={foreign_street}")
        .post(
            "/api/v1/territories",
            Access::Permission(TERRITORY_WRITE),
            create,
        )
        .probe_json(r#"{"code":"{foreign_new_community}","name":"探针社区","kind":"community"}"#)
        .post(
            "/api/v1/territories/import",
            Access::Permission(TERRITORY_WRITE),
            import,
        )
        .with_probe(Probe {
            query: "",
            body: Some("code,name,kind\n{foreign_new_community},探针社区,community\n"),
            content_type: "text/csv",
        })
        .get(
            "/api/v1/territories/{code}",
            Access::Permission(TERRITORY_READ),
            get_one,
        )
        .patch(
            "/api/v1/territories/{code}",
            Access::Permission(TERRITORY_WRITE),
            patch,
        )
        .probe_json(r#"{"name":"改名探针","version":1}"#)
        .get(
            "/api/v1/territories/{code}/hubs",
            Access::Permission(TERRITORY_READ),
            list_hubs,
        )
        .post(
            "/api/v1/territories/{code}/hubs",
            Access::Permission(TERRITORY_WRITE),
            create_hub,
        )
        .probe_json(r#"{"kind":"party_service_center","name":"探针党群服务中心"}"#)
}

#[derive(Serialize, ToSchema)]
pub struct TerritoryView {
    #[schema(example = "440308003001")]
    pub code: String,
    pub name: String,
    /// district / street / town / township / community / village / grid
    pub kind: String,
    /// district / street / community / grid
    pub level: String,
    pub parent_code: Option<String>,
    #[schema(example = "/440308/440308003/440308003001/")]
    pub path: String,
    pub status: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<territory::Model> for TerritoryView {
    fn from(m: territory::Model) -> Self {
        TerritoryView {
            code: m.code,
            name: m.name,
            kind: m.kind,
            level: m.level,
            parent_code: m.parent_code,
            path: m.path,
            status: m.status,
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Children of this node; without it, every node in the caller's scope in tree order.
    pub parent: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/territories", tag = "territory", params(ListQuery),
    responses((status = 200, body = Page<TerritoryView>), (status = 403, body = crate::api::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<Page<TerritoryView>>> {
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    };
    let limit = page.limit()?;
    let after: Option<String> = page.decode()?;
    let mut query = territory::Entity::find();
    if let Some(parent) = &q.parent {
        let p = svc::get(&state.db.read, parent)
            .await?
            .ok_or(AppError::NotFound)?;
        state.authorize(
            &me.actor,
            TERRITORY_READ,
            &ResourceScope::territory(p.path.clone()),
        )?;
        query = query.filter(territory::Column::ParentCode.eq(parent.clone()));
    } else {
        let filter = state.policy.scope_filter(&me.actor, TERRITORY_READ);
        query = query.filter(scope_condition(
            &filter,
            (territory::Entity, territory::Column::Path),
        ));
    }
    if let Some(a) = after {
        query = query.filter(territory::Column::Path.gt(a));
    }
    let rows = query
        .order_by_asc(territory::Column::Path)
        .limit(limit + 1)
        .all(&state.db.read)
        .await?;
    Ok(Json(
        Page::from_rows(rows, limit, |r| r.path.clone()).map(TerritoryView::from),
    ))
}

#[utoipa::path(get, path = "/api/v1/territories/{code}", tag = "territory",
    params(("code" = String, Path, description = "12-digit division code or 15-digit grid code")),
    responses((status = 200, body = TerritoryView), (status = 404, body = crate::api::Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(code): Path<String>,
) -> AppResult<Json<TerritoryView>> {
    let node = svc::get(&state.db.read, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    state.authorize(
        &me.actor,
        TERRITORY_READ,
        &ResourceScope::territory(node.path.clone()),
    )?;
    Ok(Json(node.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewTerritory {
    /// The parent follows from the code.
    #[schema(example = "440308003005")]
    pub code: String,
    pub name: String,
    #[schema(example = "community")]
    pub kind: String,
}

#[utoipa::path(post, path = "/api/v1/territories", tag = "territory", request_body = NewTerritory,
    responses((status = 201, body = TerritoryView), (status = 422, body = crate::api::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<NewTerritory>,
) -> AppResult<(StatusCode, Json<TerritoryView>)> {
    let who = AuditActor::from(&me);
    let m = svc::create(&state, &me.actor, &who, &body.code, &body.name, &body.kind).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

#[derive(Deserialize, ToSchema)]
pub struct PatchTerritory {
    pub name: Option<String>,
    /// active / inactive
    pub status: Option<String>,
    /// The version you last read; a stale one is refused with 409.
    pub version: i32,
}

#[utoipa::path(patch, path = "/api/v1/territories/{code}", tag = "territory", request_body = PatchTerritory,
    params(("code" = String, Path)),
    responses((status = 200, body = TerritoryView), (status = 409, body = crate::api::Problem)))]
pub async fn patch(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<PatchTerritory>,
) -> AppResult<Json<TerritoryView>> {
    let who = AuditActor::from(&me);
    let m = svc::update(
        &state,
        &me.actor,
        &who,
        &code,
        svc::NodePatch {
            name: body.name,
            status: body.status,
            version: body.version,
        },
    )
    .await?;
    Ok(Json(m.into()))
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    pub created: Vec<TerritoryView>,
}

#[utoipa::path(post, path = "/api/v1/territories/import", tag = "territory",
    request_body(content = String, content_type = "text/csv", description = "CSV (UTF-8) or XLSX with columns code,name,kind (or 代码,名称,类型). All rows or none."),
    responses((status = 201, body = ImportResult), (status = 422, description = "Per-row errors as rows.<n>.<field>", body = crate::api::Problem)))]
pub async fn import(
    State(state): State<AppState>,
    me: CurrentActor,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<(StatusCode, Json<ImportResult>)> {
    let xlsx = crate::tabular::kind_of(&headers)?;
    let rows = svc::read_rows(&body, xlsx)?;
    let who = AuditActor::from(&me);
    let created = svc::import(&state, &me.actor, &who, rows).await?;
    Ok((
        StatusCode::CREATED,
        Json(ImportResult {
            created: created.into_iter().map(Into::into).collect(),
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct HubView {
    pub id: uuid::Uuid,
    pub territory_code: String,
    /// innovation_center / cultivation_center / party_service_center / social_work_station / social_work_room
    pub kind: String,
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub status: String,
    pub version: i32,
}

impl From<hub::Model> for HubView {
    fn from(m: hub::Model) -> Self {
        HubView {
            id: m.id,
            territory_code: m.territory_code,
            kind: m.kind,
            name: m.name,
            address: m.address,
            phone: m.phone,
            status: m.status,
            version: m.version,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/territories/{code}/hubs", tag = "territory", params(("code" = String, Path)),
    responses((status = 200, body = Vec<HubView>)))]
pub async fn list_hubs(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(code): Path<String>,
) -> AppResult<Json<Vec<HubView>>> {
    let node = svc::get(&state.db.read, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    state.authorize(
        &me.actor,
        TERRITORY_READ,
        &ResourceScope::territory(node.path.clone()),
    )?;
    let hubs = hub::Entity::find()
        .filter(hub::Column::TerritoryCode.eq(code))
        .order_by_asc(hub::Column::Name)
        .limit(500)
        .all(&state.db.read)
        .await?;
    Ok(Json(hubs.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewHub {
    pub kind: String,
    pub name: String,
    pub address: Option<String>,
    pub phone: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/territories/{code}/hubs", tag = "territory", params(("code" = String, Path)),
    request_body = NewHub, responses((status = 201, body = HubView), (status = 422, body = crate::api::Problem)))]
pub async fn create_hub(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<NewHub>,
) -> AppResult<(StatusCode, Json<HubView>)> {
    let who = AuditActor::from(&me);
    let m = svc::create_hub(
        &state,
        &me.actor,
        &who,
        &code,
        svc::NewHub {
            kind: body.kind,
            name: body.name,
            address: body.address,
            phone: body.phone,
        },
    )
    .await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}
