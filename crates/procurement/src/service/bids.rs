//! Bids (投标/响应文件): an organization's response to an open notice, checked live against the
//! admission criteria of the project's item (an ineligible organization cannot submit, and is
//! told why), sealed until the submission deadline, opened by the purchaser afterwards.
//!
//! Every submission and withdrawal first bumps the project's `bid_seq` where the project is
//! still taking bids. That UPDATE takes the project's row lock, so a bid and the opening are
//! ordered: a bid that commits before the opening is opened with the rest; after it, none can.

use gongzhi_platform::sea_orm::QueryTrait as _;
use gongzhi_platform::versioned::{self, Stamp};
use chrono::Utc;
use gongzhi_catalog::face::{self as catalog, Check, Eligibility, check_message};
use gongzhi_kernel::authz::Actor;
use gongzhi_kernel::{FieldError, Money, ValidationErrors};
use gongzhi_orgs::face::OrgCard;
use gongzhi_platform::audit::{self, AuditActor, Change};
use gongzhi_platform::i18n::tr;
use gongzhi_platform::sea_orm::sea_query::{Expr, ExprTrait};
use gongzhi_platform::sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use gongzhi_platform::web::{AppError, AppResult, AppState, Page, PageParams};
use serde_json::json;

use crate::PURCHASE_BID;
use crate::domain::{Method, PROJECT};
use crate::store::entity::{bid, project};
use crate::service::projects::reread;
use crate::service::{self as svc, Move, fail_if, required_text};
use crate::domain::{BidState, ProjectState};

/// The organization the actor bids for.
pub async fn acting_org(state: &AppState, actor: &Actor, id: uuid::Uuid) -> AppResult<OrgCard> {
    let o = gongzhi_orgs::face::card(&state.db.read, id)
        .await?
        .ok_or_else(|| AppError::field("org", "procurement.org_unknown"))?;
    state.authorize(actor, PURCHASE_BID, &o.resource())?;
    Ok(o)
}

pub fn deadline_passed(p: &project::Model) -> bool {
    p.submit_until.is_some_and(|t| gongzhi_platform::clock::now() >= t)
}

fn invited(p: &project::Model) -> Vec<uuid::Uuid> {
    serde_json::from_str(&p.invited).unwrap_or_default()
}

/// How an organization fares against the project's item, in the catalog version the project
/// was drawn up under, today.
pub async fn eligibility(
    conn: &impl ConnectionTrait,
    p: &project::Model,
    org_id: uuid::Uuid,
) -> AppResult<Eligibility> {
    let today = svc::today();
    let snap = catalog::version(conn, &p.district, p.catalog_version)
        .await?
        .ok_or(AppError::NotFound)?;
    let item = snap.items.get(&p.item_code).ok_or(AppError::NotFound)?;
    let provider = catalog::provider(conn, org_id, today).await?;
    Ok(item.criteria.evaluate(&provider.facts, today))
}

/// What an organization sees before bidding: whether it may, and each criterion.
#[derive(Debug, serde::Serialize, gongzhi_platform::utoipa::ToSchema)]
#[schema(as = BidEligibilityView)]
pub struct EligibilityView {
    pub qualified: bool,
    /// Invited tender and single source: only the invited may respond.
    pub invited: bool,
    pub checks: Vec<CheckView>,
}

#[derive(Debug, serde::Serialize, gongzhi_platform::utoipa::ToSchema)]
#[schema(as = BidCheckView)]
pub struct CheckView {
    pub criterion: &'static str,
    pub passed: bool,
    pub blocking: bool,
    pub message: String,
}

pub fn check_view(c: &Check) -> CheckView {
    CheckView {
        criterion: c.criterion,
        passed: c.passed,
        blocking: c.blocking,
        message: check_message(c),
    }
}

fn may_respond(p: &project::Model, org: uuid::Uuid) -> bool {
    let list = invited(p);
    list.is_empty() || list.contains(&org)
}

pub async fn eligibility_view(
    state: &AppState,
    actor: &Actor,
    project_id: &str,
    org: uuid::Uuid,
) -> AppResult<EligibilityView> {
    let o = acting_org(state, actor, org).await?;
    let p = published(state, project_id).await?;
    let e = eligibility(&state.db.read, &p, o.id).await?;
    Ok(EligibilityView {
        qualified: e.qualified,
        invited: may_respond(&p, o.id),
        checks: e.checks.iter().map(check_view).collect(),
    })
}

async fn published(state: &AppState, id: &str) -> AppResult<project::Model> {
    crate::service::notices::public(state, id).await
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct BidInput {
    /// The bidding organization.
    pub org: uuid::Uuid,
    /// The price offered, in fen: more than zero, within the project's budget.
    pub price_fen: i64,
    /// The response: approach, team, schedule, quality assurance.
    pub proposal: String,
}

/// Submit (or replace, before the deadline) an organization's bid.
pub async fn submit(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    project_id: &str,
    input: &BidInput,
) -> AppResult<bid::Model> {
    let o = acting_org(state, actor, input.org).await?;
    let p = published(state, project_id).await?;
    if p.state != ProjectState::TENDERING || deadline_passed(&p) {
        return Err(AppError::field("project", "procurement.deadline_passed"));
    }
    let mut errors = ValidationErrors::new();
    if !may_respond(&p, o.id) {
        errors.push(FieldError::new("org", "procurement.not_invited"));
    }
    if svc::purchase_amount(state, &mut errors, "price_fen", input.price_fen)
        .is_some_and(|price| price.fen() > p.budget_fen)
    {
        errors.push(
            FieldError::new("price_fen", "procurement.price_over_budget")
                .arg("budget", Money::from_fen(p.budget_fen)),
        );
    }
    let proposal = required_text(&mut errors, "proposal", &input.proposal, 10, 20_000);
    let e = eligibility(&state.db.read, &p, o.id).await?;
    if !e.qualified {
        for c in e.checks.iter().filter(|c| c.blocking && !c.passed) {
            errors.push(
                FieldError::new("org", "procurement.not_eligible").arg("reason", check_message(c)),
            );
        }
    }
    fail_if(errors)?;
    let txn = state.db.write.begin().await?;
    let seq = take_turn(&txn, p.id).await?;
    let now = audit::now();
    let existing = bid::Entity::find()
        .filter(bid::Column::ProjectId.eq(p.id))
        .filter(bid::Column::OrgId.eq(o.id))
        .one(&txn)
        .await?;
    let checks: Vec<CheckView> = e.checks.iter().map(check_view).collect();
    let eligibility = serde_json::to_string(&checks).expect("plain data");
    let row = match existing {
        Some(b) => {
            let mut a: bid::ActiveModel = b.into();
            a.price_fen = Set(input.price_fen);
            a.proposal = Set(proposal);
            a.eligibility = Set(eligibility);
            a.state = Set(BidState::SUBMITTED.into());
            a.seq = Set(seq);
            a.submitted_at = Set(now);
            a.submitted_by = Set(Some(actor.user_id.0));
            a.updated_at = Set(now);
            a.version = Set(a.version.as_ref() + 1);
            a.update(&txn).await?
        }
        None => {
            bid::ActiveModel {
                id: Set(uuid::Uuid::now_v7()),
                project_id: Set(p.id),
                org_id: Set(o.id),
                org_name: Set(o.name.clone()),
                org_uscc: Set(o.uscc.clone().unwrap_or_default()),
                price_fen: Set(input.price_fen),
                proposal: Set(proposal),
                eligibility: Set(eligibility),
                state: Set(BidState::SUBMITTED.into()),
                invalid_reason: Set(String::new()),
                seq: Set(seq),
                credit_score: Set(0),
                submitted_at: Set(now),
                submitted_by: Set(Some(actor.user_id.0)),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(&txn)
            .await?
        }
    };
    // Sealed: the audit entry names the bidder, never the price.
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.bid_submitted",
            entity_type: "purchase_bid",
            entity_id: &row.id.to_string(),
            scope_path: &p.path,
            summary: json!({"project": p.number, "org": o.id, "seq": seq}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Take the project's row lock while it still takes bids, and check the deadline under it.
async fn take_turn(conn: &impl ConnectionTrait, project: uuid::Uuid) -> AppResult<i32> {
    let res = project::Entity::update_many()
        .col_expr(
            project::Column::BidSeq,
            Expr::col(project::Column::BidSeq).add(1),
        )
        .filter(project::Column::Id.eq(project))
        .filter(project::Column::State.eq(ProjectState::TENDERING))
        .exec(conn)
        .await?;
    let p = reread(conn, project).await?;
    if res.rows_affected != 1 || deadline_passed(&p) {
        return Err(AppError::field("project", "procurement.deadline_passed"));
    }
    Ok(p.bid_seq)
}

#[derive(Debug, Clone, serde::Deserialize, gongzhi_platform::utoipa::ToSchema)]
pub struct WithdrawInput {
    pub version: i32,
}

/// Withdraw a bid before the deadline; it may be submitted again until then.
pub async fn withdraw(
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    bid_id: &str,
    input: &WithdrawInput,
) -> AppResult<bid::Model> {
    let b = own_bid(state, actor, bid_id).await?;
    if b.state != BidState::SUBMITTED {
        return Err(AppError::Conflict("workflow.not_allowed"));
    }
    let txn = state.db.write.begin().await?;
    take_turn(&txn, b.project_id).await?;
    versioned::bump(
        &txn,
        bid::Entity::update_many()
            .col_expr(bid::Column::State, Expr::value(BidState::WITHDRAWN))
            .filter(bid::Column::Id.eq(b.id))
            .into_query(),
        input.version,
        Stamp::UpdatedAt,
    )
    .await?;
    let p = reread(&txn, b.project_id).await?;
    audit::record(
        &txn,
        who,
        Change {
            action: "purchase.bid_withdrawn",
            entity_type: "purchase_bid",
            entity_id: &b.id.to_string(),
            scope_path: &p.path,
            summary: json!({"project": p.number, "org": b.org_id}),
        },
    )
    .await?;
    let out = bid::Entity::find_by_id(b.id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(out)
}

/// A bid of an organization the actor bids for.
pub async fn own_bid(state: &AppState, actor: &Actor, id: &str) -> AppResult<bid::Model> {
    let id: uuid::Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    let b = bid::Entity::find_by_id(id)
        .one(&state.db.read)
        .await?
        .ok_or(AppError::NotFound)?;
    acting_org(state, actor, b.org_id)
        .await
        .map_err(|_| AppError::NotFound)?;
    Ok(b)
}

/// The fewest valid bids with which a procurement may go on to evaluation: three, except two
/// for competitive consultation of purchased services (财库〔2015〕124号) and one for a single
/// source.
pub fn fewest_bids(m: Method) -> usize {
    match m {
        Method::SingleSource => 1,
        Method::CompetitiveConsultation => 2,
        _ => 3,
    }
}

/// Opening (in the caller's transaction, after the project moved to `evaluating`): submitted
/// bids become valid; with too few, the procurement fails and its budget is released.
pub async fn open(
    conn: &impl ConnectionTrait,
    state: &AppState,
    actor: &Actor,
    who: &AuditActor,
    p: &project::Model,
) -> AppResult<()> {
    let res = bid::Entity::update_many()
        .col_expr(bid::Column::State, Expr::value(BidState::VALID))
        .col_expr(bid::Column::UpdatedAt, Expr::value(audit::now()))
        .col_expr(bid::Column::Version, Expr::col(bid::Column::Version).add(1))
        .filter(bid::Column::ProjectId.eq(p.id))
        .filter(bid::Column::State.eq(BidState::SUBMITTED))
        .exec(conn)
        .await?;
    // Each bidder's credit rating as it stands now is the past-performance part of its score.
    let model = crate::service::records::model(conn, &p.district).await?;
    let today = svc::today();
    let opened = bid::Entity::find()
        .filter(bid::Column::ProjectId.eq(p.id))
        .filter(bid::Column::State.eq(BidState::VALID))
        .all(conn)
        .await?;
    for b in &opened {
        let (inputs, _) = crate::service::records::inputs(conn, b.org_id, today).await?;
        let score = crate::domain::rating::rate(&model, &inputs, today).score;
        bid::Entity::update_many()
            .col_expr(bid::Column::CreditScore, Expr::value(score))
            .filter(bid::Column::Id.eq(b.id))
            .exec(conn)
            .await?;
    }
    let method = Method::parse(&p.method).unwrap_or(Method::OpenTender);
    let valid = res.rows_affected as usize;
    if valid < fewest_bids(method) {
        let reason = tr(
            "procurement.too_few_bids",
            &[
                ("count", valid.to_string()),
                ("min", fewest_bids(method).to_string()),
            ],
        );
        let m = Move {
            table: "proc_projects",
            id: p.id,
            state: &p.state,
            version: p.version,
            path: &p.path,
            org: None,
        };
        svc::step(conn, state, actor, who, &PROJECT, m, "fail", Some(&reason)).await?;
        crate::service::budget::release(conn, p.budget_line_id, Money::from_fen(p.budget_fen)).await?;
    }
    Ok(())
}

/// A project's bids as its purchaser (and supervisors) see them: only how many while sealed.
#[derive(Debug, serde::Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct BidsView {
    pub sealed: bool,
    pub count: u64,
    pub items: Vec<BidView>,
}

#[derive(Debug, serde::Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct BidView {
    pub id: uuid::Uuid,
    pub project_id: uuid::Uuid,
    pub org_id: uuid::Uuid,
    pub org_name: String,
    pub price_fen: i64,
    pub proposal: String,
    pub state: String,
    pub invalid_reason: String,
    pub seq: i32,
    pub submitted_at: chrono::DateTime<Utc>,
    pub eligibility: serde_json::Value,
    pub version: i32,
}

pub fn bid_view(b: bid::Model) -> BidView {
    BidView {
        id: b.id,
        project_id: b.project_id,
        org_id: b.org_id,
        org_name: b.org_name,
        price_fen: b.price_fen,
        proposal: b.proposal,
        state: b.state,
        invalid_reason: b.invalid_reason,
        seq: b.seq,
        submitted_at: b.submitted_at,
        eligibility: serde_json::from_str(&b.eligibility).unwrap_or_default(),
        version: b.version,
    }
}

pub async fn for_project(state: &AppState, actor: &Actor, project_id: &str) -> AppResult<BidsView> {
    let p = crate::service::projects::get(state, actor, project_id).await?;
    let s = bid::Entity::find()
        .filter(bid::Column::ProjectId.eq(p.id))
        .filter(bid::Column::State.ne(BidState::WITHDRAWN));
    use gongzhi_platform::sea_orm::PaginatorTrait;
    // Sealed until the opening: bids of a procurement cancelled before it stay unread.
    let sealed = p.state == ProjectState::TENDERING
        || p.notice_at.is_none()
        || !deadline_passed(&p)
        || s.clone()
            .filter(bid::Column::State.eq(BidState::SUBMITTED))
            .count(&state.db.read)
            .await?
            > 0;
    if sealed {
        return Ok(BidsView {
            sealed,
            count: s.count(&state.db.read).await?,
            items: Vec::new(),
        });
    }
    let rows = s.order_by_asc(bid::Column::Seq).all(&state.db.read).await?;
    Ok(BidsView {
        sealed,
        count: rows.len() as u64,
        items: rows.into_iter().map(bid_view).collect(),
    })
}

#[derive(Debug, serde::Deserialize, gongzhi_platform::utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgBidsQuery {
    /// Rows per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An organization's own bids, newest first.
pub async fn of_org(
    state: &AppState,
    actor: &Actor,
    org: uuid::Uuid,
    q: &OrgBidsQuery,
) -> AppResult<Page<bid::Model>> {
    let o = acting_org(state, actor, org).await?;
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor.clone(),
    };
    let limit = page.limit()?;
    let after: Option<uuid::Uuid> = page.decode()?;
    let mut s = bid::Entity::find().filter(bid::Column::OrgId.eq(o.id));
    if let Some(id) = after {
        s = s.filter(bid::Column::Id.lt(id));
    }
    let rows = s
        .order_by_desc(bid::Column::Id)
        .limit(limit + 1)
        .all(&state.db.read)
        .await?;
    Ok(Page::from_rows(rows, limit, |b| b.id))
}

/// Bids in (not withdrawn) on a project.
pub async fn count(conn: &impl ConnectionTrait, project: uuid::Uuid) -> AppResult<u64> {
    use gongzhi_platform::sea_orm::PaginatorTrait;
    Ok(bid::Entity::find()
        .filter(bid::Column::ProjectId.eq(project))
        .filter(bid::Column::State.ne(BidState::WITHDRAWN))
        .count(conn)
        .await?)
}
