//! The purchase API: needs.

use super::*;

/// Needs in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/purchase-needs", tag = "procurement", params(NeedQuery),
    responses((status = 200, body = Page<NeedView>), (status = 403, body = Problem)))]
pub async fn list_needs(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<NeedQuery>,
) -> AppResult<Json<Page<NeedView>>> {
    Ok(Json(
        needs::list(&state, &me.actor, &q).await?.map(need_view),
    ))
}

/// Raise a need with evidence of resident demand (a community or a street).
#[utoipa::path(post, path = "/api/v1/purchase-needs", tag = "procurement", request_body = NeedInput,
    responses((status = 201, body = NeedView), (status = 422, body = Problem)))]
pub async fn raise_need(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<NeedInput>,
) -> AppResult<(StatusCode, Json<NeedView>)> {
    let n = needs::raise(&state, &me.actor, &AuditActor::from(&me), &body).await?;
    Ok((StatusCode::CREATED, Json(need_view(n))))
}

#[utoipa::path(get, path = "/api/v1/purchase-needs/{purchase_need_id}", tag = "procurement",
    params(("purchase_need_id" = uuid::Uuid, Path)),
    responses((status = 200, body = NeedView), (status = 404, body = Problem)))]
pub async fn get_need(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<NeedView>> {
    Ok(Json(need_view(needs::get(&state, &me.actor, &id).await?)))
}

/// Decline a need, saying why (the street).
#[utoipa::path(post, path = "/api/v1/purchase-needs/{purchase_need_id}/decline", tag = "procurement",
    params(("purchase_need_id" = uuid::Uuid, Path)), request_body = DeclineInput,
    responses((status = 200, body = NeedView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decline_need(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DeclineInput>,
) -> AppResult<Json<NeedView>> {
    let n = needs::decline(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(need_view(n)))
}
