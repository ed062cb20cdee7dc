//! The purchase API: challenges.

use super::*;

#[derive(Debug, Serialize, ToSchema)]
pub struct ChallengeView {
    pub id: uuid::Uuid,
    pub project_id: uuid::Uuid,
    pub org_id: uuid::Uuid,
    pub grounds: String,
    pub received_on: NaiveDate,
    pub answer_due: NaiveDate,
    pub answer: String,
    pub answered_on: Option<NaiveDate>,
    /// upheld / dismissed, once answered
    pub outcome: String,
    pub complaint_until: Option<NaiveDate>,
    pub complaint: String,
    pub complained_on: Option<NaiveDate>,
    pub resolution: String,
    /// open / answered / complained / closed
    pub state: String,
    pub version: i32,
}

pub fn challenge_view(c: challenge::Model) -> ChallengeView {
    ChallengeView {
        id: c.id,
        project_id: c.project_id,
        org_id: c.org_id,
        grounds: c.grounds,
        received_on: c.received_on,
        answer_due: c.answer_due,
        answer: c.answer,
        answered_on: c.answered_on,
        outcome: c.outcome,
        complaint_until: c.complaint_until,
        complaint: c.complaint,
        complained_on: c.complained_on,
        resolution: c.resolution,
        state: c.state,
        version: c.version,
    }
}

/// An award's challenges, for its purchaser.
#[utoipa::path(get, path = "/api/v1/purchase-awards/{award_id}/challenges", tag = "procurement",
    params(("award_id" = uuid::Uuid, Path)),
    responses((status = 200, body = Vec<ChallengeView>), (status = 404, body = Problem)))]
pub async fn list_challenges(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<ChallengeView>>> {
    let all = award::of_project(&state, &me.actor, &id).await?;
    Ok(Json(all.into_iter().map(challenge_view).collect()))
}

/// A bidder challenges the award, within 7 working days of the award notice.
#[utoipa::path(post, path = "/api/v1/purchase-awards/{award_id}/challenges", tag = "procurement",
    params(("award_id" = uuid::Uuid, Path)), request_body = ChallengeInput,
    responses((status = 201, body = ChallengeView), (status = 422, body = Problem)))]
pub async fn raise_challenge(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ChallengeInput>,
) -> AppResult<(StatusCode, Json<ChallengeView>)> {
    let c = award::raise(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok((StatusCode::CREATED, Json(challenge_view(c))))
}

#[utoipa::path(get, path = "/api/v1/purchase-challenges/{purchase_challenge_id}", tag = "procurement",
    params(("purchase_challenge_id" = uuid::Uuid, Path)),
    responses((status = 200, body = ChallengeView), (status = 404, body = Problem)))]
pub async fn get_challenge(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<ChallengeView>> {
    Ok(Json(challenge_view(
        award::get(&state, &me.actor, &id).await?.0,
    )))
}

/// Answer a challenge (the purchaser, within 7 working days), complain about the answer (the
/// challenger, within 15 working days), record the decision on the complaint (the purchaser).
#[utoipa::path(post, path = "/api/v1/purchase-challenges/{purchase_challenge_id}/transitions", tag = "procurement",
    params(("purchase_challenge_id" = uuid::Uuid, Path)), request_body = ChallengeStep,
    responses((status = 200, body = ChallengeView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn challenge_step(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ChallengeStep>,
) -> AppResult<Json<ChallengeView>> {
    let c = award::step(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(challenge_view(c)))
}
