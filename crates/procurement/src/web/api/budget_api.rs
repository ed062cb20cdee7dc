//! The purchase API: budget.

use super::*;

/// Budget lines in the caller's scope.
#[utoipa::path(get, path = "/api/v1/budget-lines", tag = "procurement", params(LineQuery),
    responses((status = 200, body = Page<LineView>), (status = 403, body = Problem)))]
pub async fn list_lines(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<LineQuery>,
) -> AppResult<Json<Page<LineView>>> {
    Ok(Json(
        budget::list(&state, &me.actor, &q).await?.map(line_view),
    ))
}

/// Open a budget line for a purchaser, year and fund source.
#[utoipa::path(post, path = "/api/v1/budget-lines", tag = "procurement", request_body = LineInput,
    responses((status = 201, body = LineView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_line(
    State(state): State<AppState>,
    me: CurrentActor,
    ApiJson(body): ApiJson<LineInput>,
) -> AppResult<(StatusCode, Json<LineView>)> {
    let l = budget::create(&state, &me.actor, &AuditActor::from(&me), &body).await?;
    Ok((StatusCode::CREATED, Json(line_view(l))))
}

#[utoipa::path(get, path = "/api/v1/budget-lines/{budget_line_id}", tag = "procurement",
    params(("budget_line_id" = uuid::Uuid, Path)),
    responses((status = 200, body = LineView), (status = 404, body = Problem)))]
pub async fn get_line(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<LineView>> {
    Ok(Json(line_view(budget::get(&state, &me.actor, &id).await?)))
}

/// Adjust a line's amount; never below what approvals hold and payments spent.
#[utoipa::path(patch, path = "/api/v1/budget-lines/{budget_line_id}", tag = "procurement",
    params(("budget_line_id" = uuid::Uuid, Path)), request_body = AmountInput,
    responses((status = 200, body = LineView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_line_amount(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AmountInput>,
) -> AppResult<Json<LineView>> {
    let l = budget::set_amount(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(line_view(l)))
}
