//! Contracts (合同) and delivery (履约): signing after the standstill with no challenge open,
//! with every required term, a lawful term and milestones whose shares make up the price; the
//! published summary; variations including single-source top-ups ≤ 10%; the provider's progress
//! reports (with an attachment) submitting milestones; the street's monitoring visits, milestone
//! acceptance and payments (only against accepted milestones, drawing the budget down);
//! acceptance (验收); early termination for breach.

use gongzhi_platform::sea_orm::QueryTrait as _;
use gongzhi_platform::versioned::{self, Stamp};
use chrono::NaiveDate;
use gongzhi_kernel::authz::{Actor, ResourceScope};
use gongzhi_kernel::id::OrgId;
use gongzhi_kernel::{FieldError, Money, ValidationErrors};
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::files::Upload;
use gongzhi_platform::sea_orm::sea_query::{Expr, ExprTrait};
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState};
use serde_json::json;

use crate::domain::{self, CONTRACT, LongTermGrounds, MILESTONE, PROJECT};
use crate::store::entity::{bid, contract, milestone, payment, report, variation, visit};
use crate::service::projects::reread;
use crate::service::{self as svc, Move, fail_if, required_text};
use crate::{PURCHASE_APPROVE, PURCHASE_BID, PURCHASE_MANAGE, PURCHASE_READ, service::budget, service::records};
use crate::domain::{ContractState, MilestoneState, ProjectState};

/// A contract pays in at most this many milestones (signing and top-ups together).
const MAX_MILESTONES: usize = 24;

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct MilestoneInput {
    pub title: String,
    pub deliverables: String,
    pub due_on: NaiveDate,
    pub share_fen: i64,
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct ContractInput {
    /// The awarded project.
    pub award: uuid::Uuid,
    /// The project's version you last read.
    pub version: i32,
    /// 服务内容
    pub content: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// 服务数量 (the project's when absent).
    #[serde(default)]
    pub quantity: Option<i32>,
    /// 服务质量 standards.
    pub quality: String,
    /// 资金结算方式
    pub settlement: String,
    /// 双方的权利义务
    pub rights: String,
    /// 违约责任
    pub breach: String,
    /// Art. 24 grounds for a term over one year.
    #[serde(default)]
    pub budget_secured: bool,
    #[serde(default)]
    pub fixed_continuous_stable: bool,
    pub milestones: Vec<MilestoneInput>,
}

/// Sign the contract of an awarded project: the standstill is over, no challenge is open, the
/// signing deadline has not passed. The price is the awarded bid's; what the approval committed
/// beyond it goes back to the budget line.
pub async fn sign(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    input: &ContractInput,
) -> AppResult<contract::Model> {
    let p = crate::service::projects::get(state, actor, &input.award.to_string()).await?;
    state.authorize(actor, PURCHASE_MANAGE, &ResourceScope::territory(&p.path))?;
    if p.state != ProjectState::AWARDED {
        return Err(AppError::Conflict("workflow.not_allowed"));
    }
    let winner = bid::Entity::find_by_id(p.awarded_bid_id.ok_or(AppError::NotFound)?)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let today = svc::today();
    let mut errors = ValidationErrors::new();
    let open = crate::service::award::blocking(&state.db.read, p.id).await? as usize;
    let clock = domain::AwardClock {
        challenge_until: p.challenge_until.unwrap_or(today),
        standstill_until: p.standstill_until.unwrap_or(today),
        sign_by: p.sign_by.unwrap_or(today),
    };
    if let Err(e) = domain::may_sign(&clock, today, open) {
        errors.push(e);
    }
    if today > clock.sign_by {
        errors.push(FieldError::new("award", "procurement.sign_overdue").arg("by", clock.sign_by));
    }
    let content = required_text(&mut errors, "content", &input.content, 10, 8000);
    let quality = required_text(&mut errors, "quality", &input.quality, 4, 4000);
    let settlement = required_text(&mut errors, "settlement", &input.settlement, 4, 4000);
    let rights = required_text(&mut errors, "rights", &input.rights, 4, 4000);
    let breach = required_text(&mut errors, "breach", &input.breach, 4, 4000);
    let grounds = LongTermGrounds {
        budget_secured: input.budget_secured,
        fixed_continuous_stable: input.fixed_continuous_stable,
    };
    if let Err(e) = domain::check_term(input.starts_on, input.ends_on, grounds) {
        errors.push(e);
    }
    let quantity = input.quantity.unwrap_or(p.quantity);
    if !(1..=1_000_000).contains(&quantity) {
        errors.push(FieldError::new("quantity", "procurement.quantity_range"));
    }
    if input.milestones.len() > MAX_MILESTONES {
        errors.push(
            FieldError::new("milestones", "procurement.too_many_milestones")
                .arg("max", MAX_MILESTONES),
        );
    }
    let price = Money::from_fen(winner.price_fen);
    let mut shares_ok = true;
    for (i, m) in input.milestones.iter().enumerate() {
        shares_ok &= svc::purchase_amount(
            state,
            &mut errors,
            format!("milestones.{i}.share_fen"),
            m.share_fen,
        )
        .is_some();
    }
    let shares: Vec<Money> = input
        .milestones
        .iter()
        .map(|m| Money::from_fen(m.share_fen))
        .collect();
    if shares_ok && let Err(e) = domain::check_shares(price, &shares) {
        errors.push(e);
    }
    for (i, m) in input.milestones.iter().enumerate() {
        if m.title.trim().chars().count() < 2 || m.deliverables.trim().chars().count() < 4 {
            errors.push(FieldError::new(
                format!("milestones[{i}]"),
                "procurement.milestone_incomplete",
            ));
        }
        if m.due_on < input.starts_on || m.due_on > input.ends_on {
            errors.push(FieldError::new(
                format!("milestones[{i}].due_on"),
                "procurement.milestone_outside_term",
            ));
        }
    }
    fail_if(errors)?;
    let now = audit::now();
    let txn = state.db.write.begin().await?;
    let m = Move {
        table: "proc_projects",
        id: p.id,
        state: &p.state,
        version: input.version,
        path: &p.path,
        org: None,
    };
    svc::step(&txn, state, actor, who, &PROJECT, m, "contract", None).await?;
    let surplus = p.budget_fen - winner.price_fen;
    if surplus > 0 {
        budget::release(&txn, p.budget_line_id, Money::from_fen(surplus)).await?;
    }
    let c = contract::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        project_id: Set(p.id),
        bid_id: Set(winner.id),
        org_id: Set(winner.org_id),
        org_name: Set(winner.org_name.clone()),
        district: Set(p.district.clone()),
        path: Set(p.path.clone()),
        number: Set(format!("{}-HT", p.number)),
        content: Set(content),
        starts_on: Set(input.starts_on),
        ends_on: Set(input.ends_on),
        quantity: Set(quantity),
        unit: Set(p.unit.clone()),
        quality: Set(quality),
        price_fen: Set(winner.price_fen),
        original_fen: Set(winner.price_fen),
        settlement: Set(settlement),
        rights: Set(rights),
        breach: Set(breach),
        budget_secured: Set(input.budget_secured),
        fixed_continuous_stable: Set(input.fixed_continuous_stable),
        signed_on: Set(today),
        state: Set(CONTRACT.initial.into()),
        accepted_on: Set(None),
        acceptance_note: Set(String::new()),
        terminated_on: Set(None),
        termination_reason: Set(String::new()),
        evaluator_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&txn)
    .await?;
    for (i, m) in input.milestones.iter().enumerate() {
        insert_milestone(&txn, c.id, i as i32 + 1, m).await?;
    }
    crate::service::ocds::publish(&txn, p.id, "contract").await?;
    let summary = json!({
        "number": c.number, "org": c.org_id, "price_fen": c.price_fen,
        "starts_on": c.starts_on, "ends_on": c.ends_on, "milestones": input.milestones.len(),
    });
    log(&txn, who, &c, "purchase.contract_signed", summary).await?;
    txn.commit().await?;
    Ok(c)
}

async fn insert_milestone(
    conn: &impl ConnectionTrait,
    contract: uuid::Uuid,
    seq: i32,
    m: &MilestoneInput,
) -> AppResult<milestone::Model> {
    let now = audit::now();
    Ok(milestone::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        contract_id: Set(contract),
        seq: Set(seq),
        title: Set(m.title.trim().into()),
        deliverables: Set(m.deliverables.trim().into()),
        due_on: Set(m.due_on),
        share_fen: Set(m.share_fen),
        paid_fen: Set(0),
        state: Set(MILESTONE.initial.into()),
        accepted_on: Set(None),
        review_note: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(conn)
    .await?)
}

pub fn scope_of(c: &contract::Model) -> ResourceScope {
    ResourceScope {
        path: c.path.clone(),
        org_id: Some(OrgId(c.org_id)),
    }
}

/// A contract its purchaser (and supervisors), its provider or its assigned evaluator may see.
pub async fn get(state: &AppState, actor: &Actor, id: &str) -> AppResult<contract::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let c = contract::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = scope_of(&c);
    let assigned = c.evaluator_id == Some(actor.user_id.0);
    if !assigned
        && state.authorize(actor, PURCHASE_READ, &scope).is_err()
        && state.authorize(actor, PURCHASE_BID, &scope).is_err()
    {
        return Err(AppError::NotFound);
    }
    Ok(c)
}

pub async fn reread_contract(
    conn: &impl ConnectionTrait,
    id: uuid::Uuid,
) -> AppResult<contract::Model> {
    contract::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Everything recorded on a contract.
pub struct Delivery {
    pub milestones: Vec<milestone::Model>,
    pub variations: Vec<variation::Model>,
    pub reports: Vec<report::Model>,
    pub visits: Vec<visit::Model>,
    pub payments: Vec<payment::Model>,
}

pub async fn delivery(conn: &impl ConnectionTrait, c: uuid::Uuid) -> AppResult<Delivery> {
    Ok(Delivery {
        milestones: milestone::Entity::find()
            .filter(milestone::Column::ContractId.eq(c))
            .order_by_asc(milestone::Column::Seq)
            .all(conn)
            .await?,
        variations: variation::Entity::find()
            .filter(variation::Column::ContractId.eq(c))
            .order_by_asc(variation::Column::CreatedAt)
            .all(conn)
            .await?,
        reports: report::Entity::find()
            .filter(report::Column::ContractId.eq(c))
            .order_by_asc(report::Column::CreatedAt)
            .all(conn)
            .await?,
        visits: visit::Entity::find()
            .filter(visit::Column::ContractId.eq(c))
            .order_by_asc(visit::Column::VisitedOn)
            .all(conn)
            .await?,
        payments: payment::Entity::find()
            .filter(payment::Column::ContractId.eq(c))
            .order_by_asc(payment::Column::CreatedAt)
            .all(conn)
            .await?,
    })
}

async fn log(
    conn: &impl ConnectionTrait,
    who: &AuditActor,
    c: &contract::Model,
    action: &str,
    summary: serde_json::Value,
) -> AppResult<()> {
    audit::record(
        conn,
        who,
        Change {
            action,
            entity_type: "purchase_contract",
            entity_id: &c.id.to_string(),
            scope_path: &c.path,
            summary,
        },
    )
    .await?;
    Ok(())
}

/// The provider reports progress, optionally with an attachment; naming a milestone submits
/// it for acceptance.
pub async fn report(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    body: &str,
    milestone_id: Option<uuid::Uuid>,
    upload: Option<&Upload>,
) -> AppResult<report::Model> {
    let c = get(state, actor, id).await?;
    state.authorize(actor, PURCHASE_BID, &scope_of(&c))?;
    if c.state != ContractState::IN_FORCE {
        return Err(AppError::Conflict("procurement.contract_closed"));
    }
    let mut errors = ValidationErrors::new();
    let body = required_text(&mut errors, "body", body, 10, 8000);
    let ms = match milestone_id {
        Some(mid) => {
            let m = milestone::Entity::find_by_id(mid)
                .one(&state.db.read)
                .await?
                .filter(|m| m.contract_id == c.id);
            if m.is_none() {
                errors.push(FieldError::new(
                    "milestone",
                    "procurement.milestone_unknown",
                ));
            }
            m
        }
        None => None,
    };
    fail_if(errors)?;
    let txn = state.db.write.begin().await?;
    let file = match upload {
        Some(u) => Some(gongzhi_platform::files::store(state, &txn, who, u).await?),
        None => None,
    };
    if let Some(m) = &ms {
        let mv = Move {
            table: "proc_milestones",
            id: m.id,
            state: &m.state,
            version: m.version,
            path: &c.path,
            org: Some(c.org_id),
        };
        svc::step(&txn, state, actor, who, &MILESTONE, mv, "submit", None).await?;
    }
    let r = report::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        contract_id: Set(c.id),
        milestone_id: Set(ms.as_ref().map(|m| m.id)),
        body: Set(body),
        file_id: Set(file.as_ref().map(|f| f.id)),
        submitted_by: Set(Some(actor.user_id.0)),
        created_at: Set(audit::now()),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        who,
        &c,
        "purchase.progress_reported",
        json!({"report": r.id, "milestone": r.milestone_id, "file": r.file_id}),
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

/// A report's attachment, for whoever may see the contract.
pub async fn attachment(
    state: &AppState,
    actor: &Actor,
    report_id: &str,
) -> AppResult<gongzhi_platform::entity::stored_file::Model> {
    let id: uuid::Uuid = report_id.parse().map_err(|_| AppError::NotFound)?;
    let r = report::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    get(state, actor, &r.contract_id.to_string()).await?;
    gongzhi_platform::files::find(&state.db.read, r.file_id.ok_or(AppError::NotFound)?).await
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct MilestoneReview {
    pub accept: bool,
    /// Required when sending it back.
    #[serde(default)]
    pub note: String,
    pub version: i32,
}

/// The street accepts a submitted milestone, or sends it back saying why.
pub async fn review(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    milestone_id: &str,
    input: &MilestoneReview,
) -> AppResult<milestone::Model> {
    let (m, c) = milestone_of(state, actor, milestone_id).await?;
    let t = if input.accept { "accept" } else { "reject" };
    let note = input.note.trim();
    let txn = state.db.write.begin().await?;
    let mv = Move {
        table: "proc_milestones",
        id: m.id,
        state: &m.state,
        version: input.version,
        path: &c.path,
        org: None,
    };
    svc::step(&txn, state, actor, who, &MILESTONE, mv, t, Some(note)).await?;
    let mut q = milestone::Entity::update_many()
        .col_expr(milestone::Column::ReviewNote, Expr::value(note))
        .filter(milestone::Column::Id.eq(m.id));
    if input.accept {
        q = q.col_expr(milestone::Column::AcceptedOn, Expr::value(svc::today()));
    }
    q.exec(&txn).await?;
    let out = milestone::Entity::find_by_id(m.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(out)
}

async fn milestone_of(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> AppResult<(milestone::Model, contract::Model)> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let m = milestone::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    let c = get(state, actor, &m.contract_id.to_string()).await?;
    Ok((m, c))
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct PaymentInput {
    pub milestone: uuid::Uuid,
    pub amount_fen: i64,
}

/// Pay against an accepted milestone, within its share, drawing the budget line down. The
/// milestone's paid amount is raised by a conditional update, so two payments at once cannot
/// together exceed the share.
pub async fn pay(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    input: &PaymentInput,
) -> AppResult<payment::Model> {
    let (m, c) = milestone_of(state, actor, &input.milestone.to_string()).await?;
    state.authorize(actor, PURCHASE_APPROVE, &scope_of(&c))?;
    if c.state == ContractState::TERMINATED {
        return Err(AppError::Conflict("procurement.contract_closed"));
    }
    let mut errors = ValidationErrors::new();
    svc::purchase_amount(state, &mut errors, "amount_fen", input.amount_fen);
    fail_if(errors)?;
    let amount = Money::from_fen(input.amount_fen);
    domain::check_payment(
        m.state == MilestoneState::ACCEPTED,
        Money::from_fen(m.share_fen),
        Money::from_fen(m.paid_fen),
        amount,
    )
    .map_err(|e| AppError::Validation(e.into()))?;
    let p = reread(&state.db.read, c.project_id).await?;
    let txn = state.db.write.begin().await?;
    let res = milestone::Entity::update_many()
        .col_expr(
            milestone::Column::PaidFen,
            Expr::col(milestone::Column::PaidFen).add(amount.fen()),
        )
        .col_expr(milestone::Column::UpdatedAt, Expr::value(audit::now()))
        .filter(milestone::Column::Id.eq(m.id))
        .filter(
            Expr::col(milestone::Column::PaidFen)
                .add(amount.fen())
                .lte(Expr::col(milestone::Column::ShareFen)),
        )
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        let now = milestone::Entity::find_by_id(m.id)
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound)?;
        return Err(AppError::Validation(
            FieldError::new("amount_fen", "procurement.payment_over_share")
                .arg("left", Money::from_fen(now.share_fen - now.paid_fen))
                .into(),
        ));
    }
    budget::draw(&txn, p.budget_line_id, amount).await?;
    let row = payment::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        contract_id: Set(c.id),
        milestone_id: Set(m.id),
        amount_fen: Set(amount.fen()),
        paid_on: Set(svc::today()),
        paid_by: Set(Some(actor.user_id.0)),
        created_at: Set(audit::now()),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        who,
        &c,
        "purchase.paid",
        json!({"milestone": m.id, "amount_fen": amount.fen()}),
    )
    .await?;
    // Each payment is published with its transaction; the budget line's row lock taken above
    // orders concurrent payments of one process, so their release numbers never collide.
    crate::service::ocds::publish(&txn, p.id, "implementationUpdate").await?;
    txn.commit().await?;
    Ok(row)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct VisitInput {
    pub visited_on: NaiveDate,
    pub findings: String,
    /// satisfactory / rectify / breach
    pub verdict: String,
    /// What must be fixed (with rectify or breach).
    #[serde(default)]
    pub rectification: String,
}

/// A monitoring visit; a breach found leaves a dated breach record on the provider.
pub async fn visit(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &VisitInput,
) -> AppResult<visit::Model> {
    let c = get(state, actor, id).await?;
    state.authorize(actor, PURCHASE_MANAGE, &scope_of(&c))?;
    let mut errors = ValidationErrors::new();
    let findings = required_text(&mut errors, "findings", &input.findings, 10, 4000);
    if !["satisfactory", "rectify", "breach"].contains(&input.verdict.as_str()) {
        errors.push(FieldError::new("verdict", "procurement.verdict_unknown"));
    } else if input.verdict != "satisfactory" && input.rectification.trim().chars().count() < 4 {
        errors.push(FieldError::new(
            "rectification",
            "procurement.rectification_required",
        ));
    }
    if input.visited_on > svc::today() || input.visited_on < c.signed_on {
        errors.push(FieldError::new("visited_on", "procurement.visit_date"));
    }
    fail_if(errors)?;
    let txn = state.db.write.begin().await?;
    let v = visit::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        contract_id: Set(c.id),
        visited_on: Set(input.visited_on),
        findings: Set(findings.clone()),
        verdict: Set(input.verdict.clone()),
        rectification: Set(input.rectification.trim().into()),
        recorded_by: Set(Some(actor.user_id.0)),
        created_at: Set(audit::now()),
    }
    .insert(&txn)
    .await?;
    if input.verdict == "breach" {
        records::record(
            &txn,
            c.org_id,
            "breach",
            None,
            Some(c.project_id),
            input.visited_on,
            &findings,
        )
        .await?;
    }
    log(
        &txn,
        who,
        &c,
        "purchase.visit_recorded",
        json!({"visit": v.id, "verdict": v.verdict}),
    )
    .await?;
    txn.commit().await?;
    Ok(v)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct VariationInput {
    /// top_up (single-source addition, ≤ 10% of the original price in total) or change
    pub kind: String,
    /// For a top-up: the amount added, in fen.
    #[serde(default)]
    pub amount_fen: i64,
    pub reason: String,
    /// For a top-up: what is added and when it is due.
    #[serde(default)]
    pub milestone: Option<MilestoneInput>,
}

/// A variation. A top-up commits its amount on the budget line and adds a milestone for it.
pub async fn vary(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &VariationInput,
) -> AppResult<variation::Model> {
    let c = get(state, actor, id).await?;
    state.authorize(actor, PURCHASE_APPROVE, &scope_of(&c))?;
    if c.state != ContractState::IN_FORCE {
        return Err(AppError::Conflict("procurement.contract_closed"));
    }
    let mut errors = ValidationErrors::new();
    let reason = required_text(&mut errors, "reason", &input.reason, 10, 4000);
    let top_up = match input.kind.as_str() {
        "top_up" => {
            let earlier = Money::from_fen(c.price_fen - c.original_fen);
            if svc::purchase_amount(state, &mut errors, "amount_fen", input.amount_fen).is_some()
                && let Err(e) = domain::check_top_up(
                    Money::from_fen(c.original_fen),
                    earlier,
                    Money::from_fen(input.amount_fen),
                )
            {
                errors.push(FieldError {
                    field: "amount_fen".into(),
                    ..e
                });
            }
            match &input.milestone {
                Some(m) if m.due_on >= svc::today() && m.due_on <= c.ends_on => {
                    // The milestone pays for the top-up: its share is the amount added.
                    if m.share_fen != input.amount_fen {
                        errors.push(FieldError::new(
                            "milestone.share_fen",
                            "procurement.top_up_share",
                        ));
                    }
                }
                _ => errors.push(FieldError::new(
                    "milestone",
                    "procurement.milestone_outside_term",
                )),
            }
            true
        }
        "change" => false,
        _ => {
            errors.push(FieldError::new("kind", "procurement.variation_kind"));
            false
        }
    };
    fail_if(errors)?;
    let p = reread(&state.db.read, c.project_id).await?;
    let txn = state.db.write.begin().await?;
    if top_up {
        let amount = input.amount_fen;
        let res = contract::Entity::update_many()
            .col_expr(
                contract::Column::PriceFen,
                Expr::col(contract::Column::PriceFen).add(amount),
            )
            .col_expr(contract::Column::UpdatedAt, Expr::value(audit::now()))
            .filter(contract::Column::Id.eq(c.id))
            .filter(contract::Column::PriceFen.eq(c.price_fen))
            .exec(&txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(AppError::Conflict("error.stale_version"));
        }
        budget::commit(&txn, p.budget_line_id, Money::from_fen(amount)).await?;
        let mut m = input.milestone.clone().expect("checked above");
        m.share_fen = amount;
        let held = delivery(&txn, c.id).await?.milestones.len();
        if held >= MAX_MILESTONES {
            return Err(AppError::Validation(
                FieldError::new("milestone", "procurement.too_many_milestones")
                    .arg("max", MAX_MILESTONES)
                    .into(),
            ));
        }
        let seq = held as i32 + 1;
        insert_milestone(&txn, c.id, seq, &m).await?;
    }
    if top_up {
        crate::service::ocds::publish(&txn, p.id, "contractAmendment").await?;
    }
    let v = variation::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        contract_id: Set(c.id),
        kind: Set(input.kind.clone()),
        amount_fen: Set(if top_up { input.amount_fen } else { 0 }),
        reason: Set(reason),
        on_date: Set(svc::today()),
        recorded_by: Set(Some(actor.user_id.0)),
        created_at: Set(audit::now()),
    }
    .insert(&txn)
    .await?;
    log(
        &txn,
        who,
        &c,
        "purchase.contract_varied",
        json!({"kind": v.kind, "amount_fen": v.amount_fen}),
    )
    .await?;
    txn.commit().await?;
    Ok(v)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct TerminationInput {
    #[serde(default)]
    pub reason: String,
    pub version: i32,
}

/// End a contract early for breach: a dated termination record on the provider, what was not
/// paid goes back to the budget line, the project ends terminated.
pub async fn terminate(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &TerminationInput,
) -> AppResult<contract::Model> {
    let c = get(state, actor, id).await?;
    let reason = input.reason.trim();
    let p = reread(&state.db.read, c.project_id).await?;
    let paid: i64 = delivery(&state.db.read, c.id)
        .await?
        .payments
        .iter()
        .map(|x| x.amount_fen)
        .sum();
    let today = svc::today();
    let txn = state.db.write.begin().await?;
    let mv = Move {
        table: "proc_contracts",
        id: c.id,
        state: &c.state,
        version: input.version,
        path: &c.path,
        org: None,
    };
    svc::step(
        &txn,
        state,
        actor,
        who,
        &CONTRACT,
        mv,
        "terminate",
        Some(reason),
    )
    .await?;
    contract::Entity::update_many()
        .col_expr(contract::Column::TerminatedOn, Expr::value(today))
        .col_expr(contract::Column::TerminationReason, Expr::value(reason))
        .filter(contract::Column::Id.eq(c.id))
        .exec(&txn)
        .await?;
    let pm = Move {
        table: "proc_projects",
        id: p.id,
        state: &p.state,
        version: p.version,
        path: &p.path,
        org: None,
    };
    svc::step(
        &txn,
        state,
        actor,
        who,
        &PROJECT,
        pm,
        "terminate",
        Some(reason),
    )
    .await?;
    let unpaid = c.price_fen - paid;
    if unpaid > 0 {
        budget::release(&txn, p.budget_line_id, Money::from_fen(unpaid)).await?;
    }
    records::record(
        &txn,
        c.org_id,
        "termination",
        None,
        Some(p.id),
        today,
        reason,
    )
    .await?;
    crate::service::ocds::publish(&txn, p.id, "contractTermination").await?;
    let out = reread_contract(&txn, c.id).await?;
    txn.commit().await?;
    Ok(out)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct AcceptanceInput {
    /// Whether the service passes acceptance (验收); it passes only once every milestone is
    /// accepted. A failed acceptance is recorded with what must be fixed.
    pub passed: bool,
    pub note: String,
    pub version: i32,
}

pub async fn acceptance(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    id: &str,
    input: &AcceptanceInput,
) -> AppResult<contract::Model> {
    let c = get(state, actor, id).await?;
    state.authorize(actor, PURCHASE_MANAGE, &scope_of(&c))?;
    let mut errors = ValidationErrors::new();
    let note = required_text(&mut errors, "note", &input.note, 4, 4000);
    if c.state != ContractState::IN_FORCE {
        return Err(AppError::Conflict("workflow.not_allowed"));
    }
    if input.passed {
        let d = delivery(&state.db.read, c.id).await?;
        if d.milestones.iter().any(|m| m.state != MilestoneState::ACCEPTED) {
            errors.push(FieldError::new("passed", "procurement.milestones_open"));
        }
    }
    if c.version != input.version {
        return Err(AppError::Conflict("error.stale_version"));
    }
    fail_if(errors)?;
    let txn = state.db.write.begin().await?;
    if input.passed {
        let mv = Move {
            table: "proc_contracts",
            id: c.id,
            state: &c.state,
            version: input.version,
            path: &c.path,
            org: None,
        };
        svc::step(&txn, state, actor, who, &CONTRACT, mv, "accept", None).await?;
        contract::Entity::update_many()
            .col_expr(contract::Column::AcceptedOn, Expr::value(svc::today()))
            .col_expr(contract::Column::AcceptanceNote, Expr::value(note))
            .filter(contract::Column::Id.eq(c.id))
            .exec(&txn)
            .await?;
    } else {
        versioned::bump(
            &txn,
            contract::Entity::update_many()
                .col_expr(contract::Column::AcceptanceNote, Expr::value(note.clone()))
                .filter(contract::Column::Id.eq(c.id))
                .into_query(),
            input.version,
            Stamp::UpdatedAt,
        )
        .await?;
        log(
            &txn,
            who,
            &c,
            "purchase.acceptance_failed",
            json!({"note": note}),
        )
        .await?;
    }
    let out = reread_contract(&txn, c.id).await?;
    txn.commit().await?;
    Ok(out)
}
