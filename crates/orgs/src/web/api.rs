//! JSON API of the registry.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::NaiveDate;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::sea_orm::{EntityTrait, QueryOrder};
use gongzhi_platform::utoipa::{self, OpenApi, ToSchema};
use gongzhi_platform::web::{Access, ApiJson, AppResult, AppState, CurrentActor, Page, Routes};
use gongzhi_platform::web::{Path, Query};
use serde::{Deserialize, Serialize};

use crate::domain::OrgInput;
use crate::store::entity::{org, org_category};
use crate::service::{self, OrgFilter};
use crate::{ORG_APPLY, ORG_EDIT, ORG_READ, ORG_REGISTER};
use gongzhi_platform::web::PageParams;

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/orgs", Access::Permission(ORG_READ), list)
        .probe_query("territory={foreign_street}")
        .get("/api/v1/orgs/export.xlsx", Access::Permission(ORG_READ), crate::web::export::export_xlsx)
        .probe_query("territory={foreign_street}")
        .post("/api/v1/orgs", Access::Permission(ORG_REGISTER), register)
        .probe_json(r#"{"name":"探针服务中心","legal_form":"service_agency","tier":"registered","uscc":"52440308MJL123454J","registered_on":"2020-01-01","territory":"{foreign_community}","categories":["191.service"]}"#)
        .post("/api/v1/orgs/import", Access::Permission(ORG_REGISTER), import)
        .with_probe(gongzhi_platform::web::Probe {
            query: "",
            body: Some("名称,组织形式,管理层级,统一社会信用代码,所属区划代码,类别,登记日期\n探针导入协会,社会团体,登记,51440308MJ01234560,{foreign_community},为民服务,2020-01-01\n"),
            content_type: "text/csv",
        })
        .post("/api/v1/orgs/applications", Access::Permission(ORG_APPLY), apply)
        .probe_json(r#"{"name":"探针互助会","legal_form":"community_org","tier":"filed","territory":"{foreign_community}","categories":["191.mutual_aid"],"person_in_charge":"探针"}"#)
        .get("/api/v1/orgs/{org_id}", Access::Permission(ORG_READ), get_one)
        .patch("/api/v1/orgs/{org_id}", Access::Permission(ORG_EDIT), edit)
        .probe_json(r#"{"version":1,"service_areas":"探针服务领域"}"#)
        .get("/api/v1/orgs/{org_id}/changes", Access::Permission(ORG_READ), list_changes)
        .post("/api/v1/orgs/{org_id}/changes", Access::Permission(ORG_EDIT), propose_change)
        .probe_json(r#"{"name":"探针更名服务中心","reason":"探针"}"#)
        .post("/api/v1/org-changes/{change_id}/transitions", Access::Permission(ORG_READ), change_transition)
        .probe_json(r#"{"transition":"approve","version":1}"#)
        .post("/api/v1/orgs/{org_id}/transitions", Access::Permission(ORG_READ), transition)
        .probe_json(r#"{"transition":"deregister","version":1,"reason":"探针"}"#)
        .get("/api/v1/public/orgs", Access::Public, public_list)
        .get("/api/v1/public/org-categories", Access::Public, categories)
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list,
        crate::web::export::export_xlsx,
        register,
        import,
        apply,
        get_one,
        edit,
        list_changes,
        propose_change,
        change_transition,
        transition,
        public_list,
        categories
    ),
    components(schemas(
        OrgInput,
        OrgView,
        ImportResult,
        crate::service::changes::OrgPatch,
        ChangeRequest,
        ChangeView,
        crate::domain::KeyFacts,
        PublicOrgView,
        TransitionRequest,
        CategoryView
    ))
)]
struct OrgsApi;

pub fn openapi() -> utoipa::openapi::OpenApi {
    OrgsApi::openapi()
}

#[derive(Serialize, ToSchema)]
pub struct OrgView {
    pub id: uuid::Uuid,
    pub name: String,
    pub uscc: Option<String>,
    pub legal_form: String,
    pub tier: String,
    /// draft / submitted / community_reviewed / returned / filed / rejected / active / deregistered / revoked
    pub state: String,
    pub territory_code: String,
    pub categories: Vec<String>,
    pub founded_on: Option<NaiveDate>,
    pub registered_on: Option<NaiveDate>,
    pub service_areas: String,
    pub target_groups: String,
    pub supervising_unit: String,
    pub person_in_charge: String,
    /// Masked (personal information).
    pub person_in_charge_id: Option<String>,
    /// Masked.
    pub contact_phone: Option<String>,
    pub staff_count: i32,
    pub social_worker_count: i32,
    pub party_org: String,
    /// hub_org (枢纽型社会组织) / federation (联合会), as recognized.
    pub hub_kind: Option<String>,
    pub hub_since: Option<NaiveDate>,
    /// Territory code whose organizations it gathers.
    pub hub_reach: Option<String>,
    pub version: i32,
}

fn view(o: org::Model, categories: Vec<String>) -> OrgView {
    OrgView {
        person_in_charge_id: service::masked_id(&o),
        contact_phone: service::masked_phone(&o),
        id: o.id,
        name: o.name,
        uscc: o.uscc,
        legal_form: o.legal_form,
        tier: o.tier,
        state: o.state,
        territory_code: o.territory_code,
        categories,
        founded_on: o.founded_on,
        registered_on: o.registered_on,
        service_areas: o.service_areas,
        target_groups: o.target_groups,
        supervising_unit: o.supervising_unit,
        person_in_charge: o.person_in_charge,
        staff_count: o.staff_count,
        social_worker_count: o.social_worker_count,
        party_org: o.party_org,
        hub_kind: o.hub_kind,
        hub_since: o.hub_since,
        hub_reach: o.hub_reach,
        version: o.version,
    }
}

/// What the public may see: no people, no contact details.
#[derive(Serialize, ToSchema)]
pub struct PublicOrgView {
    pub id: uuid::Uuid,
    pub name: String,
    pub uscc: Option<String>,
    pub legal_form: String,
    pub tier: String,
    pub territory_code: String,
    pub categories: Vec<String>,
    pub founded_on: Option<NaiveDate>,
    pub service_areas: String,
    pub target_groups: String,
    /// Evaluation grade in force ("4A").
    pub grade: Option<String>,
    /// On the abnormal-activity list (published by the civil affairs bureau).
    pub on_abnormal_list: bool,
    /// On the serious-dishonesty list.
    pub on_serious_list: bool,
    /// hub_org / federation
    pub hub_kind: Option<String>,
    pub hub_reach: Option<String>,
}

async fn with_categories(
    state: &AppState,
    page: Page<org::Model>,
) -> AppResult<(
    Page<org::Model>,
    std::collections::HashMap<uuid::Uuid, Vec<String>>,
)> {
    let ids: Vec<uuid::Uuid> = page.items.iter().map(|o| o.id).collect();
    let cats = service::categories_of(&state.db.read, &ids).await?;
    Ok((page, cats))
}

/// The directory within the caller's scope: search by name, USCC, category, tier, state, territory.
#[utoipa::path(get, path = "/api/v1/orgs", tag = "orgs", params(OrgFilter, PageParams), responses((status = 200, body = Page<OrgView>)))]
pub async fn list(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<OrgFilter>,
    Query(p): Query<PageParams>,
) -> AppResult<Json<Page<OrgView>>> {
    let (page, mut cats) =
        with_categories(&state, service::list(&state, &me.actor, &q, &p).await?).await?;
    Ok(Json(page.map(|o| {
        let c = cats.remove(&o.id).unwrap_or_default();
        view(o, c)
    })))
}

/// Enter a registered organization (社会团体 / 社会服务机构 / 基金会) of the caller's street or district.
#[utoipa::path(post, path = "/api/v1/orgs", tag = "orgs", request_body = OrgInput,
    responses((status = 201, body = OrgView), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn register(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<OrgInput>,
) -> AppResult<(StatusCode, Json<OrgView>)> {
    let o = service::register(&state, &me.actor, &AuditActor::from(&me), &body).await?;
    Ok((StatusCode::CREATED, Json(view_of(&state, o).await?)))
}

/// A community organization applies to be filed or guided; the applicant becomes its administrator.
#[utoipa::path(post, path = "/api/v1/orgs/applications", tag = "orgs", request_body = OrgInput,
    responses((status = 201, body = OrgView), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn apply(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<OrgInput>,
) -> AppResult<(StatusCode, Json<OrgView>)> {
    let o = service::apply(&state, &me.actor, &AuditActor::from(&me), &body).await?;
    Ok((StatusCode::CREATED, Json(view_of(&state, o).await?)))
}

#[utoipa::path(get, path = "/api/v1/orgs/{org_id}", tag = "orgs", params(("org_id" = uuid::Uuid, Path)),
    responses((status = 200, body = OrgView), (status = 404, body = gongzhi_platform::api::Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
) -> AppResult<Json<OrgView>> {
    let o = service::get_visible(&state, &me.actor, &org_id).await?;
    Ok(Json(view_of(&state, o).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct TransitionRequest {
    /// submit / forward / send_back / approve / return / reject / deregister / revoke
    pub transition: String,
    /// The version you last read; a stale one is refused with 409.
    pub version: i32,
    pub reason: Option<String>,
}

/// Move the organization along its lifecycle; the transition's own permission is checked.
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/transitions", tag = "orgs", params(("org_id" = uuid::Uuid, Path)),
    request_body = TransitionRequest,
    responses((status = 200, body = OrgView), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn transition(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
    ApiJson(body): ApiJson<TransitionRequest>,
) -> AppResult<Json<OrgView>> {
    let o = service::transition(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &org_id,
        &body.transition,
        body.version,
        body.reason.as_deref(),
    )
    .await?;
    Ok(Json(view_of(&state, o).await?))
}

/// The public directory: filed and registered organizations, without personal data.
#[utoipa::path(get, path = "/api/v1/public/orgs", tag = "public", params(OrgFilter, PageParams), security(()),
    responses((status = 200, body = Page<PublicOrgView>)))]
pub async fn public_list(
    State(state): State<AppState>,
    Query(q): Query<OrgFilter>,
    Query(p): Query<PageParams>,
) -> AppResult<Json<Page<PublicOrgView>>> {
    let (page, mut cats) =
        with_categories(&state, service::list_public(&state, &q, &p).await?).await?;
    let ids: Vec<uuid::Uuid> = page.items.iter().map(|o| o.id).collect();
    let mut badges = crate::service::standing_svc::badges(
        &state.db.read,
        &ids,
        gongzhi_platform::clock::today(),
    )
    .await?;
    Ok(Json(page.map(|o| {
        let b = badges.remove(&o.id).unwrap_or_default();
        PublicOrgView {
            grade: b.grade.map(crate::domain::standing::grade_label),
            on_abnormal_list: b.abnormal,
            on_serious_list: b.serious,
            categories: cats.remove(&o.id).unwrap_or_default(),
            id: o.id,
            name: o.name,
            uscc: o.uscc,
            legal_form: o.legal_form,
            tier: o.tier,
            territory_code: o.territory_code,
            founded_on: o.founded_on,
            service_areas: o.service_areas,
            target_groups: o.target_groups,
            hub_kind: o.hub_kind,
            hub_reach: o.hub_reach,
        }
    })))
}

#[derive(Serialize, ToSchema)]
pub struct CategoryView {
    pub code: String,
    /// mca_191 (民发〔2017〕191号 fields) / guangzhou (cultivation categories) / local lists
    pub scheme: String,
    pub name_zh: String,
    pub name_en: String,
}

/// The category code lists organizations are filed under.
#[utoipa::path(get, path = "/api/v1/public/org-categories", tag = "public", security(()),
    responses((status = 200, body = Vec<CategoryView>)))]
pub async fn categories(State(state): State<AppState>) -> AppResult<Json<Vec<CategoryView>>> {
    let rows = org_category::Entity::find()
        .order_by_asc(org_category::Column::Sort)
        .all(&state.db.read)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| CategoryView {
                code: c.code,
                scheme: c.scheme,
                name_zh: c.name_zh,
                name_en: c.name_en,
            })
            .collect(),
    ))
}

/// The record as the API shows it, with its categories.
pub async fn view_of(state: &AppState, o: org::Model) -> AppResult<OrgView> {
    let cats = service::categories_of(&state.db.read, &[o.id])
        .await?
        .remove(&o.id)
        .unwrap_or_default();
    Ok(view(o, cats))
}

/// Edit everyday facts (administrators of the organization, or staff). Key facts change here
/// only while the record is a draft or returned; afterwards through `/changes`.
#[utoipa::path(patch, path = "/api/v1/orgs/{org_id}", tag = "orgs", params(("org_id" = uuid::Uuid, Path)),
    request_body = crate::service::changes::OrgPatch,
    responses((status = 200, body = OrgView), (status = 409, body = gongzhi_platform::api::Problem), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn edit(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> AppResult<Json<OrgView>> {
    let body = crate::service::changes::OrgPatch::read(&body)?;
    let o = crate::service::changes::edit(&state, &me.actor, &AuditActor::from(&me), &org_id, &body).await?;
    Ok(Json(view_of(&state, o).await?))
}

/// The key facts to change (absent ones stay) and why.
#[derive(Deserialize, ToSchema)]
pub struct ChangeRequest {
    #[serde(flatten)]
    pub facts: crate::domain::KeyFacts,
    /// Why the facts change (e.g. the new person in charge was elected).
    pub reason: String,
}

impl ChangeRequest {
    /// Read part by part, so that a field that fails is named (inside a flattened part serde
    /// would lose its path).
    fn read(v: &serde_json::Value) -> AppResult<ChangeRequest> {
        #[derive(Deserialize)]
        struct Reason {
            reason: String,
        }
        let Reason { reason } = gongzhi_platform::web::typed(v)?;
        Ok(ChangeRequest {
            facts: gongzhi_platform::web::typed(v)?,
            reason,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct ChangeView {
    pub id: uuid::Uuid,
    pub org_id: uuid::Uuid,
    /// The proposed facts (ID number masked).
    pub proposed: crate::domain::KeyFacts,
    pub reason: String,
    /// submitted / community_reviewed / approved / returned / rejected / withdrawn
    pub state: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

fn change_view(c: crate::store::entity::org_change::Model) -> ChangeView {
    ChangeView {
        proposed: crate::service::changes::proposed(&c),
        id: c.id,
        org_id: c.org_id,
        reason: c.reason,
        state: c.state,
        created_at: c.created_at,
        version: c.version,
    }
}

#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/changes", tag = "orgs", params(("org_id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<ChangeView>)))]
pub async fn list_changes(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
) -> AppResult<Json<Vec<ChangeView>>> {
    let rows = crate::service::changes::list(&state, &me.actor, &org_id).await?;
    Ok(Json(rows.into_iter().map(change_view).collect()))
}

/// Propose a change of key facts (name, USCC, person in charge, territory) for review.
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/changes", tag = "orgs", params(("org_id" = uuid::Uuid, Path)),
    request_body = ChangeRequest,
    responses((status = 201, body = ChangeView), (status = 409, body = gongzhi_platform::api::Problem), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn propose_change(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> AppResult<(StatusCode, Json<ChangeView>)> {
    let body = ChangeRequest::read(&body)?;
    let c = crate::service::changes::propose(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &org_id,
        &body.facts,
        &body.reason,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(change_view(c))))
}

/// Review a key-fact change: forward / send_back (community), approve / return / reject
/// (street or district), withdraw (the organization). Approval applies the facts.
#[utoipa::path(post, path = "/api/v1/org-changes/{change_id}/transitions", tag = "orgs", params(("change_id" = uuid::Uuid, Path)),
    request_body = TransitionRequest,
    responses((status = 200, body = ChangeView), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn change_transition(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(change_id): Path<String>,
    ApiJson(body): ApiJson<TransitionRequest>,
) -> AppResult<Json<ChangeView>> {
    let c = crate::service::changes::transition(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &change_id,
        &body.transition,
        body.version,
        body.reason.as_deref(),
    )
    .await?;
    Ok(Json(change_view(c)))
}

#[derive(Serialize, ToSchema)]
#[schema(as = OrgImportResult)]
pub struct ImportResult {
    pub created: usize,
    pub ids: Vec<uuid::Uuid>,
}

/// Import existing organizations from CSV (UTF-8) or XLSX. Header names in Chinese or English
/// (名称/name, 组织形式/legal_form, 管理层级/tier, 所属区划代码/territory, 统一社会信用代码/uscc,
/// 类别/categories, 成立日期, 登记日期, 负责人, 负责人身份证号, 联系电话, 工作人员数, 持证社工数, …).
/// All rows or none; errors per row as `rows.<n>.<field>`.
#[utoipa::path(post, path = "/api/v1/orgs/import", tag = "orgs",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = ImportResult), (status = 422, description = "Per-row errors", body = gongzhi_platform::api::Problem)))]
pub async fn import(
    State(state): State<AppState>,
    me: CurrentActor,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> AppResult<(StatusCode, Json<ImportResult>)> {
    let xlsx = gongzhi_platform::tabular::kind_of(&headers)?;
    let table = gongzhi_platform::tabular::read_table(&body, xlsx)?;
    let created =
        crate::service::import::import(&state, &me.actor, &AuditActor::from(&me), &table, None).await?;
    Ok((
        StatusCode::CREATED,
        Json(ImportResult {
            created: created.len(),
            ids: created.into_iter().map(|o| o.id).collect(),
        }),
    ))
}
