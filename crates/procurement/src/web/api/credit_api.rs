//! The purchase API: credit.

use super::*;

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordView {
    /// evaluation / breach / termination
    pub kind: String,
    pub grade: Option<String>,
    pub on: NaiveDate,
    pub project_id: Option<uuid::Uuid>,
    pub detail: String,
}

/// An organization's credit rating with everything it was computed from.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditView {
    pub org_id: uuid::Uuid,
    pub rating: Rating,
    pub grade: Option<i32>,
    pub abnormal: bool,
    pub serious: bool,
    pub records: Vec<RecordView>,
    pub model: CreditModel,
}

/// An organization's credit rating, shown with its inputs and the model.
#[utoipa::path(get, path = "/api/v1/public/orgs/{org_id}/credit", tag = "procurement",
    params(("org_id" = uuid::Uuid, Path)),
    responses((status = 200, body = CreditView), (status = 404, body = Problem)))]
pub async fn org_credit(
    State(state): State<AppState>,
    Path(org): Path<uuid::Uuid>,
) -> AppResult<Json<CreditView>> {
    let o = gongzhi_orgs::face::card(&state.db.read, org)
        .await?
        .filter(|o| o.is_public())
        .ok_or(gongzhi_platform::web::AppError::NotFound)?;
    let today = svc::today();
    let model = crate::service::records::model(&state.db.read, &o.scope_district).await?;
    let (inputs, rows) = crate::service::records::inputs(&state.db.read, o.id, today).await?;
    Ok(Json(CreditView {
        org_id: o.id,
        rating: crate::domain::rating::rate(&model, &inputs, today),
        grade: inputs.grade,
        abnormal: inputs.abnormal,
        serious: inputs.serious,
        records: rows
            .into_iter()
            .map(|r| RecordView {
                kind: r.kind,
                grade: r.grade,
                on: r.on_date,
                project_id: r.project_id,
                detail: r.detail,
            })
            .collect(),
        model,
    }))
}
