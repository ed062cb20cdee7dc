//! JSON API of standing (grades, annual reports, the credit lists) and documents.

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::i18n::tr;
use gongzhi_platform::utoipa::{self, OpenApi, ToSchema};
use gongzhi_platform::web::Path;
use gongzhi_platform::web::{Access, ApiJson, AppResult, AppState, CurrentActor, Probe, Routes};
use serde::{Deserialize, Serialize};

use crate::store::entity::{org, org_document};
use crate::domain::standing::{self, Purpose};
use crate::service::standing_svc::{self as svc, EntryAction, EventInput, GradeInput};
use crate::{ORG_EDIT, ORG_GRADE, ORG_READ, ORG_STANDING};

const MULTIPART: &str = "multipart/form-data; boundary=XyZ";

pub fn routes() -> Routes {
    Routes::new()
        .get("/api/v1/orgs/{org_id}/standing", Access::Permission(ORG_READ), get_standing)
        .post("/api/v1/orgs/{org_id}/standing/events", Access::Permission(ORG_STANDING), record_event)
        .probe_json(r#"{"kind":"fine","amount_fen":300000,"occurred_on":"2026-01-05","note":"探针","version":1}"#)
        .post("/api/v1/org-list-entries/{entry_id}/actions", Access::Permission(ORG_READ), entry_action)
        .probe_json(r#"{"action":"remove","version":1,"reason":"探针"}"#)
        .post("/api/v1/orgs/{org_id}/grades", Access::Permission(ORG_GRADE), award_grade)
        .probe_json(r#"{"grade":4,"score":820,"awarded_on":"2026-06-01","version":1}"#)
        .post("/api/v1/org-grades/{grade_id}/downgrade", Access::Permission(ORG_GRADE), downgrade)
        .probe_json(r#"{"grade":2,"reason":"探针","version":1}"#)
        .post("/api/v1/orgs/{org_id}/annual-reports", Access::Permission(ORG_READ), submit_report)
        .probe_json(r#"{"year":2024}"#)
        .post("/api/v1/org-annual-reports/{report_id}/inspection", Access::Permission(ORG_STANDING), inspect)
        .probe_json(r#"{"result":"qualified","version":1}"#)
        .get("/api/v1/orgs/{org_id}/documents", Access::Permission(ORG_READ), list_documents)
        .upload("/api/v1/orgs/{org_id}/documents", Access::Permission(ORG_EDIT), upload_document)
        .with_probe(Probe {
            query: "",
            body: Some("--XyZ\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ncharter\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"charter.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 probe\r\n--XyZ--\r\n"),
            content_type: MULTIPART,
        })
        .get("/api/v1/orgs/{org_id}/documents/{document_id}", Access::Permission(ORG_READ), download_document)
}

#[derive(OpenApi)]
#[openapi(
    paths(
        get_standing,
        record_event,
        entry_action,
        award_grade,
        downgrade,
        submit_report,
        inspect,
        list_documents,
        upload_document,
        download_document
    ),
    components(schemas(
        StandingView,
        VerdictView,
        NoteView,
        EntryView,
        GradeView,
        ReportView,
        EventView,
        EventInput,
        EntryAction,
        GradeInput,
        DowngradeRequest,
        ReportRequest,
        InspectionRequest,
        DocumentView
    ))
)]
struct StandingApi;

pub fn openapi() -> utoipa::openapi::OpenApi {
    StandingApi::openapi()
}

#[derive(Serialize, ToSchema)]
pub struct NoteView {
    pub key: String,
    pub message: String,
    /// False for a warning or a point in the organization's favour.
    pub blocking: bool,
}

#[derive(Serialize, ToSchema)]
pub struct VerdictView {
    /// purchase (abnormal list warns) / purchase_strict (abnormal list blocks) / incubation / grading
    pub purpose: String,
    pub eligible: bool,
    pub notes: Vec<NoteView>,
}

/// A verdict as the API shows it, each note with its message in the request's language.
pub fn verdict_view(purpose: &str, v: standing::Verdict) -> VerdictView {
    VerdictView {
        purpose: purpose.into(),
        eligible: v.eligible,
        notes: v
            .notes
            .into_iter()
            .map(|n| NoteView {
                key: n.key.into(),
                message: tr(n.key, &[]),
                blocking: n.blocking,
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct EntryView {
    pub id: uuid::Uuid,
    /// abnormal / serious
    pub list: String,
    pub triggers: Vec<String>,
    pub entered_on: NaiveDate,
    pub clock_from: NaiveDate,
    /// none / pending / verified
    pub rectification: String,
    pub rectified_on: Option<NaiveDate>,
    /// When the clock job ends an abnormal stay (none while rectification is pending).
    pub removal_due: Option<NaiveDate>,
    /// When two years on the abnormal list move the organization to the serious list.
    pub escalation_due: Option<NaiveDate>,
    /// From when a serious-list stay may end on request.
    pub removable_from: Option<NaiveDate>,
    pub removal_requested_on: Option<NaiveDate>,
    pub removed_on: Option<NaiveDate>,
    pub removal_reason: Option<String>,
    pub version: i32,
}

#[derive(Serialize, ToSchema)]
pub struct GradeView {
    pub id: uuid::Uuid,
    /// 1 to 5
    pub grade: i32,
    /// "4A"
    pub label: String,
    pub score: Option<i32>,
    pub awarded_on: NaiveDate,
    pub expires_on: NaiveDate,
    /// in_force / revoked
    pub status: String,
    /// In force today (not revoked, not expired).
    pub in_force: bool,
    pub version: i32,
}

#[derive(Serialize, ToSchema)]
pub struct ReportView {
    pub id: uuid::Uuid,
    pub year: i32,
    pub submitted_on: NaiveDate,
    pub due_on: NaiveDate,
    pub late: bool,
    /// pending / qualified / basically_qualified / unqualified
    pub inspection: String,
    pub inspected_on: Option<NaiveDate>,
    pub version: i32,
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    pub kind: String,
    pub occurred_on: NaiveDate,
    pub amount_fen: Option<i64>,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct StandingView {
    pub org_id: uuid::Uuid,
    /// The organization's version: send it with events and grades.
    pub org_version: i32,
    /// The grade in force ("4A"), if any.
    pub grade: Option<String>,
    pub grade_expires_on: Option<NaiveDate>,
    pub abnormal_since: Option<NaiveDate>,
    pub serious_since: Option<NaiveDate>,
    pub eligibility: Vec<VerdictView>,
    pub entries: Vec<EntryView>,
    pub grades: Vec<GradeView>,
    pub reports: Vec<ReportView>,
    pub events: Vec<EventView>,
}

pub async fn standing_view(state: &AppState, o: &org::Model) -> AppResult<StandingView> {
    let on = gongzhi_platform::clock::today();
    let r = svc::record_of(&state.db.read, o.id).await?;
    let s = svc::summarize(o, &r, on);
    let eligibility = [
        (
            "purchase",
            Purpose::Purchase {
                abnormal_blocks: false,
            },
        ),
        (
            "purchase_strict",
            Purpose::Purchase {
                abnormal_blocks: true,
            },
        ),
        ("incubation", Purpose::Incubation),
        ("grading", Purpose::Grading),
    ]
    .into_iter()
    .map(|(name, p)| verdict_view(name, s.is_eligible_for(p, on)))
    .collect();
    let in_force = svc::grade_in_force(&r, on).map(|g| g.id);
    Ok(StandingView {
        org_id: o.id,
        org_version: o.version,
        grade: s.grade.map(standing::grade_label),
        grade_expires_on: s.grade_expires_on,
        abnormal_since: s.abnormal_since,
        serious_since: s.serious_since,
        eligibility,
        entries: r
            .entries
            .iter()
            .map(|e| {
                let clock = svc::clock_of(e);
                let open = e.removed_on.is_none();
                EntryView {
                    id: e.id,
                    list: e.list.clone(),
                    triggers: e.triggers.split(',').map(str::to_string).collect(),
                    entered_on: e.entered_on,
                    clock_from: e.clock_from,
                    rectification: e.rectification.clone(),
                    rectified_on: e.rectified_on,
                    removal_due: clock.removal_due(&state.calendar).filter(|_| open),
                    escalation_due: clock.escalation_due().filter(|_| open),
                    removable_from: clock.removable_on_request_from().filter(|_| open),
                    removal_requested_on: e.removal_requested_on,
                    removed_on: e.removed_on,
                    removal_reason: e.removal_reason.clone(),
                    version: e.version,
                }
            })
            .collect(),
        grades: r
            .grades
            .iter()
            .map(|g| GradeView {
                id: g.id,
                grade: g.grade,
                label: standing::grade_label(g.grade),
                score: g.score,
                awarded_on: g.awarded_on,
                expires_on: g.expires_on,
                status: g.status.clone(),
                in_force: in_force == Some(g.id),
                version: g.version,
            })
            .collect(),
        reports: r
            .reports
            .iter()
            .map(|p| ReportView {
                id: p.id,
                year: p.year,
                submitted_on: p.submitted_on,
                due_on: standing::report_due(p.year),
                late: p.submitted_on > standing::report_due(p.year),
                inspection: p.inspection.clone(),
                inspected_on: p.inspected_on,
                version: p.version,
            })
            .collect(),
        events: r
            .events
            .iter()
            .map(|e| EventView {
                kind: e.kind.clone(),
                occurred_on: e.occurred_on,
                amount_fen: e.amount_fen,
                note: e.note.clone(),
            })
            .collect(),
    })
}

async fn fresh(state: &AppState, me: &CurrentActor, org_id: &str) -> AppResult<StandingView> {
    let o = crate::service::get_visible(state, &me.actor, org_id).await?;
    standing_view(state, &o).await
}

/// An organization's standing: grade, lists with their clocks, reports, events, and what it
/// is eligible for today.
#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/standing", tag = "orgs", params(("org_id" = uuid::Uuid, Path)),
    responses((status = 200, body = StandingView)))]
pub async fn get_standing(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
) -> AppResult<Json<StandingView>> {
    Ok(Json(fresh(&state, &me, &org_id).await?))
}

/// Record a dated event (a list trigger, a penalty, an investigation); list placements and
/// clocks follow from it.
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/standing/events", tag = "orgs", params(("org_id" = uuid::Uuid, Path)),
    request_body = EventInput,
    responses((status = 201, body = StandingView), (status = 422, body = gongzhi_platform::api::Problem), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn record_event(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
    ApiJson(body): ApiJson<EventInput>,
) -> AppResult<(StatusCode, Json<StandingView>)> {
    svc::record_event(&state, &me.actor, &AuditActor::from(&me), &org_id, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(fresh(&state, &me, &org_id).await?),
    ))
}

/// Act on a stay on a list: verify rectification, request or grant removal, decline it.
#[utoipa::path(post, path = "/api/v1/org-list-entries/{entry_id}/actions", tag = "orgs", params(("entry_id" = uuid::Uuid, Path)),
    request_body = EntryAction,
    responses((status = 200, body = StandingView), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn entry_action(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(entry_id): Path<String>,
    ApiJson(body): ApiJson<EntryAction>,
) -> AppResult<Json<StandingView>> {
    svc::entry_action(&state, &me.actor, &AuditActor::from(&me), &entry_id, &body).await?;
    let org_id = svc::org_of_entry(&state, &entry_id).await?;
    Ok(Json(fresh(&state, &me, &org_id).await?))
}

/// Award an evaluation grade; refused, with every reason, when the organization may not be graded.
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/grades", tag = "orgs", params(("org_id" = uuid::Uuid, Path)),
    request_body = GradeInput,
    responses((status = 201, body = StandingView), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn award_grade(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
    ApiJson(body): ApiJson<GradeInput>,
) -> AppResult<(StatusCode, Json<StandingView>)> {
    svc::award_grade(&state, &me.actor, &AuditActor::from(&me), &org_id, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(fresh(&state, &me, &org_id).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct DowngradeRequest {
    /// The lower grade, or 0 to revoke.
    pub grade: i32,
    pub reason: String,
    pub version: i32,
}

/// Lower or revoke a grade in force.
#[utoipa::path(post, path = "/api/v1/org-grades/{grade_id}/downgrade", tag = "orgs", params(("grade_id" = uuid::Uuid, Path)),
    request_body = DowngradeRequest,
    responses((status = 200, body = StandingView), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn downgrade(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(grade_id): Path<String>,
    ApiJson(body): ApiJson<DowngradeRequest>,
) -> AppResult<Json<StandingView>> {
    let org_id = svc::downgrade(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &grade_id,
        body.version,
        body.grade,
        &body.reason,
    )
    .await?;
    Ok(Json(fresh(&state, &me, &org_id.to_string()).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct ReportRequest {
    /// The year reported on (a past year).
    pub year: i32,
    #[serde(default)]
    pub note: String,
}

/// File the annual report for a past year (the organization's administrator or staff).
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/annual-reports", tag = "orgs", params(("org_id" = uuid::Uuid, Path)),
    request_body = ReportRequest,
    responses((status = 201, body = StandingView), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn submit_report(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
    ApiJson(body): ApiJson<ReportRequest>,
) -> AppResult<(StatusCode, Json<StandingView>)> {
    svc::submit_report(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &org_id,
        body.year,
        &body.note,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(fresh(&state, &me, &org_id).await?),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct InspectionRequest {
    /// qualified / basically_qualified / unqualified
    pub result: String,
    #[serde(default)]
    pub note: String,
    pub version: i32,
}

/// Record the annual inspection result of a report.
#[utoipa::path(post, path = "/api/v1/org-annual-reports/{report_id}/inspection", tag = "orgs", params(("report_id" = uuid::Uuid, Path)),
    request_body = InspectionRequest,
    responses((status = 200, body = StandingView), (status = 409, body = gongzhi_platform::api::Problem)))]
pub async fn inspect(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(report_id): Path<String>,
    ApiJson(body): ApiJson<InspectionRequest>,
) -> AppResult<Json<StandingView>> {
    let org_id = svc::inspect_report(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &report_id,
        body.version,
        &body.result,
        &body.note,
    )
    .await?;
    Ok(Json(fresh(&state, &me, &org_id.to_string()).await?))
}

#[derive(Serialize, ToSchema)]
pub struct DocumentView {
    pub id: uuid::Uuid,
    /// charter / certificate / report / other
    pub kind: String,
    pub title: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
}

fn document_view(
    d: org_document::Model,
    f: gongzhi_platform::entity::stored_file::Model,
) -> DocumentView {
    DocumentView {
        id: d.id,
        kind: d.kind,
        title: d.title,
        file_name: f.name,
        content_type: f.content_type,
        size: f.size,
        sha256: f.sha256,
        uploaded_at: d.uploaded_at,
    }
}

#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/documents", tag = "orgs", params(("org_id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<DocumentView>)))]
pub async fn list_documents(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
) -> AppResult<Json<Vec<DocumentView>>> {
    let docs = crate::service::documents::list(&state, &me.actor, &org_id).await?;
    Ok(Json(
        docs.into_iter().map(|(d, f)| document_view(d, f)).collect(),
    ))
}

/// Upload a document (multipart fields `kind`, `title`, `file`): PDF, PNG, JPEG, docx or xlsx,
/// up to the configured size (10 MB by default), the type checked from the content.
#[utoipa::path(post, path = "/api/v1/orgs/{org_id}/documents", tag = "orgs", params(("org_id" = uuid::Uuid, Path)),
    request_body(content = String, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView), (status = 422, body = gongzhi_platform::api::Problem)))]
pub async fn upload_document(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org_id): Path<String>,
    form: Multipart,
) -> AppResult<(StatusCode, Json<DocumentView>)> {
    let (fields, file) = gongzhi_platform::files::read_multipart(&state, form).await?;
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let d = crate::service::documents::upload(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &org_id,
        get("kind"),
        get("title"),
        file.as_ref(),
    )
    .await?;
    let f = gongzhi_platform::files::find(&state.db.read, d.file_id).await?;
    Ok((StatusCode::CREATED, Json(document_view(d, f))))
}

/// Download a document (always as an attachment).
#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/documents/{document_id}", tag = "orgs",
    params(("org_id" = uuid::Uuid, Path), ("document_id" = uuid::Uuid, Path)),
    responses((status = 200, description = "The file", content_type = "application/octet-stream")))]
pub async fn download_document(
    State(state): State<AppState>,
    me: CurrentActor,
    Path((org_id, document_id)): Path<(String, String)>,
) -> AppResult<axum::response::Response> {
    crate::service::documents::download(&state, &me.actor, &org_id, &document_id).await
}
