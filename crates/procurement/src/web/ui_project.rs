//! A project's page for its purchaser: what it is, why the scope check says no, and the step
//! its stage asks for (submit, return, approve; publish the notice; answer questions; open
//! the bids; draw the panel and see the ranking; award; answer challenges; sign the contract).

use askama::Template;
use axum::extract::State;
use chrono::{FixedOffset, NaiveDateTime, TimeZone};
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::i18n::field_message;
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use gongzhi_platform::ui::{
    Fields, FormState, PageCtx, PageResult, form_errors, field, form_version, get, typed_form, outcome, render_status,
    see_other,
};
use gongzhi_platform::web::Form;
use gongzhi_platform::web::Path;
use gongzhi_platform::web::{Access, AppError, AppResult, AppState, CurrentActor, Routes};

use crate::service::award::{self, ChallengeStep};
use crate::service::contracts::{self, ContractInput, MilestoneInput};
use crate::domain::{self, Method};
use crate::store::entity::{contract, project};
use crate::service::notices::{self, ClarificationInput, NoticeInput};
use crate::service::panel::{self, DrawInput};
use crate::service::projects::{self, TransitionInput};
use crate::web::ui::{china_time, date, may, method_label, money, parse_date, parse_money, state_label};
use crate::{PURCHASE_MANAGE, PURCHASE_READ};
use crate::domain::ProjectState;

pub fn routes() -> Routes {
    Routes::new()
        .get(
            "/purchase/projects/{purchase_project_id}",
            Access::Permission(PURCHASE_READ),
            project_page,
        )
        // One form target for every step; the services check the permission each step needs.
        .post(
            "/purchase/projects/{purchase_project_id}",
            Access::Permission(PURCHASE_READ),
            project_post,
        )
        .probe_form("op=transition&transition=submit&version=1&reason=")
        .get(
            "/purchase/projects/{purchase_project_id}/contract",
            Access::Permission(PURCHASE_MANAGE),
            sign_page,
        )
}

pub struct Fact {
    pub label: String,
    pub value: String,
}

pub fn fact(label: String, value: impl Into<String>) -> Fact {
    Fact {
        label,
        value: value.into(),
    }
}

/// What a notice states, as the public and the bidders read it.
pub fn notice_facts(c: &PageCtx, p: &crate::store::entity::project::Model, purchaser: &str) -> Vec<Fact> {
    vec![
        fact(c.t("procurement.purchaser"), purchaser),
        fact(
            c.t("procurement.item"),
            format!("{} {}", p.item_code, p.item_name),
        ),
        fact(c.t("procurement.scope"), p.scope.clone()),
        fact(
            c.t("procurement.quantity"),
            format!("{} {}", p.quantity, p.unit),
        ),
        fact(
            c.t("procurement.period"),
            format!("{} – {}", p.period_start, p.period_end),
        ),
        fact(c.t("procurement.budget"), money(p.budget_fen)),
        fact(c.t("procurement.method_label"), method_label(c, &p.method)),
        fact(c.t("procurement.notice_at"), china_time(p.notice_at)),
        fact(c.t("procurement.enquiry_until"), date(p.enquiry_until)),
        fact(c.t("procurement.submit_until"), china_time(p.submit_until)),
    ]
}

/// What a contract's published summary states; its page adds the terms.
pub fn contract_facts(
    c: &PageCtx,
    k: &crate::store::entity::contract::Model,
    p: &crate::store::entity::project::Model,
    purchaser: &str,
) -> Vec<Fact> {
    let price = if k.price_fen == k.original_fen {
        money(k.price_fen)
    } else {
        c.t_args(
            "procurement.price_varied",
            &[
                ("price", money(k.price_fen)),
                ("original", money(k.original_fen)),
            ],
        )
    };
    vec![
        fact(
            c.t("procurement.project"),
            format!("{} {}", p.number, p.title),
        ),
        fact(c.t("procurement.purchaser"), purchaser),
        fact(c.t("procurement.provider"), k.org_name.clone()),
        fact(c.t("procurement.content"), k.content.clone()),
        fact(
            c.t("procurement.quantity"),
            format!("{} {}", k.quantity, k.unit),
        ),
        fact(
            c.t("procurement.period"),
            format!("{} – {}", k.starts_on, k.ends_on),
        ),
        fact(c.t("procurement.price"), price),
        fact(c.t("procurement.signed_on"), k.signed_on.to_string()),
    ]
}

struct ClarRow {
    id: uuid::Uuid,
    question: String,
    answer: String,
    asked: String,
    published: String,
}

struct SeatRow {
    name: String,
    state: String,
    note: String,
}

struct ResultRow {
    bid: uuid::Uuid,
    rank: u32,
    org: String,
    price: String,
    price_score: String,
    reviewed: String,
    past: String,
    total: String,
    recommended: bool,
    awarded: bool,
}

struct BidRow {
    org: String,
    price: String,
    state: String,
    at: String,
}

struct ChallengeRow {
    id: uuid::Uuid,
    grounds: String,
    received: String,
    due: String,
    state_key: String,
    state: String,
    answer: String,
    outcome: String,
    complaint: String,
    resolution: String,
    version: i32,
}

#[derive(Template)]
#[template(path = "purchase_project.html")]
struct ProjectPage {
    c: PageCtx,
    id: uuid::Uuid,
    number: String,
    title: String,
    state_key: String,
    state: String,
    version: i32,
    node: String,
    facts: Vec<Fact>,
    targets: Vec<(String, String)>,
    assessment: Vec<Fact>,
    scope_reasons: Vec<String>,
    transitions: Vec<(String, String, bool)>,
    can_edit: bool,
    can_manage: bool,
    notice: Vec<Fact>,
    notice_text: String,
    publish: Option<(String, String, String)>,
    clarifications: Vec<ClarRow>,
    bids_sealed: bool,
    bid_count: u64,
    bids: Vec<BidRow>,
    seats: Vec<SeatRow>,
    panel_size: i32,
    evaluation: Option<(u32, u32, bool)>,
    results: Vec<ResultRow>,
    award: Vec<Fact>,
    challenges: Vec<ChallengeRow>,
    contract: Option<(uuid::Uuid, String)>,
    ocid: String,
    predecessor: Option<uuid::Uuid>,
    error: Option<String>,
}

async fn project_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
) -> PageResult {
    project_view(&state, c, &me, &id, None, Fields::new()).await
}

async fn project_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    id: &str,
    error: Option<String>,
    typed: Fields,
) -> PageResult {
    let p = projects::get(state, &me.actor, id).await?;
    let reasons = projects::scope_reasons(&state.db.read, &p).await?;
    let v = crate::web::api::project_view(p.clone());
    let can_manage = may(state, me, PURCHASE_MANAGE, &p.path);
    let line = crate::store::entity::budget_line::Entity::find_by_id(p.budget_line_id)
        .one(&state.db.read)
        .await?;
    let published = p.notice_at.is_some();
    let (bids_sealed, bid_count, bids) = if published {
        bid_rows(state, me, &c, id).await?
    } else {
        (true, 0, Vec::new())
    };
    let (seats, evaluation, results) = if opened(&p) {
        evaluation_rows(state, me, &c, &p).await?
    } else {
        (Vec::new(), None, Vec::new())
    };
    let challenges = if p.award_on.is_some() {
        challenge_rows(state, me, &c, id).await?
    } else {
        Vec::new()
    };
    let contract = contract::Entity::find()
        .filter(contract::Column::ProjectId.eq(p.id))
        .one(&state.db.read)
        .await?
        .map(|k| (k.id, k.number));
    let page = ProjectPage {
        id: p.id,
        number: p.number.clone(),
        title: p.title.clone(),
        state: state_label(&c, &p.state),
        state_key: p.state.clone(),
        version: p.version,
        node: p.node_code.clone(),
        facts: project_facts(&c, &v, line),
        targets: v
            .targets
            .iter()
            .map(|t| (t.name.clone(), t.target.clone()))
            .collect(),
        assessment: assessment_facts(&c, &v.pre_assessment),
        scope_reasons: reasons.iter().map(field_message).collect(),
        transitions: step_buttons(state, me, &c, &p),
        can_edit: p.state == ProjectState::DRAFT && can_manage,
        can_manage,
        notice: notice_dates(&c, &p),
        notice_text: p.notice_text.clone(),
        publish: (p.state == ProjectState::APPROVED && can_manage)
            .then(|| publish_defaults(state, &p, &typed)),
        clarifications: if published {
            clarification_rows(state, &p).await?
        } else {
            Vec::new()
        },
        bids_sealed,
        bid_count,
        bids,
        seats,
        panel_size: p.panel_size,
        evaluation,
        results,
        award: award_facts(&c, &p),
        challenges,
        contract,
        ocid: crate::service::ocds::ocid(&p),
        predecessor: p.predecessor_id,
        error,
        c,
    };
    Ok(render_status(
        gongzhi_platform::ui::status_of(&page.error),
        &page,
    ))
}

/// What is bought, how much, from which budget line and how.
fn project_facts(
    c: &PageCtx,
    v: &crate::web::api::ProjectView,
    line: Option<crate::store::entity::budget_line::Model>,
) -> Vec<Fact> {
    let mut facts = vec![
        fact(
            c.t("procurement.item"),
            format!("{} {} (v{})", v.item_code, v.item_name, v.catalog_version),
        ),
        fact(c.t("procurement.scope"), v.scope.clone()),
        fact(
            c.t("procurement.quantity"),
            format!("{} {}", v.quantity, v.unit),
        ),
        fact(
            c.t("procurement.period"),
            format!("{} – {}", v.period_start, v.period_end),
        ),
        fact(c.t("procurement.budget"), money(v.budget_fen)),
        fact(
            c.t("procurement.budget_line"),
            line.map(|l| format!("{} {}", l.year, l.title))
                .unwrap_or_default(),
        ),
        fact(c.t("procurement.method_label"), method_label(c, &v.method)),
    ];
    if !v.justification.is_empty() {
        facts.push(fact(
            c.t("procurement.justification"),
            v.justification.clone(),
        ));
    }
    if !v.approval_ref.is_empty() {
        facts.push(fact(
            c.t("procurement.approval_ref"),
            v.approval_ref.clone(),
        ));
    }
    if let Some(r) = &v.rubric {
        facts.push(fact(
            c.t("procurement.rubric"),
            c.t_args(
                "procurement.rubric_line",
                &[
                    ("price", r.price.to_string()),
                    ("technical", r.technical.to_string()),
                    ("quality", r.quality.to_string()),
                    ("past", r.past_performance.to_string()),
                ],
            ),
        ));
    }
    facts
}

/// The pre-assessment (事前评估) the project was approved on.
fn assessment_facts(c: &PageCtx, pa: &domain::PreAssessment) -> Vec<Fact> {
    let yes_no = |b: bool| {
        c.t(if b {
            "procurement.yes"
        } else {
            "procurement.no"
        })
    };
    vec![
        fact(c.t("procurement.necessity"), pa.necessity.clone()),
        fact(c.t("procurement.feasibility"), pa.feasibility.clone()),
        fact(c.t("procurement.cost_basis"), pa.cost_basis.clone()),
        fact(c.t("procurement.risks"), pa.risks.clone()),
        fact(c.t("procurement.budget_secured"), yes_no(pa.budget_secured)),
        fact(
            c.t("procurement.fixed_continuous_stable"),
            yes_no(pa.fixed_continuous_stable),
        ),
    ]
}

/// The workflow steps a button can take here, each offered only to who may take it now; the
/// others have their own forms. (name, label, whether it asks for a reason)
fn step_buttons(
    state: &AppState,
    me: &CurrentActor,
    c: &PageCtx,
    p: &project::Model,
) -> Vec<(String, String, bool)> {
    domain::PROJECT
        .transitions
        .iter()
        .filter(|t| ["submit", "return", "approve", "open", "fail", "cancel"].contains(&t.name))
        .filter(|t| t.from.contains(&p.state.as_str()))
        .filter(|t| may(state, me, t.permission, &p.path))
        .filter(|t| t.name != "open" || crate::service::bids::deadline_passed(p))
        .map(|t| {
            (
                t.name.to_string(),
                c.t(&format!("procurement.do.{}", t.name)),
                !matches!(t.name, "submit" | "approve" | "open"),
            )
        })
        .collect()
}

fn notice_dates(c: &PageCtx, p: &project::Model) -> Vec<Fact> {
    if p.notice_at.is_none() {
        return Vec::new();
    }
    vec![
        fact(c.t("procurement.notice_at"), china_time(p.notice_at)),
        fact(c.t("procurement.enquiry_until"), date(p.enquiry_until)),
        fact(c.t("procurement.submit_until"), china_time(p.submit_until)),
    ]
}

/// The publishing form's first values: the earliest lawful deadlines, or what was typed before
/// a refusal. (enquiry until, submit until, notice text)
fn publish_defaults(
    state: &AppState,
    p: &project::Model,
    typed: &Fields,
) -> (String, String, String) {
    let method = Method::parse(&p.method).unwrap_or(Method::OpenTender);
    let today = crate::service::today();
    let earliest = domain::earliest_submission(method, &state.calendar, today);
    let enquiry = (earliest - chrono::Duration::days(3)).max(today);
    let or = |k: &str, d: String| {
        Some(get(typed, k).to_string())
            .filter(|v| !v.is_empty())
            .unwrap_or(d)
    };
    (
        or("enquiry_until", enquiry.to_string()),
        or("submit_until", format!("{earliest}T10:00")),
        get(typed, "notice_text").to_string(),
    )
}

async fn clarification_rows(state: &AppState, p: &project::Model) -> AppResult<Vec<ClarRow>> {
    Ok(notices::clarifications(&state.db.read, p.id, false)
        .await?
        .into_iter()
        .map(|x| ClarRow {
            id: x.id,
            question: x.question,
            answer: x.answer,
            asked: china_time(x.asked_at),
            published: china_time(x.published_at),
        })
        .collect())
}

/// The bids as the viewer may see them: sealed (a count only) until the notice is opened.
async fn bid_rows(
    state: &AppState,
    me: &CurrentActor,
    c: &PageCtx,
    id: &str,
) -> AppResult<(bool, u64, Vec<BidRow>)> {
    let b = crate::service::bids::for_project(state, &me.actor, id).await?;
    let rows = b
        .items
        .into_iter()
        .map(|b| BidRow {
            org: b.org_name,
            price: money(b.price_fen),
            state: state_label(c, &b.state),
            at: china_time(Some(b.submitted_at)),
        })
        .collect();
    Ok((b.sealed, b.count, rows))
}

/// Bids have been opened: a panel sits, or sat before the project failed.
fn opened(p: &project::Model) -> bool {
    [
        ProjectState::EVALUATING,
        ProjectState::AWARDED,
        ProjectState::CONTRACTED,
        ProjectState::COMPLETED,
        ProjectState::TERMINATED,
    ]
    .contains(&p.state.as_str())
        || (p.state == ProjectState::FAILED && p.panel_size > 0)
}

type Evaluation = (Vec<SeatRow>, Option<(u32, u32, bool)>, Vec<ResultRow>);

/// The panel's seats, how far scoring has come, and the ranked results.
async fn evaluation_rows(
    state: &AppState,
    me: &CurrentActor,
    c: &PageCtx,
    p: &project::Model,
) -> AppResult<Evaluation> {
    let (_, members, e) = panel::for_project(state, &me.actor, &p.id.to_string()).await?;
    let seats = members
        .into_iter()
        .map(|m| SeatRow {
            name: m.name,
            state: state_label(c, &m.state),
            note: m.conflict_note,
        })
        .collect();
    let results = e
        .results
        .iter()
        .map(|r| ResultRow {
            bid: r.bid,
            rank: r.rank,
            org: r.org_name.clone(),
            price: money(r.price_fen),
            price_score: points(r.price_score),
            reviewed: points(r.reviewed),
            past: points(r.past_performance),
            total: points(r.total),
            recommended: e.recommended == Some(r.bid),
            awarded: p.awarded_bid_id == Some(r.bid),
        })
        .collect();
    Ok((seats, Some((e.seated, e.scored, e.complete)), results))
}

/// The award's dates: when challenges close, the standstill ends and the contract is due.
fn award_facts(c: &PageCtx, p: &project::Model) -> Vec<Fact> {
    let Some(on) = p.award_on else {
        return Vec::new();
    };
    vec![
        fact(c.t("procurement.award_on"), on.to_string()),
        fact(c.t("procurement.challenge_until"), date(p.challenge_until)),
        fact(
            c.t("procurement.standstill_until"),
            date(p.standstill_until),
        ),
        fact(c.t("procurement.sign_by"), date(p.sign_by)),
    ]
}

async fn challenge_rows(
    state: &AppState,
    me: &CurrentActor,
    c: &PageCtx,
    id: &str,
) -> AppResult<Vec<ChallengeRow>> {
    Ok(award::of_project(state, &me.actor, id)
        .await?
        .into_iter()
        .map(|x| ChallengeRow {
            id: x.id,
            grounds: x.grounds,
            received: x.received_on.to_string(),
            due: x.answer_due.to_string(),
            state: state_label(c, &x.state),
            state_key: x.state,
            answer: x.answer,
            outcome: if x.outcome.is_empty() {
                String::new()
            } else {
                c.t(&format!("procurement.outcome.{}", x.outcome))
            },
            complaint: x.complaint,
            resolution: x.resolution,
            version: x.version,
        })
        .collect())
}

/// Hundredths of a point as a number with two decimals.
pub fn points(h: u32) -> String {
    format!("{}.{:02}", h / 100, h % 100)
}

/// A moment typed in China's time (`2026-12-20T09:30`).
fn china_moment(f: &Fields, k: &str) -> Result<chrono::DateTime<FixedOffset>, AppError> {
    let s = get(f, k);
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| AppError::field(k, "procurement.date_invalid"))?;
    let china = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    china
        .from_local_datetime(&t)
        .single()
        .ok_or(AppError::field(k, "procurement.date_invalid"))
}

async fn project_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let who = AuditActor::from(&me);
    let op = get(&f, "op").to_string();
    if op == "edit" {
        return crate::web::ui::project_update(&state, c, &me, &id, f).await;
    }
    if op == "sign" {
        return sign_post(&state, c, &me, &id, f).await;
    }
    let version = form_version(&f);
    let reason = Some(get(&f, "reason").to_string()).filter(|r| !r.is_empty());
    let (st, a) = (&state, &me.actor);
    let (result, done): (Result<(), AppError>, String) = match op.as_str() {
        "transition" => {
            let t = get(&f, "transition").to_string();
            let r = if t == "relaunch" {
                match projects::relaunch(st, a, &who, &id).await {
                    Ok(next) => {
                        return Ok(see_other(&format!(
                            "/purchase/projects/{}/edit?done=project_relaunched",
                            next.id
                        )));
                    }
                    Err(e) => Err(e),
                }
            } else {
                let input = TransitionInput {
                    transition: t.clone(),
                    reason,
                    version,
                };
                projects::decide(st, a, &who, &id, &input).await.map(|_| ())
            };
            (r, format!("project_{t}"))
        }
        "publish" => {
            let r = match (
                parse_date(&f, "enquiry_until"),
                china_moment(&f, "submit_until"),
            ) {
                (Ok(enquiry_until), Ok(submit_until)) => {
                    let input = NoticeInput {
                        enquiry_until,
                        submit_until,
                        notice_text: get(&f, "notice_text").into(),
                    };
                    notices::publish(st, a, &who, &id, &input, version)
                        .await
                        .map(|_| ())
                }
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
            (r, "notice_published".into())
        }
        "clarify" => {
            let input = ClarificationInput {
                question: get(&f, "question").parse().ok(),
                answer: get(&f, "answer").into(),
            };
            let r = notices::clarify(st, a, &who, &id, &input).await.map(|_| ());
            (r, "clarified".into())
        }
        "draw" => {
            let drawn = match typed_form::<DrawInput>(&f) {
                Ok(input) => panel::draw(st, a, &who, &id, &input).await.map(|_| ()),
                Err(e) => Err(e),
            };
            (drawn, "panel_drawn".into())
        }
        "award" => {
            let bid = get(&f, "bid").parse().ok();
            let r = award::award(st, a, &who, &id, version, bid, reason.as_deref())
                .await
                .map(|_| ());
            (r, "awarded".into())
        }
        "challenge" => {
            let input = ChallengeStep {
                transition: get(&f, "transition").into(),
                text: get(&f, "text").into(),
                outcome: Some(get(&f, "outcome").to_string()).filter(|o| !o.is_empty()),
                version,
            };
            let r = award::step(st, a, &who, get(&f, "challenge"), &input)
                .await
                .map(|_| ());
            (r, "challenge_answered".into())
        }
        _ => (
            Err(AppError::field("op", "workflow.unknown_transition")),
            String::new(),
        ),
    };
    let to = format!("/purchase/projects/{id}?done={done}");
    let (st, m, pid) = (&state, &me, id.clone());
    outcome(c, result, to, |c, error| async move {
        project_view(st, c, m, &pid, error, f).await
    })
    .await
}

// ---------- signing the contract ----------

#[derive(Template)]
#[template(path = "purchase_sign.html")]
struct SignPage {
    c: PageCtx,
    id: uuid::Uuid,
    number: String,
    title: String,
    winner: String,
    price: String,
    sign_by: String,
    version: i32,
    rows: Vec<usize>,
    f: FormState,
}

/// How many milestone rows the signing form offers.
const MILESTONE_ROWS: usize = 4;

async fn sign_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
) -> PageResult {
    sign_view(&state, c, &me, &id, None).await
}

async fn sign_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    id: &str,
    form: Option<FormState>,
) -> PageResult {
    let p = projects::get(state, &me.actor, id).await?;
    state.authorize(
        &me.actor,
        PURCHASE_MANAGE,
        &gongzhi_kernel::authz::ResourceScope::territory(&p.path),
    )?;
    let winner = match p.awarded_bid_id {
        Some(b) => {
            crate::store::entity::bid::Entity::find_by_id(b)
                .one(&state.db.read)
                .await?
        }
        None => None,
    };
    let price = winner.as_ref().map(|w| w.price_fen).unwrap_or(0);
    let status = if form.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let f = form.unwrap_or_else(|| {
        // A first draft: the project's scope and period, the price in two halves.
        let mut v = Fields::new();
        let half = price / 2;
        let mid = p.period_start + (p.period_end - p.period_start) / 2;
        for (k, x) in [
            ("content", p.scope.clone()),
            ("starts_on", p.period_start.to_string()),
            ("ends_on", p.period_end.to_string()),
            ("quantity", p.quantity.to_string()),
            ("m1_title", c.t("procurement.first_half")),
            ("m1_due_on", mid.to_string()),
            ("m1_share", format!("{:.2}", half as f64 / 100.0)),
            ("m2_title", c.t("procurement.second_half")),
            ("m2_due_on", p.period_end.to_string()),
            ("m2_share", format!("{:.2}", (price - half) as f64 / 100.0)),
        ] {
            v.insert(k.into(), x);
        }
        FormState::from_values(v)
    });
    let page = SignPage {
        id: p.id,
        number: p.number,
        title: p.title,
        winner: winner.map(|w| w.org_name).unwrap_or_default(),
        price: money(price),
        sign_by: date(p.sign_by),
        version: p.version,
        rows: (1..=MILESTONE_ROWS).collect(),
        f,
        c,
    };
    Ok(render_status(status, &page))
}

fn contract_input(f: &Fields, award: uuid::Uuid) -> Result<ContractInput, AppError> {
    let mut milestones = Vec::new();
    for i in 1..=MILESTONE_ROWS {
        let k = |x: &str| format!("m{i}_{x}");
        if get(f, &k("title")).is_empty() && get(f, &k("share")).is_empty() {
            continue;
        }
        milestones.push(MilestoneInput {
            title: get(f, &k("title")).into(),
            deliverables: get(f, &k("deliverables")).into(),
            due_on: parse_date(f, &k("due_on"))?,
            share_fen: parse_money(f, &k("share"))?,
        });
    }
    Ok(ContractInput {
        award,
        version: form_version(f),
        content: get(f, "content").into(),
        starts_on: parse_date(f, "starts_on")?,
        ends_on: parse_date(f, "ends_on")?,
        // Blank keeps the project's quantity; anything else must be a whole number.
        quantity: match get(f, "quantity") {
            "" => None,
            _ => Some(field(f, "quantity")?),
        },
        quality: get(f, "quality").into(),
        settlement: get(f, "settlement").into(),
        rights: get(f, "rights").into(),
        breach: get(f, "breach").into(),
        budget_secured: !get(f, "budget_secured").is_empty(),
        fixed_continuous_stable: !get(f, "fixed_continuous_stable").is_empty(),
        milestones,
    })
}

async fn sign_post(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    id: &str,
    f: Fields,
) -> PageResult {
    // The award signed is the page's project, whatever the form says.
    let award = id.parse().map_err(|_| AppError::NotFound);
    let result = match award.and_then(|a| contract_input(&f, a)) {
        Ok(input) => contracts::sign(state, &me.actor, &AuditActor::from(me), &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(k) => Ok(see_other(&format!(
            "/purchase/contracts/{}?done=contract_signed",
            k.id
        ))),
        Err(e) => {
            let form = form_errors(e, f, &c)?;
            sign_view(state, c, me, id, Some(form)).await
        }
    }
}
