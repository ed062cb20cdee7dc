//! Fixtures for tests (feature `testing`): a purchase in street B carried through the real API
//! to each stage (notice, evaluation, award, challenge, contract, acceptance), and the module's
//! part of the route walk.

use gongzhi_kernel::authz::Role;
use gongzhi_orgs::testing::{filed_org, org_role};
use gongzhi_platform::testing::{COMMUNITY_B, DISTRICT, STREET_B, TestApp, WalkStage, WalkValues};

/// Three stages, each built only for the routes that name its values: the purchase itself
/// (budget line, need, draft, open notice and the walk organization's bid), the review (a
/// seated panel, an award with a challenge) and the contract (signed, delivered, accepted).
pub fn walk() -> Vec<WalkStage> {
    vec![
        WalkStage {
            name: "purchase",
            after: &["orgs", "catalog"],
            provides: &[
                "budget_line_id",
                "purchase_need_id",
                "purchase_project_id",
                "notice_id",
                "purchase_bid_id",
                "period_start",
                "period_end",
                "today",
                "this_year",
            ],
            serves: &[],
            build: |app, v| {
                Box::pin(async move {
                    let buy = purchase(app, v["org_id"].parse().unwrap()).await;
                    v.extend([
                        ("budget_line_id", buy.line.to_string()),
                        ("purchase_need_id", buy.need.to_string()),
                        ("purchase_project_id", buy.draft.to_string()),
                        ("notice_id", buy.notice.to_string()),
                        ("purchase_bid_id", buy.bid.to_string()),
                        ("period_start", buy.period_start.to_string()),
                        ("period_end", buy.period_end.to_string()),
                        ("today", gongzhi_platform::clock::today().to_string()),
                        (
                            "this_year",
                            chrono::Datelike::year(&buy.period_start).to_string(),
                        ),
                    ]);
                })
            },
        },
        WalkStage {
            name: "purchase.crew",
            after: &["purchase"],
            provides: &[],
            serves: &[],
            build: |app, _| Box::pin(crew(app)),
        },
        WalkStage {
            name: "purchase.review",
            after: &["purchase.crew"],
            provides: &[
                "evaluation_id",
                "evaluation_bid_a",
                "evaluation_bid_b",
                "purchase_review_id",
                "as:reviewer",
                "award_id",
                "purchase_challenge_id",
            ],
            serves: &[],
            build: |app, v| {
                Box::pin(async move {
                    let e = reviewed(app, &walk_purchase(v)).await;
                    v.extend([
                        ("evaluation_id", e.evaluation.to_string()),
                        ("evaluation_bid_a", e.evaluation_bids[0].to_string()),
                        ("evaluation_bid_b", e.evaluation_bids[1].to_string()),
                        ("purchase_review_id", e.seat.to_string()),
                        ("as:reviewer", e.reviewer.clone()),
                        ("award_id", e.award.to_string()),
                        ("purchase_challenge_id", e.challenge.to_string()),
                    ]);
                })
            },
        },
        WalkStage {
            name: "purchase.contract",
            after: &["purchase.crew"],
            provides: &[
                "signable_award_id",
                "purchase_contract_id",
                "accepted_milestone_id",
                "purchase_milestone_id",
                "purchase_report_id",
                "accepted_contract_id",
                "evaluator_user_id",
            ],
            serves: &[],
            build: |app, v| {
                Box::pin(async move {
                    let c = contracted(app, &walk_purchase(v)).await;
                    v.extend([
                        ("signable_award_id", c.signable.to_string()),
                        ("purchase_contract_id", c.contract.to_string()),
                        ("accepted_milestone_id", c.accepted_milestone.to_string()),
                        ("purchase_milestone_id", c.submitted_milestone.to_string()),
                        ("purchase_report_id", c.report.to_string()),
                        ("accepted_contract_id", c.accepted.to_string()),
                        ("evaluator_user_id", c.evaluator.to_string()),
                    ]);
                })
            },
        },
    ]
}

/// The purchase stage's records, read back from its values.
fn walk_purchase(v: &WalkValues) -> Purchase {
    let id = |k: &str| v[k].parse().unwrap();
    let day = |k: &str| v[k].parse().unwrap();
    Purchase {
        line: id("budget_line_id"),
        need: id("purchase_need_id"),
        draft: id("purchase_project_id"),
        notice: id("notice_id"),
        bid: id("purchase_bid_id"),
        period_start: day("period_start"),
        period_end: day("period_end"),
    }
}

/// A purchase in street B (after `catalog`): a budget line, a raised need in community B, a
/// draft project, a project whose notice is open, and `bidder`'s bid on it.
pub struct Purchase {
    pub line: uuid::Uuid,
    pub need: uuid::Uuid,
    pub draft: uuid::Uuid,
    pub notice: uuid::Uuid,
    pub bid: uuid::Uuid,
    pub period_start: chrono::NaiveDate,
    pub period_end: chrono::NaiveDate,
}

/// Further on (after `purchase`): a competitive consultation under evaluation, its two bids
/// (`bidder`'s first) and a seated panel of three district reviewers (`seat` is the first
/// reviewer's); and the same scored and awarded, with `bidder`'s open challenge.
pub struct Evaluated {
    pub evaluation: uuid::Uuid,
    pub evaluation_bids: Vec<uuid::Uuid>,
    pub seat: uuid::Uuid,
    pub reviewer: String,
    /// The same, scored and awarded, with `bidder`'s open challenge.
    pub award: uuid::Uuid,
    pub challenge: uuid::Uuid,
}

/// A project body for street B's `line`, open tender of item A05-01 (open to any registered or
/// filed organization).
pub fn project_body(
    node: &str,
    line: uuid::Uuid,
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
    budget_fen: i64,
) -> serde_json::Value {
    serde_json::json!({
        "node": node,
        "title": "社区文体活动组织服务",
        "item_code": "A05-01",
        "scope": "全年组织社区文体活动十二场，每场不少于五十名居民参加",
        "quantity": 12,
        "unit": "场",
        "period_start": start,
        "period_end": end,
        "budget_fen": budget_fen,
        "budget_line_id": line,
        "pre_assessment": {
            "necessity": "居民文体需求调查显示八成居民希望增加活动",
            "feasibility": "辖区有多家具备经验的社会组织",
            "cost_basis": "按目录指导价每场两千五百元测算",
            "risks": "天气和场地可能影响活动安排"
        },
        "method": "open_tender",
        "targets": [{"name": "活动场次", "target": "12场"}, {"name": "居民满意度", "target": "≥90%"}]
    })
}

pub async fn purchase(app: &TestApp, bidder: uuid::Uuid) -> Purchase {
    use serde_json::json;
    let street = app
        .user("fx.purchaser", &[(Role::StreetAdmin, STREET_B)])
        .await;
    let today = gongzhi_platform::clock::today();
    let period_start = today + chrono::Duration::days(40);
    let period_end = period_start + chrono::Duration::days(300);
    let r = street
        .post_json(
            "/api/v1/budget-lines",
            json!({"node": STREET_B, "year": chrono::Datelike::year(&period_start),
                "source": "general_budget", "title": "社区服务购买经费", "amount_fen": 50_000_000}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let line: uuid::Uuid = r.json()["id"].as_str().unwrap().parse().unwrap();
    let r = street
        .post_json(
            "/api/v1/purchase-needs",
            json!({"node": COMMUNITY_B, "title": "长者文体活动", "description": "社区长者希望每月有文体活动",
                "evidence": "入户走访 120 户，九成表示需要", "residents": 108}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let need: uuid::Uuid = r.json()["id"].as_str().unwrap().parse().unwrap();
    let create = |budget: i64| {
        let street = &street;
        async move {
            let r = street
                .post_json(
                    "/api/v1/purchase-projects",
                    project_body(STREET_B, line, period_start, period_end, budget),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.text());
            r.json()["id"]
                .as_str()
                .unwrap()
                .parse::<uuid::Uuid>()
                .unwrap()
        }
    };
    let draft = create(3_000_000).await;
    let notice = create(3_000_000).await;
    for (i, t) in ["submit", "approve"].iter().enumerate() {
        let r = street
            .post_json(
                &format!("/api/v1/purchase-projects/{notice}/transitions"),
                json!({"transition": t, "version": i + 1}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let r = street
        .post_json(
            &format!("/api/v1/purchase-projects/{notice}/transitions"),
            json!({"transition": "publish", "version": 3, "notice": {
                "enquiry_until": today + chrono::Duration::days(10),
                "submit_until": format!("{}T09:30:00+08:00", today + chrono::Duration::days(25)),
                "notice_text": "采购社区文体活动组织服务，欢迎符合条件的社会组织参加投标。"
            }}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let org_admin = org_role(app, "fx.bidder", bidder, Role::OrgAdmin).await;
    let r = org_admin
        .post_json(
            &format!("/api/v1/purchase-notices/{notice}/bids"),
            json!({"org": bidder, "price_fen": 2_800_000, "proposal": "十二场活动的方案、团队与进度安排"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let bid = r.json()["id"].as_str().unwrap().parse().unwrap();
    Purchase {
        line,
        need,
        draft,
        notice,
        bid,
        period_start,
        period_end,
    }
}

/// The people further stages need: a second bidder and three district reviewers.
pub async fn crew(app: &TestApp) {
    let other = filed_org(app, "田东社区文体队", COMMUNITY_B).await;
    org_role(app, "fx.bidder2", other, Role::OrgAdmin).await;
    for n in 1..=3 {
        app.user(&format!("fx.reviewer{n}"), &[(Role::Reviewer, DISTRICT)])
            .await;
    }
}

fn id_of(r: &gongzhi_platform::testing::TestResponse) -> uuid::Uuid {
    r.json()["id"].as_str().unwrap().parse().unwrap()
}

/// A competitive consultation in street B with bids from `fx.bidder` (2,900,000) and
/// `fx.bidder2` (2,800,000), opened, its panel of three seated and, with `scores`, scored so
/// that `fx.bidder`'s bid ranks first. Returns the project, its bids and the seats.
async fn under_review(
    app: &TestApp,
    buy: &Purchase,
    scores: bool,
) -> (uuid::Uuid, Vec<uuid::Uuid>, Vec<uuid::Uuid>) {
    use serde_json::json;
    let street = app.login("fx.purchaser").await;
    let today = gongzhi_platform::clock::today();
    let mut body = project_body(
        STREET_B,
        buy.line,
        buy.period_start,
        buy.period_end,
        3_000_000,
    );
    body["method"] = json!("competitive_consultation");
    body["justification"] = json!("服务方案需与承接机构磋商确定");
    let r = street.post_json("/api/v1/purchase-projects", body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let id = id_of(&r);
    let step = |v: i32, t: &str| {
        json!({"transition": t, "version": v, "notice": {
            "enquiry_until": today + chrono::Duration::days(5),
            "submit_until": format!("{}T09:30:00+08:00", today + chrono::Duration::days(12)),
            "notice_text": "磋商采购社区文体活动组织服务，欢迎符合条件的社会组织参加。"
        }})
    };
    let path = format!("/api/v1/purchase-projects/{id}/transitions");
    for (v, t) in [(1, "submit"), (2, "approve"), (3, "publish")] {
        let r = street.post_json(&path, step(v, t)).await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let mut bids = Vec::new();
    for (i, name) in ["fx.bidder", "fx.bidder2"].iter().enumerate() {
        let c = app.login(name).await;
        let org = org_of(app, name).await;
        let r = c
            .post_json(
                &format!("/api/v1/purchase-notices/{id}/bids"),
                json!({"org": org, "price_fen": 2_900_000 - 100_000 * i as i64, "proposal": "活动方案、团队与进度安排"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        bids.push(id_of(&r));
    }
    set_project(app, id, |q| {
        q.col_expr(
            crate::store::entity::project::Column::SubmitUntil,
            gongzhi_platform::sea_orm::sea_query::Expr::value(
                chrono::Utc::now() - chrono::Duration::seconds(1),
            ),
        )
    })
    .await;
    let r = street.post_json(&path, step(4, "open")).await;
    assert_eq!(r.json()["state"], "evaluating", "{}", r.text());
    let r = street
        .post_json(
            &format!("/api/v1/purchase-evaluations/{id}/panel"),
            json!({"size": 3}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mut seats = Vec::new();
    for n in 1..=3 {
        let c = app.login(&format!("fx.reviewer{n}")).await;
        let mine = c.get("/api/v1/purchase-reviews").await.json();
        let seat = mine
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["seat"]["project_id"] == id.to_string())
            .unwrap()["seat"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = c
            .post_json(
                &format!("/api/v1/purchase-reviews/{seat}/declaration"),
                json!({"conflict": false, "version": 1}),
            )
            .await;
        assert_eq!(r.json()["state"], "seated", "{}", r.text());
        if scores {
            let r = c
                .post_json(
                    &format!("/api/v1/purchase-reviews/{seat}/scores"),
                    json!({"scores": [
                        {"bid": bids[0], "technical": 4000, "quality": 2000},
                        {"bid": bids[1], "technical": 3000, "quality": 1500}]}),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.text());
        }
        seats.push(seat.parse().unwrap());
    }
    (id, bids, seats)
}

/// The organization a fixture user administers.
async fn org_of(app: &TestApp, username: &str) -> uuid::Uuid {
    use gongzhi_platform::entity::{role_assignment, user};
    use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let u = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    role_assignment::Entity::find()
        .filter(role_assignment::Column::UserId.eq(u.id))
        .filter(role_assignment::Column::ScopeKind.eq("org"))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap()
        .scope_ref
        .parse()
        .unwrap()
}

/// Change a project directly (as if time passed).
pub async fn set_project(
    app: &TestApp,
    id: uuid::Uuid,
    f: impl FnOnce(
        gongzhi_platform::sea_orm::UpdateMany<crate::store::entity::project::Entity>,
    ) -> gongzhi_platform::sea_orm::UpdateMany<crate::store::entity::project::Entity>,
) {
    use crate::store::entity::project;
    use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    f(project::Entity::update_many().filter(project::Column::Id.eq(id)))
        .exec(&app.state.db.write)
        .await
        .unwrap();
}

/// An awarded project (after `under_review` with scores) whose standstill is over.
async fn awarded(app: &TestApp, buy: &Purchase) -> uuid::Uuid {
    use crate::store::entity::project;
    use gongzhi_platform::sea_orm::sea_query::Expr;
    let (id, _, _) = under_review(app, buy, true).await;
    let street = app.login("fx.purchaser").await;
    let r = street
        .post_json(
            &format!("/api/v1/purchase-projects/{id}/transitions"),
            serde_json::json!({"transition": "award", "version": 5}),
        )
        .await;
    assert_eq!(r.json()["state"], "awarded", "{}", r.text());
    let past = gongzhi_platform::clock::today() - chrono::Duration::days(1);
    set_project(app, id, |q| {
        q.col_expr(project::Column::StandstillUntil, Expr::value(past))
            .col_expr(project::Column::ChallengeUntil, Expr::value(past))
    })
    .await;
    id
}

pub async fn reviewed(app: &TestApp, buy: &Purchase) -> Evaluated {
    let (evaluation, evaluation_bids, seats) = under_review(app, buy, false).await;
    let (award, _, _) = under_review(app, buy, true).await;
    let street = app.login("fx.purchaser").await;
    let r = street
        .post_json(
            &format!("/api/v1/purchase-projects/{award}/transitions"),
            serde_json::json!({"transition": "award", "version": 5}),
        )
        .await;
    assert_eq!(r.json()["state"], "awarded", "{}", r.text());
    let bidder = app.login("fx.bidder").await;
    let r = bidder
        .post_json(
            &format!("/api/v1/purchase-awards/{award}/challenges"),
            serde_json::json!({"org": org_of(app, "fx.bidder").await, "grounds": "评分未按评分细则进行，请予复核"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    Evaluated {
        evaluation,
        evaluation_bids,
        seat: seats[0],
        reviewer: "fx.reviewer1".into(),
        award,
        challenge: id_of(&r),
    }
}

/// The contract stage: an award ready to sign; a contract in force whose first milestone is
/// accepted and second submitted (with a report and its attachment); an accepted contract;
/// a district evaluator.
pub struct Contracted {
    pub signable: uuid::Uuid,
    pub contract: uuid::Uuid,
    pub accepted_milestone: uuid::Uuid,
    pub submitted_milestone: uuid::Uuid,
    pub report: uuid::Uuid,
    pub accepted: uuid::Uuid,
    pub evaluator: uuid::Uuid,
}

/// Sign an awarded project's contract with the given milestone shares (of 2,900,000).
pub async fn sign(
    app: &TestApp,
    buy: &Purchase,
    award: uuid::Uuid,
    shares: &[i64],
) -> serde_json::Value {
    let street = app.login("fx.purchaser").await;
    let milestones: Vec<serde_json::Value> = shares
        .iter()
        .enumerate()
        .map(|(i, s)| {
            serde_json::json!({"title": format!("第{}阶段", i + 1), "deliverables": "活动记录与照片",
                "due_on": buy.period_start + chrono::Duration::days(30 * (i as i64 + 1)), "share_fen": s})
        })
        .collect();
    let r = street
        .post_json(
            "/api/v1/purchase-contracts",
            serde_json::json!({"award": award, "version": 6,
                "content": "全年组织社区文体活动十二场", "starts_on": buy.period_start, "ends_on": buy.period_end,
                "quality": "每场不少于五十名居民参加", "settlement": "按里程碑验收后支付",
                "rights": "甲方监督检查，乙方按约提供服务", "breach": "未按约提供服务的按比例扣减服务费",
                "milestones": milestones}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    r.json()
}

/// A progress report from `fx.bidder`, submitting `milestone`, with a PDF attached.
pub async fn report(app: &TestApp, contract: uuid::Uuid, milestone: &str) -> uuid::Uuid {
    let c = app.login("fx.bidder").await;
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n已完成本阶段活动，附活动记录\r\n--XyZ\r\nContent-Disposition: form-data; name=\"milestone\"\r\n\r\n{milestone}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 report\r\n--XyZ--\r\n"
    );
    let r = c
        .send(
            axum::http::Method::POST,
            &format!("/api/v1/purchase-contracts/{contract}/reports"),
            Some(("multipart/form-data; boundary=XyZ", body.into_bytes())),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    id_of(&r)
}

pub async fn contracted(app: &TestApp, buy: &Purchase) -> Contracted {
    use serde_json::json;
    let street = app.login("fx.purchaser").await;
    let signable = awarded(app, buy).await;
    let award = awarded(app, buy).await;
    let c = sign(app, buy, award, &[1_450_000, 1_450_000]).await;
    let contract: uuid::Uuid = c["id"].as_str().unwrap().parse().unwrap();
    let m1 = c["milestones"][0]["id"].as_str().unwrap().to_string();
    let m2 = c["milestones"][1]["id"].as_str().unwrap().to_string();
    report(app, contract, &m1).await;
    let r = street
        .post_json(
            &format!("/api/v1/purchase-milestones/{m1}/review"),
            json!({"accept": true, "version": 2}),
        )
        .await;
    assert_eq!(r.json()["state"], "accepted", "{}", r.text());
    let report_id = report(app, contract, &m2).await;
    // Accepted: one milestone, delivered and accepted, then the service accepted.
    let award = awarded(app, buy).await;
    let a = sign(app, buy, award, &[2_900_000]).await;
    let accepted: uuid::Uuid = a["id"].as_str().unwrap().parse().unwrap();
    let only = a["milestones"][0]["id"].as_str().unwrap().to_string();
    report(app, accepted, &only).await;
    street
        .post_json(
            &format!("/api/v1/purchase-milestones/{only}/review"),
            json!({"accept": true, "version": 2}),
        )
        .await;
    let r = street
        .post_json(
            &format!("/api/v1/purchase-contracts/{accepted}/acceptance"),
            json!({"passed": true, "note": "各项服务均已完成，验收合格", "version": 1}),
        )
        .await;
    assert_eq!(r.json()["state"], "accepted", "{}", r.text());
    let evaluator = app
        .user_model("fx.evaluator", &[(Role::Evaluator, DISTRICT)])
        .await;
    Contracted {
        signable,
        contract,
        accepted_milestone: m1.parse().unwrap(),
        submitted_milestone: m2.parse().unwrap(),
        report: report_id,
        accepted,
        evaluator: evaluator.id,
    }
}
