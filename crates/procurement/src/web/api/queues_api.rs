//! The purchase API: work queues and results.

use super::*;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// Only this node and below (a street, for the district).
    pub node: Option<String>,
}

/// What waits for the caller, by role, each section counted with its first items.
#[utoipa::path(get, path = "/api/v1/purchase-queue", tag = "procurement", params(QueueQuery),
    responses((status = 200, body = crate::service::queue::Queue), (status = 403, body = Problem)))]
pub async fn work_queue(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<QueueQuery>,
) -> AppResult<Json<crate::service::queue::Queue>> {
    Ok(Json(
        crate::service::queue::queue(&state, &me.actor, q.node.as_deref()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// A street or the district.
    pub node: String,
    /// Projects starting in this year.
    pub year: i32,
}

/// Results by catalog item: projects, budgets, contracts, terminations and grades.
#[utoipa::path(get, path = "/api/v1/purchase-results", tag = "procurement", params(ResultsQuery),
    responses((status = 200, body = Vec<crate::service::results::ItemResult>), (status = 403, body = Problem)))]
pub async fn results_by_item(
    State(state): State<AppState>,
    me: CurrentActor,
    Query(q): Query<ResultsQuery>,
) -> AppResult<Json<Vec<crate::service::results::ItemResult>>> {
    Ok(Json(
        crate::service::results::by_item(&state, &me.actor, &q.node, q.year).await?,
    ))
}
