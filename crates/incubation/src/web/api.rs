//! JSON API of incubation.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use gongzhi_orgs::face::Purpose;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::utoipa::{self, IntoParams, OpenApi, ToSchema};
use gongzhi_platform::web::{Access, ApiJson, AppResult, AppState, CurrentActor, Probe, Routes};
use gongzhi_platform::web::{Path, Query};
use serde::{Deserialize, Serialize};

use crate::domain::{AgreementInput, CohortInput, IncubatorInput, PlanItemDef};
use crate::store::entity::{application, cohort, incubation, incubator};
use crate::service::{self as svc, ApplicationInput, ApplicationQuery, IncubatorPatch};
use crate::service::stays::{self, AlumniInput, AssessmentInput, CheckinInput, ItemDone, StayQuery};
use crate::service::targets::{self, CoverageRow, TargetInput, TargetProgress};
use crate::{INCUBATION_APPLY, INCUBATION_MANAGE, INCUBATION_READ, INCUBATION_TARGETS};
use crate::domain::ApplicationState;

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/incubators", Access::Permission(INCUBATION_READ), list_incubators)
        .probe_query("territory={foreign_street}")
        .post("/api/v1/incubators", Access::Permission(INCUBATION_MANAGE), create_incubator)
        .probe_json(r#"{"hub_id":"{hub_id}","name":"探针孵化基地","capacity":10,"review_days":10}"#)
        .get("/api/v1/incubators/{incubator_id}", Access::Permission(INCUBATION_READ), get_incubator)
        .patch("/api/v1/incubators/{incubator_id}", Access::Permission(INCUBATION_MANAGE), update_incubator)
        .probe_json(r#"{"capacity":12,"plan":[{"title":"一次入驻诊断","due_after_days":10}],"version":1}"#)
        .post("/api/v1/incubators/{incubator_id}/cohorts", Access::Permission(INCUBATION_MANAGE), create_cohort)
        .probe_json(r#"{"name":"探针批次","opens_on":"2026-01-01","closes_on":"2026-12-31","starts_on":"2027-01-01","ends_on":"2027-12-31","seats":5}"#)
        .get("/api/v1/public/incubation-calls", Access::Public, open_calls)
        .post("/api/v1/incubation-cohorts/{cohort_id}/applications", Access::Permission(INCUBATION_APPLY), apply)
        .probe_json(r#"{"org_id":"{org_id}","plan":"探针：希望在孵化期内完善治理结构并打造品牌项目","needs":"场地"}"#)
        .get("/api/v1/incubation-applications", Access::Permission(INCUBATION_READ), list_applications)
        .probe_query("territory={foreign_street}")
        .get("/api/v1/incubation-applications/{application_id}", Access::Permission(INCUBATION_READ), get_application)
        .post("/api/v1/incubation-applications/{application_id}/transitions", Access::Permission(INCUBATION_READ), transition_application)
        .probe_json(r#"{"transition":"decline","version":1,"reason":"探针"}"#)
        .post("/api/v1/incubation-applications/{application_id}/agreement", Access::Permission(INCUBATION_MANAGE), admit)
        .probe_json(r#"{"signed_on":"2026-10-01","starts_on":"2026-10-15","ends_on":"2027-10-14","terms":"探针","version":1}"#)
        .upload("/api/v1/incubation-applications/{application_id}/documents", Access::Permission(INCUBATION_APPLY), upload_document)
        .with_probe(Probe {
            query: "",
            body: Some("--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nplan\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"plan.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 probe\r\n--XyZ--\r\n"),
            content_type: "multipart/form-data; boundary=XyZ",
        })
        .get("/api/v1/incubation-applications/{application_id}/documents/{attachment_id}", Access::Permission(INCUBATION_READ), download_document)
        .get("/api/v1/incubations", Access::Permission(INCUBATION_READ), list_stays)
        .probe_query("territory={foreign_street}")
        .get("/api/v1/mentoring", Access::SignedIn, my_mentees)
        .get("/api/v1/incubations/{incubation_id}", Access::Permission(INCUBATION_READ), get_stay)
        .post("/api/v1/incubations/{incubation_id}/stage", Access::Permission(INCUBATION_MANAGE), set_stage)
        .probe_json(r#"{"stage":"startup","version":1}"#)
        .post("/api/v1/incubations/{incubation_id}/mentor", Access::Permission(INCUBATION_MANAGE), assign_mentor)
        .probe_json(r#"{"username":"b.admin","version":1}"#)
        .post("/api/v1/mentoring-plan-items/{item_id}/done", Access::Permission(INCUBATION_READ), complete_item)
        .probe_json(r#"{"note":"探针","version":1}"#)
        .post("/api/v1/incubations/{incubation_id}/checkins", Access::Permission(INCUBATION_READ), check_in)
        .probe_json(r#"{"met_on":"2026-06-01","mode":"visit","minutes":60,"notes":"探针：督导走访记录"}"#)
        .post("/api/v1/incubations/{incubation_id}/assessments", Access::Permission(INCUBATION_MANAGE), assess)
        .probe_json(r#"{"kind":"midterm","assessed_on":"2026-06-01","scores":{"governance":15,"projects":20,"finance":15,"team":10,"impact":10}}"#)
        .post("/api/v1/incubations/{incubation_id}/transitions", Access::Permission(INCUBATION_READ), stay_transition)
        .probe_json(r#"{"transition":"exit","version":1,"reason":"探针"}"#)
        .post("/api/v1/incubations/{graduate_id}/alumni-services", Access::Permission(INCUBATION_READ), serve_alumnus)
        .probe_json(r#"{"kind":"resource_link","served_on":"2026-11-01","note":"探针：对接基金会资源"}"#)
        .get("/api/v1/cultivation-targets", Access::Permission(INCUBATION_READ), get_targets)
        .probe_query("territory={foreign_street}&year=2026")
        .post("/api/v1/cultivation-targets", Access::Permission(INCUBATION_TARGETS), set_target)
        .probe_json(r#"{"territory":"{foreign_street}","year":2026,"level":"community","target":90}"#)
        .get("/api/v1/community-coverage", Access::Permission(INCUBATION_READ), coverage)
        .probe_query("territory={foreign_street}")
}

#[derive(OpenApi)]
#[openapi(
    paths(
        list_incubators,
        create_incubator,
        get_incubator,
        update_incubator,
        create_cohort,
        open_calls,
        apply,
        list_applications,
        get_application,
        transition_application,
        admit,
        upload_document,
        download_document,
        list_stays,
        my_mentees,
        get_stay,
        set_stage,
        assign_mentor,
        complete_item,
        check_in,
        assess,
        stay_transition,
        serve_alumnus,
        get_targets,
        set_target,
        coverage
    ),
    components(schemas(
        IncubatorView,
        IncubatorDetail,
        IncubatorInput,
        IncubatorPatch,
        PlanItemDef,
        CohortView,
        CohortInput,
        CallView,
        ApplicationInput,
        ApplicationView,
        ApplicationDetail,
        TransitionRequest,
        AgreementInput,
        DocumentView,
        StayView,
        StayDetail,
        PlanItemView,
        CheckinView,
        AssessmentView,
        AlumniView,
        StageRequest,
        MentorRequest,
        ItemDone,
        CheckinInput,
        AssessmentInput,
        AlumniInput,
        TargetInput,
        TargetProgress,
        CoverageRow,
        gongzhi_orgs::face::VerdictView,
        gongzhi_orgs::face::NoteView
    ))
)]
struct IncubationApi;

pub fn openapi() -> utoipa::openapi::OpenApi {
    IncubationApi::openapi()
}

#[derive(Serialize, ToSchema)]
pub struct IncubatorView {
    pub id: uuid::Uuid,
    pub hub_id: uuid::Uuid,
    pub name: String,
    /// district / street / community
    pub level: String,
    pub territory_code: String,
    pub capacity: i32,
    /// Organizations incubating now.
    pub occupied: i64,
    pub review_days: i32,
    pub operator_org_id: Option<uuid::Uuid>,
    pub description: String,
    pub version: i32,
}

pub fn incubator_view(i: &incubator::Model, occupied: i64) -> IncubatorView {
    IncubatorView {
        id: i.id,
        hub_id: i.hub_id,
        name: i.name.clone(),
        level: i.level.clone(),
        territory_code: i.territory_code.clone(),
        capacity: i.capacity,
        occupied,
        review_days: i.review_days,
        operator_org_id: i.operator_org_id,
        description: i.description.clone(),
        version: i.version,
    }
}

#[derive(Serialize, ToSchema)]
pub struct CohortView {
    pub id: uuid::Uuid,
    pub incubator_id: uuid::Uuid,
    pub name: String,
    pub call_text: String,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub seats: i32,
    /// upcoming / open / closed
    pub call: String,
}

pub fn cohort_view(c: &cohort::Model) -> CohortView {
    CohortView {
        id: c.id,
        incubator_id: c.incubator_id,
        name: c.name.clone(),
        call_text: c.call_text.clone(),
        opens_on: c.opens_on,
        closes_on: c.closes_on,
        starts_on: c.starts_on,
        ends_on: c.ends_on,
        seats: c.seats,
        call: crate::domain::call_status(c.opens_on, c.closes_on, svc::today()).into(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct IncubatorDetail {
    #[serde(flatten)]
    pub incubator: IncubatorView,
    pub plan: Vec<PlanItemDef>,
    pub cohorts: Vec<CohortView>,
}

#[derive(Serialize, ToSchema)]
pub struct CallView {
    pub cohort: CohortView,
    pub incubator: String,
    pub level: String,
    pub territory_code: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TerritoryQuery {
    /// Narrow to a node (its code).
    pub territory: Option<String>,
}

/// Incubators in your scope with their occupancy.
#[utoipa::path(get, path = "/api/v1/incubators", tag = "incubation", params(TerritoryQuery),
    responses((status = 200, body = [IncubatorView])))]
pub async fn list_incubators(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<TerritoryQuery>,
) -> AppResult<Json<Vec<IncubatorView>>> {
    let under = svc::within(&state, &me.actor, q.territory.as_deref()).await?;
    let list = svc::list_incubators(&state, &me.actor, under.as_deref()).await?;
    Ok(Json(
        list.iter().map(|(i, n)| incubator_view(i, *n)).collect(),
    ))
}

async fn incubator_detail(state: &AppState, i: &incubator::Model) -> AppResult<IncubatorDetail> {
    let occupied = svc::occupancy(&state.db.read, i.id).await?;
    Ok(IncubatorDetail {
        incubator: incubator_view(i, occupied),
        plan: svc::plan_of(i),
        cohorts: svc::cohorts_of(&state.db.read, i.id)
            .await?
            .iter()
            .map(cohort_view)
            .collect(),
    })
}

/// Open an incubator at a hub of the district, a street or a community. It starts with the
/// "5个1" mentoring plan, which its managers can change.
#[utoipa::path(post, path = "/api/v1/incubators", tag = "incubation", request_body = IncubatorInput,
    responses((status = 201, body = IncubatorDetail), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn create_incubator(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<IncubatorInput>,
) -> AppResult<(StatusCode, Json<IncubatorDetail>)> {
    let i = svc::create_incubator(&state, &me.actor, &AuditActor::from(&me), &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(incubator_detail(&state, &i).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/incubators/{incubator_id}", tag = "incubation",
    params(("incubator_id" = uuid::Uuid, Path)), responses((status = 200, body = IncubatorDetail)))]
pub async fn get_incubator(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<IncubatorDetail>> {
    let i = svc::get_incubator(&state, &me.actor, &id).await?;
    Ok(Json(incubator_detail(&state, &i).await?))
}

/// Change capacity (never below the organizations incubating now), review days, description or
/// the mentoring plan template.
#[utoipa::path(patch, path = "/api/v1/incubators/{incubator_id}", tag = "incubation",
    params(("incubator_id" = uuid::Uuid, Path)), request_body = IncubatorPatch,
    responses((status = 200, body = IncubatorDetail), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn update_incubator(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<IncubatorPatch>,
) -> AppResult<Json<IncubatorDetail>> {
    let i = svc::update_incubator(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(incubator_detail(&state, &i).await?))
}

/// Publish a call for entry that fills a cohort.
#[utoipa::path(post, path = "/api/v1/incubators/{incubator_id}/cohorts", tag = "incubation",
    params(("incubator_id" = uuid::Uuid, Path)), request_body = CohortInput,
    responses((status = 201, body = CohortView), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn create_cohort(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CohortInput>,
) -> AppResult<(StatusCode, Json<CohortView>)> {
    let c = svc::create_cohort(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((StatusCode::CREATED, Json(cohort_view(&c))))
}

/// Calls for entry open today, for everyone.
#[utoipa::path(get, path = "/api/v1/public/incubation-calls", tag = "public",
    responses((status = 200, body = [CallView])))]
pub async fn open_calls(State(state): State<AppState>) -> AppResult<Json<Vec<CallView>>> {
    let calls = svc::open_calls(&state.db.read, svc::today()).await?;
    Ok(Json(
        calls
            .iter()
            .map(|(c, i)| CallView {
                cohort: cohort_view(c),
                incubator: i.name.clone(),
                level: i.level.clone(),
                territory_code: i.territory_code.clone(),
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
#[schema(as = IncubationDocumentView)]
pub struct DocumentView {
    pub id: uuid::Uuid,
    pub title: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
}

fn document_view(
    d: crate::store::entity::application_document::Model,
    f: gongzhi_platform::entity::stored_file::Model,
) -> DocumentView {
    DocumentView {
        id: d.id,
        title: d.title,
        content_type: f.content_type,
        size: f.size,
        uploaded_at: d.uploaded_at,
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: uuid::Uuid,
    pub cohort_id: uuid::Uuid,
    pub incubator_id: uuid::Uuid,
    pub org_id: uuid::Uuid,
    pub plan: String,
    pub needs: String,
    /// submitted / returned / accepted / declined / withdrawn / admitted
    pub state: String,
    pub submitted_on: NaiveDate,
    /// The first review is due by this working day.
    pub review_due_on: NaiveDate,
    pub reviewed_on: Option<NaiveDate>,
    /// Waiting for its first review past the due day.
    pub overdue: bool,
    pub version: i32,
}

pub fn application_view(a: &application::Model) -> ApplicationView {
    ApplicationView {
        id: a.id,
        cohort_id: a.cohort_id,
        incubator_id: a.incubator_id,
        org_id: a.org_id,
        plan: a.plan.clone(),
        needs: a.needs.clone(),
        state: a.state.clone(),
        submitted_on: a.submitted_on,
        review_due_on: a.review_due_on,
        reviewed_on: a.reviewed_on,
        overdue: overdue(a),
        version: a.version,
    }
}

pub fn overdue(a: &application::Model) -> bool {
    a.state == ApplicationState::SUBMITTED && a.reviewed_on.is_none() && a.review_due_on < svc::today()
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationDetail {
    #[serde(flatten)]
    pub application: ApplicationView,
    pub org_name: String,
    pub documents: Vec<DocumentView>,
    /// The organization's standing for incubation today.
    pub eligibility: gongzhi_orgs::face::VerdictView,
}

async fn application_detail(
    state: &AppState,
    a: &application::Model,
) -> AppResult<ApplicationDetail> {
    let o = gongzhi_orgs::face::card(&state.db.read, a.org_id)
        .await?
        .ok_or(gongzhi_platform::web::AppError::NotFound)?;
    let verdict = gongzhi_orgs::face::is_eligible_for(
        &state.db.read,
        a.org_id,
        Purpose::Incubation,
        svc::today(),
    )
    .await?;
    Ok(ApplicationDetail {
        application: application_view(a),
        org_name: o.name,
        documents: svc::documents_of(&state.db.read, a.id)
            .await?
            .into_iter()
            .map(|(d, f)| document_view(d, f))
            .collect(),
        eligibility: gongzhi_orgs::face::verdict_view("incubation", verdict),
    })
}


/// Apply for an organization to a call that is open today. Refused, with the reasons, when its
/// standing bars incubation (serious-dishonesty list, not in good order).
#[utoipa::path(post, path = "/api/v1/incubation-cohorts/{cohort_id}/applications", tag = "incubation",
    params(("cohort_id" = uuid::Uuid, Path)), request_body = ApplicationInput,
    responses((status = 201, body = ApplicationDetail), (status = 422, body = gongzhi_platform::api::Problem), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn apply(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(cohort_id): Path<String>,
    ApiJson(body): ApiJson<ApplicationInput>,
) -> AppResult<(StatusCode, Json<ApplicationDetail>)> {
    let a = svc::apply(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &cohort_id,
        &body,
        None,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(application_detail(&state, &a).await?),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationListQuery {
    pub territory: Option<String>,
    pub incubator: Option<uuid::Uuid>,
    /// submitted / returned / accepted / declined / withdrawn / admitted
    pub state: Option<String>,
}

/// Applications in your scope (an organization: its own), the first review due soonest first.
#[utoipa::path(get, path = "/api/v1/incubation-applications", tag = "incubation", params(ApplicationListQuery),
    responses((status = 200, body = [ApplicationView])))]
pub async fn list_applications(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<ApplicationListQuery>,
) -> AppResult<Json<Vec<ApplicationView>>> {
    let under = svc::within(&state, &me.actor, q.territory.as_deref()).await?;
    let list = svc::list_applications(
        &state,
        &me.actor,
        &ApplicationQuery {
            under,
            incubator: q.incubator,
            state: q.state,
        },
    )
    .await?;
    Ok(Json(list.iter().map(application_view).collect()))
}

#[utoipa::path(get, path = "/api/v1/incubation-applications/{application_id}", tag = "incubation",
    params(("application_id" = uuid::Uuid, Path)), responses((status = 200, body = ApplicationDetail)))]
pub async fn get_application(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<ApplicationDetail>> {
    let a = svc::get_application(&state, &me.actor, &id).await?;
    Ok(Json(application_detail(&state, &a).await?))
}

#[derive(Deserialize, ToSchema)]
#[schema(as = IncubationTransitionRequest)]
pub struct TransitionRequest {
    pub transition: String,
    pub version: i32,
    pub reason: Option<String>,
}

/// First review (accept / return / decline) and the applicant's steps (resubmit / withdraw).
#[utoipa::path(post, path = "/api/v1/incubation-applications/{application_id}/transitions", tag = "incubation",
    params(("application_id" = uuid::Uuid, Path)), request_body = TransitionRequest,
    responses((status = 200, body = ApplicationDetail), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn transition_application(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TransitionRequest>,
) -> AppResult<Json<ApplicationDetail>> {
    let a = svc::transition_application(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &id,
        &body.transition,
        body.version,
        body.reason.as_deref(),
    )
    .await?;
    Ok(Json(application_detail(&state, &a).await?))
}

/// Sign the entry agreement of an accepted application: the organization's stay begins.
#[utoipa::path(post, path = "/api/v1/incubation-applications/{application_id}/agreement", tag = "incubation",
    params(("application_id" = uuid::Uuid, Path)), request_body = AgreementInput,
    responses((status = 201, body = StayDetail), (status = 409, body = gongzhi_platform::api::Problem), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn admit(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AgreementInput>,
) -> AppResult<(StatusCode, Json<StayDetail>)> {
    let s = svc::admit(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((StatusCode::CREATED, Json(stay_detail(&state, &s).await?)))
}

/// Attach a document (PDF, image, Word or Excel) to an application under review.
#[utoipa::path(post, path = "/api/v1/incubation-applications/{application_id}/documents", tag = "incubation",
    params(("application_id" = uuid::Uuid, Path)),
    request_body(content_type = "multipart/form-data", description = "Fields `title` and `file`"),
    responses((status = 201, body = DocumentView), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn upload_document(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    form: Multipart,
) -> AppResult<(StatusCode, Json<DocumentView>)> {
    let (fields, file) = gongzhi_platform::files::read_multipart(&state, form).await?;
    let title = fields.get("title").map(String::as_str).unwrap_or("");
    let d = svc::add_document(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &id,
        title,
        file.as_ref(),
    )
    .await?;
    let f = gongzhi_platform::files::find(&state.db.read, d.file_id).await?;
    Ok((StatusCode::CREATED, Json(document_view(d, f))))
}

#[utoipa::path(get, path = "/api/v1/incubation-applications/{application_id}/documents/{attachment_id}", tag = "incubation",
    params(("application_id" = uuid::Uuid, Path), ("attachment_id" = uuid::Uuid, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream")))]
pub async fn download_document(
    State(state): State<AppState>,
    me: CurrentActor,
    Path((id, document_id)): Path<(String, String)>,
) -> AppResult<axum::response::Response> {
    svc::download(&state, &me.actor, &id, &document_id).await
}

#[derive(Serialize, ToSchema)]
pub struct StayView {
    pub id: uuid::Uuid,
    pub incubator_id: uuid::Uuid,
    pub cohort_id: uuid::Uuid,
    pub application_id: uuid::Uuid,
    pub org_id: uuid::Uuid,
    /// budding / startup / growing / hub
    pub stage: String,
    pub stage_since: NaiveDate,
    pub mentor_id: Option<uuid::Uuid>,
    pub agreement_signed_on: NaiveDate,
    pub agreement_terms: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// in_incubation / graduated / exited
    pub state: String,
    pub ended_on: Option<NaiveDate>,
    pub version: i32,
}

pub fn stay_view(s: &incubation::Model) -> StayView {
    StayView {
        id: s.id,
        incubator_id: s.incubator_id,
        cohort_id: s.cohort_id,
        application_id: s.application_id,
        org_id: s.org_id,
        stage: s.stage.clone(),
        stage_since: s.stage_since,
        mentor_id: s.mentor_id,
        agreement_signed_on: s.agreement_signed_on,
        agreement_terms: s.agreement_terms.clone(),
        starts_on: s.starts_on,
        ends_on: s.ends_on,
        state: s.state.clone(),
        ended_on: s.ended_on,
        version: s.version,
    }
}

#[derive(Serialize, ToSchema)]
pub struct PlanItemView {
    pub id: uuid::Uuid,
    pub title: String,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub done_note: String,
    /// Not done and past its due day.
    pub overdue: bool,
    pub version: i32,
}

#[derive(Serialize, ToSchema)]
pub struct CheckinView {
    pub id: uuid::Uuid,
    pub mentor_id: Option<uuid::Uuid>,
    pub met_on: NaiveDate,
    pub mode: String,
    pub minutes: i32,
    pub notes: String,
    pub plan_item_id: Option<uuid::Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct AssessmentView {
    pub id: uuid::Uuid,
    pub kind: String,
    pub assessed_on: NaiveDate,
    pub scores: BTreeMap<String, i32>,
    pub total: i32,
    pub passed: bool,
    pub notes: String,
}

#[derive(Serialize, ToSchema)]
pub struct AlumniView {
    pub id: uuid::Uuid,
    pub kind: String,
    pub served_on: NaiveDate,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct StayDetail {
    #[serde(flatten)]
    pub stay: StayView,
    pub plan: Vec<PlanItemView>,
    pub checkins: Vec<CheckinView>,
    pub assessments: Vec<AssessmentView>,
    pub alumni_services: Vec<AlumniView>,
}

pub async fn stay_detail(state: &AppState, s: &incubation::Model) -> AppResult<StayDetail> {
    let d = stays::detail(state, s).await?;
    let today = svc::today();
    Ok(StayDetail {
        stay: stay_view(s),
        plan: d
            .items
            .into_iter()
            .map(|i| PlanItemView {
                overdue: i.done_on.is_none() && i.due_on < today,
                id: i.id,
                title: i.title,
                due_on: i.due_on,
                done_on: i.done_on,
                done_note: i.done_note,
                version: i.version,
            })
            .collect(),
        checkins: d
            .checkins
            .into_iter()
            .map(|c| CheckinView {
                id: c.id,
                mentor_id: c.mentor_id,
                met_on: c.met_on,
                mode: c.mode,
                minutes: c.minutes,
                notes: c.notes,
                plan_item_id: c.plan_item_id,
            })
            .collect(),
        assessments: d
            .assessments
            .into_iter()
            .map(|a| AssessmentView {
                id: a.id,
                kind: a.kind,
                assessed_on: a.assessed_on,
                scores: serde_json::from_str(&a.scores).unwrap_or_default(),
                total: a.total,
                passed: a.passed,
                notes: a.notes,
            })
            .collect(),
        alumni_services: d
            .alumni
            .into_iter()
            .map(|a| AlumniView {
                id: a.id,
                kind: a.kind,
                served_on: a.served_on,
                note: a.note,
            })
            .collect(),
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StayListQuery {
    pub territory: Option<String>,
    pub incubator: Option<uuid::Uuid>,
    /// in_incubation / graduated / exited
    pub state: Option<String>,
}

/// Stays in your scope (an organization: its own; a mentor: also those mentored).
#[utoipa::path(get, path = "/api/v1/incubations", tag = "incubation", params(StayListQuery),
    responses((status = 200, body = [StayView])))]
pub async fn list_stays(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<StayListQuery>,
) -> AppResult<Json<Vec<StayView>>> {
    let under = svc::within(&state, &me.actor, q.territory.as_deref()).await?;
    let list = stays::list(
        &state,
        &me.actor,
        &StayQuery {
            under,
            incubator: q.incubator,
            state: q.state,
            mine: false,
        },
    )
    .await?;
    Ok(Json(list.iter().map(stay_view).collect()))
}

/// The stays you mentor.
#[utoipa::path(get, path = "/api/v1/mentoring", tag = "incubation",
    responses((status = 200, body = [StayView])))]
pub async fn my_mentees(
    State(state): State<AppState>,
    me: CurrentActor,
) -> AppResult<Json<Vec<StayView>>> {
    let list = stays::list(
        &state,
        &me.actor,
        &StayQuery {
            mine: true,
            ..Default::default()
        },
    )
    .await?;
    Ok(Json(list.iter().map(stay_view).collect()))
}

#[utoipa::path(get, path = "/api/v1/incubations/{incubation_id}", tag = "incubation",
    params(("incubation_id" = uuid::Uuid, Path)), responses((status = 200, body = StayDetail)))]
pub async fn get_stay(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<StayDetail>> {
    let (s, _) = stays::get(&state, &me.actor, &id).await?;
    Ok(Json(stay_detail(&state, &s).await?))
}

async fn fresh(state: &AppState, me: &CurrentActor, id: &str) -> AppResult<Json<StayDetail>> {
    let (s, _) = stays::get(state, &me.actor, id).await?;
    Ok(Json(stay_detail(state, &s).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct StageRequest {
    /// budding / startup / growing / hub
    pub stage: String,
    pub version: i32,
}

#[utoipa::path(post, path = "/api/v1/incubations/{incubation_id}/stage", tag = "incubation",
    params(("incubation_id" = uuid::Uuid, Path)), request_body = StageRequest,
    responses((status = 200, body = StayDetail), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn set_stage(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StageRequest>,
) -> AppResult<Json<StayDetail>> {
    stays::set_stage(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &id,
        &body.stage,
        body.version,
    )
    .await?;
    fresh(&state, &me, &id).await
}

#[derive(Deserialize, ToSchema)]
pub struct MentorRequest {
    /// The mentor's username.
    pub username: String,
    pub version: i32,
}

/// Assign the mentor: an account holding a mentoring role near the incubator or in the
/// organization that runs it, never one of the incubated organization's own people.
#[utoipa::path(post, path = "/api/v1/incubations/{incubation_id}/mentor", tag = "incubation",
    params(("incubation_id" = uuid::Uuid, Path)), request_body = MentorRequest,
    responses((status = 200, body = StayDetail), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn assign_mentor(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MentorRequest>,
) -> AppResult<Json<StayDetail>> {
    stays::assign_mentor(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &id,
        &body.username,
        body.version,
    )
    .await?;
    fresh(&state, &me, &id).await
}

/// Tick off an item of the mentoring plan (the mentor or a manager).
#[utoipa::path(post, path = "/api/v1/mentoring-plan-items/{item_id}/done", tag = "incubation",
    params(("item_id" = uuid::Uuid, Path)), request_body = ItemDone,
    responses((status = 200, body = StayDetail), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn complete_item(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(item_id): Path<String>,
    ApiJson(body): ApiJson<ItemDone>,
) -> AppResult<Json<StayDetail>> {
    let item =
        stays::complete_item(&state, &me.actor, &AuditActor::from(&me), &item_id, &body).await?;
    fresh(&state, &me, &item.incubation_id.to_string()).await
}

/// Record a mentor's meeting with the organization.
#[utoipa::path(post, path = "/api/v1/incubations/{incubation_id}/checkins", tag = "incubation",
    params(("incubation_id" = uuid::Uuid, Path)), request_body = CheckinInput,
    responses((status = 201, body = StayDetail), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn check_in(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CheckinInput>,
) -> AppResult<(StatusCode, Json<StayDetail>)> {
    stays::check_in(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((StatusCode::CREATED, fresh(&state, &me, &id).await?))
}

/// A mid-term or graduation assessment: every dimension scored; 60 of 100 passes.
#[utoipa::path(post, path = "/api/v1/incubations/{incubation_id}/assessments", tag = "incubation",
    params(("incubation_id" = uuid::Uuid, Path)), request_body = AssessmentInput,
    responses((status = 201, body = StayDetail), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn assess(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AssessmentInput>,
) -> AppResult<(StatusCode, Json<StayDetail>)> {
    stays::assess(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((StatusCode::CREATED, fresh(&state, &me, &id).await?))
}

/// Graduate (出壳; needs a passed graduation assessment) or exit with a reason.
#[utoipa::path(post, path = "/api/v1/incubations/{incubation_id}/transitions", tag = "incubation",
    params(("incubation_id" = uuid::Uuid, Path)), request_body = TransitionRequest,
    responses((status = 200, body = StayDetail), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn stay_transition(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TransitionRequest>,
) -> AppResult<Json<StayDetail>> {
    stays::transition(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &id,
        &body.transition,
        body.version,
        body.reason.as_deref(),
    )
    .await?;
    fresh(&state, &me, &id).await
}

/// Log a service to a graduated organization: alumni contact, resource linking, assessment of
/// its development, public-interest support.
#[utoipa::path(post, path = "/api/v1/incubations/{graduate_id}/alumni-services", tag = "incubation",
    params(("graduate_id" = uuid::Uuid, Path, description = "A graduated stay")), request_body = AlumniInput,
    responses((status = 201, body = StayDetail), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn serve_alumnus(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AlumniInput>,
) -> AppResult<(StatusCode, Json<StayDetail>)> {
    stays::serve_alumnus(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((StatusCode::CREATED, fresh(&state, &me, &id).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetQuery {
    pub territory: String,
    pub year: i32,
}

/// A node's cultivation targets for a year with their progress.
#[utoipa::path(get, path = "/api/v1/cultivation-targets", tag = "incubation", params(TargetQuery),
    responses((status = 200, body = [TargetProgress])))]
pub async fn get_targets(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<TargetQuery>,
) -> AppResult<Json<Vec<TargetProgress>>> {
    Ok(Json(
        targets::progress(&state, &me.actor, &q.territory, q.year).await?,
    ))
}

/// Set (or change, with its version) a yearly target for one level.
#[utoipa::path(post, path = "/api/v1/cultivation-targets", tag = "incubation", request_body = TargetInput,
    responses((status = 200, body = [TargetProgress]), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn set_target(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<TargetInput>,
) -> AppResult<Json<Vec<TargetProgress>>> {
    let t = targets::set(&state, &me.actor, &AuditActor::from(&me), &body).await?;
    Ok(Json(
        targets::progress(&state, &me.actor, &t.territory_code, t.year).await?,
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    pub territory: String,
}

/// Community organizations per community against the 191号 goals (10 urban, 5 rural).
#[utoipa::path(get, path = "/api/v1/community-coverage", tag = "incubation", params(CoverageQuery),
    responses((status = 200, body = [CoverageRow])))]
pub async fn coverage(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<CoverageQuery>,
) -> AppResult<Json<Vec<CoverageRow>>> {
    Ok(Json(
        targets::coverage(&state, &me.actor, &q.territory).await?,
    ))
}
