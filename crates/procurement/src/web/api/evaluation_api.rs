//! The purchase API: evaluation.

use super::*;
use crate::domain::SeatState;

#[derive(Debug, Serialize, ToSchema)]
pub struct SeatView {
    pub id: uuid::Uuid,
    pub project_id: uuid::Uuid,
    pub user_id: uuid::Uuid,
    pub name: String,
    /// drawn / seated / removed
    pub state: String,
    pub conflict_note: String,
    pub declared_at: Option<DateTime<Utc>>,
    pub version: i32,
}

pub fn seat_view(r: reviewer::Model) -> SeatView {
    SeatView {
        id: r.id,
        project_id: r.project_id,
        user_id: r.user_id,
        name: r.name,
        state: r.state,
        conflict_note: r.conflict_note,
        declared_at: r.declared_at,
        version: r.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationView {
    pub project: ProjectView,
    pub panel: Vec<SeatView>,
    #[serde(flatten)]
    pub evaluation: Evaluation,
}

/// A project's panel and, once every seat has scored, the ranking and recommendation.
#[utoipa::path(get, path = "/api/v1/purchase-evaluations/{evaluation_id}", tag = "procurement",
    params(("evaluation_id" = uuid::Uuid, Path)),
    responses((status = 200, body = EvaluationView), (status = 404, body = Problem)))]
pub async fn get_evaluation(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<EvaluationView>> {
    let (p, members, e) = panel::for_project(&state, &me.actor, &id).await?;
    Ok(Json(EvaluationView {
        project: project_view(p),
        panel: members.into_iter().map(seat_view).collect(),
        evaluation: e,
    }))
}

/// Draw reviewers at random from the expert pool until the panel is full; reviewers tied to a
/// bidder are recorded as removed.
#[utoipa::path(post, path = "/api/v1/purchase-evaluations/{evaluation_id}/panel", tag = "procurement",
    params(("evaluation_id" = uuid::Uuid, Path)), request_body = DrawInput,
    responses((status = 200, body = Vec<SeatView>), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn draw_panel(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DrawInput>,
) -> AppResult<Json<Vec<SeatView>>> {
    let drawn = panel::draw(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(drawn.into_iter().map(seat_view).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewTask {
    pub seat: SeatView,
    pub project_number: String,
    pub project_title: String,
    pub project_state: String,
}

/// The reviewer's own seats: what to declare and score.
#[utoipa::path(get, path = "/api/v1/purchase-reviews", tag = "procurement",
    responses((status = 200, body = Vec<ReviewTask>), (status = 403, body = Problem)))]
pub async fn my_reviews(
    State(state): State<AppState>,
    me: CurrentActor,
) -> AppResult<Json<Vec<ReviewTask>>> {
    Ok(Json(
        panel::seats_of(&state, &me.actor)
            .await?
            .into_iter()
            .map(|(s, p)| ReviewTask {
                seat: seat_view(s),
                project_number: p.number,
                project_title: p.title,
                project_state: p.state,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SheetBid {
    pub bid: uuid::Uuid,
    pub org_name: String,
    /// Only for a seated reviewer.
    pub price_fen: Option<i64>,
    pub proposal: Option<String>,
    pub my_technical: Option<i32>,
    pub my_quality: Option<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    pub seat: SeatView,
    pub project: ProjectView,
    /// The bidders (to declare conflicts); their bids once seated.
    pub bids: Vec<SheetBid>,
}

/// A seat: the bidders to declare against and, once seated, the bids to score.
#[utoipa::path(get, path = "/api/v1/purchase-reviews/{purchase_review_id}", tag = "procurement",
    params(("purchase_review_id" = uuid::Uuid, Path)),
    responses((status = 200, body = ReviewView), (status = 404, body = Problem)))]
pub async fn get_review(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
) -> AppResult<Json<ReviewView>> {
    let (seat, p, bids, mine) = panel::review(&state, &me.actor, &id).await?;
    let seated = seat.state == SeatState::SEATED;
    Ok(Json(ReviewView {
        bids: bids
            .into_iter()
            .map(|b| {
                let s = mine.iter().find(|s| s.bid_id == b.id);
                SheetBid {
                    bid: b.id,
                    org_name: b.org_name,
                    price_fen: seated.then_some(b.price_fen),
                    proposal: seated.then_some(b.proposal),
                    my_technical: s.map(|s| s.technical),
                    my_quality: s.map(|s| s.quality),
                }
            })
            .collect(),
        seat: seat_view(seat),
        project: project_view(p),
    }))
}

/// Declare conflicts of interest: with one (declared or detected) the reviewer leaves the panel.
#[utoipa::path(post, path = "/api/v1/purchase-reviews/{purchase_review_id}/declaration", tag = "procurement",
    params(("purchase_review_id" = uuid::Uuid, Path)), request_body = DeclarationInput,
    responses((status = 200, body = SeatView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn declare(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DeclarationInput>,
) -> AppResult<Json<SeatView>> {
    let s = panel::declare(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    Ok(Json(seat_view(s)))
}

/// Score every valid bid (technical and quality, in hundredths, within the rubric).
#[utoipa::path(post, path = "/api/v1/purchase-reviews/{purchase_review_id}/scores", tag = "procurement",
    params(("purchase_review_id" = uuid::Uuid, Path)), request_body = ScoreSheet,
    responses((status = 200, body = ReviewView), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit_scores(
    State(state): State<AppState>,
    me: CurrentActor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ScoreSheet>,
) -> AppResult<Json<ReviewView>> {
    panel::score(&state, &me.actor, &AuditActor::from(&me), &id, &body).await?;
    get_review(State(state), me, Path(id)).await
}
