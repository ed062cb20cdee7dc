//! Work queues: what waits for the caller, by role. A community sees its needs; a street (and
//! the district, over all streets, with totals) sees projects to approve, notices to open,
//! evaluations, awards to sign, challenges to answer, milestones to review, payments due and
//! contracts to accept and evaluate; an organization sees open notices it qualifies for, its
//! bids and its milestones; a reviewer its seats; an evaluator its assignments. Each section
//! counts everything and lists the first few, oldest deadline first.

use std::collections::HashMap;

use chrono::NaiveDate;
use gongzhi_kernel::authz::{Actor, ScopeFilter};
use gongzhi_platform::authz::scope_condition;
use gongzhi_platform::sea_orm::sea_query::{Expr, ExprTrait, Query};
use gongzhi_platform::sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Select,
};
use gongzhi_platform::web::{AppResult, AppState};

use crate::store::entity::{bid, budget_line, challenge, contract, milestone, need, project, reviewer};
use crate::{
    PURCHASE_APPROVE, PURCHASE_BID, PURCHASE_EVALUATE, PURCHASE_MANAGE, PURCHASE_NEED,
    PURCHASE_READ, PURCHASE_REVIEW};
use crate::domain::{ChallengeState, ContractState, MilestoneState, NeedState, ProjectState, SeatState};

/// How many items a section lists.
pub const SHOWN: u64 = 20;

#[derive(Debug, Clone, serde::Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct Item {
    /// need / project / challenge / milestone / contract / bid / seat
    pub kind: &'static str,
    pub id: uuid::Uuid,
    pub title: String,
    pub number: String,
    pub state: String,
    pub due: Option<NaiveDate>,
    pub amount_fen: Option<i64>,
    /// The page where the item is dealt with.
    pub link: String,
}

#[derive(Debug, Clone, serde::Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct Section {
    /// e.g. `to_approve`; the page's heading is `procurement.queue.<key>`.
    pub key: &'static str,
    pub count: u64,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, serde::Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct Totals {
    /// Projects by state.
    pub projects: Vec<(String, u64)>,
    pub budget_fen: i64,
    pub committed_fen: i64,
    pub spent_fen: i64,
}

#[derive(Debug, Clone, serde::Serialize, gongzhi_platform::utoipa::ToSchema)]
pub struct Queue {
    pub sections: Vec<Section>,
    /// For those who see a whole street or the district.
    pub totals: Option<Totals>,
}

fn project_item(p: project::Model, due: Option<NaiveDate>) -> Item {
    Item {
        link: format!("/purchase/projects/{}", p.id),
        kind: "project",
        id: p.id,
        title: p.title,
        number: p.number,
        state: p.state,
        due,
        amount_fen: Some(p.budget_fen),
    }
}

/// The numbers of the projects some items belong to, for the rows that show them.
async fn project_numbers(
    conn: &impl gongzhi_platform::sea_orm::ConnectionTrait,
    ids: impl Iterator<Item = uuid::Uuid>,
) -> AppResult<HashMap<uuid::Uuid, String>> {
    Ok(project::Entity::find()
        .filter(project::Column::Id.is_in(ids.collect::<Vec<_>>()))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.number))
        .collect())
}

/// The numbers of the contracts some milestones belong to.
async fn contract_numbers(
    conn: &impl gongzhi_platform::sea_orm::ConnectionTrait,
    ids: impl Iterator<Item = uuid::Uuid>,
) -> AppResult<HashMap<uuid::Uuid, String>> {
    Ok(contract::Entity::find()
        .filter(contract::Column::Id.is_in(ids.collect::<Vec<_>>()))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.number))
        .collect())
}

async fn projects_section(
    state: &AppState,
    key: &'static str,
    q: Select<project::Entity>,
    due: impl Fn(&project::Model) -> Option<NaiveDate>,
) -> AppResult<Section> {
    let conn = &state.db.read;
    let count = q.clone().count(conn).await?;
    let rows = q.limit(SHOWN).all(conn).await?;
    Ok(Section {
        key,
        count,
        items: rows
            .into_iter()
            .map(|p| {
                let d = due(&p);
                project_item(p, d)
            })
            .collect(),
    })
}

/// The projects under `filter`, as a subquery of ids.
fn projects_in(filter: &ScopeFilter) -> gongzhi_platform::sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(project::Column::Id)
        .from(project::Entity)
        .cond_where(scope_condition(
            filter,
            (project::Entity, project::Column::Path),
        ))
        .to_owned()
}

pub async fn queue(state: &AppState, actor: &Actor, node: Option<&str>) -> AppResult<Queue> {
    build(state, actor, node, true).await
}

/// The sections alone, for the shared desk: the totals over every project are the work queue
/// page's, not the desk's.
pub async fn sections(state: &AppState, actor: &Actor) -> AppResult<Vec<Section>> {
    Ok(build(state, actor, None, false).await?.sections)
}

async fn build(
    state: &AppState,
    actor: &Actor,
    node: Option<&str>,
    with_totals: bool,
) -> AppResult<Queue> {
    let mut sections = Vec::new();
    // The part of each permission's scope inside the node asked for: a community admin
    // looking at their community holds no street permission there.
    let narrow = |f: ScopeFilter, path: &Option<String>| match path {
        Some(node) => ScopeFilter {
            paths: f
                .paths
                .iter()
                .filter_map(|granted| {
                    if node.starts_with(granted.as_str()) {
                        Some(node.clone())
                    } else if granted.starts_with(node.as_str()) {
                        Some(granted.clone())
                    } else {
                        None
                    }
                })
                .collect(),
            orgs: Vec::new(),
        },
        None => f,
    };
    let path = crate::service::subtree(state, actor, node).await?;
    let manage = narrow(state.policy.scope_filter(actor, PURCHASE_MANAGE), &path);
    let need_scope = narrow(state.policy.scope_filter(actor, PURCHASE_NEED), &path);
    let today = crate::service::today();
    if !need_scope.paths.is_empty() {
        let q = need::Entity::find()
            .filter(scope_condition(&need_scope, need::Column::Path))
            .filter(need::Column::State.eq(NeedState::RAISED))
            .order_by_asc(need::Column::Id);
        let count = q.clone().count(&state.db.read).await?;
        let rows = q.limit(SHOWN).all(&state.db.read).await?;
        sections.push(Section {
            key: if manage.paths.is_empty() {
                "my_needs"
            } else {
                "needs_raised"
            },
            count,
            items: rows
                .into_iter()
                .map(|n| Item {
                    // The street turns a need into a project or declines it; the community
                    // follows it on the project once adopted.
                    link: if manage.paths.is_empty() {
                        n.project_id
                            .map(|p| format!("/purchase/projects/{p}"))
                            .unwrap_or_default()
                    } else {
                        format!("/purchase/projects/new?need={}", n.id)
                    },
                    kind: "need",
                    id: n.id,
                    title: n.title,
                    number: n.node_code,
                    state: n.state,
                    due: None,
                    amount_fen: None,
                })
                .collect(),
        });
    }
    if !manage.paths.is_empty() {
        let approve = narrow(state.policy.scope_filter(actor, PURCHASE_APPROVE), &path);
        sections.extend(street_sections(state, &manage, &approve).await?);
    }
    let orgs = state.policy.scope_filter(actor, PURCHASE_BID).orgs;
    for o in orgs {
        sections.extend(org_sections(state, o.0, today).await?);
    }
    if !state
        .policy
        .scope_filter(actor, PURCHASE_REVIEW)
        .paths
        .is_empty()
    {
        sections.push(review_section(state, actor).await?);
    }
    if !state
        .policy
        .scope_filter(actor, PURCHASE_EVALUATE)
        .paths
        .is_empty()
    {
        let q = contract::Entity::find()
            .filter(contract::Column::EvaluatorId.eq(actor.user_id.0))
            .filter(contract::Column::State.eq(ContractState::ACCEPTED))
            .order_by_asc(contract::Column::EndsOn);
        let s = contracts_section(state, "my_assignments", q).await?;
        // A street evaluates its own contracts from `to_evaluate`; a third party has this.
        if s.count > 0 || manage.paths.is_empty() {
            sections.push(s);
        }
    }
    let read = narrow(state.policy.scope_filter(actor, PURCHASE_READ), &path);
    let totals = if read.paths.is_empty() || !with_totals {
        None
    } else {
        Some(totals(state, &read).await?)
    };
    Ok(Queue { sections, totals })
}

/// A street's (or the district's) work: projects to approve, publish, open, watch and sign;
/// challenges to answer; milestones to review and pay; contracts in delivery and to evaluate.
async fn street_sections(
    state: &AppState,
    manage: &ScopeFilter,
    approve: &ScopeFilter,
) -> AppResult<Vec<Section>> {
    let mut out = Vec::new();
    let in_scope =
        || project::Entity::find().filter(scope_condition(manage, project::Column::Path));
    if !approve.paths.is_empty() {
        let q = project::Entity::find()
            .filter(scope_condition(approve, project::Column::Path))
            .filter(project::Column::State.eq(ProjectState::SUBMITTED))
            .order_by_asc(project::Column::Id);
        out.push(projects_section(state, "to_approve", q, |_| None).await?);
    }
    let q = in_scope()
        .filter(project::Column::State.eq(ProjectState::APPROVED))
        .order_by_asc(project::Column::Id);
    out.push(projects_section(state, "to_publish", q, |_| None).await?);
    let q = in_scope()
        .filter(project::Column::State.eq(ProjectState::TENDERING))
        .filter(project::Column::SubmitUntil.lte(gongzhi_platform::clock::now()))
        .order_by_asc(project::Column::SubmitUntil);
    out.push(projects_section(state, "to_open", q, |_| None).await?);
    let q = in_scope()
        .filter(project::Column::State.eq(ProjectState::EVALUATING))
        .order_by_asc(project::Column::SubmitUntil);
    out.push(projects_section(state, "evaluating", q, |_| None).await?);
    let q = in_scope()
        .filter(project::Column::State.eq(ProjectState::AWARDED))
        .order_by_asc(project::Column::SignBy);
    out.push(projects_section(state, "to_sign", q, |p| p.sign_by).await?);

    let q = challenge::Entity::find()
        .filter(challenge::Column::ProjectId.in_subquery(projects_in(manage)))
        .filter(challenge::Column::State.eq(ChallengeState::OPEN))
        .order_by_asc(challenge::Column::AnswerDue);
    let count = q.clone().count(&state.db.read).await?;
    let rows = q.limit(SHOWN).all(&state.db.read).await?;
    let numbers = project_numbers(&state.db.read, rows.iter().map(|c| c.project_id)).await?;
    out.push(Section {
        key: "challenges",
        count,
        items: rows
            .into_iter()
            .map(|c| Item {
                link: format!("/purchase/projects/{}#challenges", c.project_id),
                kind: "challenge",
                id: c.id,
                title: c.grounds.chars().take(60).collect(),
                number: numbers.get(&c.project_id).cloned().unwrap_or_default(),
                state: c.state,
                due: Some(c.answer_due),
                amount_fen: None,
            })
            .collect(),
    });
    let contracts_in = Query::select()
        .column(contract::Column::Id)
        .from(contract::Entity)
        .cond_where(scope_condition(
            manage,
            (contract::Entity, contract::Column::Path),
        ))
        .and_where(Expr::col((contract::Entity, contract::Column::State)).eq(ContractState::IN_FORCE))
        .to_owned();
    for (key, cond) in [
        (
            "milestones_to_review",
            Condition::all().add(milestone::Column::State.eq(MilestoneState::SUBMITTED)),
        ),
        (
            "payments_due",
            Condition::all()
                .add(milestone::Column::State.eq(MilestoneState::ACCEPTED))
                .add(
                    Expr::col(milestone::Column::PaidFen)
                        .lt(Expr::col(milestone::Column::ShareFen)),
                ),
        ),
    ] {
        let q = milestone::Entity::find()
            .filter(milestone::Column::ContractId.in_subquery(contracts_in.clone()))
            .filter(cond)
            .order_by_asc(milestone::Column::DueOn);
        let count = q.clone().count(&state.db.read).await?;
        let rows = q.limit(SHOWN).all(&state.db.read).await?;
        let numbers =
            contract_numbers(&state.db.read, rows.iter().map(|m| m.contract_id)).await?;
        out.push(Section {
            key,
            count,
            items: rows
                .into_iter()
                .map(|m| Item {
                    link: format!("/purchase/contracts/{}", m.contract_id),
                    kind: "milestone",
                    id: m.id,
                    title: m.title,
                    number: numbers.get(&m.contract_id).cloned().unwrap_or_default(),
                    state: m.state,
                    due: Some(m.due_on),
                    amount_fen: Some(m.share_fen - m.paid_fen),
                })
                .collect(),
        });
    }
    for (key, st) in [
        ("in_delivery", ContractState::IN_FORCE),
        ("to_evaluate", ContractState::ACCEPTED),
    ] {
        let q = contract::Entity::find()
            .filter(scope_condition(manage, contract::Column::Path))
            .filter(contract::Column::State.eq(st))
            .order_by_asc(contract::Column::EndsOn);
        out.push(contracts_section(state, key, q).await?);
    }
    Ok(out)
}

/// The reviewer's seats on panels still evaluating.
async fn review_section(state: &AppState, actor: &Actor) -> AppResult<Section> {
    let seats = reviewer::Entity::find()
        .filter(reviewer::Column::UserId.eq(actor.user_id.0))
        .filter(reviewer::Column::State.is_in([SeatState::DRAWN, SeatState::SEATED]))
        .order_by_desc(reviewer::Column::CreatedAt)
        .all(&state.db.read)
        .await?;
    let ids: Vec<uuid::Uuid> = seats.iter().map(|s| s.project_id).collect();
    let open: HashMap<uuid::Uuid, project::Model> = project::Entity::find()
        .filter(project::Column::Id.is_in(ids))
        .filter(project::Column::State.eq(ProjectState::EVALUATING))
        .all(&state.db.read)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let items: Vec<Item> = seats
        .into_iter()
        .filter_map(|s| {
            open.get(&s.project_id).map(|p| Item {
                link: format!("/purchase/reviews/{}", s.id),
                kind: "seat",
                id: s.id,
                title: p.title.clone(),
                number: p.number.clone(),
                state: s.state,
                due: None,
                amount_fen: None,
            })
        })
        .collect();
    Ok(Section {
        key: "my_reviews",
        count: items.len() as u64,
        items,
    })
}

async fn contracts_section(
    state: &AppState,
    key: &'static str,
    q: Select<contract::Entity>,
) -> AppResult<Section> {
    let count = q.clone().count(&state.db.read).await?;
    let rows = q.limit(SHOWN).all(&state.db.read).await?;
    Ok(Section {
        key,
        count,
        items: rows
            .into_iter()
            .map(|c| Item {
                link: format!("/purchase/contracts/{}", c.id),
                kind: "contract",
                id: c.id,
                title: c.org_name,
                number: c.number,
                state: c.state,
                due: Some(c.ends_on),
                amount_fen: Some(c.price_fen),
            })
            .collect(),
    })
}

/// An organization's sections: open notices it qualifies for, its bids, its milestones.
async fn org_sections(
    state: &AppState,
    org: uuid::Uuid,
    today: NaiveDate,
) -> AppResult<Vec<Section>> {
    let conn = &state.db.read;
    let Some(o) = gongzhi_orgs::face::card(conn, org).await?
    else {
        return Ok(Vec::new());
    };
    let provider = gongzhi_catalog::face::provider(conn, o.id, today).await?;
    let notices = project::Entity::find()
        .filter(project::Column::District.eq(&o.scope_district))
        .filter(project::Column::State.eq(ProjectState::TENDERING))
        .filter(project::Column::SubmitUntil.gt(gongzhi_platform::clock::now()))
        .order_by_asc(project::Column::SubmitUntil)
        .limit(200)
        .all(conn)
        .await?;
    // One snapshot per catalog version the open notices were drawn up under.
    let mut snaps: HashMap<i32, Option<gongzhi_catalog::face::Snapshot>> = HashMap::new();
    let mut open = Vec::new();
    for p in notices {
        if let std::collections::hash_map::Entry::Vacant(slot) = snaps.entry(p.catalog_version) {
            slot.insert(
                gongzhi_catalog::face::version(conn, &o.scope_district, p.catalog_version).await?,
            );
        }
        let invited: Vec<uuid::Uuid> = serde_json::from_str(&p.invited).unwrap_or_default();
        let admits = snaps
            .get(&p.catalog_version)
            .and_then(|s| s.as_ref())
            .and_then(|s| s.items.get(&p.item_code))
            .is_some_and(|i| i.criteria.admits(&provider.facts, today).is_some());
        if admits && (invited.is_empty() || invited.contains(&o.id)) {
            let due = p.submit_until.map(crate::service::notices::china_day);
            let mut item = project_item(p, due);
            item.link = format!("/purchase/notices/{}?org={}", item.id, o.id);
            open.push(item);
        }
    }
    let bids = bid::Entity::find()
        .filter(bid::Column::OrgId.eq(o.id))
        .order_by_desc(bid::Column::Id)
        .limit(SHOWN)
        .all(conn)
        .await?;
    let bid_count = bid::Entity::find()
        .filter(bid::Column::OrgId.eq(o.id))
        .count(conn)
        .await?;
    let titles: HashMap<uuid::Uuid, (String, String)> = project::Entity::find()
        .filter(project::Column::Id.is_in(bids.iter().map(|b| b.project_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, (p.title, p.number)))
        .collect();
    let mine = Query::select()
        .column(contract::Column::Id)
        .from(contract::Entity)
        .and_where(Expr::col(contract::Column::OrgId).eq(o.id))
        .and_where(Expr::col(contract::Column::State).eq(ContractState::IN_FORCE))
        .to_owned();
    let q = milestone::Entity::find()
        .filter(milestone::Column::ContractId.in_subquery(mine))
        .filter(milestone::Column::State.is_in([MilestoneState::PLANNED, MilestoneState::REJECTED]))
        .order_by_asc(milestone::Column::DueOn);
    let ms_count = q.clone().count(conn).await?;
    let ms = q.limit(SHOWN).all(conn).await?;
    let numbers = contract_numbers(conn, ms.iter().map(|m| m.contract_id)).await?;
    Ok(vec![
        Section {
            key: "open_notices",
            count: open.len() as u64,
            items: open.into_iter().take(SHOWN as usize).collect(),
        },
        Section {
            key: "my_bids",
            count: bid_count,
            items: bids
                .into_iter()
                .map(|b| {
                    let (title, number) = titles.get(&b.project_id).cloned().unwrap_or_default();
                    Item {
                        link: format!("/purchase/notices/{}?org={}", b.project_id, o.id),
                        kind: "bid",
                        id: b.id,
                        title,
                        number,
                        state: b.state,
                        due: None,
                        amount_fen: Some(b.price_fen),
                    }
                })
                .collect(),
        },
        Section {
            key: "my_milestones",
            count: ms_count,
            items: ms
                .into_iter()
                .map(|m| Item {
                    link: format!("/purchase/contracts/{}", m.contract_id),
                    kind: "milestone",
                    id: m.id,
                    title: m.title,
                    number: numbers.get(&m.contract_id).cloned().unwrap_or_default(),
                    state: m.state,
                    due: Some(m.due_on),
                    amount_fen: Some(m.share_fen),
                })
                .collect(),
        },
    ])
}

async fn totals(state: &AppState, read: &ScopeFilter) -> AppResult<Totals> {
    let conn = &state.db.read;
    let projects: Vec<(String, i64)> = project::Entity::find()
        .select_only()
        .column(project::Column::State)
        .column_as(project::Column::Id.count(), "n")
        .filter(scope_condition(read, project::Column::Path))
        .group_by(project::Column::State)
        .into_tuple()
        .all(conn)
        .await?;
    let sums: Option<(Option<i64>, Option<i64>, Option<i64>)> = budget_line::Entity::find()
        .select_only()
        .column_as(sum(budget_line::Column::AmountFen), "a")
        .column_as(sum(budget_line::Column::CommittedFen), "c")
        .column_as(sum(budget_line::Column::SpentFen), "s")
        .filter(scope_condition(read, budget_line::Column::Path))
        .into_tuple()
        .one(conn)
        .await?;
    let (a, c, s) = sums.unwrap_or((None, None, None));
    let mut projects: Vec<(String, u64)> =
        projects.into_iter().map(|(k, n)| (k, n as u64)).collect();
    projects.sort();
    Ok(Totals {
        projects,
        budget_fen: a.unwrap_or(0),
        committed_fen: c.unwrap_or(0),
        spent_fen: s.unwrap_or(0),
    })
}

/// `SUM` of a money column as a 64-bit integer on both databases (PostgreSQL sums bigints as
/// numeric).
pub fn sum(
    c: impl gongzhi_platform::sea_orm::sea_query::IntoColumnRef,
) -> gongzhi_platform::sea_orm::sea_query::SimpleExpr {
    use gongzhi_platform::sea_orm::sea_query::Alias;
    Expr::col(c).sum().cast_as(Alias::new("BIGINT"))
}
