//! The directory as an Excel workbook (the filtered list the user is looking at).

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use gongzhi_platform::i18n::tr;
use gongzhi_platform::web::Query;
use gongzhi_platform::web::{AppError, AppResult, AppState, CurrentActor};
use rust_xlsxwriter::{Format, Workbook};

use crate::service::{self, OrgFilter};

/// Excel export of the directory under the same filters as the list.
#[utoipa::path(get, path = "/api/v1/orgs/export.xlsx", tag = "orgs", params(OrgFilter),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>)))]
pub async fn export_xlsx(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(f): Query<OrgFilter>,
) -> AppResult<impl IntoResponse> {
    let rows = service::list_all(&state, &me.actor, &f).await?;
    let ids: Vec<uuid::Uuid> = rows.iter().map(|o| o.id).collect();
    let mut cats = service::categories_of(&state.db.read, &ids).await?;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let bold = Format::new().set_bold();
    let heads = [
        "orgs.name",
        "orgs.uscc",
        "orgs.legal_form",
        "orgs.tier",
        "orgs.state",
        "orgs.territory",
        "orgs.categories",
        "orgs.founded_on",
        "orgs.staff_count",
        "orgs.social_worker_count",
    ];
    let xl = |e: rust_xlsxwriter::XlsxError| AppError::Internal(e.into());
    for (col, key) in heads.iter().enumerate() {
        ws.write_string_with_format(0, col as u16, tr(key, &[]), &bold)
            .map_err(xl)?;
    }
    for (i, o) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        let cells = [
            o.name.clone(),
            o.uscc.clone().unwrap_or_default(),
            tr(&format!("org.form.{}", o.legal_form), &[]),
            tr(&format!("org.tier.{}", o.tier), &[]),
            tr(&format!("org.state.{}", o.state), &[]),
            o.territory_code.clone(),
            cats.remove(&o.id).unwrap_or_default().join(","),
            o.founded_on.map(|d| d.to_string()).unwrap_or_default(),
        ];
        for (col, v) in cells.iter().enumerate() {
            ws.write_string(r, col as u16, v).map_err(xl)?;
        }
        ws.write_number(r, 8, o.staff_count as f64).map_err(xl)?;
        ws.write_number(r, 9, o.social_worker_count as f64)
            .map_err(xl)?;
    }
    ws.autofit();
    let bytes = wb.save_to_buffer().map_err(xl)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"orgs.xlsx\"",
            ),
        ],
        bytes,
    ))
}
