//! The purchase API: settings.

use super::*;

/// The district's purchase settings (the defaults until it sets its own).
#[utoipa::path(get, path = "/api/v1/purchase-settings/{district}", tag = "procurement",
    params(("district" = String, Path)),
    responses((status = 200, body = Settings), (status = 404, body = Problem)))]
pub async fn get_settings(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(district): Path<String>,
) -> AppResult<Json<Settings>> {
    let d = gongzhi_platform::territory::district_node(&state.db.read, &district).await?;
    state.authorize(&me.actor, PURCHASE_READ, &ResourceScope::territory(&d.path))?;
    Ok(Json(svc::settings(&state.db.read, &d.district_code).await?))
}

/// Set the open-tender threshold and the weight of satisfaction (the district).
#[utoipa::path(patch, path = "/api/v1/purchase-settings/{district}", tag = "procurement",
    params(("district" = String, Path)), request_body = SettingsInput,
    responses((status = 200, body = Settings), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_settings(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(district): Path<String>,
    ApiJson(body): ApiJson<SettingsInput>,
) -> AppResult<Json<Settings>> {
    Ok(Json(
        svc::put_settings(&state, &me.actor, &AuditActor::from(&me), &district, &body).await?,
    ))
}
