//! Demo data for the purchase of services: budget lines for every street, needs from the
//! communities, and about forty projects spread over every stage, each taken there through the
//! same services the pages and the API use (deadlines and standstills that would take weeks are
//! moved into the past directly, as if the time had passed): drafts, approvals, open notices
//! with bids and a clarification, evaluations with their panels, awards (one with an open
//! challenge), contracts in delivery with reports, payments and visits, evaluated contracts
//! graded 优/良/中, one terminated contract, one failed and one cancelled process.

use chrono::{Duration, NaiveDate};
use gongzhi_kernel::authz::{Actor, Grant, Role, Scope};
use gongzhi_kernel::id::{OrgId, UserId};
use gongzhi_orgs::face::{self as registry, Find, OrgCard};
use gongzhi_platform::AppState;
use gongzhi_platform::audit::AuditActor;
use gongzhi_platform::entity::{territory, user};
use gongzhi_platform::identity::{self, NewUser};
use gongzhi_platform::module::DemoAccounts;
use gongzhi_platform::sea_orm::sea_query::Expr;
use gongzhi_platform::sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};

use crate::service::bids::BidInput;
use crate::service::budget::LineInput;
use crate::service::contracts::{AcceptanceInput, ContractInput, MilestoneInput, MilestoneReview};
use crate::domain::{PreAssessment, Target};
use crate::store::entity::{contract, project};
use crate::service::needs::NeedInput;
use crate::service::notices::{ClarificationInput, NoticeInput, QuestionInput};
use crate::service::panel::{DeclarationInput, DrawInput, ScoreLine, ScoreSheet};
use crate::service::performance::{EvaluationInput, SurveyInput, TargetResult};
use crate::service::projects::{ProjectInput, TransitionInput};

/// Items open to filed and registered organizations alike: (code, budget in yuan, quantity).
const ITEMS: [(&str, i64, i32); 9] = [
    ("A05-01", 48_000, 16),
    ("A05-04", 36_000, 12),
    ("A01-04", 120_000, 600),
    ("A01-07", 86_000, 240),
    ("A02-06", 64_000, 30),
    ("A05-03", 30_000, 20),
    ("B01-06", 72_000, 24),
    ("B05-01", 95_000, 10),
    ("E01-01", 58_000, 8),
];

/// The stage each of a street's ten projects is taken to.
const STAGES: [&str; 10] = [
    "draft",
    "submitted",
    "approved",
    "tendering",
    "tendering",
    "evaluating",
    "awarded",
    "contracted",
    "contracted",
    "completed",
];

struct Ctx<'a> {
    state: &'a AppState,
    who: AuditActor,
    street: Actor,
    experts: Vec<Actor>,
    bidders: Vec<OrgCard>,
    line: uuid::Uuid,
    start: NaiveDate,
}

fn org_actor(o: &OrgCard) -> Actor {
    Actor {
        user_id: UserId(uuid::Uuid::nil()),
        username: "demo".into(),
        grants: vec![Grant {
            role: Role::OrgAdmin,
            scope: Scope::Org {
                org_id: OrgId(o.id),
            },
            home_path: o.path.clone(),
        }],
    }
}

async fn actor_of(state: &AppState, username: &str) -> anyhow::Result<Actor> {
    let u = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&state.db.read)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no demo account {username}"))?;
    Ok(gongzhi_platform::authz::load_actor(&state.db.read, u.id, &u.username).await?)
}

fn err(e: gongzhi_platform::web::AppError) -> anyhow::Error {
    anyhow::anyhow!("purchase demo: {e:?}")
}

pub async fn demo(state: &AppState, demo: &mut DemoAccounts) -> anyhow::Result<()> {
    let db = &state.db.read;
    if project::Entity::find().count(db).await? > 0 {
        return Ok(());
    }
    let Some(district) = territory::Entity::find()
        .filter(territory::Column::Level.eq("district"))
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let who = AuditActor::system("demo");
    // Six experts for the panels besides qu.reviewer.
    let mut experts = Vec::new();
    for n in 1..=6 {
        let name = format!("expert{n}");
        let u = identity::create_user(
            &state.db.write,
            &who,
            NewUser {
                username: name.clone(),
                password: demo.password.clone(),
                display_name: format!("评审专家{n}"),
                phone: None,
                home_code: district.code.clone(),
            },
            &district,
        )
        .await
        .map_err(err)?;
        let scope = identity::resolve_territory_scope(db, Role::Reviewer, &district.code)
            .await
            .map_err(err)?;
        identity::grant_role_unchecked(&state.db, &who, &u, Role::Reviewer, scope)
            .await
            .map_err(err)?;
        demo.accounts.push((
            name.clone(),
            Role::Reviewer.as_str().into(),
            district.name.clone(),
        ));
        experts.push(actor_of(state, &name).await?);
    }
    // qu.reviewer is in the same pool.
    if let Ok(a) = actor_of(state, "qu.reviewer").await {
        experts.push(a);
    }
    let today = crate::service::today();
    let start = today + Duration::days(45);
    let streets = territory::Entity::find()
        .filter(territory::Column::Level.eq("street"))
        .order_by_asc(territory::Column::Code)
        .all(db)
        .await?;
    let mut n = 0usize;
    for (si, s) in streets.iter().enumerate() {
        let short = match si {
            0 => "shatoujiao",
            1 => "haishan",
            2 => "yantian",
            _ => "meisha",
        };
        let Ok(street) = actor_of(state, &format!("{short}.admin")).await else {
            continue;
        };
        let candidates = registry::find(
            db,
            Find {
                under: Some(&s.path),
                states: &["filed", "active"],
                tiers: &["registered", "filed"],
                limit: Some(40),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
        // Organizations in good standing (the demo registry has some on the lists).
        let mut bidders = Vec::new();
        for o in candidates {
            let f = gongzhi_catalog::face::provider(db, o.id, today)
                .await
                .map_err(err)?
                .facts;
            if f.in_good_order && !f.serious && !f.abnormal {
                bidders.push(o);
            }
        }
        // 田东社区爱心互助会 (aixin.admin) bids in its street.
        bidders.sort_by_key(|o| !o.name.contains("爱心互助会"));
        bidders.truncate(4);
        if bidders.len() < 3 {
            continue;
        }
        let mut line = None;
        for (year, source, title, yuan) in [
            (
                start.format("%Y").to_string().parse::<i32>()?,
                "general_budget",
                "社区服务购买经费",
                1_800_000,
            ),
            (
                start.format("%Y").to_string().parse::<i32>()?,
                "lottery_fund",
                "福彩公益金项目经费",
                400_000,
            ),
        ] {
            let l = crate::service::budget::create(
                state,
                &street,
                &who,
                &LineInput {
                    node: s.code.clone(),
                    year,
                    source: source.into(),
                    title: title.into(),
                    amount_fen: yuan * 100,
                },
            )
            .await
            .map_err(err)?;
            line.get_or_insert(l.id);
        }
        let ctx = Ctx {
            state,
            who: who.clone(),
            street,
            experts: experts.clone(),
            bidders,
            line: line.expect("two lines"),
            start,
        };
        let needs = needs(&ctx, s).await?;
        for (pi, stage) in STAGES.iter().enumerate() {
            let item = ITEMS[(si * 3 + pi) % ITEMS.len()];
            let adopt = if pi == 0 { needs.clone() } else { Vec::new() };
            let p = project_at(&ctx, s, item, stage, adopt, n).await?;
            n += 1;
            // The street's special cases.
            match (si, pi) {
                (1, 6) => challenge(&ctx, &p).await?,
                (0, 8) => terminate(&ctx, &p).await?,
                _ => {}
            }
        }
        // One process that fails (a single bid) and one cancelled after approval.
        if si == 2 {
            fail_one(&ctx, s, ITEMS[4]).await?;
        }
        if si == 3 {
            let p = project_at(&ctx, s, ITEMS[5], "approved", Vec::new(), n).await?;
            step(&ctx, &p, "cancel", Some("需求已由社区自行解决")).await?;
        }
    }
    Ok(())
}

async fn needs(ctx: &Ctx<'_>, street: &territory::Model) -> anyhow::Result<Vec<uuid::Uuid>> {
    let communities = territory::Entity::find()
        .filter(territory::Column::Level.eq("community"))
        .filter(territory::Column::Path.starts_with(&street.path))
        .order_by_asc(territory::Column::Code)
        .all(&ctx.state.db.read)
        .await?;
    let mut out = Vec::new();
    for (i, c) in communities.iter().take(3).enumerate() {
        let (title, description, evidence, residents) = [
            (
                "长者文体活动",
                "社区长者希望每月有固定的文体活动",
                "入户走访 120 户，九成表示需要",
                108,
            ),
            (
                "青少年暑期托管",
                "双职工家庭希望暑期有看护和课业辅导",
                "家长问卷 86 份，七成需要",
                61,
            ),
            (
                "邻里议事会培育",
                "居民希望有议事平台商量小区公共事务",
                "居民议事会议纪要三份",
                45,
            ),
        ][i];
        let n = crate::service::needs::raise(
            ctx.state,
            &ctx.street,
            &ctx.who,
            &NeedInput {
                node: c.code.clone(),
                title: title.into(),
                description: description.into(),
                evidence: evidence.into(),
                residents,
                item_code: String::new(),
            },
        )
        .await
        .map_err(err)?;
        out.push(n.id);
    }
    // The first need becomes a project; the others wait for the street.
    Ok(out.into_iter().take(1).collect())
}

async fn step(
    ctx: &Ctx<'_>,
    p: &project::Model,
    t: &str,
    reason: Option<&str>,
) -> anyhow::Result<project::Model> {
    let fresh = crate::service::projects::reread(&ctx.state.db.read, p.id)
        .await
        .map_err(err)?;
    crate::service::projects::decide(
        ctx.state,
        &ctx.street,
        &ctx.who,
        &fresh.id.to_string(),
        &TransitionInput {
            transition: t.into(),
            reason: reason.map(str::to_string),
            version: fresh.version,
        },
    )
    .await
    .map_err(err)
}

async fn set(
    ctx: &Ctx<'_>,
    id: uuid::Uuid,
    col: project::Column,
    v: impl Into<gongzhi_platform::sea_orm::Value>,
) -> anyhow::Result<()> {
    project::Entity::update_many()
        .col_expr(col, Expr::value(v.into()))
        .filter(project::Column::Id.eq(id))
        .exec(&ctx.state.db.write)
        .await?;
    Ok(())
}

/// A project of `item` taken to `stage`.
async fn project_at(
    ctx: &Ctx<'_>,
    s: &territory::Model,
    (code, yuan, quantity): (&str, i64, i32),
    stage: &str,
    needs: Vec<uuid::Uuid>,
    n: usize,
) -> anyhow::Result<project::Model> {
    let budget = yuan * 100;
    let consultation = n % 3 == 1;
    let input = ProjectInput {
        node: s.code.clone(),
        title: String::new(),
        item_code: code.into(),
        needs,
        scope: format!(
            "在{}辖区提供本项服务，服务对象以社区居民为主，按服务标准执行并留存记录",
            s.name
        ),
        quantity,
        unit: String::new(),
        period_start: ctx.start,
        period_end: ctx.start + Duration::days(330),
        budget_fen: budget,
        budget_line_id: ctx.line,
        targets: None,
        pre_assessment: PreAssessment {
            necessity: "居民需求调查显示需求集中且持续".into(),
            feasibility: "辖区内有多家具备承接能力的社会组织".into(),
            cost_basis: "按目录指导价和上年度同类项目测算".into(),
            risks: "承接机构人员流动可能影响服务连续性".into(),
            ..Default::default()
        },
        method: if consultation {
            "competitive_consultation"
        } else {
            "open_tender"
        }
        .into(),
        justification: if consultation {
            "服务方案需与承接机构磋商细化，适用竞争性磋商".into()
        } else {
            String::new()
        },
        approval_ref: String::new(),
        invited: Vec::new(),
        rubric: None,
    };
    // Title and unit come from the catalog item.
    let item = {
        let (_, snap) = gongzhi_catalog::face::in_force(
            &ctx.state.db.read,
            &s.district_code,
            crate::service::today(),
        )
        .await
        .map_err(err)?
        .ok_or_else(|| anyhow::anyhow!("no catalog in force"))?;
        snap.items
            .get(code)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no item {code}"))?
    };
    let input = ProjectInput {
        title: format!("{}{}项目", s.name.trim_end_matches("街道"), item.name),
        unit: item.unit.clone(),
        targets: if item.indicators.iter().any(|i| i.target.trim().is_empty())
            || item.indicators.is_empty()
        {
            Some(vec![
                Target {
                    name: "服务人次".into(),
                    target: format!("≥ {} 人次", quantity * 20),
                },
                Target {
                    name: "服务对象满意度".into(),
                    target: "≥ 90%".into(),
                },
            ])
        } else {
            None
        },
        ..input
    };
    let p = crate::service::projects::create(ctx.state, &ctx.street, &ctx.who, &input)
        .await
        .map_err(err)?;
    if stage == "draft" {
        return Ok(p);
    }
    let p = step(ctx, &p, "submit", None).await?;
    if stage == "submitted" {
        return Ok(p);
    }
    let p = step(ctx, &p, "approve", Some("经街道办主任办公会研究同意")).await?;
    if stage == "approved" {
        return Ok(p);
    }
    let today = crate::service::today();
    let days = if consultation { 12 } else { 22 };
    let p = crate::service::notices::publish(
        ctx.state,
        &ctx.street,
        &ctx.who,
        &p.id.to_string(),
        &NoticeInput {
            enquiry_until: today + Duration::days(days - 5),
            submit_until: (today + Duration::days(days))
                .and_hms_opt(1, 30, 0)
                .expect("a time")
                .and_utc()
                .fixed_offset(),
            notice_text: format!(
                "{}拟采购{}，预算 {} 元。欢迎符合准入标准的社会组织在截止时间前提交响应文件。",
                s.name, p.title, yuan
            ),
        },
        p.version,
    )
    .await
    .map_err(err)?;
    // Bids: three (or all) of the street's organizations, cheapest last.
    let count = if stage == "tendering" {
        2
    } else {
        ctx.bidders.len().min(3)
    };
    let mut bids = Vec::new();
    for (i, o) in ctx.bidders.iter().take(count).enumerate() {
        let b = crate::service::bids::submit(
            ctx.state,
            &org_actor(o),
            &ctx.who,
            &p.id.to_string(),
            &BidInput {
                org: o.id,
                price_fen: budget - (budget / 20) * i as i64,
                proposal: format!("{}的服务方案：团队、进度安排、质量保障和应急预案", o.name),
            },
        )
        .await
        .map_err(err)?;
        bids.push(b);
    }
    if stage == "tendering" {
        if n.is_multiple_of(2) {
            let o = &ctx.bidders[0];
            let q = crate::service::notices::ask(
                ctx.state,
                &org_actor(o),
                &ctx.who,
                &p.id.to_string(),
                &QuestionInput {
                    org: o.id,
                    question: "服务场地是否由社区提供？".into(),
                },
            )
            .await
            .map_err(err)?;
            crate::service::notices::clarify(
                ctx.state,
                &ctx.street,
                &ctx.who,
                &p.id.to_string(),
                &ClarificationInput {
                    question: Some(q.id),
                    answer: "服务场地由社区党群服务中心提供，承接机构负责布置和清洁。".into(),
                },
            )
            .await
            .map_err(err)?;
        }
        return Ok(p);
    }
    set(
        ctx,
        p.id,
        project::Column::SubmitUntil,
        gongzhi_platform::clock::now() - Duration::minutes(5),
    )
    .await?;
    let p = step(ctx, &p, "open", None).await?;
    // The panel: odd, five for tenders, three for consultations; all declare and score.
    let size = if p.method == "open_tender" { 5 } else { 3 };
    crate::service::panel::draw(
        ctx.state,
        &ctx.street,
        &ctx.who,
        &p.id.to_string(),
        &DrawInput { size },
    )
    .await
    .map_err(err)?;
    let seats = crate::service::panel::members(&ctx.state.db.read, p.id)
        .await
        .map_err(err)?;
    let scored = stage != "evaluating" || n.is_multiple_of(2);
    for (k, seat) in seats.iter().filter(|m| m.state == "drawn").enumerate() {
        let Some(expert) = ctx.experts.iter().find(|e| e.user_id.0 == seat.user_id) else {
            continue;
        };
        crate::service::panel::declare(
            ctx.state,
            expert,
            &ctx.who,
            &seat.id.to_string(),
            &DeclarationInput {
                conflict: false,
                note: String::new(),
                version: seat.version,
            },
        )
        .await
        .map_err(err)?;
        if scored {
            let sheet = ScoreSheet {
                scores: bids
                    .iter()
                    .enumerate()
                    .map(|(i, b)| ScoreLine {
                        bid: b.id,
                        technical: 4200 - 500 * i as u32 - 50 * k as u32,
                        quality: 2300 - 300 * i as u32,
                        comment: String::new(),
                    })
                    .collect(),
            };
            crate::service::panel::score(ctx.state, expert, &ctx.who, &seat.id.to_string(), &sheet)
                .await
                .map_err(err)?;
        }
    }
    if stage == "evaluating" {
        return Ok(p);
    }
    let p = crate::service::award::award(
        ctx.state,
        &ctx.street,
        &ctx.who,
        &p.id.to_string(),
        p.version,
        None,
        None,
    )
    .await
    .map_err(err)?;
    if stage == "awarded" {
        return Ok(p);
    }
    let past = today - Duration::days(1);
    set(ctx, p.id, project::Column::StandstillUntil, past).await?;
    set(ctx, p.id, project::Column::ChallengeUntil, past).await?;
    let winner = bids
        .iter()
        .find(|b| Some(b.id) == p.awarded_bid_id)
        .expect("the award");
    let halves = [
        winner.price_fen / 2,
        winner.price_fen - winner.price_fen / 2,
    ];
    let c = crate::service::contracts::sign(
        ctx.state,
        &ctx.street,
        &ctx.who,
        &ContractInput {
            award: p.id,
            version: p.version,
            content: format!("{}，数量 {} {}", p.title, p.quantity, p.unit),
            starts_on: ctx.start,
            ends_on: ctx.start + Duration::days(330),
            quantity: None,
            quality: "按目录服务标准执行，服务记录完整，满意度不低于 90%".into(),
            settlement: "分两期支付，每期里程碑验收合格后十个工作日内支付".into(),
            rights: "甲方监督检查并按期付款，乙方按约提供服务并接受评估".into(),
            breach: "未按约提供服务的，按未完成比例扣减服务费；情节严重的解除合同".into(),
            budget_secured: false,
            fixed_continuous_stable: false,
            milestones: vec![
                MilestoneInput {
                    title: "上半年服务".into(),
                    deliverables: "服务记录、签到表、阶段报告".into(),
                    due_on: ctx.start + Duration::days(150),
                    share_fen: halves[0],
                },
                MilestoneInput {
                    title: "下半年服务与总结".into(),
                    deliverables: "服务记录、总结报告、满意度调查".into(),
                    due_on: ctx.start + Duration::days(320),
                    share_fen: halves[1],
                },
            ],
        },
    )
    .await
    .map_err(err)?;
    let provider = ctx
        .bidders
        .iter()
        .find(|o| o.id == c.org_id)
        .expect("a bidder");
    let ms = crate::service::contracts::delivery(&ctx.state.db.read, c.id)
        .await
        .map_err(err)?
        .milestones;
    // First milestone reported, accepted and paid.
    deliver(ctx, &c, provider, &ms[0]).await?;
    crate::service::contracts::visit(
        ctx.state,
        &ctx.street,
        &ctx.who,
        &c.id.to_string(),
        &crate::service::contracts::VisitInput {
            visited_on: today,
            findings: "抽查两场活动，组织有序，记录完整".into(),
            verdict: if n.is_multiple_of(4) {
                "rectify"
            } else {
                "satisfactory"
            }
            .into(),
            rectification: if n.is_multiple_of(4) {
                "补齐活动照片和签到表".into()
            } else {
                String::new()
            },
        },
    )
    .await
    .map_err(err)?;
    if stage == "contracted" {
        return Ok(p);
    }
    deliver(ctx, &c, provider, &ms[1]).await?;
    let c = crate::service::contracts::acceptance(
        ctx.state,
        &ctx.street,
        &ctx.who,
        &c.id.to_string(),
        &AcceptanceInput {
            passed: true,
            note: "服务全部完成，资料齐全，验收合格".into(),
            version: c.version,
        },
    )
    .await
    .map_err(err)?;
    for answers in [[5, 5, 4, 5], [4, 4, 5, 4], [5, 4, 4, 5], [3, 4, 4, 4]] {
        crate::service::performance::answer(
            ctx.state,
            &c.id.to_string(),
            &SurveyInput {
                answers: answers.to_vec(),
                comment: String::new(),
            },
        )
        .await
        .map_err(err)?;
    }
    let p = crate::service::projects::reread(&ctx.state.db.read, p.id)
        .await
        .map_err(err)?;
    let targets = crate::service::projects::targets_of(&p);
    // Grades spread over 优 / 良 / 中 across the streets.
    let base = [96, 84, 66][n % 3];
    crate::service::performance::evaluate(
        ctx.state,
        &ctx.street,
        &ctx.who,
        &c.id.to_string(),
        &EvaluationInput {
            targets: targets
                .iter()
                .enumerate()
                .map(|(i, t)| TargetResult {
                    name: t.name.clone(),
                    actual: t.target.clone(),
                    score: (base - i as u32).min(100),
                })
                .collect(),
            note: "按绩效目标逐项评价，结合服务对象满意度调查结果".into(),
            version: c.version,
        },
    )
    .await
    .map_err(err)?;
    Ok(p)
}

/// The provider reports a milestone (no attachment in the demo), the street accepts it and pays
/// its share.
async fn deliver(
    ctx: &Ctx<'_>,
    c: &contract::Model,
    provider: &OrgCard,
    m: &crate::store::entity::milestone::Model,
) -> anyhow::Result<()> {
    crate::service::contracts::report(
        ctx.state,
        &org_actor(provider),
        &ctx.who,
        &c.id.to_string(),
        &format!("{}已完成，附服务记录和签到表", m.title),
        Some(m.id),
        None,
    )
    .await
    .map_err(err)?;
    crate::service::contracts::review(
        ctx.state,
        &ctx.street,
        &ctx.who,
        &m.id.to_string(),
        &MilestoneReview {
            accept: true,
            note: "资料齐全，同意验收".into(),
            version: m.version + 1,
        },
    )
    .await
    .map_err(err)?;
    crate::service::contracts::pay(
        ctx.state,
        &ctx.street,
        &ctx.who,
        &crate::service::contracts::PaymentInput {
            milestone: m.id,
            amount_fen: m.share_fen,
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// A losing bidder challenges the award; the challenge stays open.
async fn challenge(ctx: &Ctx<'_>, p: &project::Model) -> anyhow::Result<()> {
    let p = crate::service::projects::reread(&ctx.state.db.read, p.id)
        .await
        .map_err(err)?;
    let loser = crate::store::entity::bid::Entity::find()
        .filter(crate::store::entity::bid::Column::ProjectId.eq(p.id))
        .filter(crate::store::entity::bid::Column::Id.ne(p.awarded_bid_id.unwrap_or_default()))
        .one(&ctx.state.db.read)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no losing bid"))?;
    let o = ctx
        .bidders
        .iter()
        .find(|o| o.id == loser.org_id)
        .expect("a bidder");
    crate::service::award::raise(
        ctx.state,
        &org_actor(o),
        &ctx.who,
        &p.id.to_string(),
        &crate::service::award::ChallengeInput {
            org: o.id,
            grounds: "中标人提供的类似项目业绩与事实不符，请求复核评审结果".into(),
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// The contract is terminated for breach after its first payment.
async fn terminate(ctx: &Ctx<'_>, p: &project::Model) -> anyhow::Result<()> {
    let c = contract::Entity::find()
        .filter(contract::Column::ProjectId.eq(p.id))
        .one(&ctx.state.db.read)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no contract"))?;
    crate::service::contracts::terminate(
        ctx.state,
        &ctx.street,
        &ctx.who,
        &c.id.to_string(),
        &crate::service::contracts::TerminationInput {
            reason: "连续两个月未按约开展服务，经书面催告仍未改正".into(),
            version: c.version,
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// A tender with a single bid: the opening fails it.
async fn fail_one(
    ctx: &Ctx<'_>,
    s: &territory::Model,
    item: (&str, i64, i32),
) -> anyhow::Result<()> {
    let p = project_at(ctx, s, item, "approved", Vec::new(), 0).await?;
    let today = crate::service::today();
    let p = crate::service::notices::publish(
        ctx.state,
        &ctx.street,
        &ctx.who,
        &p.id.to_string(),
        &NoticeInput {
            enquiry_until: today + Duration::days(15),
            submit_until: (today + Duration::days(22))
                .and_hms_opt(1, 30, 0)
                .expect("a time")
                .and_utc()
                .fixed_offset(),
            notice_text: "公开招标采购社区服务项目，欢迎符合条件的社会组织参加投标。".into(),
        },
        p.version,
    )
    .await
    .map_err(err)?;
    let o = &ctx.bidders[0];
    crate::service::bids::submit(
        ctx.state,
        &org_actor(o),
        &ctx.who,
        &p.id.to_string(),
        &BidInput {
            org: o.id,
            price_fen: p.budget_fen,
            proposal: "服务方案、团队与进度安排".into(),
        },
    )
    .await
    .map_err(err)?;
    set(
        ctx,
        p.id,
        project::Column::SubmitUntil,
        gongzhi_platform::clock::now() - Duration::minutes(5),
    )
    .await?;
    step(ctx, &p, "open", None).await?;
    Ok(())
}

/// Synthetic purchases for benchmarks (docs/benchmarks.md): `n` projects over the district's
/// streets and the last ten years in every state, eleven bids on each project that reached a
/// notice, and the OCDS releases (planning, tender, award) of this year's processes. Written in
/// batches, bypassing the services: volume, not realism of each record.
pub async fn bench(state: &AppState, n: u64) -> anyhow::Result<()> {
    use crate::store::entity::{bid, budget_line, release};
    use gongzhi_platform::sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait};
    let db = &state.db.read;
    let streets = territory::Entity::find()
        .filter(territory::Column::Level.eq("street"))
        .order_by_asc(territory::Column::Code)
        .all(db)
        .await?;
    anyhow::ensure!(!streets.is_empty(), "seed a district first (serve --demo)");
    let orgs: Vec<(uuid::Uuid, String, Option<String>)> = registry::find(
        db,
        Find {
            states: &["filed", "active"],
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e:?}"))?
    .into_iter()
    .map(|o| (o.id, o.name, o.uscc))
    .collect();
    anyhow::ensure!(orgs.len() >= 11, "seed organizations first");
    let now = gongzhi_platform::clock::now();
    let this_year: i32 = crate::service::today().format("%Y").to_string().parse()?;
    let started = std::time::Instant::now();
    let mut lines = std::collections::HashMap::new();
    for s in &streets {
        for y in this_year - 9..=this_year {
            let id = uuid::Uuid::now_v7();
            budget_line::ActiveModel {
                id: Set(id),
                district: Set(s.district_code.clone()),
                node_code: Set(s.code.clone()),
                path: Set(s.path.clone()),
                year: Set(y),
                source: Set("higher_transfer".into()),
                title: Set("基准测试经费".into()),
                // ¥10 billion: room for every generated commitment, and sums stay in range.
                amount_fen: Set(1_000_000_000_000),
                committed_fen: Set(0),
                spent_fen: Set(0),
                created_at: Set(now),
                updated_at: Set(now),
                version: Set(1),
            }
            .insert(&state.db.write)
            .await?;
            lines.insert((s.code.clone(), y), id);
        }
    }
    const STATES: [&str; 20] = [
        "completed",
        "completed",
        "completed",
        "completed",
        "completed",
        "completed",
        "completed",
        "completed",
        "completed",
        "completed",
        "completed",
        "completed",
        "contracted",
        "contracted",
        "contracted",
        "tendering",
        "evaluating",
        "awarded",
        "draft",
        "failed",
    ];
    let mut done = 0u64;
    let mut bids_written = 0u64;
    let mut releases_written = 0u64;
    while done < n {
        let batch = (n - done).min(400);
        let (mut ps, mut bs, mut rs) = (Vec::new(), Vec::new(), Vec::new());
        for k in done..done + batch {
            let i = k as usize;
            let s = &streets[i % streets.len()];
            let year = this_year - (i / streets.len() % 10) as i32;
            let st = STATES[(i * 7) % STATES.len()];
            let (code, yuan, quantity) = ITEMS[i % ITEMS.len()];
            let day = NaiveDate::from_ymd_opt(year, 1 + (i % 12) as u32, 1 + (i % 28) as u32)
                .expect("a day");
            let noticed = st != "draft";
            let notice_at = noticed.then(|| day.and_hms_opt(2, 0, 0).expect("a time").and_utc());
            let id = uuid::Uuid::now_v7();
            let number = format!("{}-{year}-B{k:07}", s.code);
            let p = project::Model {
                id,
                district: s.district_code.clone(),
                node_code: s.code.clone(),
                path: s.path.clone(),
                number,
                year,
                title: format!("{}基准项目{k}", s.name),
                item_code: code.into(),
                item_name: code.into(),
                catalog_version: 2,
                scope: "基准测试项目的服务内容和范围".into(),
                quantity,
                unit: "次".into(),
                period_start: day,
                period_end: day + Duration::days(300),
                budget_fen: yuan * 100,
                budget_line_id: lines[&(s.code.clone(), year)],
                targets: r#"[{"name":"服务人次","target":"≥ 500"}]"#.into(),
                pre_assessment: "{}".into(),
                method: "open_tender".into(),
                justification: String::new(),
                approval_ref: String::new(),
                invited: "[]".into(),
                rubric: r#"{"price":20,"technical":45,"quality":25,"past_performance":10}"#.into(),
                state: st.into(),
                predecessor_id: None,
                notice_at,
                enquiry_until: noticed.then(|| day + Duration::days(10)),
                submit_until: notice_at.map(|t| t + Duration::days(21)),
                notice_text: if noticed {
                    "基准测试采购公告".into()
                } else {
                    String::new()
                },
                bid_seq: 11,
                created_by: None,
                awarded_bid_id: None,
                award_on: None,
                challenge_until: None,
                standstill_until: None,
                sign_by: None,
                panel_size: 0,
                created_at: now,
                updated_at: now,
                version: 1,
            };
            let mut snapshot_bids = Vec::new();
            if noticed {
                for j in 0..11usize {
                    let (oid, name, uscc) = &orgs[(i * 11 + j * 7919) % orgs.len()];
                    let b = bid::Model {
                        id: uuid::Uuid::now_v7(),
                        project_id: id,
                        org_id: *oid,
                        org_name: name.clone(),
                        org_uscc: uscc.clone().unwrap_or_default(),
                        price_fen: yuan * 100 - j as i64 * 10_000,
                        proposal: "基准测试响应文件".into(),
                        eligibility: "[]".into(),
                        state: if st == "tendering" {
                            "submitted"
                        } else {
                            "valid"
                        }
                        .into(),
                        invalid_reason: String::new(),
                        seq: j as i32 + 1,
                        credit_score: 70,
                        submitted_at: now,
                        submitted_by: None,
                        created_at: now,
                        updated_at: now,
                        version: 1,
                    };
                    snapshot_bids.push(b.clone());
                    bs.push(bid::ActiveModel::from(b));
                }
            }
            // The year's OCDS releases, built as publication builds them.
            if year == this_year && noticed && p.state != "failed" {
                let buyer = s.name.clone();
                let ocid = crate::service::ocds::ocid(&p);
                for (seq, tag) in ["planning", "tender", "award"].iter().enumerate() {
                    if *tag == "award" && !matches!(st, "completed" | "contracted" | "awarded") {
                        continue;
                    }
                    let mut view = p.clone();
                    if *tag == "award" {
                        view.awarded_bid_id = snapshot_bids.first().map(|b| b.id);
                        view.award_on = Some(day + Duration::days(30));
                    }
                    let snap = crate::service::ocds::Snapshot {
                        project: view,
                        buyer: buyer.clone(),
                        bids: if *tag == "planning" {
                            Vec::new()
                        } else {
                            snapshot_bids.clone()
                        },
                        contract: None,
                        milestones: Vec::new(),
                        payments: Vec::new(),
                        evaluation: None,
                    };
                    let rid = format!("{ocid}-{:02}-{tag}", seq + 1);
                    let date = notice_at.expect("noticed") + Duration::days(30 * seq as i64);
                    let body = crate::service::ocds::build(&snap, tag, &rid, date);
                    rs.push(release::ActiveModel {
                        id: Set(rid),
                        ocid: Set(ocid.clone()),
                        project_id: Set(id),
                        district: Set(p.district.clone()),
                        year: Set(year),
                        tag: Set((*tag).into()),
                        date: Set(date),
                        payload: Set(body.to_string()),
                    });
                }
            }
            ps.push(project::ActiveModel::from(p));
        }
        let txn = {
            use gongzhi_platform::sea_orm::TransactionTrait;
            state.db.write.begin().await?
        };
        project::Entity::insert_many(ps).exec(&txn).await?;
        bids_written += bs.len() as u64;
        for chunk in bs.chunks(500) {
            bid::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
        }
        releases_written += rs.len() as u64;
        for chunk in rs.chunks(200) {
            release::Entity::insert_many(chunk.to_vec())
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        done += batch;
    }
    if state.db.write.get_database_backend() == gongzhi_platform::sea_orm::DbBackend::Postgres {
        state.db.write.execute_unprepared("VACUUM ANALYZE").await?;
    } else {
        state.db.write.execute_unprepared("ANALYZE").await?;
    }
    println!(
        "{n} projects, {bids_written} bids, {releases_written} releases in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
