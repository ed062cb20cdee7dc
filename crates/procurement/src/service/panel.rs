//! The evaluation (评审): a panel drawn at random from the expert pool (reviewers whose scope
//! covers the project), each declaring conflicts of interest before seeing the bids; a conflict
//! declared, or detected (the reviewer works or worked within three years for a bidder), removes
//! the reviewer. Seated reviewers score technical and quality parts; price and past performance
//! are computed; the stated aggregation ranks the bids and names the recommended one.

use gongzhi_platform::sea_orm::QueryTrait as _;
use gongzhi_platform::versioned::{self, Stamp};
use std::collections::{HashMap, HashSet};

use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_kernel::{FieldError, Money, ValidationErrors};
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::entity::{role_assignment, user};
use gongzhi_platform::sea_orm::sea_query::Expr;
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState};
use rand::seq::SliceRandom;
use serde_json::json;

use crate::PURCHASE_MANAGE;
use crate::domain::{self, Method, Ranked, ReviewerScore, Rubric};
use crate::store::entity::{bid, project, reviewer, score};
use crate::service::projects::{self, reread};
use crate::domain::rating;
use crate::service::fail_if;
use crate::domain::{BidState, ProjectState, SeatState};

/// How far back a tie to a bidder counts as a conflict.
pub const CONFLICT_YEARS: i64 = 3;

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct DrawInput {
    /// Reviewers the panel needs: odd, at least 5 for tenders and 3 otherwise.
    pub size: i32,
}

fn rubric_of(p: &project::Model) -> Rubric {
    serde_json::from_str(&p.rubric).unwrap_or(crate::service::projects::DEFAULT_RUBRIC)
}

async fn valid_bids(conn: &impl ConnectionTrait, p: uuid::Uuid) -> AppResult<Vec<bid::Model>> {
    Ok(bid::Entity::find()
        .filter(bid::Column::ProjectId.eq(p))
        .filter(bid::Column::State.eq(BidState::VALID))
        .order_by_asc(bid::Column::Seq)
        .all(conn)
        .await?)
}

pub async fn members(
    conn: &impl ConnectionTrait,
    p: uuid::Uuid,
) -> AppResult<Vec<reviewer::Model>> {
    Ok(reviewer::Entity::find()
        .filter(reviewer::Column::ProjectId.eq(p))
        .order_by_asc(reviewer::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// The bidder a user is or was (within the window) tied to, by an organization role.
async fn conflicts(
    conn: &impl ConnectionTrait,
    bidders: &[bid::Model],
) -> AppResult<HashMap<uuid::Uuid, String>> {
    let refs: Vec<String> = bidders.iter().map(|b| b.org_id.to_string()).collect();
    let since = gongzhi_platform::clock::now() - chrono::Duration::days(365 * CONFLICT_YEARS);
    let rows = role_assignment::Entity::find()
        .filter(role_assignment::Column::ScopeKind.eq("org"))
        .filter(role_assignment::Column::ScopeRef.is_in(refs))
        .all(conn)
        .await?;
    let names: HashMap<String, &str> = bidders
        .iter()
        .map(|b| (b.org_id.to_string(), b.org_name.as_str()))
        .collect();
    Ok(rows
        .into_iter()
        .filter(|r| r.revoked_at.is_none_or(|t| t > since))
        .map(|r| {
            (
                r.user_id,
                names.get(&r.scope_ref).copied().unwrap_or("").to_string(),
            )
        })
        .collect())
}

/// Draw reviewers from the pool until the panel has `size` members not removed.
pub async fn draw(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    project_id: &str,
    input: &DrawInput,
) -> AppResult<Vec<reviewer::Model>> {
    let p = projects::get(state, actor, project_id).await?;
    state.authorize(actor, PURCHASE_MANAGE, &ResourceScope::territory(&p.path))?;
    if p.state != ProjectState::EVALUATING {
        return Err(AppError::Conflict("workflow.not_allowed"));
    }
    let method = Method::parse(&p.method).unwrap_or(Method::OpenTender);
    domain::check_panel_size(method, input.size).map_err(|e| AppError::Validation(e.into()))?;
    let conn = &state.db.read;
    let current = members(conn, p.id).await?;
    let sitting = current.iter().filter(|m| m.state != SeatState::REMOVED).count();
    let wanted = (input.size as usize).saturating_sub(sitting);
    let bidders = valid_bids(conn, p.id).await?;
    let tied = conflicts(conn, &bidders).await?;
    let known: HashSet<uuid::Uuid> = current.iter().map(|m| m.user_id).collect();
    let mut pool: Vec<uuid::Uuid> = role_assignment::Entity::find()
        .filter(role_assignment::Column::Role.eq("reviewer"))
        .filter(role_assignment::Column::ScopeKind.eq("territory"))
        .filter(role_assignment::Column::RevokedAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .filter(|r| p.path.starts_with(&r.scope_path) && !known.contains(&r.user_id))
        .map(|r| r.user_id)
        .collect();
    pool.sort();
    pool.dedup();
    pool.shuffle(&mut rand::rng());
    let free = pool.iter().filter(|u| !tied.contains_key(u)).count();
    if free < wanted {
        return Err(AppError::Validation(
            FieldError::new("size", "procurement.pool_too_small")
                .arg("free", free)
                .arg("wanted", wanted)
                .into(),
        ));
    }
    let users: HashMap<uuid::Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(pool.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let now = audit::now();
    let txn = state.db.write.begin().await?;
    let mut seated = 0;
    let mut out = Vec::new();
    for u in pool {
        if seated == wanted {
            break;
        }
        // A tie to a bidder is recorded and the reviewer removed; the draw goes on.
        let (st, note) = match tied.get(&u) {
            Some(org) => (SeatState::REMOVED, format!("detected: {org}")),
            None => {
                seated += 1;
                (SeatState::DRAWN, String::new())
            }
        };
        let row = reviewer::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            project_id: Set(p.id),
            user_id: Set(u),
            name: Set(users.get(&u).cloned().unwrap_or_default()),
            state: Set(st.into()),
            conflict_note: Set(note),
            declared_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        }
        .insert(&txn)
        .await?;
        out.push(row);
    }
    project::Entity::update_many()
        .col_expr(project::Column::PanelSize, Expr::value(input.size))
        .filter(project::Column::Id.eq(p.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.panel_drawn",
            entity_type: "purchase_project",
            entity_id: &p.id.to_string(),
            scope_path: &p.path,
            summary: json!({
                "size": input.size,
                "drawn": out.iter().filter(|m| m.state == SeatState::DRAWN).map(|m| m.user_id).collect::<Vec<_>>(),
                "removed": out.iter().filter(|m| m.state == SeatState::REMOVED).map(|m| m.user_id).collect::<Vec<_>>(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

/// The actor's own seat on a panel.
pub async fn own_seat(state: &AppState, actor: &Actor, id: &str) -> AppResult<reviewer::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let r = reviewer::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    if r.user_id != actor.user_id.0 {
        return Err(AppError::NotFound);
    }
    Ok(r)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct DeclarationInput {
    /// Whether the reviewer has a conflict of interest with any bidder.
    pub conflict: bool,
    /// What the conflict is (required when there is one).
    #[serde(default)]
    pub note: String,
    pub version: i32,
}

/// A reviewer declares (回避声明) before scoring: a conflict, declared or found, removes them.
pub async fn declare(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &DeclarationInput,
) -> AppResult<reviewer::Model> {
    let r = own_seat(state, actor, id).await?;
    // A seated reviewer who finds a conflict later declares again and leaves.
    if r.state == SeatState::REMOVED {
        return Err(AppError::Conflict("workflow.not_allowed"));
    }
    if input.conflict && input.note.trim().chars().count() < 4 {
        return Err(AppError::field("note", "procurement.conflict_note"));
    }
    let p = reread(&state.db.read, r.project_id).await?;
    let bidders = valid_bids(&state.db.read, p.id).await?;
    let detected = conflicts(&state.db.read, &bidders)
        .await?
        .remove(&r.user_id);
    let (to, note) = match (&detected, input.conflict) {
        (Some(org), _) => (SeatState::REMOVED, format!("detected: {org}")),
        (None, true) => (SeatState::REMOVED, input.note.trim().to_string()),
        (None, false) => (SeatState::SEATED, String::new()),
    };
    let now = audit::now();
    let txn = state.db.write.begin().await?;
    versioned::bump(
        &txn,
        reviewer::Entity::update_many()
            .col_expr(reviewer::Column::State, Expr::value(to))
            .col_expr(reviewer::Column::ConflictNote, Expr::value(note.clone()))
            .col_expr(reviewer::Column::DeclaredAt, Expr::value(now))
            .filter(reviewer::Column::Id.eq(r.id))
            .filter(reviewer::Column::State.ne(SeatState::REMOVED))
            .into_query(),
        input.version,
        Stamp::UpdatedAt,
    )
    .await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.conflict_declared",
            entity_type: "purchase_reviewer",
            entity_id: &r.id.to_string(),
            scope_path: &p.path,
            summary: json!({"project": p.number, "conflict": input.conflict, "state": to, "note": note}),
        },
    )
    .await?;
    let out = reviewer::Entity::find_by_id(r.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(out)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct ScoreLine {
    pub bid: uuid::Uuid,
    /// Hundredths of a point, within the rubric's technical weight.
    pub technical: u32,
    /// Hundredths of a point, within the rubric's quality weight.
    pub quality: u32,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct ScoreSheet {
    /// One line for every valid bid.
    pub scores: Vec<ScoreLine>,
}

/// A seated reviewer's score sheet, every valid bid at once; it may be replaced until the
/// award.
pub async fn score(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    sheet: &ScoreSheet,
) -> AppResult<Vec<score::Model>> {
    let r = own_seat(state, actor, id).await?;
    if r.state != SeatState::SEATED {
        return Err(AppError::field("reviewer", "procurement.not_seated"));
    }
    let p = reread(&state.db.read, r.project_id).await?;
    if p.state != ProjectState::EVALUATING {
        return Err(AppError::Conflict("workflow.not_allowed"));
    }
    let rubric = rubric_of(&p);
    let bids = valid_bids(&state.db.read, p.id).await?;
    let mut errors = ValidationErrors::new();
    let ids: HashSet<uuid::Uuid> = bids.iter().map(|b| b.id).collect();
    let given: HashSet<uuid::Uuid> = sheet.scores.iter().map(|s| s.bid).collect();
    if given != ids || sheet.scores.len() != ids.len() {
        errors.push(FieldError::new("scores", "procurement.sheet_incomplete"));
    }
    for (i, line) in sheet.scores.iter().enumerate() {
        let s = ReviewerScore {
            technical: line.technical,
            quality: line.quality,
            past_performance: 0,
        };
        if let Err(e) = s.check(&rubric) {
            errors.push(FieldError {
                field: format!("scores[{i}].{}", e.field),
                ..e
            });
        }
    }
    fail_if(errors)?;
    let now = audit::now();
    let txn = state.db.write.begin().await?;
    score::Entity::delete_many()
        .filter(score::Column::ReviewerId.eq(r.id))
        .exec(&txn)
        .await?;
    let mut out = Vec::new();
    for line in &sheet.scores {
        out.push(
            score::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                project_id: Set(p.id),
                bid_id: Set(line.bid),
                reviewer_id: Set(r.id),
                technical: Set(line.technical as i32),
                quality: Set(line.quality as i32),
                comment: Set(line.comment.trim().to_string()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?,
        );
    }
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.scores_submitted",
            entity_type: "purchase_reviewer",
            entity_id: &r.id.to_string(),
            scope_path: &p.path,
            summary: json!({
                "project": p.number,
                "scores": sheet.scores.iter().map(|s| json!({"bid": s.bid, "technical": s.technical, "quality": s.quality})).collect::<Vec<_>>(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

/// One bid's place in the evaluation.
#[derive(Debug, Clone, serde::Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct BidResult {
    pub bid: uuid::Uuid,
    pub org_id: uuid::Uuid,
    pub org_name: String,
    pub price_fen: i64,
    /// Hundredths of a point.
    pub price_score: u32,
    /// The bidder's credit rating at the opening, and the points it gives.
    pub credit_score: i32,
    pub past_performance: u32,
    /// Each seated reviewer's technical + quality, in hundredths.
    pub reviewer_totals: Vec<u32>,
    /// The reviewers' totals combined as stated (mean, highest and lowest dropped from five).
    pub reviewed: u32,
    pub total: u32,
    pub rank: u32,
}

#[derive(Debug, Clone, serde::Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct Evaluation {
    pub rubric: Rubric,
    pub panel_size: i32,
    pub seated: u32,
    /// Seated reviewers whose sheets are in.
    pub scored: u32,
    /// Every seat filled and scored: the ranking stands.
    pub complete: bool,
    /// The panel's recommendation: the first-ranked bid, once complete.
    pub recommended: Option<uuid::Uuid>,
    pub results: Vec<BidResult>,
    pub aggregation: &'static str,
}

pub async fn evaluation(conn: &impl ConnectionTrait, p: &project::Model) -> AppResult<Evaluation> {
    let rubric = rubric_of(p);
    let bids = valid_bids(conn, p.id).await?;
    let panel = members(conn, p.id).await?;
    let seated: Vec<&reviewer::Model> = panel.iter().filter(|m| m.state == SeatState::SEATED).collect();
    let seated_ids: HashSet<uuid::Uuid> = seated.iter().map(|m| m.id).collect();
    let scores = score::Entity::find()
        .filter(score::Column::ProjectId.eq(p.id))
        .all(conn)
        .await?;
    let scored: HashSet<uuid::Uuid> = scores
        .iter()
        .filter(|s| seated_ids.contains(&s.reviewer_id))
        .map(|s| s.reviewer_id)
        .collect();
    let lowest = bids.iter().map(|b| b.price_fen).min().unwrap_or(0);
    let mut results: Vec<BidResult> = bids
        .iter()
        .map(|b| {
            let totals: Vec<u32> = scores
                .iter()
                .filter(|s| s.bid_id == b.id && seated_ids.contains(&s.reviewer_id))
                .map(|s| (s.technical + s.quality) as u32)
                .collect();
            let price_score = domain::price_score(
                Money::from_fen(lowest),
                Money::from_fen(b.price_fen),
                rubric.price,
            );
            let past = rating::past_performance_points(b.credit_score, rubric.past_performance);
            let reviewed = domain::aggregate(&totals).unwrap_or(0);
            BidResult {
                bid: b.id,
                org_id: b.org_id,
                org_name: b.org_name.clone(),
                price_fen: b.price_fen,
                price_score,
                credit_score: b.credit_score,
                past_performance: past,
                reviewer_totals: totals,
                reviewed,
                total: price_score + past + reviewed,
                rank: 0,
            }
        })
        .collect();
    let order = domain::rank(
        results
            .iter()
            .zip(&bids)
            .map(|(r, b)| Ranked {
                bid: r.bid,
                score: r.total,
                price: Money::from_fen(r.price_fen),
                submitted_seq: b.seq as u64,
            })
            .collect(),
    );
    let place: HashMap<uuid::Uuid, u32> = order
        .iter()
        .enumerate()
        .map(|(i, r)| (r.bid, i as u32 + 1))
        .collect();
    for r in &mut results {
        r.rank = place[&r.bid];
    }
    results.sort_by_key(|r| r.rank);
    let complete = p.panel_size > 0
        && seated.len() == p.panel_size as usize
        && scored.len() == seated.len()
        && !results.is_empty();
    Ok(Evaluation {
        rubric,
        panel_size: p.panel_size,
        seated: seated.len() as u32,
        scored: scored.len() as u32,
        complete,
        recommended: complete.then(|| results[0].bid),
        results: if complete { results } else { Vec::new() },
        aggregation: "price = lowest price / price × price weight; past performance = credit rating / 100 × weight; reviewed = mean of seated reviewers' technical + quality, dropping the highest and the lowest when five or more scored; total = price + past performance + reviewed; ranked by total, then lower price, then earlier bid",
    })
}

/// A project's evaluation for its purchaser: the scores only once every seat has scored.
pub async fn for_project(
    state: &AppState,
    actor: &Actor,
    project_id: &str,
) -> AppResult<(project::Model, Vec<reviewer::Model>, Evaluation)> {
    let p = projects::get(state, actor, project_id).await?;
    let panel = members(&state.db.read, p.id).await?;
    let e = evaluation(&state.db.read, &p).await?;
    Ok((p, panel, e))
}

/// A reviewer's own seats, newest first (their queue).
pub async fn seats_of(
    state: &AppState,
    actor: &Actor,
) -> AppResult<Vec<(reviewer::Model, project::Model)>> {
    let seats = reviewer::Entity::find()
        .filter(reviewer::Column::UserId.eq(actor.user_id.0))
        .order_by_desc(reviewer::Column::CreatedAt)
        .all(&state.db.read)
        .await?;
    let ids: Vec<uuid::Uuid> = seats.iter().map(|s| s.project_id).collect();
    let projects: HashMap<uuid::Uuid, project::Model> = project::Entity::find()
        .filter(project::Column::Id.is_in(ids))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    Ok(seats
        .into_iter()
        .filter_map(|s| projects.get(&s.project_id).cloned().map(|p| (s, p)))
        .collect())
}

/// A seat as its reviewer sees it: the project, the opened bids (the page shows prices and
/// proposals only once seated) and the reviewer's own scores.
pub async fn review(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> AppResult<(
    reviewer::Model,
    project::Model,
    Vec<bid::Model>,
    Vec<score::Model>,
)> {
    let r = own_seat(state, actor, id).await?;
    let p = reread(&state.db.read, r.project_id).await?;
    let bids = valid_bids(&state.db.read, r.project_id).await?;
    let mine = score::Entity::find()
        .filter(score::Column::ReviewerId.eq(r.id))
        .all(&state.db.read)
        .await?;
    Ok((r, p, bids, mine))
}
