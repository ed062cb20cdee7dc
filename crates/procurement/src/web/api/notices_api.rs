//! The purchase API: notices: clarifications, questions, bids.

use super::*;

/// Every question and clarification of a notice, for its purchaser.
#[utoipa::path(get, path = "/api/v1/purchase-notices/{notice_id}/clarifications", tag = "procurement",
    params(("notice_id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<ClarificationView>), (status = 404, body = Problem)))]
pub async fn list_clarifications(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<ClarificationView>>> {
    let p = projects::get(&state, &me.actor, &id).await?;
    let all = notices::clarifications(&state.db.read, p.id, false).await?;
    Ok(Json(all.into_iter().map(clarification_view).collect()))
}

/// Publish a clarification, answering a question or on the purchaser's own initiative.
#[utoipa::path(post, path = "/api/v1/purchase-notices/{notice_id}/clarifications", tag = "procurement",
    params(("notice_id" = uuid::Uuid, Path)), request_body = ClarificationInput,
    responses((status = 201, body = ClarificationView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn clarify(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ClarificationInput>,
) -> AppResult<(StatusCode, Json<ClarificationView>)> {
    let c = notices::clarify(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((StatusCode::CREATED, Json(clarification_view(c))))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgParam {
    /// The organization that would bid.
    pub org: uuid::Uuid,
}

/// Whether an organization may bid on a notice, criterion by criterion.
#[utoipa::path(get, path = "/api/v1/purchase-notices/{notice_id}/eligibility", tag = "procurement",
    params(("notice_id" = uuid::Uuid, Path), OrgParam),
    responses((status = 200, body = EligibilityView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn notice_eligibility(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    Query(q): Query<OrgParam>,
) -> AppResult<Json<EligibilityView>> {
    Ok(Json(
        bids::eligibility_view(&state, &me.actor, &id, q.org).await?,
    ))
}

/// Ask about a notice, until its enquiry deadline.
#[utoipa::path(post, path = "/api/v1/purchase-notices/{notice_id}/questions", tag = "procurement",
    params(("notice_id" = uuid::Uuid, Path)), request_body = QuestionInput,
    responses((status = 201, body = ClarificationView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn ask(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<QuestionInput>,
) -> AppResult<(StatusCode, Json<ClarificationView>)> {
    let c = notices::ask(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((StatusCode::CREATED, Json(clarification_view(c))))
}

/// Submit a bid, or replace one before the deadline. Checked live against the item's
/// admission criteria: an ineligible organization is told each reason and nothing is saved.
#[utoipa::path(post, path = "/api/v1/purchase-notices/{notice_id}/bids", tag = "procurement",
    params(("notice_id" = uuid::Uuid, Path)), request_body = BidInput,
    responses((status = 201, body = BidView), (status = 422, body = Problem)))]
pub async fn submit_bid(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<BidInput>,
) -> AppResult<(StatusCode, Json<BidView>)> {
    let b = bids::submit(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((StatusCode::CREATED, Json(bids::bid_view(b))))
}

/// Withdraw a bid before the deadline.
#[utoipa::path(post, path = "/api/v1/purchase-bids/{purchase_bid_id}/withdraw", tag = "procurement",
    params(("purchase_bid_id" = uuid::Uuid, Path)), request_body = WithdrawInput,
    responses((status = 200, body = BidView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn withdraw_bid(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WithdrawInput>,
) -> AppResult<Json<BidView>> {
    let b = bids::withdraw(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(bids::bid_view(b)))
}

/// An organization's own bids, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{org_id}/bids", tag = "procurement",
    params(("org_id" = uuid::Uuid, Path), OrgBidsQuery),
    responses((status = 200, body = Page<BidView>), (status = 403, body = Problem)))]
pub async fn org_bids(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(org): Path<uuid::Uuid>,
    Query(q): Query<OrgBidsQuery>,
) -> AppResult<Json<Page<BidView>>> {
    Ok(Json(
        bids::of_org(&state, &me.actor, org, &q)
            .await?
            .map(bids::bid_view),
    ))
}
