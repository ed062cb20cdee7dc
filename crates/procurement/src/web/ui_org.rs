//! Pages of those who answer a procurement: an organization's view of a notice (whether it may
//! bid and why, its bid, its questions, the award and its challenges) and a reviewer's seat
//! (the conflict declaration, then the score sheet).

use askama::Template;
use axum::extract::State;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use gongzhi_platform::ui::{
    Fields, FormState, PageCtx, PageResult, form_version, get, outcome, render_status, status_of,
};
use gongzhi_platform::web::Form;
use gongzhi_platform::web::{Access, AppError, AppState, CurrentActor, Routes};
use gongzhi_platform::web::{Path, Query};
use serde::Deserialize;

use crate::service::award::{self, ChallengeInput, ChallengeStep};
use crate::service::bids::{self, BidInput, WithdrawInput};
use crate::store::entity::{bid, challenge};
use crate::service::notices::{self, QuestionInput};
use crate::service::panel::{self, DeclarationInput, ScoreLine, ScoreSheet};
use crate::web::ui::{date, money, parse_money, state_label};
use crate::web::ui_project::{Fact, notice_facts, points};
use crate::{PURCHASE_BID, PURCHASE_REVIEW};
use crate::domain::{BidState, ProjectState, SeatState};

pub fn routes() -> Routes {
    Routes::new()
        .get("/purchase/notices/{notice_id}", Access::Permission(PURCHASE_BID), notice_page)
        .probe_query("org={org_id}")
        .post("/purchase/notices/{notice_id}", Access::Permission(PURCHASE_BID), notice_post)
        .probe_form("op=ask&org={org_id}&question=%E6%8E%A2%E9%92%88%EF%BC%9A%E5%9C%BA%E5%9C%B0%E7%94%B1%E8%B0%81%E6%8F%90%E4%BE%9B%EF%BC%9F")
        .get("/purchase/reviews/{purchase_review_id}", Access::Permission(PURCHASE_REVIEW), review_page)
        .post("/purchase/reviews/{purchase_review_id}", Access::Permission(PURCHASE_REVIEW), review_post)
        .probe_form("op=declare&version=2&conflict=yes&note=%E6%8E%A2%E9%92%88%EF%BC%9A%E6%9B%BE%E5%9C%A8%E6%8A%95%E6%A0%87%E6%9C%BA%E6%9E%84%E4%BB%BB%E8%81%8C")
}

// ---------- an organization and a notice ----------

struct Check {
    passed: bool,
    blocking: bool,
    message: String,
}

struct MyChallenge {
    id: uuid::Uuid,
    grounds: String,
    state_key: String,
    state: String,
    answer: String,
    outcome: String,
    complaint_until: String,
    resolution: String,
    version: i32,
}

#[derive(Template)]
#[template(path = "purchase_notice.html")]
struct NoticePage {
    c: PageCtx,
    id: uuid::Uuid,
    number: String,
    title: String,
    org_id: uuid::Uuid,
    org_name: String,
    orgs: Vec<(uuid::Uuid, String)>,
    facts: Vec<Fact>,
    targets: Vec<(String, String)>,
    notice_text: String,
    clarifications: Vec<(String, String)>,
    qualified: bool,
    invited: bool,
    checks: Vec<Check>,
    /// Bids are taken now.
    open: bool,
    enquiry_open: bool,
    budget: String,
    my_bid: Option<(uuid::Uuid, String, String, String, i32)>,
    result: Option<(String, String)>,
    may_challenge: bool,
    challenges: Vec<MyChallenge>,
    /// What was typed, kept when a step is refused.
    f: FormState,
    error: Option<String>,
}

#[derive(Deserialize)]
struct OrgParam {
    org: Option<uuid::Uuid>,
}

async fn notice_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
    Query(q): Query<OrgParam>,
) -> PageResult {
    notice_view(&state, c, &me, &id, q.org, None, Fields::new()).await
}

/// The organizations the viewer bids for, by name.
async fn my_orgs(
    state: &AppState,
    me: &CurrentActor,
) -> Result<Vec<(uuid::Uuid, String)>, AppError> {
    let ids: Vec<uuid::Uuid> = state
        .policy
        .scope_filter(&me.actor, PURCHASE_BID)
        .orgs
        .iter()
        .map(|o| o.0)
        .collect();
    Ok(gongzhi_orgs::face::find(
        &state.db.read,
        gongzhi_orgs::face::Find {
            ids: Some(&ids),
            ..Default::default()
        },
    )
    .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

async fn notice_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    id: &str,
    org: Option<uuid::Uuid>,
    error: Option<String>,
    typed: Fields,
) -> PageResult {
    let orgs = my_orgs(state, me).await?;
    let (org_id, org_name) = match org {
        Some(o) => orgs
            .iter()
            .find(|(i, _)| *i == o)
            .cloned()
            .ok_or(AppError::Forbidden)?,
        None => orgs.first().cloned().ok_or(AppError::Forbidden)?,
    };
    let p = notices::public(state, id).await?;
    let e = bids::eligibility_view(state, &me.actor, id, org_id).await?;
    let clar = notices::clarifications(&state.db.read, p.id, true).await?;
    let mine = bid::Entity::find()
        .filter(bid::Column::ProjectId.eq(p.id))
        .filter(bid::Column::OrgId.eq(org_id))
        .filter(bid::Column::State.ne(BidState::WITHDRAWN))
        .one(&state.db.read)
        .await?;
    let open = p.state == ProjectState::TENDERING && !bids::deadline_passed(&p);
    let today = crate::service::today();
    let enquiry_open = open && p.enquiry_until.is_some_and(|d| today <= d);
    let result = match p.awarded_bid_id {
        Some(b) => bid::Entity::find_by_id(b)
            .one(&state.db.read)
            .await?
            .map(|w| (w.org_name, money(w.price_fen))),
        None => None,
    };
    let may_challenge = result.is_some()
        && mine.as_ref().is_some_and(|b| b.state == BidState::VALID)
        && p.challenge_until.is_some_and(|d| today <= d);
    let challenges = challenge::Entity::find()
        .filter(challenge::Column::ProjectId.eq(p.id))
        .filter(challenge::Column::OrgId.eq(org_id))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|x| MyChallenge {
            id: x.id,
            grounds: x.grounds,
            state: state_label(&c, &x.state),
            state_key: x.state,
            answer: x.answer,
            outcome: if x.outcome.is_empty() {
                String::new()
            } else {
                c.t(&format!("procurement.outcome.{}", x.outcome))
            },
            complaint_until: date(x.complaint_until),
            resolution: x.resolution,
            version: x.version,
        })
        .collect();
    let purchaser = crate::web::api::purchaser_name(state, &p.node_code).await?;
    let facts = notice_facts(&c, &p, &purchaser);
    let targets = crate::service::projects::targets_of(&p);
    let page = NoticePage {
        id: p.id,
        number: p.number.clone(),
        title: p.title.clone(),
        org_id,
        org_name,
        orgs,
        facts,
        targets: targets.into_iter().map(|t| (t.name, t.target)).collect(),
        notice_text: p.notice_text.clone(),
        clarifications: clar.into_iter().map(|x| (x.question, x.answer)).collect(),
        qualified: e.qualified,
        invited: e.invited,
        checks: e
            .checks
            .into_iter()
            .map(|k| Check {
                passed: k.passed,
                blocking: k.blocking,
                message: k.message,
            })
            .collect(),
        open,
        enquiry_open,
        budget: money(p.budget_fen),
        my_bid: mine.map(|b| {
            (
                b.id,
                money(b.price_fen),
                b.proposal,
                state_label(&c, &b.state),
                b.version,
            )
        }),
        result,
        may_challenge,
        challenges,
        f: FormState::from_values(typed),
        error,
        c,
    };
    Ok(render_status(status_of(&page.error), &page))
}

async fn notice_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let who = AuditActor::from(&me);
    let (st, a) = (&state, &me.actor);
    let org: Option<uuid::Uuid> = get(&f, "org").parse().ok();
    let op = get(&f, "op").to_string();
    let result: Result<(), AppError> = match (op.as_str(), org) {
        (_, None) => Err(AppError::field("org", "procurement.org_unknown")),
        ("bid", Some(org)) => match parse_money(&f, "price") {
            Ok(price_fen) => {
                let input = BidInput {
                    org,
                    price_fen,
                    proposal: get(&f, "proposal").into(),
                };
                bids::submit(st, a, &who, &id, &input).await.map(|_| ())
            }
            Err(e) => Err(e),
        },
        ("withdraw", Some(_)) => {
            let input = WithdrawInput {
                version: form_version(&f),
            };
            bids::withdraw(st, a, &who, get(&f, "bid"), &input)
                .await
                .map(|_| ())
        }
        ("ask", Some(org)) => {
            let input = QuestionInput {
                org,
                question: get(&f, "question").into(),
            };
            notices::ask(st, a, &who, &id, &input).await.map(|_| ())
        }
        ("challenge", Some(org)) => {
            let input = ChallengeInput {
                org,
                grounds: get(&f, "grounds").into(),
            };
            award::raise(st, a, &who, &id, &input).await.map(|_| ())
        }
        ("complain", Some(_)) => {
            let input = ChallengeStep {
                transition: "complain".into(),
                text: get(&f, "text").into(),
                outcome: None,
                version: form_version(&f),
            };
            award::step(st, a, &who, get(&f, "challenge"), &input)
                .await
                .map(|_| ())
        }
        _ => Err(AppError::field("op", "workflow.unknown_transition")),
    };
    let org_q = org.map(|o| format!("&org={o}")).unwrap_or_default();
    let to = format!("/purchase/notices/{id}?done=notice_{op}{org_q}");
    let (st, m, nid) = (&state, &me, id.clone());
    outcome(c, result, to, |c, error| async move {
        notice_view(st, c, m, &nid, org, error, f).await
    })
    .await
}

// ---------- a reviewer's seat ----------

struct SheetRow {
    bid: uuid::Uuid,
    org: String,
    price: String,
    proposal: String,
    technical: String,
    quality: String,
}

#[derive(Template)]
#[template(path = "purchase_review.html")]
struct ReviewPage {
    c: PageCtx,
    id: uuid::Uuid,
    number: String,
    title: String,
    state_key: String,
    state: String,
    version: i32,
    note: String,
    bidders: Vec<String>,
    rows: Vec<SheetRow>,
    technical_max: u32,
    quality_max: u32,
    project_state: String,
    error: Option<String>,
}

async fn review_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
) -> PageResult {
    review_view(&state, c, &me, &id, None).await
}

async fn review_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    id: &str,
    error: Option<String>,
) -> PageResult {
    let (seat, p, bids, mine) = panel::review(state, &me.actor, id).await?;
    let rubric: crate::domain::Rubric =
        serde_json::from_str(&p.rubric).unwrap_or(crate::service::projects::DEFAULT_RUBRIC);
    let seated = seat.state == SeatState::SEATED;
    let rows = if seated {
        bids.iter()
            .map(|b| {
                let s = mine.iter().find(|s| s.bid_id == b.id);
                SheetRow {
                    bid: b.id,
                    org: b.org_name.clone(),
                    price: money(b.price_fen),
                    proposal: b.proposal.clone(),
                    technical: s.map(|s| points(s.technical as u32)).unwrap_or_default(),
                    quality: s.map(|s| points(s.quality as u32)).unwrap_or_default(),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = ReviewPage {
        id: seat.id,
        number: p.number.clone(),
        title: p.title.clone(),
        state: state_label(&c, &seat.state),
        state_key: seat.state.clone(),
        version: seat.version,
        note: seat.conflict_note.clone(),
        bidders: bids.iter().map(|b| b.org_name.clone()).collect(),
        rows,
        technical_max: rubric.technical,
        quality_max: rubric.quality,
        project_state: p.state.clone(),
        error,
        c,
    };
    Ok(render_status(status_of(&page.error), &page))
}

/// Points typed with up to two decimals, as hundredths.
fn hundredths(f: &Fields, k: &str) -> Result<u32, AppError> {
    let s = get(f, k);
    let bad = || AppError::field("scores", "procurement.score_invalid");
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let whole: u32 = whole.parse().map_err(|_| bad())?;
    let frac: u32 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or_else(bad)
}

async fn review_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let who = AuditActor::from(&me);
    let op = get(&f, "op").to_string();
    let result: Result<(), AppError> = match op.as_str() {
        "declare" => {
            let input = DeclarationInput {
                conflict: get(&f, "conflict") == "yes",
                note: get(&f, "note").into(),
                version: form_version(&f),
            };
            panel::declare(&state, &me.actor, &who, &id, &input)
                .await
                .map(|_| ())
        }
        "score" => {
            let lines: Result<Vec<ScoreLine>, AppError> = f
                .keys()
                .filter_map(|k| k.strip_prefix("technical_"))
                .map(|b| {
                    Ok(ScoreLine {
                        bid: b
                            .parse()
                            .map_err(|_| AppError::field("scores", "procurement.bid_unknown"))?,
                        technical: hundredths(&f, &format!("technical_{b}"))?,
                        quality: hundredths(&f, &format!("quality_{b}"))?,
                        comment: get(&f, &format!("comment_{b}")).into(),
                    })
                })
                .collect();
            match lines {
                Ok(scores) => panel::score(&state, &me.actor, &who, &id, &ScoreSheet { scores })
                    .await
                    .map(|_| ()),
                Err(e) => Err(e),
            }
        }
        _ => Err(AppError::field("op", "workflow.unknown_transition")),
    };
    let to = format!("/purchase/reviews/{id}?done=review_{op}");
    let (st, m, rid) = (&state, &me, id.clone());
    outcome(c, result, to, |c, error| async move {
        review_view(st, c, m, &rid, error).await
    })
    .await
}
