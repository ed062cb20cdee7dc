//! JSON API of the service catalog: the public catalogs (any version, diffs, the three catalogs,
//! the scope check, Excel), adjustment proposals and their review, publishing versions,
//! categories, an organization's eligibility and licences.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use gongzhi_kernel::authz::ResourceScope;
use gongzhi_orgs::face::OrgCard;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::authz::scope_condition;
use gongzhi_platform::i18n::{field_message, tr};
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use gongzhi_platform::utoipa::{self, IntoParams, OpenApi, ToSchema};
use gongzhi_platform::web::{
    Access, ApiJson, AppError, AppResult, AppState, CurrentActor, Page, PageParams, Routes,
};
use gongzhi_platform::web::{Path, Query};
use serde::{Deserialize, Serialize};

use crate::domain::{Check, Diff, Eligibility, ItemDef, NegativeDef, Snapshot};
use crate::store::entity::{catalog_version, category, change, licence};
use crate::service::licences::{self, LicenceInput, RevokeInput};
use crate::service::qualify::{self, Count};
use crate::service::{
    self as svc, CategoryInput, CategoryPatch, ChangeInput, DecisionInput, PublishInput,
};
use crate::{CATALOG_MANAGE, CATALOG_PROPOSE, CATALOG_READ};

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/public/catalogs/{district}", Access::Public, public_catalog)
        .get("/api/v1/public/catalogs/{district}/versions", Access::Public, public_versions)
        .get("/api/v1/public/catalogs/{district}/diff", Access::Public, public_diff)
        .get("/api/v1/public/catalogs/{district}/check", Access::Public, public_check)
        .get("/api/v1/public/catalogs/{district}/items/{item_code}/providers", Access::Public, public_providers)
        .get("/api/v1/public/catalogs/{district}/export.xlsx", Access::Public, crate::web::export::export_xlsx)
        .get("/api/v1/public/catalogs/purchase/{street}", Access::Public, public_purchase)
        .get("/api/v1/public/catalogs/public-services/{community}", Access::Public, public_services)
        .get("/api/v1/catalog-changes", Access::Permission(CATALOG_READ), list_changes)
        .probe_query("node={foreign_street}")
        .post("/api/v1/catalog-changes", Access::Permission(CATALOG_PROPOSE), propose)
        .probe_json(r#"{"node":"{foreign_street}","kind":"add_item","code":"A05-98","reason":"探针：居民提出新的服务需求","item":{"code":"A05-98","category":"A05","name":"探针服务","description":"探针：为社区居民提供的新服务","tier":"community","unit":"场","price_min":"1,000","price_max":"2,000.50"}}"#)
        .get("/api/v1/catalog-changes/{catalog_change_id}", Access::Permission(CATALOG_READ), get_change)
        .post("/api/v1/catalog-changes/{catalog_change_id}/transitions", Access::Permission(CATALOG_READ), decide)
        .probe_json(r#"{"transition":"approve","version":1}"#)
        .post("/api/v1/catalogs/{district}/versions", Access::Permission(CATALOG_MANAGE), publish)
        .probe_json(r#"{"effective_from":"2099-01-01","title":"探针版本"}"#)
        .post("/api/v1/catalogs/{district}/categories", Access::Permission(CATALOG_MANAGE), add_category)
        .probe_json(r#"{"code":"Z9","name":"探针类别"}"#)
        .patch("/api/v1/catalog-categories/{category_id}", Access::Permission(CATALOG_MANAGE), rename_category)
        .probe_json(r#"{"name":"探针改名","version":1}"#)
        .get("/api/v1/orgs/{org_id}/eligibility", Access::Permission(CATALOG_READ), org_eligibility)
        .get("/api/v1/orgs/{org_id}/licences", Access::Permission(CATALOG_READ), list_licences)
        .post("/api/v1/orgs/{org_id}/licences", Access::Permission(gongzhi_orgs::ORG_STANDING), record_licence)
        .probe_json(r#"{"kind":"food_business","number":"JY34403080000001","valid_from":"2024-01-01"}"#)
        .post("/api/v1/org-licences/{licence_id}/revoke", Access::Permission(gongzhi_orgs::ORG_STANDING), revoke_licence)
        .probe_json(r#"{"revoked_on":"2025-01-01","version":1}"#)
}

#[derive(OpenApi)]
#[openapi(
    paths(
        public_catalog,
        public_versions,
        public_diff,
        public_check,
        public_providers,
        crate::web::export::export_xlsx,
        public_purchase,
        public_services,
        list_changes,
        propose,
        get_change,
        decide,
        publish,
        add_category,
        rename_category,
        org_eligibility,
        list_licences,
        record_licence,
        revoke_licence,
    ),
    tags((name = "catalog", description = "Service catalog: items, negative list, admission criteria, versions, the three catalogs"))
)]
struct CatalogApi;

pub fn openapi() -> utoipa::openapi::OpenApi {
    CatalogApi::openapi()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VersionView {
    pub number: i32,
    pub title: String,
    pub notes: String,
    pub effective_from: NaiveDate,
    /// The day the next version takes over.
    pub until: Option<NaiveDate>,
    pub in_force: bool,
    pub published_at: chrono::DateTime<chrono::Utc>,
}

pub fn version_view(all: &[catalog_version::Model], v: &catalog_version::Model) -> VersionView {
    let validity = svc::validity(all, v);
    VersionView {
        number: v.number,
        title: v.title.clone(),
        notes: v.notes.clone(),
        effective_from: v.effective_from,
        until: validity.until,
        in_force: validity.in_force(svc::today()),
        published_at: v.published_at,
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CatalogCategoryView)]
pub struct CategoryView {
    pub id: uuid::Uuid,
    pub code: String,
    pub parent_code: Option<String>,
    pub name: String,
    pub sort: i32,
    pub version: i32,
}

fn category_view(c: category::Model) -> CategoryView {
    CategoryView {
        id: c.id,
        code: c.code,
        parent_code: c.parent_code,
        name: c.name,
        sort: c.sort,
        version: c.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    #[serde(flatten)]
    pub item: ItemDef,
    /// Organizations that meet the criteria today (when asked for).
    pub qualified: Option<usize>,
    /// Of those, how many only with a warning (e.g. on the abnormal list where it only warns).
    pub qualified_with_warning: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogView {
    pub district: String,
    pub district_name: String,
    /// The version shown; absent when the district has published none.
    pub version: Option<VersionView>,
    pub categories: Vec<CategoryView>,
    pub items: Vec<ItemView>,
    pub negatives: Vec<NegativeDef>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// A version number; the one in force today when absent.
    pub version: Option<i32>,
    /// Count qualified organizations per item.
    #[serde(default)]
    pub counts: bool,
}

/// A version of a district's catalog and its content.
pub struct Loaded {
    pub district: gongzhi_platform::entity::territory::Model,
    pub all: Vec<catalog_version::Model>,
    pub version: Option<catalog_version::Model>,
    pub snap: Snapshot,
}

/// The version asked for, or the one in force today (or, before any is in force, the first).
pub async fn load(state: &AppState, district: &str, number: Option<i32>) -> AppResult<Loaded> {
    let conn = &state.db.read;
    let d = svc::district_node(conn, district).await?;
    let all = svc::versions(conn, &d.district_code).await?;
    let version = match number {
        Some(n) => Some(
            all.iter()
                .find(|v| v.number == n)
                .cloned()
                .ok_or(AppError::NotFound)?,
        ),
        None => svc::in_force(&all, svc::today()).or(all.first()).cloned(),
    };
    let snap = match &version {
        Some(v) => svc::snapshot(conn, v.id).await?,
        None => Snapshot::default(),
    };
    Ok(Loaded {
        district: d,
        all,
        version,
        snap,
    })
}

fn item_views(
    items: impl Iterator<Item = ItemDef>,
    counts: Option<&std::collections::HashMap<String, Count>>,
) -> Vec<ItemView> {
    items
        .map(|item| {
            let c = counts.map(|m| m.get(&item.code).copied().unwrap_or_default());
            ItemView {
                qualified: c.map(|c| c.qualified),
                qualified_with_warning: c.map(|c| c.warned),
                item,
            }
        })
        .collect()
}

/// The catalog of a district: the version in force (or the one asked for), its categories,
/// items with admission criteria, and negative list.
#[utoipa::path(get, path = "/api/v1/public/catalogs/{district}", tag = "catalog",
    params(("district" = String, Path), VersionQuery),
    responses((status = 200, body = CatalogView), (status = 404, body = gongzhi_platform::api::Problem)))]
pub async fn public_catalog(
    State(state): State<AppState>,
    Path(district): Path<String>,
    Query(q): Query<VersionQuery>,
) -> AppResult<Json<CatalogView>> {
    let l = load(&state, &district, q.version).await?;
    let counts = if q.counts {
        Some(
            qualify::counts(
                &state.db.read,
                &l.district.district_code,
                &l.snap,
                svc::today(),
            )
            .await?,
        )
    } else {
        None
    };
    let categories = svc::categories(&state.db.read, &l.district.district_code).await?;
    Ok(Json(CatalogView {
        district: l.district.code.clone(),
        district_name: l.district.name.clone(),
        version: l.version.as_ref().map(|v| version_view(&l.all, v)),
        categories: categories.into_iter().map(category_view).collect(),
        items: item_views(l.snap.items.into_values(), counts.as_ref()),
        negatives: l.snap.negatives.into_values().collect(),
    }))
}

/// Every published version of a district's catalog, oldest first.
#[utoipa::path(get, path = "/api/v1/public/catalogs/{district}/versions", tag = "catalog",
    params(("district" = String, Path)),
    responses((status = 200, body = Vec<VersionView>)))]
pub async fn public_versions(
    State(state): State<AppState>,
    Path(district): Path<String>,
) -> AppResult<Json<Vec<VersionView>>> {
    let d = svc::district_node(&state.db.read, &district).await?;
    let all = svc::versions(&state.db.read, &d.district_code).await?;
    Ok(Json(all.iter().map(|v| version_view(&all, v)).collect()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffQuery {
    /// The older version number.
    pub from: i32,
    /// The newer version number.
    pub to: i32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DiffView {
    pub from: VersionView,
    pub to: VersionView,
    #[serde(flatten)]
    pub diff: Diff,
}

/// What changed between two versions: items added, retired and modified (with the fields),
/// negative-list entries added and removed.
#[utoipa::path(get, path = "/api/v1/public/catalogs/{district}/diff", tag = "catalog",
    params(("district" = String, Path), DiffQuery),
    responses((status = 200, body = DiffView), (status = 404, body = gongzhi_platform::api::Problem)))]
pub async fn public_diff(
    State(state): State<AppState>,
    Path(district): Path<String>,
    Query(q): Query<DiffQuery>,
) -> AppResult<Json<DiffView>> {
    Ok(Json(diff_of(&state, &district, q.from, q.to).await?))
}

pub async fn diff_of(state: &AppState, district: &str, from: i32, to: i32) -> AppResult<DiffView> {
    let a = load(state, district, Some(from)).await?;
    let b = load(state, district, Some(to)).await?;
    let (va, vb) = (a.version.expect("asked"), b.version.expect("asked"));
    Ok(DiffView {
        diff: crate::domain::diff(&a.snap, &b.snap),
        from: version_view(&a.all, &va),
        to: version_view(&b.all, &vb),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckQuery {
    /// Item code.
    pub item: String,
    /// The day of the purchase; today when absent.
    pub on: Option<NaiveDate>,
    /// The version the purchase was approved under; the one in force on `on` when absent.
    pub version: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Reason {
    pub field: String,
    pub key: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CatalogCheckView)]
pub struct CheckView {
    pub allowed: bool,
    /// The version checked against.
    pub version: Option<i32>,
    pub reasons: Vec<Reason>,
}

/// The catalog's scope check for a purchase: the item is in the catalog version in force, may
/// be bought, and no negative-list entry covers it. Says why not when it says no.
#[utoipa::path(get, path = "/api/v1/public/catalogs/{district}/check", tag = "catalog",
    params(("district" = String, Path), CheckQuery),
    responses((status = 200, body = CheckView)))]
pub async fn public_check(
    State(state): State<AppState>,
    Path(district): Path<String>,
    Query(q): Query<CheckQuery>,
) -> AppResult<Json<CheckView>> {
    let d = svc::district_node(&state.db.read, &district).await?;
    let on = q.on.unwrap_or_else(svc::today);
    let a = svc::scope_check(&state.db.read, &d.district_code, &q.item, q.version, on).await?;
    Ok(Json(CheckView {
        allowed: a.reasons.is_empty(),
        version: a.version.map(|v| v.number),
        reasons: a
            .reasons
            .iter()
            .map(|r| Reason {
                field: r.field.clone(),
                key: r.key.to_string(),
                message: field_message(r),
            })
            .collect(),
    }))
}

/// A criterion's result in words.
pub fn check_message(c: &Check) -> String {
    let args: Vec<(&str, String)> = c
        .args
        .iter()
        .map(|(n, v)| {
            let v = match (c.criterion, *n) {
                ("licence", "kind") => tr(&format!("catalog.licence.{v}"), &[]),
                ("legal_form", "actual") => tr(&format!("org.form.{v}"), &[]),
                ("tier", "actual") => tr(&format!("org.tier.{v}"), &[]),
                _ => v.clone(),
            };
            (*n, v)
        })
        .collect();
    tr(&format!("catalog.check.{}", c.criterion), &args)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResult {
    pub criterion: String,
    pub passed: bool,
    pub blocking: bool,
    pub message: String,
}

fn check_results(e: &Eligibility) -> Vec<CheckResult> {
    e.checks
        .iter()
        .map(|c| CheckResult {
            criterion: c.criterion.to_string(),
            passed: c.passed,
            blocking: c.blocking,
            message: check_message(c),
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderView {
    pub org_id: uuid::Uuid,
    pub name: String,
    pub legal_form: String,
    pub tier: String,
    pub grade: Option<i32>,
    /// Criteria that only warn and that the organization does not meet.
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProvidersView {
    pub item: ItemDef,
    pub version: i32,
    pub total: usize,
    pub page: Page<ProviderView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProvidersQuery {
    pub version: Option<i32>,
    /// Rows per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The qualified-provider catalog of one item: every organization that meets its admission
/// criteria today, computed from the registry.
#[utoipa::path(get, path = "/api/v1/public/catalogs/{district}/items/{item_code}/providers", tag = "catalog",
    params(("district" = String, Path), ("item_code" = String, Path), ProvidersQuery),
    responses((status = 200, body = ProvidersView), (status = 404, body = gongzhi_platform::api::Problem)))]
pub async fn public_providers(
    State(state): State<AppState>,
    Path((district, item_code)): Path<(String, String)>,
    Query(q): Query<ProvidersQuery>,
) -> AppResult<Json<ProvidersView>> {
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    };
    Ok(Json(
        providers_of(
            &state,
            &load(&state, &district, q.version).await?,
            &item_code,
            &page,
        )
        .await?,
    ))
}

/// A page of the qualified providers of one item of a loaded version.
pub async fn providers_of(
    state: &AppState,
    l: &Loaded,
    item_code: &str,
    page: &PageParams,
) -> AppResult<ProvidersView> {
    let limit = page.limit()?;
    let after: Option<(String, uuid::Uuid)> = page.decode()?;
    let v = l.version.as_ref().ok_or(AppError::NotFound)?;
    let item = l
        .snap
        .items
        .get(item_code)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let all = qualify::qualified_for(
        &state.db.read,
        &l.district.district_code,
        &item,
        svc::today(),
    )
    .await?;
    let total = all.len();
    let rows: Vec<ProviderView> = all
        .into_iter()
        .filter(|(p, _)| {
            after
                .as_ref()
                .is_none_or(|(n, id)| (&p.name, &p.id) > (n, id))
        })
        .take(limit as usize + 1)
        .map(|(p, warned)| ProviderView {
            // Only the rows shown are explained.
            warnings: if warned {
                item.criteria
                    .evaluate(&p.facts, svc::today())
                    .checks
                    .iter()
                    .filter(|c| !c.passed)
                    .map(check_message)
                    .collect()
            } else {
                Vec::new()
            },
            org_id: p.id,
            name: p.name,
            legal_form: p.facts.legal_form,
            tier: p.facts.tier,
            grade: p.facts.grade,
        })
        .collect();
    Ok(ProvidersView {
        item,
        version: v.number,
        total,
        page: Page::from_rows(rows, limit, |r| (r.name.clone(), r.org_id)),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierCatalogView {
    /// The street or community.
    pub code: String,
    pub name: String,
    pub district: String,
    pub version: Option<VersionView>,
    pub categories: Vec<CategoryView>,
    pub items: Vec<ItemView>,
}

async fn tier_catalog(
    state: &AppState,
    code: &str,
    level: &str,
    keep: impl Fn(&ItemDef) -> bool,
) -> AppResult<TierCatalogView> {
    let n = svc::node(&state.db.read, code).await?;
    if n.level != level {
        return Err(AppError::NotFound);
    }
    let l = load(state, &svc::district_of(&n), None).await?;
    let items: Vec<ItemDef> = l.snap.items.into_values().filter(|i| keep(i)).collect();
    let shown = Snapshot {
        items: items.iter().map(|i| (i.code.clone(), i.clone())).collect(),
        negatives: Default::default(),
    };
    let key = &l.district.district_code;
    let counts = qualify::counts(&state.db.read, key, &shown, svc::today()).await?;
    let categories = svc::categories(&state.db.read, key).await?;
    Ok(TierCatalogView {
        code: n.code,
        name: n.name,
        district: l.district.code,
        version: l.version.as_ref().map(|v| version_view(&l.all, v)),
        categories: categories.into_iter().map(category_view).collect(),
        items: item_views(items.into_iter(), Some(&counts)),
    })
}

/// The purchase catalog of a street (社区购买服务目录): items of the version in force that may be
/// bought, for the street or its communities, with how many organizations qualify for each.
pub async fn purchase_catalog(state: &AppState, street: &str) -> AppResult<TierCatalogView> {
    tier_catalog(state, street, "street", |i| i.purchasable).await
}

/// The public-service catalog of a community (社区公共服务目录): services delivered in
/// communities, whether bought or provided by the government itself.
pub async fn public_service_catalog(
    state: &AppState,
    community: &str,
) -> AppResult<TierCatalogView> {
    tier_catalog(state, community, "community", |i| i.tier == "community").await
}

#[utoipa::path(get, path = "/api/v1/public/catalogs/purchase/{street}", tag = "catalog",
    params(("street" = String, Path)),
    responses((status = 200, body = TierCatalogView), (status = 404, body = gongzhi_platform::api::Problem)))]
pub async fn public_purchase(
    State(state): State<AppState>,
    Path(street): Path<String>,
) -> AppResult<Json<TierCatalogView>> {
    Ok(Json(purchase_catalog(&state, &street).await?))
}

#[utoipa::path(get, path = "/api/v1/public/catalogs/public-services/{community}", tag = "catalog",
    params(("community" = String, Path)),
    responses((status = 200, body = TierCatalogView), (status = 404, body = gongzhi_platform::api::Problem)))]
pub async fn public_services(
    State(state): State<AppState>,
    Path(community): Path<String>,
) -> AppResult<Json<TierCatalogView>> {
    Ok(Json(public_service_catalog(&state, &community).await?))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CatalogChangeView)]
pub struct ChangeView {
    pub id: uuid::Uuid,
    pub district: String,
    pub node_code: String,
    pub kind: String,
    pub code: String,
    /// The proposed item or entry.
    pub payload: serde_json::Value,
    pub reason: String,
    pub state: String,
    pub proposed_by: Option<uuid::Uuid>,
    /// The version number it took effect in.
    pub applied_in: Option<uuid::Uuid>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

pub fn change_view(c: change::Model) -> ChangeView {
    ChangeView {
        payload: serde_json::from_str(&c.payload).unwrap_or_default(),
        id: c.id,
        district: c.district,
        node_code: c.node_code,
        kind: c.kind,
        code: c.code,
        reason: c.reason,
        state: c.state,
        proposed_by: c.proposed_by,
        applied_in: c.applied_in,
        created_at: c.created_at,
        version: c.version,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeQuery {
    /// Only proposals from this node and below.
    pub node: Option<String>,
    /// proposed / approved / rejected / withdrawn / applied
    pub state: Option<String>,
    /// Rows per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Adjustment proposals in the caller's scope, newest first.
pub async fn changes(
    state: &AppState,
    actor: &gongzhi_kernel::authz::Actor,
    q: &ChangeQuery,
) -> AppResult<Page<change::Model>> {
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let limit = page.limit()?;
    let after: Option<(chrono::DateTime<chrono::Utc>, uuid::Uuid)> = page.decode()?;
    let filter = state.policy.scope_filter(actor, CATALOG_READ);
    let mut s = change::Entity::find().filter(scope_condition(&filter, change::Column::Path));
    if let Some(code) = q.node.as_deref().filter(|c| !c.is_empty()) {
        let n = svc::node(&state.db.read, code)
            .await
            .map_err(|_| AppError::field("node", "territory.not_found"))?;
        state.authorize(actor, CATALOG_READ, &ResourceScope::territory(&n.path))?;
        s = s.filter(change::Column::Path.starts_with(&n.path));
    }
    if let Some(st) = q.state.as_deref().filter(|s| !s.is_empty()) {
        s = s.filter(change::Column::State.eq(st));
    }
    if let Some((at, id)) = after {
        s = s.filter(
            gongzhi_platform::sea_orm::Condition::any()
                .add(change::Column::CreatedAt.lt(at))
                .add(
                    gongzhi_platform::sea_orm::Condition::all()
                        .add(change::Column::CreatedAt.eq(at))
                        .add(change::Column::Id.lt(id)),
                ),
        );
    }
    let rows = s
        .order_by_desc(change::Column::CreatedAt)
        .order_by_desc(change::Column::Id)
        .limit(limit + 1)
        .all(&state.db.read)
        .await?;
    Ok(Page::from_rows(rows, limit, |c| (c.created_at, c.id)))
}

#[utoipa::path(get, path = "/api/v1/catalog-changes", tag = "catalog", params(ChangeQuery),
    responses((status = 200, body = Page<ChangeView>), (status = 403, body = gongzhi_platform::api::Problem)))]
pub async fn list_changes(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<ChangeQuery>,
) -> AppResult<Json<Page<ChangeView>>> {
    Ok(Json(changes(&state, &me.actor, &q).await?.map(change_view)))
}

/// Propose an adjustment: add, modify or retire an item; add or remove a negative-list entry.
/// It is checked against the catalog as the next version would hold it.
#[utoipa::path(post, path = "/api/v1/catalog-changes", tag = "catalog", request_body = ChangeInput,
    responses((status = 201, body = ChangeView), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn propose(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<ChangeInput>,
) -> AppResult<(StatusCode, Json<ChangeView>)> {
    let c = svc::propose(&state, &me.actor, &AuditActor::from(&me), &body).await?;
    Ok((StatusCode::CREATED, Json(change_view(c))))
}

#[utoipa::path(get, path = "/api/v1/catalog-changes/{catalog_change_id}", tag = "catalog",
    params(("catalog_change_id" = uuid::Uuid, Path)),
    responses((status = 200, body = ChangeView), (status = 404, body = gongzhi_platform::api::Problem)))]
pub async fn get_change(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<ChangeView>> {
    Ok(Json(change_view(
        svc::get_change(&state, &me.actor, &id).await?,
    )))
}

/// Review a proposal: approve or reject (the district), withdraw (the proposer). Approval checks
/// it again against the next version.
#[utoipa::path(post, path = "/api/v1/catalog-changes/{catalog_change_id}/transitions", tag = "catalog",
    params(("catalog_change_id" = uuid::Uuid, Path)), request_body = DecisionInput,
    responses((status = 200, body = ChangeView), (status = 409, body = gongzhi_platform::api::Problem), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionInput>,
) -> AppResult<Json<ChangeView>> {
    let c = svc::decide(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(change_view(c)))
}

/// Publish the next version: the latest one plus every approved proposal, in force from its
/// effective date (today or later, after the latest version).
#[utoipa::path(post, path = "/api/v1/catalogs/{district}/versions", tag = "catalog",
    params(("district" = String, Path)), request_body = PublishInput,
    responses((status = 201, body = VersionView), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn publish(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(district): Path<String>,
    ApiJson(body): ApiJson<PublishInput>,
) -> AppResult<(StatusCode, Json<VersionView>)> {
    let v = svc::publish(&state, &me.actor, &AuditActor::from(&me), &district, &body).await?;
    let all = svc::versions(&state.db.read, &v.district).await?;
    Ok((StatusCode::CREATED, Json(version_view(&all, &v))))
}

#[utoipa::path(post, path = "/api/v1/catalogs/{district}/categories", tag = "catalog",
    params(("district" = String, Path)), request_body = CategoryInput,
    responses((status = 201, body = CategoryView), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn add_category(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(district): Path<String>,
    ApiJson(body): ApiJson<CategoryInput>,
) -> AppResult<(StatusCode, Json<CategoryView>)> {
    let c = svc::add_category(&state, &me.actor, &AuditActor::from(&me), &district, &body).await?;
    Ok((StatusCode::CREATED, Json(category_view(c))))
}

#[utoipa::path(patch, path = "/api/v1/catalog-categories/{category_id}", tag = "catalog",
    params(("category_id" = uuid::Uuid, Path)), request_body = CategoryPatch,
    responses((status = 200, body = CategoryView), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn rename_category(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CategoryPatch>,
) -> AppResult<Json<CategoryView>> {
    let c = svc::rename_category(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(category_view(c)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemEligibility {
    pub code: String,
    pub name: String,
    pub category: String,
    pub qualified: bool,
    pub checks: Vec<CheckResult>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = CatalogEligibilityView)]
pub struct EligibilityView {
    pub org_id: uuid::Uuid,
    pub version: Option<i32>,
    pub qualified: usize,
    pub items: Vec<ItemEligibility>,
}

/// An organization against every item of its district's catalog in force.
pub async fn eligibility_of(
    state: &AppState,
    o: &OrgCard,
) -> AppResult<(Option<i32>, Vec<(ItemDef, Eligibility)>)> {
    let l = load(state, &o.scope_district, None).await?;
    let p = qualify::provider(&state.db.read, o.id, svc::today()).await?;
    let rows = qualify::eligibility(&p, &l.snap, svc::today())
        .into_iter()
        .map(|(i, e)| (i.clone(), e))
        .collect();
    Ok((l.version.map(|v| v.number), rows))
}

/// The items an organization qualifies for and, for the others, what it lacks, criterion by
/// criterion.
#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/eligibility", tag = "catalog",
    params(("org_id" = uuid::Uuid, Path)),
    responses((status = 200, body = EligibilityView), (status = 404, body = gongzhi_platform::api::Problem)))]
pub async fn org_eligibility(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
) -> AppResult<Json<EligibilityView>> {
    let o = readable_org(&state, &me.actor, &org_id).await?;
    let (version, rows) = eligibility_of(&state, &o).await?;
    Ok(Json(EligibilityView {
        org_id: o.id,
        version,
        qualified: rows.iter().filter(|(_, e)| e.qualified).count(),
        items: rows
            .iter()
            .map(|(i, e)| ItemEligibility {
                code: i.code.clone(),
                name: i.name.clone(),
                category: i.category.clone(),
                qualified: e.qualified,
                checks: check_results(e),
            })
            .collect(),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LicenceView {
    pub id: uuid::Uuid,
    pub kind: String,
    pub kind_label: String,
    pub number: String,
    pub issued_by: String,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub revoked_on: Option<NaiveDate>,
    pub version: i32,
}

pub fn licence_view(l: licence::Model) -> LicenceView {
    LicenceView {
        kind_label: tr(&format!("catalog.licence.{}", l.kind), &[]),
        id: l.id,
        kind: l.kind,
        number: l.number,
        issued_by: l.issued_by,
        valid_from: l.valid_from,
        valid_until: l.valid_until,
        revoked_on: l.revoked_on,
        version: l.version,
    }
}

#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/licences", tag = "catalog",
    params(("org_id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<LicenceView>), (status = 404, body = gongzhi_platform::api::Problem)))]
pub async fn list_licences(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
) -> AppResult<Json<Vec<LicenceView>>> {
    let o = readable_org(&state, &me.actor, &org_id).await?;
    let rows = licences::list(&state.db.read, o.id).await?;
    Ok(Json(rows.into_iter().map(licence_view).collect()))
}

/// Record a licence the staff have seen (registry staff of the organization's street or district).
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/licences", tag = "catalog",
    params(("org_id" = uuid::Uuid, Path)), request_body = LicenceInput,
    responses((status = 201, body = LicenceView), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn record_licence(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
    ApiJson(body): ApiJson<LicenceInput>,
) -> AppResult<(StatusCode, Json<LicenceView>)> {
    let l = licences::record(&state, &me.actor, &AuditActor::from(&me), &org_id, &body).await?;
    Ok((StatusCode::CREATED, Json(licence_view(l))))
}

#[utoipa::path(post, path = "/api/v1/org-licences/{licence_id}/revoke", tag = "catalog",
    params(("licence_id" = uuid::Uuid, Path)), request_body = RevokeInput,
    responses((status = 200, body = LicenceView), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn revoke_licence(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevokeInput>,
) -> AppResult<Json<LicenceView>> {
    let l = licences::revoke(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(licence_view(l)))
}

/// An organization whose catalog facts (eligibility, licences) the actor may read.
pub async fn readable_org(
    state: &AppState,
    actor: &gongzhi_kernel::authz::Actor,
    org_id: &str,
) -> AppResult<OrgCard> {
    let o = gongzhi_orgs::face::visible(state, actor, org_id).await?;
    state.authorize(actor, CATALOG_READ, &o.resource())?;
    Ok(o)
}

/// Category codes of a district, for the forms.
pub async fn category_codes(state: &AppState, district: &str) -> AppResult<Vec<(String, String)>> {
    Ok(svc::categories(&state.db.read, district)
        .await?
        .into_iter()
        .map(|c| (c.code, c.name))
        .collect())
}
