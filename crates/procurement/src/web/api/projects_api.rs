//! The purchase API: projects.

use super::*;

/// Projects in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/purchase-projects", tag = "procurement", params(ProjectQuery),
    responses((status = 200, body = Page<ProjectView>), (status = 403, body = Problem)))]
pub async fn list_projects(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<ProjectQuery>,
) -> AppResult<Json<Page<ProjectView>>> {
    Ok(Json(
        projects::list(&state, &me.actor, &q)
            .await?
            .map(project_view),
    ))
}

/// Draw up a project (a draft), adopting the needs it answers.
#[utoipa::path(post, path = "/api/v1/purchase-projects", tag = "procurement", request_body = ProjectInput,
    responses((status = 201, body = ProjectView), (status = 422, body = Problem)))]
pub async fn create_project(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<ProjectInput>,
) -> AppResult<(StatusCode, Json<ProjectView>)> {
    let p = projects::create(&state, &me.actor, &AuditActor::from(&me), &body).await?;
    Ok((StatusCode::CREATED, Json(project_view(p))))
}

/// A project, with what its scope check says today.
#[utoipa::path(get, path = "/api/v1/purchase-projects/{purchase_project_id}", tag = "procurement",
    params(("purchase_project_id" = uuid::Uuid, Path)),
    responses((status = 200, body = ProjectView), (status = 404, body = Problem)))]
pub async fn get_project(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<ProjectView>> {
    let p = projects::get(&state, &me.actor, &id).await?;
    let reasons = projects::scope_reasons(&state.db.read, &p).await?;
    let mut v = project_view(p);
    v.scope_check = Some(reasons.iter().map(field_message).collect());
    Ok(Json(v))
}

/// A draft's new content and the version it was read at.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ProjectPatch {
    #[serde(flatten)]
    pub project: ProjectInput,
    /// The project's version you last read.
    pub version: i32,
}

impl ProjectPatch {
    /// Read part by part, so that a field that fails is named (inside a flattened part serde
    /// would lose its path).
    pub fn read(v: &serde_json::Value) -> AppResult<ProjectPatch> {
        #[derive(Deserialize)]
        struct VersionRead {
            version: i32,
        }
        let VersionRead { version } = gongzhi_platform::web::typed(v)?;
        Ok(ProjectPatch {
            project: gongzhi_platform::web::typed(v)?,
            version,
        })
    }
}

/// Edit a draft.
#[utoipa::path(patch, path = "/api/v1/purchase-projects/{purchase_project_id}", tag = "procurement",
    params(("purchase_project_id" = uuid::Uuid, Path)), request_body = ProjectPatch,
    responses((status = 200, body = ProjectView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_project(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> AppResult<Json<ProjectView>> {
    let body = ProjectPatch::read(&body)?;
    let p = projects::update(
        &state,
        &me.actor,
        &AuditActor::from(&me),
        &id,
        &body.project,
        body.version,
    )
    .await?;
    Ok(Json(project_view(p)))
}

/// Move a project: submit, return (with a reason), approve (scope check, budget committed),
/// publish (with the notice), open (after the deadline), award (once the panel has scored),
/// fail or cancel (with a reason; the budget is released), relaunch (a failed or cancelled
/// one: answers the new draft).
#[utoipa::path(post, path = "/api/v1/purchase-projects/{purchase_project_id}/transitions", tag = "procurement",
    params(("purchase_project_id" = uuid::Uuid, Path)), request_body = ProjectStep,
    responses((status = 200, body = ProjectView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide_project(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ProjectStep>,
) -> AppResult<Json<ProjectView>> {
    let who = AuditActor::from(&me);
    let step = TransitionInput {
        transition: body.transition.clone(),
        reason: body.reason.clone(),
        version: body.version,
    };
    let p = match (step.transition.as_str(), &body.notice) {
        ("publish", Some(n)) => {
            notices::publish(&state, &me.actor, &who, &id, n, step.version).await?
        }
        ("publish", None) => {
            return Err(gongzhi_platform::web::AppError::field(
                "notice",
                "procurement.notice_required",
            ));
        }
        ("relaunch", _) => projects::relaunch(&state, &me.actor, &who, &id).await?,
        ("award", _) => {
            award::award(
                &state,
                &me.actor,
                &who,
                &id,
                step.version,
                body.bid,
                step.reason.as_deref(),
            )
            .await?
        }
        _ => projects::decide(&state, &me.actor, &who, &id, &step).await?,
    };
    Ok(Json(project_view(p)))
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct ProjectStep {
    /// submit / return / approve / publish / open / award / fail / cancel / relaunch
    pub transition: String,
    #[serde(default)]
    pub reason: Option<String>,
    /// The project's version you last read.
    pub version: i32,
    /// With `publish`: the notice and its deadlines.
    #[serde(default)]
    pub notice: Option<NoticeInput>,
    /// With `award`: the winning bid when it is not the panel's recommendation (a reason is
    /// then required).
    #[serde(default)]
    pub bid: Option<uuid::Uuid>,
}

/// A project's bids: only their number until the deadline (sealed), then all of them.
#[utoipa::path(get, path = "/api/v1/purchase-projects/{purchase_project_id}/bids", tag = "procurement",
    params(("purchase_project_id" = uuid::Uuid, Path)),
    responses((status = 200, body = BidsView), (status = 404, body = Problem)))]
pub async fn project_bids(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<BidsView>> {
    Ok(Json(bids::for_project(&state, &me.actor, &id).await?))
}
