//! A contract's page for everyone who works on it: the purchaser reviews milestones, pays,
//! visits, varies, terminates, accepts and assigns an evaluator; the provider reports progress
//! with attachments; the street or the assigned evaluator evaluates performance against the
//! targets, with the residents' survey.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, State};
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::entity::{role_assignment, user};
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use gongzhi_platform::ui::{
    Fields, PageCtx, PageResult, form_version, get, outcome, render_status, status_of,
};
use gongzhi_platform::web::Form;
use gongzhi_platform::web::Path;
use gongzhi_kernel::authz::Role;
use gongzhi_platform::web::{Access, AppError, AppResult, AppState, CurrentActor, Probe, Routes};

use crate::service::contracts::{
    self, AcceptanceInput, MilestoneInput, MilestoneReview, PaymentInput, TerminationInput,
    VariationInput, VisitInput,
};
use crate::service::performance::{self, AssignInput, EvaluationInput, TargetResult};
use crate::web::ui::{china_time, may, money, parse_date, parse_id, parse_money, state_label};
use crate::web::ui_project::{Fact, points};
use crate::{PURCHASE_APPROVE, PURCHASE_BID, PURCHASE_MANAGE};
use crate::domain::ContractState;
use crate::store::entity::contract;

pub fn routes() -> Routes {
    Routes::new()
        // The purchaser, the provider and an assigned evaluator: the contract's scope decides.
        .get("/purchase/contracts/{purchase_contract_id}", Access::SignedIn, contract_page)
        .post("/purchase/contracts/{purchase_contract_id}", Access::SignedIn, contract_post)
        .probe_form("op=visit&visited_on={today}&verdict=satisfactory&findings=%E6%8E%A2%E9%92%88%EF%BC%9A%E6%B4%BB%E5%8A%A8%E6%8C%89%E8%AE%A1%E5%88%92%E5%BC%80%E5%B1%95")
        .upload("/purchase/contracts/{purchase_contract_id}/reports", Access::Permission(PURCHASE_BID), report_post)
        .with_probe(Probe {
            query: "",
            body: Some("--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nprobe: six activities held\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 probe\r\n--XyZ--\r\n"),
            content_type: "multipart/form-data; boundary=XyZ",
        })
}

struct MilestoneRow {
    id: uuid::Uuid,
    seq: i32,
    title: String,
    deliverables: String,
    due: String,
    share: String,
    paid: String,
    unpaid: String,
    state_key: String,
    state: String,
    note: String,
    version: i32,
}

struct EvaluationRow {
    grade: String,
    score: String,
    results: Vec<(String, String, u32)>,
    note: String,
}

struct ReportRow {
    id: uuid::Uuid,
    milestone: String,
    body: String,
    attachment: bool,
    at: String,
}

#[derive(Template)]
#[template(path = "purchase_contract.html")]
struct ContractPage {
    c: PageCtx,
    id: uuid::Uuid,
    number: String,
    project_id: uuid::Uuid,
    org_id: uuid::Uuid,
    state_key: String,
    state: String,
    version: i32,
    facts: Vec<Fact>,
    milestones: Vec<MilestoneRow>,
    reports: Vec<ReportRow>,
    visits: Vec<(String, String, String, String)>,
    payments: Vec<(String, String, String)>,
    variations: Vec<(String, String, String, String)>,
    targets: Vec<(String, String)>,
    satisfaction: String,
    responses: usize,
    evaluation: Option<EvaluationRow>,
    /// The purchaser's forms.
    can_manage: bool,
    can_approve: bool,
    /// The provider's report form.
    is_provider: bool,
    can_evaluate: bool,
    evaluators: Vec<(uuid::Uuid, String, bool)>,
    verdicts: Vec<(String, String)>,
    today: String,
    error: Option<String>,
}

async fn contract_page(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
) -> PageResult {
    contract_view(&state, c, &me, &id, None).await
}

async fn contract_view(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    id: &str,
    error: Option<String>,
) -> PageResult {
    let k = contracts::get(state, &me.actor, id).await?;
    let p = crate::service::projects::reread(&state.db.read, k.project_id).await?;
    let d = contracts::delivery(&state.db.read, k.id).await?;
    let (satisfaction, responses) = performance::satisfaction(&state.db.read, k.id).await?;
    let ev = performance::of_contract(&state.db.read, k.id).await?;
    let can_manage = may(state, me, PURCHASE_MANAGE, &k.path);
    let can_approve = may(state, me, PURCHASE_APPROVE, &k.path);
    let is_provider = state
        .authorize(&me.actor, PURCHASE_BID, &contracts::scope_of(&k))
        .is_ok();
    let assigned = k.evaluator_id == Some(me.actor.user_id.0);
    let can_evaluate = k.state == ContractState::ACCEPTED
        && (assigned || (k.evaluator_id.is_none() && can_manage))
        && may(state, me, crate::PURCHASE_EVALUATE, &k.path);
    let purchaser = crate::web::api::purchaser_name(state, &p.node_code).await?;
    let still_open = [ContractState::IN_FORCE, ContractState::ACCEPTED].contains(&k.state.as_str());
    let evaluators = if can_manage && still_open {
        evaluators_for(state, &k).await?
    } else {
        Vec::new()
    };
    let titles: HashMap<uuid::Uuid, String> = d
        .milestones
        .iter()
        .map(|m| (m.id, format!("{}. {}", m.seq, m.title)))
        .collect();
    let page = ContractPage {
        id: k.id,
        number: k.number.clone(),
        project_id: p.id,
        org_id: k.org_id,
        state: state_label(&c, &k.state),
        state_key: k.state.clone(),
        version: k.version,
        facts: terms(&c, &k, &p, &purchaser),
        milestones: d.milestones.iter().map(|m| milestone_row(&c, m)).collect(),
        reports: d.reports.iter().map(|r| report_row(&titles, r)).collect(),
        visits: d
            .visits
            .iter()
            .map(|v| {
                (
                    v.visited_on.to_string(),
                    c.t(&format!("procurement.verdict.{}", v.verdict)),
                    v.findings.clone(),
                    v.rectification.clone(),
                )
            })
            .collect(),
        payments: d
            .payments
            .iter()
            .map(|x| {
                (
                    x.paid_on.to_string(),
                    titles.get(&x.milestone_id).cloned().unwrap_or_default(),
                    money(x.amount_fen),
                )
            })
            .collect(),
        variations: d.variations.iter().map(|v| variation_row(&c, v)).collect(),
        targets: crate::service::projects::targets_of(&p)
            .into_iter()
            .map(|t| (t.name, t.target))
            .collect(),
        satisfaction: satisfaction
            .map(points)
            .unwrap_or_else(|| c.t("procurement.no_answers")),
        responses,
        evaluation: ev.map(|e| evaluation_row(&c, e)),
        can_manage,
        can_approve,
        is_provider,
        can_evaluate,
        evaluators,
        verdicts: ["satisfactory", "rectify", "breach"]
            .iter()
            .map(|v| (v.to_string(), c.t(&format!("procurement.verdict.{v}"))))
            .collect(),
        today: crate::service::today().to_string(),
        error,
        c,
    };
    Ok(render_status(status_of(&page.error), &page))
}

/// The contract's terms, and how it ended or was accepted.
fn terms(
    c: &PageCtx,
    k: &contract::Model,
    p: &crate::store::entity::project::Model,
    purchaser: &str,
) -> Vec<Fact> {
    let mut facts = crate::web::ui_project::contract_facts(c, k, p, purchaser);
    for (key, value) in [
        ("procurement.quality", &k.quality),
        ("procurement.settlement", &k.settlement),
        ("procurement.rights", &k.rights),
        ("procurement.breach", &k.breach),
    ] {
        facts.push(crate::web::ui_project::fact(c.t(key), value.clone()));
    }
    if let Some(on) = k.accepted_on {
        facts.push(Fact {
            label: c.t("procurement.accepted_on"),
            value: format!("{on} {}", k.acceptance_note),
        });
    } else if !k.acceptance_note.is_empty() {
        facts.push(Fact {
            label: c.t("procurement.acceptance_failed"),
            value: k.acceptance_note.clone(),
        });
    }
    if let Some(on) = k.terminated_on {
        facts.push(Fact {
            label: c.t("procurement.terminated_on"),
            value: format!("{on} {}", k.termination_reason),
        });
    }
    facts
}

/// The evaluators whose area covers the contract (id, name, whether assigned).
async fn evaluators_for(
    state: &AppState,
    k: &contract::Model,
) -> AppResult<Vec<(uuid::Uuid, String, bool)>> {
    let ids: Vec<uuid::Uuid> = role_assignment::Entity::find()
        .filter(role_assignment::Column::Role.eq(Role::Evaluator.as_str()))
        .filter(role_assignment::Column::RevokedAt.is_null())
        .all(&state.db.read)
        .await?
        .into_iter()
        .filter(|r| k.path.starts_with(&r.scope_path))
        .map(|r| r.user_id)
        .collect();
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name, k.evaluator_id == Some(u.id)))
        .collect())
}

fn milestone_row(c: &PageCtx, m: &crate::store::entity::milestone::Model) -> MilestoneRow {
    MilestoneRow {
        id: m.id,
        seq: m.seq,
        title: m.title.clone(),
        deliverables: m.deliverables.clone(),
        due: m.due_on.to_string(),
        share: money(m.share_fen),
        paid: money(m.paid_fen),
        unpaid: format!("{:.2}", (m.share_fen - m.paid_fen) as f64 / 100.0),
        state: state_label(c, &m.state),
        state_key: m.state.clone(),
        note: m.review_note.clone(),
        version: m.version,
    }
}

fn report_row(
    titles: &HashMap<uuid::Uuid, String>,
    r: &crate::store::entity::report::Model,
) -> ReportRow {
    ReportRow {
        id: r.id,
        milestone: r
            .milestone_id
            .and_then(|m| titles.get(&m).cloned())
            .unwrap_or_default(),
        body: r.body.clone(),
        attachment: r.file_id.is_some(),
        at: china_time(Some(r.created_at)),
    }
}

fn variation_row(
    c: &PageCtx,
    v: &crate::store::entity::variation::Model,
) -> (String, String, String, String) {
    (
        v.on_date.to_string(),
        c.t(&format!("procurement.variation.{}", v.kind)),
        if v.amount_fen == 0 {
            String::new()
        } else {
            money(v.amount_fen)
        },
        v.reason.clone(),
    )
}

fn evaluation_row(c: &PageCtx, e: crate::store::entity::evaluation::Model) -> EvaluationRow {
    let results: Vec<TargetResult> = serde_json::from_str(&e.targets).unwrap_or_default();
    EvaluationRow {
        grade: c.t(&format!("procurement.grade.{}", e.grade)),
        score: points(e.score as u32),
        results: results
            .into_iter()
            .map(|r| (r.name, r.actual, r.score))
            .collect(),
        note: format!("{} · {}", e.evaluated_on, e.note),
    }
}

async fn contract_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> PageResult {
    let who = AuditActor::from(&me);
    let (st, a) = (&state, &me.actor);
    let op = get(&f, "op").to_string();
    let version = form_version(&f);
    let text = |k: &str| get(&f, k).to_string();
    let result: Result<(), AppError> = match op.as_str() {
        "review" => {
            let input = MilestoneReview {
                accept: get(&f, "decision") == "accept",
                note: text("note"),
                version,
            };
            match own_milestone(st, a, &id, &f).await? {
                Ok(m) => contracts::review(st, a, &who, &m.to_string(), &input)
                    .await
                    .map(|_| ()),
                Err(e) => Err(e),
            }
        }
        "pay" => match (
            own_milestone(st, a, &id, &f).await?,
            parse_money(&f, "amount"),
        ) {
            (Ok(milestone), Ok(amount_fen)) => {
                let input = PaymentInput {
                    milestone,
                    amount_fen,
                };
                contracts::pay(st, a, &who, &input).await.map(|_| ())
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
        "visit" => match parse_date(&f, "visited_on") {
            Ok(visited_on) => {
                let input = VisitInput {
                    visited_on,
                    findings: text("findings"),
                    verdict: text("verdict"),
                    rectification: text("rectification"),
                };
                contracts::visit(st, a, &who, &id, &input).await.map(|_| ())
            }
            Err(e) => Err(e),
        },
        "vary" => match variation_input(&f) {
            Ok(input) => contracts::vary(st, a, &who, &id, &input).await.map(|_| ()),
            Err(e) => Err(e),
        },
        "terminate" => {
            let input = TerminationInput {
                reason: text("reason"),
                version,
            };
            contracts::terminate(st, a, &who, &id, &input)
                .await
                .map(|_| ())
        }
        "acceptance" => {
            let input = AcceptanceInput {
                passed: get(&f, "passed") == "yes",
                note: text("note"),
                version,
            };
            contracts::acceptance(st, a, &who, &id, &input)
                .await
                .map(|_| ())
        }
        "assign" => match parse_id(&f, "evaluator") {
            Ok(evaluator) => {
                let input = AssignInput { evaluator, version };
                performance::assign(st, a, &who, &id, &input)
                    .await
                    .map(|_| ())
            }
            Err(e) => Err(e),
        },
        "evaluate" => match evaluation_input(st, a, &id, &f).await? {
            Ok(input) => performance::evaluate(st, a, &who, &id, &input)
                .await
                .map(|_| ()),
            Err(e) => Err(e),
        },
        _ => Err(AppError::field("op", "workflow.unknown_transition")),
    };
    if result.is_ok() {
        return Ok(gongzhi_platform::ui::see_other(&format!(
            "/purchase/contracts/{id}?done=contract_{op}"
        )));
    }
    retry(st, c, &me, &id, result).await
}

/// A variation from the form: a top-up brings its amount and a new milestone; other kinds
/// change no money.
fn variation_input(f: &Fields) -> Result<VariationInput, AppError> {
    let text = |k: &str| get(f, k).to_string();
    let kind = text("kind");
    let (amount_fen, milestone) = if kind == "top_up" {
        let amount_fen = parse_money(f, "amount")?;
        let milestone = MilestoneInput {
            title: text("m_title"),
            deliverables: text("m_deliverables"),
            due_on: parse_date(f, "due_on")?,
            share_fen: amount_fen,
        };
        (amount_fen, Some(milestone))
    } else {
        (0, None)
    };
    Ok(VariationInput {
        kind,
        amount_fen,
        reason: text("reason"),
        milestone,
    })
}

/// A performance evaluation from the form: an actual and a score for each of the project's
/// targets (`t<i>_actual`, `t<i>_score`). The outer error is the page's; the inner, the form's.
async fn evaluation_input(
    st: &AppState,
    a: &gongzhi_kernel::authz::Actor,
    id: &str,
    f: &Fields,
) -> Result<Result<EvaluationInput, AppError>, AppError> {
    let k = contracts::get(st, a, id).await?;
    let p = crate::service::projects::reread(&st.db.read, k.project_id).await?;
    let targets = crate::service::projects::targets_of(&p)
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let score = get(f, &format!("t{i}_score"))
                .parse::<u32>()
                .map_err(|_| AppError::field("targets", "procurement.target_score_range"))?;
            Ok(TargetResult {
                name: t.name.clone(),
                actual: get(f, &format!("t{i}_actual")).to_string(),
                score,
            })
        })
        .collect::<Result<Vec<_>, AppError>>();
    Ok(targets.map(|targets| EvaluationInput {
        targets,
        note: get(f, "note").to_string(),
        version: form_version(f),
    }))
}

/// The form's milestone, which must be one of this contract's (the page acts on its own).
async fn own_milestone(
    state: &AppState,
    actor: &gongzhi_kernel::authz::Actor,
    contract: &str,
    f: &Fields,
) -> Result<Result<uuid::Uuid, AppError>, AppError> {
    let k = contracts::get(state, actor, contract).await?;
    let ms = contracts::delivery(&state.db.read, k.id).await?.milestones;
    Ok(parse_id(f, "milestone").and_then(|m| {
        ms.iter()
            .any(|x| x.id == m)
            .then_some(m)
            .ok_or(AppError::field(
                "milestone",
                "procurement.milestone_unknown",
            ))
    }))
}

/// A refused step: the page again with the message (refusals stay error pages).
async fn retry(
    state: &AppState,
    c: PageCtx,
    me: &CurrentActor,
    id: &str,
    result: Result<(), AppError>,
) -> PageResult {
    outcome(c, result, String::new(), |c, error| async move {
        contract_view(state, c, me, id, error).await
    })
    .await
}

async fn report_post(
    State(state): State<AppState>,
    c: PageCtx,
    me: CurrentActor,
    Path(id): Path<String>,
    form: Multipart,
) -> PageResult {
    let result = match gongzhi_platform::files::read_multipart(&state, form).await {
        Ok((fields, file)) => {
            let milestone = match get(&fields, "milestone") {
                "" => Ok(None),
                m => m
                    .parse()
                    .map(Some)
                    .map_err(|_| AppError::field("milestone", "procurement.milestone_unknown")),
            };
            match milestone {
                Ok(milestone) => contracts::report(
                    &state,
                    &me.actor,
                    &AuditActor::from(&me),
                    &id,
                    get(&fields, "body"),
                    milestone,
                    file.as_ref(),
                )
                .await
                .map(|_| ()),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    let to = format!("/purchase/contracts/{id}?done=report_submitted");
    let (st, m, cid) = (&state, &me, id.clone());
    outcome(c, result, to, |c, error| async move {
        contract_view(st, c, m, &cid, error).await
    })
    .await
}
