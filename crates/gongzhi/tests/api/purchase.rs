//! Purchase of services: a need becomes a project, approval checks the scope and commits the
//! budget, the notice goes out with its deadlines, organizations ask and bid (checked live
//! against the item's admission criteria, sealed until the deadline), the bids are opened; bad
//! input changes nothing; concurrent approvals never overdraw a line, bids racing the deadline
//! are either in the opening or refused.

use gongzhi_kernel::authz::Role;
use gongzhi_platform::sea_orm::sea_query::Expr;
use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use gongzhi_platform::testing::{TestApp, TestClient, TestResponse};
use gongzhi_procurement::store::entity::{bid, project};
use serde_json::{Value, json};

use super::fixture::*;

fn today() -> chrono::NaiveDate {
    gongzhi_platform::clock::today()
}

fn keys(r: &TestResponse) -> Vec<String> {
    r.json()["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["code"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn fields(r: &TestResponse) -> Vec<String> {
    r.json()["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Street B, its catalog, and a budget line of `amount_fen` for the year a project starting in
/// 40 days falls in.
struct Setup {
    app: TestApp,
    street: TestClient,
    line: String,
    start: chrono::NaiveDate,
    end: chrono::NaiveDate,
}

async fn setup(amount_fen: i64) -> Setup {
    let app = app().await;
    let holder = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    catalog(&app, holder.id).await;
    let street = app.user("b.admin", &[(Role::StreetAdmin, STREET_B)]).await;
    let start = today() + chrono::Duration::days(40);
    let end = start + chrono::Duration::days(300);
    let r = street
        .post_json(
            "/api/v1/budget-lines",
            json!({"node": STREET_B, "year": chrono::Datelike::year(&start), "source": "general_budget",
                "title": "社区服务购买经费", "amount_fen": amount_fen}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let line = r.json()["id"].as_str().unwrap().to_string();
    Setup {
        app,
        street,
        line,
        start,
        end,
    }
}

impl Setup {
    fn body(&self, budget_fen: i64) -> Value {
        project_body(
            STREET_B,
            self.line.parse().unwrap(),
            self.start,
            self.end,
            budget_fen,
        )
    }

    async fn project(&self, budget_fen: i64) -> Value {
        let r = self
            .street
            .post_json("/api/v1/purchase-projects", self.body(budget_fen))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()
    }

    async fn step(&self, id: &str, body: Value) -> TestResponse {
        self.street
            .post_json(&format!("/api/v1/purchase-projects/{id}/transitions"), body)
            .await
    }

    /// A project taken to an open notice; returns its id.
    async fn tendering(&self, budget_fen: i64) -> String {
        let id = self.project(budget_fen).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        for (v, t) in [(1, "submit"), (2, "approve")] {
            let r = self.step(&id, json!({"transition": t, "version": v})).await;
            assert_eq!(r.status, 200, "{}", r.text());
        }
        let r = self.step(&id, publish(3, 25)).await;
        assert_eq!(r.status, 200, "{}", r.text());
        id
    }

    async fn line(&self) -> Value {
        self.street
            .get(&format!("/api/v1/budget-lines/{}", self.line))
            .await
            .json()
    }

    /// As if time passed: the submission deadline is moved to `secs` from now.
    async fn deadline_in(&self, id: &str, secs: i64) {
        project::Entity::update_many()
            .col_expr(
                project::Column::SubmitUntil,
                Expr::value(chrono::Utc::now() + chrono::Duration::milliseconds(secs * 1000)),
            )
            .filter(project::Column::Id.eq(id.parse::<uuid::Uuid>().unwrap()))
            .exec(&self.app.state.db.write)
            .await
            .unwrap();
    }

    /// A filed community organization in community B with an admin client.
    async fn bidder(&self, n: usize) -> (uuid::Uuid, TestClient) {
        let o = filed_org(&self.app, &format!("田东社区文体队{n}"), COMMUNITY_B).await;
        let c = org_role(&self.app, &format!("bidder{n}"), o, Role::OrgAdmin).await;
        (o, c)
    }
}

fn publish(version: i32, submit_in_days: i64) -> Value {
    json!({"transition": "publish", "version": version, "notice": {
        "enquiry_until": today() + chrono::Duration::days(10),
        "submit_until": format!("{}T09:30:00+08:00", today() + chrono::Duration::days(submit_in_days)),
        "notice_text": "采购社区文体活动组织服务，欢迎符合条件的社会组织参加投标。"
    }})
}

async fn bid(c: &TestClient, notice: &str, org: uuid::Uuid, price_fen: i64) -> TestResponse {
    c.post_json(
        &format!("/api/v1/purchase-notices/{notice}/bids"),
        json!({"org": org, "price_fen": price_fen, "proposal": "十二场活动的方案、团队与进度安排说明"}),
    )
    .await
}

#[tokio::test]
async fn a_need_becomes_a_project_that_is_approved_published_bid_on_and_opened() {
    let s = setup(50_000_000).await;
    let community = s
        .app
        .user("b.community", &[(Role::CommunityAdmin, COMMUNITY_B)])
        .await;
    // The community raises a need; it cannot purchase.
    let r = community
        .post_json(
            "/api/v1/purchase-needs",
            json!({"node": COMMUNITY_B, "title": "长者文体活动", "description": "社区长者希望每月有文体活动",
                "evidence": "入户走访 120 户，九成表示需要", "residents": 108, "item_code": "A05-01"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let need = r.json()["id"].as_str().unwrap().to_string();
    let mut body = s.body(3_000_000);
    body["node"] = json!(COMMUNITY_B);
    let r = community
        .post_json("/api/v1/purchase-projects", body.clone())
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = s.street.post_json("/api/v1/purchase-projects", body).await;
    assert_eq!(
        keys(&r),
        ["procurement.purchaser_not_organ"],
        "{}",
        r.text()
    );

    // The street draws up the project from the need: targets come from the item's indicators.
    let mut body = s.body(3_000_000);
    body["needs"] = json!([need]);
    let r = s.street.post_json("/api/v1/purchase-projects", body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let p = r.json();
    let id = p["id"].as_str().unwrap().to_string();
    let year = chrono::Datelike::year(&s.start);
    assert_eq!(p["number"], format!("{STREET_B}-{year}-0001"));
    assert_eq!(p["item_name"], "社区文体活动组织");
    assert_eq!(p["catalog_version"], 2);
    assert!(!p["targets"].as_array().unwrap().is_empty());
    assert_eq!(p["method_details"], "公开招标");
    let n = s
        .street
        .get(&format!("/api/v1/purchase-needs/{need}"))
        .await
        .json();
    assert_eq!(n["state"], "adopted");
    assert_eq!(n["project_id"], id.as_str());
    let p = s
        .street
        .get(&format!("/api/v1/purchase-projects/{id}"))
        .await
        .json();
    assert_eq!(p["scope_check"], json!([]));

    // Submitted, returned (a reason is required), edited, submitted again, approved.
    let r = s
        .step(&id, json!({"transition": "submit", "version": 1}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = s
        .step(&id, json!({"transition": "return", "version": 2}))
        .await;
    assert_eq!(fields(&r), ["reason"]);
    let r = s
        .step(
            &id,
            json!({"transition": "return", "version": 2, "reason": "预算测算依据不足"}),
        )
        .await;
    assert_eq!(r.json()["state"], "draft");
    let mut edit = s.body(3_200_000);
    edit["version"] = json!(3);
    let r = s
        .street
        .patch_json(&format!("/api/v1/purchase-projects/{id}"), edit)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["budget_fen"], 3_200_000);
    s.step(&id, json!({"transition": "submit", "version": 4}))
        .await;
    let r = s
        .step(&id, json!({"transition": "approve", "version": 5}))
        .await;
    assert_eq!(r.json()["state"], "approved", "{}", r.text());
    let line = s.line().await;
    assert_eq!(line["committed_fen"], 3_200_000);
    assert_eq!(line["available_fen"], 50_000_000 - 3_200_000);

    // The notice: an open tender needs 20 days to the submission deadline.
    let r = s.step(&id, publish(6, 5)).await;
    assert_eq!(
        keys(&r),
        [
            "procurement.submission_too_soon",
            "procurement.enquiry_window"
        ],
        "{}",
        r.text()
    );
    let r = s
        .step(&id, json!({"transition": "publish", "version": 6}))
        .await;
    assert_eq!(keys(&r), ["procurement.notice_required"]);
    let r = s.step(&id, publish(6, 25)).await;
    assert_eq!(r.json()["state"], "tendering", "{}", r.text());
    let list = s
        .app
        .anon()
        .get("/api/v1/public/notices?district=440308&open=true")
        .await
        .json();
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert_eq!(list["items"][0]["purchaser"], "海山街道");

    // Organizations ask; the street answers in a published clarification without the asker.
    let (a, ca) = s.bidder(1).await;
    let (b, cb) = s.bidder(2).await;
    let (c, cc) = s.bidder(3).await;
    let r = ca
        .post_json(
            &format!("/api/v1/purchase-notices/{id}/questions"),
            json!({"org": a, "question": "活动场地由谁提供？"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let q = r.json()["id"].as_str().unwrap().to_string();
    let public = s
        .app
        .anon()
        .get(&format!("/api/v1/public/notices/{id}"))
        .await
        .json();
    assert_eq!(public["clarifications"], json!([]));
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-notices/{id}/clarifications"),
            json!({"question": q, "answer": "场地由社区党群服务中心提供。"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let public = s
        .app
        .anon()
        .get(&format!("/api/v1/public/notices/{id}"))
        .await;
    let text = public.text();
    let public = public.json();
    assert_eq!(
        public["clarifications"][0]["question"],
        "活动场地由谁提供？"
    );
    assert_eq!(
        public["clarifications"][0]["answer"],
        "场地由社区党群服务中心提供。"
    );
    assert!(!text.contains(&a.to_string()), "the asker is not published");
    assert_eq!(public["bids"], Value::Null);

    // An organization on the serious list cannot bid, and is told why.
    let (x, cx) = s.bidder(4).await;
    list_entry(&s.app, x, "serious", "large_fine", today(), "none").await;
    let e = cx
        .get(&format!(
            "/api/v1/purchase-notices/{id}/eligibility?org={x}"
        ))
        .await
        .json();
    assert_eq!(e["qualified"], false);
    let r = bid(&cx, &id, x, 2_000_000).await;
    assert_eq!(keys(&r), ["procurement.not_eligible"], "{}", r.text());
    assert!(r.text().contains("严重违法失信"), "{}", r.text());
    // Above the budget, or for another organization: refused.
    let r = bid(&ca, &id, a, 3_200_001).await;
    assert_eq!(keys(&r), ["procurement.price_over_budget"]);
    let r = bid(&ca, &id, b, 2_000_000).await;
    assert_eq!(r.status, 403);
    assert_eq!(s.app.count("proc_bids").await, 0);

    // Three bid; one replaces its bid, one withdraws and comes back.
    assert_eq!(bid(&ca, &id, a, 3_000_000).await.status, 201);
    assert_eq!(bid(&cb, &id, b, 2_900_000).await.status, 201);
    let r = bid(&cc, &id, c, 3_100_000).await;
    let cbid = r.json()["id"].as_str().unwrap().to_string();
    assert_eq!(bid(&ca, &id, a, 2_700_000).await.status, 201);
    let r = cc
        .post_json(
            &format!("/api/v1/purchase-bids/{cbid}/withdraw"),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(r.json()["state"], "withdrawn", "{}", r.text());
    assert_eq!(bid(&cc, &id, c, 3_050_000).await.status, 201);
    assert_eq!(s.app.count("proc_bids").await, 3);
    let mine = ca.get(&format!("/api/v1/orgs/{a}/bids")).await.json();
    assert_eq!(mine["items"][0]["price_fen"], 2_700_000);

    // Sealed until the deadline: the street sees how many, not who or how much.
    let sealed = s
        .street
        .get(&format!("/api/v1/purchase-projects/{id}/bids"))
        .await;
    assert_eq!(sealed.json()["sealed"], true);
    assert_eq!(sealed.json()["count"], 3);
    assert!(!sealed.text().contains("2700000"));
    let audit = s.app.count("audit_entries").await;
    assert!(audit > 0);
    let r = s
        .step(&id, json!({"transition": "open", "version": 7}))
        .await;
    assert_eq!(keys(&r), ["procurement.before_deadline"], "{}", r.text());

    // After the deadline: no more bids; the street opens them.
    s.deadline_in(&id, -1).await;
    let r = bid(&ca, &id, a, 2_600_000).await;
    assert_eq!(keys(&r), ["procurement.deadline_passed"], "{}", r.text());
    let r = s
        .step(&id, json!({"transition": "open", "version": 7}))
        .await;
    assert_eq!(r.json()["state"], "evaluating", "{}", r.text());
    let opened = s
        .street
        .get(&format!("/api/v1/purchase-projects/{id}/bids"))
        .await
        .json();
    assert_eq!(opened["sealed"], false);
    let prices: Vec<i64> = opened["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["price_fen"].as_i64().unwrap())
        .collect();
    assert_eq!(prices.len(), 3);
    assert!(prices.contains(&2_700_000) && prices.contains(&3_050_000));
    assert!(
        opened["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["state"] == "valid")
    );
    let public = s
        .app
        .anon()
        .get(&format!("/api/v1/public/notices/{id}"))
        .await
        .json();
    assert_eq!(public["bids"], 3);
}

#[tokio::test]
async fn too_few_bids_fail_the_procurement_and_a_new_process_follows_it() {
    let s = setup(10_000_000).await;
    let id = s.tendering(3_000_000).await;
    assert_eq!(s.line().await["committed_fen"], 3_000_000);
    let (a, ca) = s.bidder(1).await;
    assert_eq!(bid(&ca, &id, a, 2_500_000).await.status, 201);
    s.deadline_in(&id, -1).await;
    let r = s
        .step(&id, json!({"transition": "open", "version": 4}))
        .await;
    assert_eq!(r.json()["state"], "failed", "{}", r.text());
    assert_eq!(s.line().await["committed_fen"], 0);
    // The failure is recorded with its reason.
    let events = s.app.count("workflow_events").await;
    assert!(events >= 5);
    // A new process linked to the failed one, to be approved again.
    let r = s
        .step(&id, json!({"transition": "relaunch", "version": 0}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let again = r.json();
    assert_eq!(again["state"], "draft");
    assert_eq!(again["predecessor_id"], id.as_str());
    assert_ne!(again["number"], Value::Null);
    // Cancelling an approved project gives its budget back; a draft cannot be relaunched.
    let other = s.project(4_000_000).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.step(&other, json!({"transition": "submit", "version": 1}))
        .await;
    s.step(&other, json!({"transition": "approve", "version": 2}))
        .await;
    assert_eq!(s.line().await["committed_fen"], 4_000_000);
    let r = s
        .step(
            &other,
            json!({"transition": "cancel", "version": 3, "reason": "需求已由社区自办满足"}),
        )
        .await;
    assert_eq!(r.json()["state"], "cancelled", "{}", r.text());
    assert_eq!(s.line().await["committed_fen"], 0);
    let again_id = again["id"].as_str().unwrap();
    let r = s
        .step(again_id, json!({"transition": "relaunch", "version": 1}))
        .await;
    assert_eq!(r.status, 409);
}

#[tokio::test]
async fn bad_input_is_explained_and_changes_nothing() {
    let s = setup(10_000_000).await;
    let before = s.app.count("proc_projects").await;
    let mut body = s.body(0);
    body["title"] = json!("短");
    body["period_start"] = json!(today() - chrono::Duration::days(1));
    body["method"] = json!("invited_tender");
    body["invited"] = json!([]);
    body["rubric"] = json!({"price": 40, "technical": 40, "quality": 10, "past_performance": 10});
    body["pre_assessment"]["risks"] = json!("");
    let r = s.street.post_json("/api/v1/purchase-projects", body).await;
    assert_eq!(r.status, 422);
    let mut f = fields(&r);
    f.sort();
    for expected in [
        "budget_fen",
        "invited",
        "justification",
        "period_start",
        "price",
        "risks",
        "title",
    ] {
        assert!(
            f.contains(&expected.to_string()),
            "{expected} missing in {f:?}"
        );
    }
    // A contract-length period needs the Art. 24 grounds; an item not in the catalog.
    let mut body = s.body(3_000_000);
    body["period_end"] = json!(s.start + chrono::Duration::days(500));
    body["item_code"] = json!("Z99-99");
    let r = s
        .street
        .clone()
        .english()
        .post_json("/api/v1/purchase-projects", body)
        .await;
    assert_eq!(
        keys(&r),
        [
            "procurement.term_over_one_year",
            "catalog.scope_not_in_catalog"
        ],
        "{}",
        r.text()
    );
    assert!(r.text().contains("at most one year"), "{}", r.text());
    // At or above the threshold another method needs the finance department's approval.
    let r = s
        .street
        .clone()
        .english()
        .patch_json(
            "/api/v1/purchase-settings/440308",
            json!({"open_tender_threshold_fen": 2_000_000, "satisfaction_pct": 40, "version": 0}),
        )
        .await;
    assert_eq!(r.status, 403, "only the district sets the threshold");
    let district = district_admin(&s.app).await;
    let r = district
        .patch_json(
            "/api/v1/purchase-settings/440308",
            json!({"open_tender_threshold_fen": 2_000_000, "satisfaction_pct": 40, "version": 0}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mut body = s.body(3_000_000);
    body["method"] = json!("competitive_consultation");
    body["justification"] = json!("服务专业性强，需与供应商磋商服务方案");
    let r = s
        .street
        .post_json("/api/v1/purchase-projects", body.clone())
        .await;
    assert_eq!(
        keys(&r),
        ["procurement.method_needs_approval"],
        "{}",
        r.text()
    );
    body["approval_ref"] = json!("深盐财采〔2026〕12号");
    let r = s.street.post_json("/api/v1/purchase-projects", body).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(s.app.count("proc_projects").await, before + 1);
    // A budget line cannot drop below what approvals hold; a second line for the same key is
    // a conflict.
    let id = s.tendering(3_000_000).await;
    let line = s.line().await;
    let r = s
        .street
        .patch_json(
            &format!("/api/v1/budget-lines/{}", s.line),
            json!({"amount_fen": 1_000_000, "version": line["version"]}),
        )
        .await;
    assert_eq!(keys(&r), ["procurement.below_committed"], "{}", r.text());
    let r = s
        .street
        .post_json(
            "/api/v1/budget-lines",
            json!({"node": STREET_B, "year": chrono::Datelike::year(&s.start), "source": "general_budget",
                "title": "重复", "amount_fen": 1}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    // A bid after withdrawal of the notice's deadline, a question after the enquiry deadline.
    project::Entity::update_many()
        .col_expr(
            project::Column::EnquiryUntil,
            Expr::value(today() - chrono::Duration::days(1)),
        )
        .filter(project::Column::Id.eq(id.parse::<uuid::Uuid>().unwrap()))
        .exec(&s.app.state.db.write)
        .await
        .unwrap();
    let (a, ca) = s.bidder(1).await;
    let r = ca
        .post_json(
            &format!("/api/v1/purchase-notices/{id}/questions"),
            json!({"org": a, "question": "可以联合投标吗？"}),
        )
        .await;
    assert_eq!(keys(&r), ["procurement.enquiry_closed"]);
    assert_eq!(s.app.count("proc_clarifications").await, 0);
}

#[tokio::test]
async fn concurrent_approvals_never_overdraw_a_budget_line() {
    let s = setup(10_000_000).await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        let id = s.project(3_000_000).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        s.step(&id, json!({"transition": "submit", "version": 1}))
            .await;
        ids.push(id);
    }
    let results = futures::future::join_all(
        ids.iter()
            .map(|id| s.step(id, json!({"transition": "approve", "version": 2}))),
    )
    .await;
    let approved = results.iter().filter(|r| r.status == 200).count();
    assert_eq!(approved, 3, "10,000,000 holds three of 3,000,000");
    for r in results.iter().filter(|r| r.status != 200) {
        assert_eq!(keys(r), ["procurement.budget_insufficient"], "{}", r.text());
    }
    let line = s.line().await;
    assert_eq!(line["committed_fen"], 9_000_000);
    assert_eq!(line["available_fen"], 1_000_000);
    // The refused projects are still waiting for approval, unchanged.
    let waiting = s
        .street
        .get("/api/v1/purchase-projects?state=submitted")
        .await
        .json();
    assert_eq!(waiting["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn bids_racing_the_deadline_are_either_opened_or_refused() {
    let s = setup(10_000_000).await;
    let id = s.tendering(3_000_000).await;
    let mut bidders = Vec::new();
    for n in 0..8 {
        bidders.push(s.bidder(n).await);
    }
    // The same organization twice at once: one bid.
    let (o, c) = &bidders[0];
    let twice =
        futures::future::join_all([bid(c, &id, *o, 2_000_000), bid(c, &id, *o, 2_100_000)]).await;
    assert!(twice.iter().all(|r| r.status == 201), "{}", twice[0].text());
    assert_eq!(s.app.count("proc_bids").await, 1);
    // The deadline falls in the middle of the submissions.
    s.deadline_in(&id, 1).await;
    let started = std::time::Instant::now();
    let results =
        futures::future::join_all(bidders.iter().enumerate().skip(1).map(|(n, (o, c))| {
            let id = id.clone();
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(300 * n as u64)).await;
                bid(c, &id, *o, 2_000_000 + n as i64).await
            }
        }))
        .await;
    let late = results.iter().filter(|r| r.status != 201).count();
    for r in results.iter().filter(|r| r.status != 201) {
        assert_eq!(keys(r), ["procurement.deadline_passed"], "{}", r.text());
    }
    assert!(started.elapsed() > std::time::Duration::from_secs(1));
    assert!(late >= 1, "the last bids come after the deadline");
    let accepted = results.len() - late + 1;
    let r = s
        .step(&id, json!({"transition": "open", "version": 4}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let rows = bid::Entity::find()
        .filter(bid::Column::ProjectId.eq(id.parse::<uuid::Uuid>().unwrap()))
        .all(&s.app.state.db.read)
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        accepted,
        "every accepted bid, and only those, is opened"
    );
    let deadline = project::Entity::find_by_id(id.parse::<uuid::Uuid>().unwrap())
        .one(&s.app.state.db.read)
        .await
        .unwrap()
        .unwrap()
        .submit_until
        .unwrap();
    for b in &rows {
        assert!(b.submitted_at < deadline);
        assert_eq!(b.state, "valid");
    }
}

/// Give an existing user an organization role (a reviewer who also works for a bidder).
async fn employ(app: &TestApp, username: &str, org: uuid::Uuid) {
    use gongzhi_platform::entity::user;
    let u = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    let o = gongzhi_orgs::store::entity::org::Entity::find_by_id(org)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    gongzhi_orgs::service::grant_org_role(
        &app.state.db.write,
        &gongzhi_platform::audit::AuditActor::system("test"),
        u.id,
        &o,
        Role::OrgMember,
    )
    .await
    .unwrap();
}

/// The seat a reviewer holds on a project.
async fn seat_of(c: &TestClient, project: &str) -> Value {
    let mine = c.get("/api/v1/purchase-reviews").await.json();
    mine.as_array()
        .unwrap()
        .iter()
        .find(|t| t["seat"]["project_id"] == project)
        .map(|t| t["seat"].clone())
        .unwrap_or(Value::Null)
}

/// An open tender taken through three bids (from bidders `base + 1..=3`) and the opening;
/// returns the project and the bids as `(org, its admin, bid id)`, cheapest last.
async fn opened(s: &Setup, base: usize) -> (String, Vec<(uuid::Uuid, TestClient, String)>) {
    let id = s.tendering(3_000_000).await;
    let mut out = Vec::new();
    for (n, price) in [(1, 3_000_000), (2, 2_800_000), (3, 2_400_000)] {
        let (o, c) = s.bidder(base + n).await;
        let r = bid(&c, &id, o, price).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let b = r.json()["id"].as_str().unwrap().to_string();
        out.push((o, c, b));
    }
    s.deadline_in(&id, -1).await;
    let r = s
        .step(&id, json!({"transition": "open", "version": 4}))
        .await;
    assert_eq!(r.json()["state"], "evaluating", "{}", r.text());
    (id, out)
}

#[tokio::test]
async fn a_panel_free_of_conflicts_scores_and_the_award_follows_its_ranking() {
    let s = setup(10_000_000).await;
    let (id, bids) = opened(&s, 0).await;
    let mut reviewers = Vec::new();
    for n in 1..=6 {
        let name = format!("expert{n}");
        reviewers.push((
            name.clone(),
            s.app.user(&name, &[(Role::Reviewer, DISTRICT)]).await,
        ));
    }
    // A seventh expert works for a bidder: never seated.
    let tied = s.app.user("expert7", &[(Role::Reviewer, DISTRICT)]).await;
    employ(&s.app, "expert7", bids[0].0).await;
    // A reviewer of street A is not in street B's pool.
    s.app.user("a.expert", &[(Role::Reviewer, STREET_A)]).await;

    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-evaluations/{id}/panel"),
            json!({"size": 4}),
        )
        .await;
    assert_eq!(
        keys(&r),
        ["procurement.panel_size"],
        "tenders need an odd number, at least 5"
    );
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-evaluations/{id}/panel"),
            json!({"size": 5}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let drawn = r.json();
    let sitting: Vec<&Value> = drawn
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["state"] == "drawn")
        .collect();
    assert_eq!(sitting.len(), 5);
    for m in drawn
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["state"] == "removed")
    {
        assert!(
            m["conflict_note"]
                .as_str()
                .unwrap()
                .starts_with("detected:")
        );
    }
    assert_eq!(
        seat_of(&tied, &id).await["state"]
            .as_str()
            .unwrap_or("removed"),
        "removed"
    );
    // Before the award nothing is ranked, and the award waits for the panel.
    let e = s
        .street
        .get(&format!("/api/v1/purchase-evaluations/{id}"))
        .await
        .json();
    assert_eq!(e["complete"], false);
    assert_eq!(e["results"], json!([]));
    let r = s
        .step(&id, json!({"transition": "award", "version": 5}))
        .await;
    assert_eq!(
        keys(&r),
        ["procurement.evaluation_incomplete"],
        "{}",
        r.text()
    );

    // Of the five drawn: one turns out to work for a bidder, one declares a conflict.
    let mut seated = Vec::new();
    let mut left = Vec::new();
    for (name, c) in &reviewers {
        let seat = seat_of(c, &id).await;
        if seat.is_null() {
            continue;
        }
        let sid = seat["id"].as_str().unwrap().to_string();
        // Before declaring, a reviewer sees the bidders but not the bids.
        let view = c
            .get(&format!("/api/v1/purchase-reviews/{sid}"))
            .await
            .json();
        assert_eq!(view["bids"].as_array().unwrap().len(), 3);
        assert_eq!(view["bids"][0]["price_fen"], Value::Null);
        match left.len() {
            0 => {
                employ(&s.app, name, bids[1].0).await;
                let r = c
                    .post_json(
                        &format!("/api/v1/purchase-reviews/{sid}/declaration"),
                        json!({"conflict": false, "version": 1}),
                    )
                    .await;
                assert_eq!(r.json()["state"], "removed", "{}", r.text());
                assert!(
                    r.json()["conflict_note"]
                        .as_str()
                        .unwrap()
                        .starts_with("detected:")
                );
                left.push(sid);
            }
            1 => {
                let r = c
                    .post_json(
                        &format!("/api/v1/purchase-reviews/{sid}/declaration"),
                        json!({"conflict": true, "version": 1}),
                    )
                    .await;
                assert_eq!(fields(&r), ["note"]);
                let r = c
                    .post_json(
                        &format!("/api/v1/purchase-reviews/{sid}/declaration"),
                        json!({"conflict": true, "note": "配偶在投标机构任职", "version": 1}),
                    )
                    .await;
                assert_eq!(r.json()["state"], "removed", "{}", r.text());
                left.push(sid);
            }
            _ => {
                let r = c
                    .post_json(
                        &format!("/api/v1/purchase-reviews/{sid}/declaration"),
                        json!({"conflict": false, "version": 1}),
                    )
                    .await;
                assert_eq!(r.json()["state"], "seated", "{}", r.text());
                seated.push((c.clone(), sid));
            }
        }
    }
    assert_eq!(seated.len(), 3);
    // Two seats to fill: one free expert is left in the pool (and the tied one).
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-evaluations/{id}/panel"),
            json!({"size": 5}),
        )
        .await;
    assert_eq!(keys(&r), ["procurement.pool_too_small"], "{}", r.text());
    let extra = s.app.user("expert8", &[(Role::Reviewer, DISTRICT)]).await;
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-evaluations/{id}/panel"),
            json!({"size": 5}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    for (name, c) in reviewers
        .iter()
        .chain([("expert8".to_string(), extra)].iter())
    {
        let seat = seat_of(c, &id).await;
        if seat["state"] == "drawn" {
            let sid = seat["id"].as_str().unwrap().to_string();
            let r = c
                .post_json(
                    &format!("/api/v1/purchase-reviews/{sid}/declaration"),
                    json!({"conflict": false, "version": 1}),
                )
                .await;
            assert_eq!(r.json()["state"], "seated", "{name}: {}", r.text());
            seated.push((c.clone(), sid));
        }
    }
    assert_eq!(seated.len(), 5);

    // Scores: within the rubric (technical ≤ 45, quality ≤ 25), every bid on one sheet.
    let (c0, s0) = &seated[0];
    let sheet = |t: [u32; 3], q: [u32; 3]| {
        json!({"scores": [
            {"bid": bids[0].2, "technical": t[0], "quality": q[0]},
            {"bid": bids[1].2, "technical": t[1], "quality": q[1]},
            {"bid": bids[2].2, "technical": t[2], "quality": q[2]}]})
    };
    let r = c0
        .post_json(
            &format!("/api/v1/purchase-reviews/{s0}/scores"),
            sheet([4600, 4000, 3000], [2000, 2000, 2000]),
        )
        .await;
    assert_eq!(
        keys(&r),
        ["procurement.score_out_of_rubric"],
        "{}",
        r.text()
    );
    let r = c0
        .post_json(
            &format!("/api/v1/purchase-reviews/{s0}/scores"),
            json!({"scores": [{"bid": bids[0].2, "technical": 4000, "quality": 2000}]}),
        )
        .await;
    assert_eq!(keys(&r), ["procurement.sheet_incomplete"]);
    // Bid 0 is technically strongest; one reviewer is far off and is dropped with the highest.
    let sheets = [
        sheet([4000, 3500, 2000], [2200, 2000, 1500]),
        sheet([4100, 3400, 2100], [2300, 2000, 1500]),
        sheet([3900, 3600, 2000], [2100, 1900, 1600]),
        sheet([4200, 3500, 1900], [2200, 2100, 1400]),
        sheet([500, 4500, 4500], [500, 2500, 2500]),
    ];
    for ((c, sid), body) in seated.iter().zip(sheets) {
        let r = c
            .post_json(&format!("/api/v1/purchase-reviews/{sid}/scores"), body)
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let v = r.json();
        assert!(
            v["bids"][0]["price_fen"].is_i64(),
            "seated reviewers see the bids"
        );
    }
    let e = s
        .street
        .get(&format!("/api/v1/purchase-evaluations/{id}"))
        .await
        .json();
    assert_eq!(e["complete"], true, "{e}");
    let first = &e["results"][0];
    assert_eq!(first["bid"], bids[0].2.as_str());
    assert_eq!(first["rank"], 1);
    // Bid 0's reviewer totals 6200 6400 6000 6400 1000: drop 6400 and 1000, mean of the rest.
    assert_eq!(first["reviewed"], (6200 + 6000 + 6400 + 2) / 3);
    // Price 2,400,000 lowest of 3,000,000: 20 × 0.8 = 16 points.
    assert_eq!(first["price_score"], 1600);
    let credit = first["credit_score"].as_i64().unwrap() as u32;
    assert_eq!(first["past_performance"], credit * 10);
    assert_eq!(
        first["total"].as_u64().unwrap(),
        first["price_score"].as_u64().unwrap()
            + first["past_performance"].as_u64().unwrap()
            + first["reviewed"].as_u64().unwrap()
    );
    assert_eq!(e["recommended"], bids[0].2.as_str());
    // The credit rating is public, with its inputs.
    let credit_view = s
        .app
        .anon()
        .get(&format!("/api/v1/public/orgs/{}/credit", bids[0].0))
        .await
        .json();
    assert_eq!(
        credit_view["rating"]["score"].as_u64().unwrap() as u32,
        credit
    );
    assert!(
        credit_view["rating"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["factor"] == "base")
    );

    // Awarding another bid than the first needs a reason.
    let r = s
        .step(
            &id,
            json!({"transition": "award", "version": 5, "bid": bids[2].2}),
        )
        .await;
    assert_eq!(fields(&r), ["reason"]);
    let r = s
        .step(&id, json!({"transition": "award", "version": 5}))
        .await;
    let p = r.json();
    assert_eq!(p["state"], "awarded", "{}", r.text());
    let again = s
        .step(&id, json!({"transition": "award", "version": 6}))
        .await;
    assert_eq!(again.status, 409, "a second award: {}", again.text());
    let row = project::Entity::find_by_id(id.parse::<uuid::Uuid>().unwrap())
        .one(&s.app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.awarded_bid_id.unwrap().to_string(), bids[0].2);
    let award_on = row.award_on.unwrap();
    assert_eq!(row.sign_by.unwrap(), award_on + chrono::Duration::days(30));
    assert!(row.challenge_until.unwrap() >= award_on + chrono::Duration::days(9));
    // Scores are closed once awarded.
    let (c, sid) = &seated[1];
    let r = c
        .post_json(
            &format!("/api/v1/purchase-reviews/{sid}/scores"),
            sheet([1, 1, 1], [1, 1, 1]),
        )
        .await;
    assert_eq!(r.status, 409);
}

#[tokio::test]
async fn challenges_are_answered_within_the_deadline_and_may_end_the_award() {
    let s = setup(10_000_000).await;
    let (id, bids) = opened(&s, 0).await;
    for n in 1..=3 {
        s.app
            .user(&format!("expert{n}"), &[(Role::Reviewer, DISTRICT)])
            .await;
    }
    // An open tender needs five; as a consultation would need three. Five experts here.
    for n in 4..=5 {
        s.app
            .user(&format!("expert{n}"), &[(Role::Reviewer, DISTRICT)])
            .await;
    }
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-evaluations/{id}/panel"),
            json!({"size": 5}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    for n in 1..=5 {
        let c = s.app.login(&format!("expert{n}")).await;
        let sid = seat_of(&c, &id).await["id"].as_str().unwrap().to_string();
        c.post_json(
            &format!("/api/v1/purchase-reviews/{sid}/declaration"),
            json!({"conflict": false, "version": 1}),
        )
        .await;
        let r = c
            .post_json(
                &format!("/api/v1/purchase-reviews/{sid}/scores"),
                json!({"scores": [
                    {"bid": bids[0].2, "technical": 4000, "quality": 2000},
                    {"bid": bids[1].2, "technical": 3000, "quality": 2000},
                    {"bid": bids[2].2, "technical": 3000, "quality": 1000}]}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    // No award yet: nothing to challenge.
    let (o1, c1, _) = &bids[1];
    let challenge = |c: &TestClient, o: uuid::Uuid| {
        let c = c.clone();
        let id = id.clone();
        async move {
            c.post_json(
                &format!("/api/v1/purchase-awards/{id}/challenges"),
                json!({"org": o, "grounds": "中标人的业绩证明材料与事实不符，请予复核"}),
            )
            .await
        }
    };
    let r = challenge(c1, *o1).await;
    assert_eq!(keys(&r), ["procurement.challenge_no_award"]);
    let r = s
        .step(&id, json!({"transition": "award", "version": 5}))
        .await;
    assert_eq!(r.json()["state"], "awarded", "{}", r.text());

    // A bidder challenges; someone who did not bid cannot.
    let r = challenge(c1, *o1).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let ch = r.json();
    assert_eq!(ch["state"], "open");
    assert!(ch["answer_due"].as_str().unwrap() > ch["received_on"].as_str().unwrap());
    let (stranger, sc) = s.bidder(9).await;
    let r = challenge(&sc, stranger).await;
    assert_eq!(keys(&r), ["procurement.challenge_not_bidder"]);
    let cid = ch["id"].as_str().unwrap().to_string();
    let list = s
        .street
        .get(&format!("/api/v1/purchase-awards/{id}/challenges"))
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    // The challenger cannot answer its own challenge; the street answers (outcome required).
    let r = c1
        .post_json(
            &format!("/api/v1/purchase-challenges/{cid}/transitions"),
            json!({"transition": "answer", "text": "经复核业绩证明材料真实有效", "outcome": "dismissed", "version": 1}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-challenges/{cid}/transitions"),
            json!({"transition": "answer", "text": "经复核业绩证明材料真实有效", "version": 1}),
        )
        .await;
    assert_eq!(keys(&r), ["procurement.outcome_required"]);
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-challenges/{cid}/transitions"),
            json!({"transition": "answer", "text": "经复核业绩证明材料真实有效", "outcome": "dismissed", "version": 1}),
        )
        .await;
    assert_eq!(r.json()["state"], "answered", "{}", r.text());
    assert!(r.json()["complaint_until"].is_string());
    // The challenger complains to the finance department; the street records the decision.
    let r = c1
        .post_json(
            &format!("/api/v1/purchase-challenges/{cid}/transitions"),
            json!({"transition": "complain", "text": "对质疑答复不满意，向财政部门投诉", "version": 2}),
        )
        .await;
    assert_eq!(r.json()["state"], "complained", "{}", r.text());
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-challenges/{cid}/transitions"),
            json!({"transition": "resolve", "text": "财政部门驳回投诉（深盐财决〔2026〕3号）", "version": 3}),
        )
        .await;
    assert_eq!(r.json()["state"], "closed", "{}", r.text());

    // A second challenge, upheld: the street fails the award and the budget returns.
    let (o2, c2, _) = &bids[2];
    let r = challenge(c2, *o2).await;
    let cid = r.json()["id"].as_str().unwrap().to_string();
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-challenges/{cid}/transitions"),
            json!({"transition": "answer", "text": "经复核评分存在错误，质疑成立", "outcome": "upheld", "version": 1}),
        )
        .await;
    assert_eq!(r.json()["outcome"], "upheld", "{}", r.text());
    let r = s
        .step(
            &id,
            json!({"transition": "fail", "version": 6, "reason": "质疑成立，重新组织采购"}),
        )
        .await;
    assert_eq!(r.json()["state"], "failed", "{}", r.text());
    assert_eq!(s.line().await["committed_fen"], 0);

    // After the challenge period nothing more is taken.
    let (id2, bids2) = opened(&s, 10).await;
    project::Entity::update_many()
        .col_expr(project::Column::State, Expr::value("awarded"))
        .col_expr(
            project::Column::ChallengeUntil,
            Expr::value(today() - chrono::Duration::days(1)),
        )
        .filter(project::Column::Id.eq(id2.parse::<uuid::Uuid>().unwrap()))
        .exec(&s.app.state.db.write)
        .await
        .unwrap();
    let (o, c, _) = &bids2[0];
    let r = c
        .post_json(
            &format!("/api/v1/purchase-awards/{id2}/challenges"),
            json!({"org": o, "grounds": "中标人的业绩证明材料与事实不符，请予复核"}),
        )
        .await;
    assert_eq!(keys(&r), ["procurement.challenge_late"], "{}", r.text());
}

/// An open tender opened, scored by five experts so that the first bid ranks first, and
/// awarded; returns the project and the bids. The experts are created with the first (`base` 0).
async fn award_first(s: &Setup, base: usize) -> (String, Vec<(uuid::Uuid, TestClient, String)>) {
    let (id, bids) = opened(s, base).await;
    if base == 0 {
        for n in 1..=5 {
            s.app
                .user(&format!("expert{n}"), &[(Role::Reviewer, DISTRICT)])
                .await;
        }
    }
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-evaluations/{id}/panel"),
            json!({"size": 5}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    for n in 1..=5 {
        let c = s.app.login(&format!("expert{n}")).await;
        let sid = seat_of(&c, &id).await["id"].as_str().unwrap().to_string();
        c.post_json(
            &format!("/api/v1/purchase-reviews/{sid}/declaration"),
            json!({"conflict": false, "version": 1}),
        )
        .await;
        let r = c
            .post_json(
                &format!("/api/v1/purchase-reviews/{sid}/scores"),
                json!({"scores": [
                    {"bid": bids[0].2, "technical": 4400, "quality": 2400},
                    {"bid": bids[1].2, "technical": 3000, "quality": 2000},
                    {"bid": bids[2].2, "technical": 2000, "quality": 1000}]}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
    }
    let r = s
        .step(&id, json!({"transition": "award", "version": 5}))
        .await;
    assert_eq!(r.json()["state"], "awarded", "{}", r.text());
    (id, bids)
}

fn contract_body(s: &Setup, award: &str, shares: &[i64]) -> Value {
    let milestones: Vec<Value> = shares
        .iter()
        .enumerate()
        .map(|(i, share)| {
            json!({"title": format!("第{}阶段", i + 1), "deliverables": "活动记录、签到表与照片",
                "due_on": s.start + chrono::Duration::days(60 * (i as i64 + 1)), "share_fen": share})
        })
        .collect();
    json!({"award": award, "version": 6,
        "content": "全年组织社区文体活动十二场", "starts_on": s.start, "ends_on": s.end,
        "quality": "每场不少于五十名居民参加，活动有记录", "settlement": "按里程碑验收合格后十个工作日内支付",
        "rights": "甲方监督检查，乙方按约提供服务并接受评估", "breach": "未按约提供服务的按比例扣减服务费",
        "milestones": milestones})
}

async fn standstill_over(s: &Setup, id: &str) {
    let past = today() - chrono::Duration::days(1);
    project::Entity::update_many()
        .col_expr(project::Column::StandstillUntil, Expr::value(past))
        .filter(project::Column::Id.eq(id.parse::<uuid::Uuid>().unwrap()))
        .exec(&s.app.state.db.write)
        .await
        .unwrap();
}

async fn report_on(c: &TestClient, contract: &str, milestone: &str) -> TestResponse {
    let body = format!(
        "--XyZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\n已完成本阶段六场活动，附签到表\r\n--XyZ\r\nContent-Disposition: form-data; name=\"milestone\"\r\n\r\n{milestone}\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"sign-in.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 sign-in sheets\r\n--XyZ--\r\n"
    );
    c.send(
        axum::http::Method::POST,
        &format!("/api/v1/purchase-contracts/{contract}/reports"),
        Some(("multipart/form-data; boundary=XyZ", body.into_bytes())),
    )
    .await
}

#[tokio::test]
async fn a_contract_is_signed_delivered_paid_accepted_and_evaluated_into_credit() {
    let s = setup(10_000_000).await;
    let (id, bids) = award_first(&s, 0).await;
    let (provider, pc, _) = &bids[0];
    let (loser, lc, _) = &bids[1];

    // The standstill, then an open challenge, hold the contract back.
    let r = s
        .street
        .post_json(
            "/api/v1/purchase-contracts",
            contract_body(&s, &id, &[3_000_000]),
        )
        .await;
    assert_eq!(keys(&r), ["procurement.standstill"], "{}", r.text());
    let r = lc
        .post_json(
            &format!("/api/v1/purchase-awards/{id}/challenges"),
            json!({"org": loser, "grounds": "中标人报价明显低于成本，请予复核"}),
        )
        .await;
    let cid = r.json()["id"].as_str().unwrap().to_string();
    standstill_over(&s, &id).await;
    let r = s
        .street
        .post_json(
            "/api/v1/purchase-contracts",
            contract_body(&s, &id, &[3_000_000]),
        )
        .await;
    assert_eq!(keys(&r), ["procurement.challenge_open"], "{}", r.text());
    s.street
        .post_json(
            &format!("/api/v1/purchase-challenges/{cid}/transitions"),
            json!({"transition": "answer", "text": "经复核报价构成合理，质疑不成立", "outcome": "dismissed", "version": 1}),
        )
        .await;
    // Terms: too long without the grounds, shares not making up the price, a term missing.
    let mut body = contract_body(&s, &id, &[1_000_000, 1_000_000]);
    body["ends_on"] = json!(s.start + chrono::Duration::days(400));
    body["breach"] = json!("");
    let r = s.street.post_json("/api/v1/purchase-contracts", body).await;
    let mut k = keys(&r);
    k.sort();
    assert_eq!(
        k,
        [
            "procurement.shares_total",
            "procurement.term_over_one_year",
            "procurement.text_too_short"
        ],
        "{}",
        r.text()
    );
    assert_eq!(s.app.count("proc_contracts").await, 0);
    let r = s
        .street
        .post_json(
            "/api/v1/purchase-contracts",
            contract_body(&s, &id, &[1_500_000, 1_500_000]),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let c = r.json();
    let contract = c["id"].as_str().unwrap().to_string();
    assert_eq!(c["price_fen"], 3_000_000);
    assert_eq!(c["org_id"], provider.to_string());
    let p = s
        .street
        .get(&format!("/api/v1/purchase-projects/{id}"))
        .await
        .json();
    assert_eq!(p["state"], "contracted");
    let summary = s
        .app
        .anon()
        .get(&format!("/api/v1/public/contracts/{contract}"))
        .await
        .json();
    assert_eq!(summary["purchaser"], "海山街道");
    assert_eq!(summary["price_fen"], 3_000_000);
    let m1 = c["milestones"][0]["id"].as_str().unwrap().to_string();
    let m2 = c["milestones"][1]["id"].as_str().unwrap().to_string();

    // No payment before acceptance of the milestone.
    let r = s
        .street
        .post_json(
            "/api/v1/purchase-payments",
            json!({"milestone": m1, "amount_fen": 100_000}),
        )
        .await;
    assert_eq!(keys(&r), ["procurement.milestone_not_accepted"]);
    // The provider reports with an attachment; only the provider may.
    let r = report_on(lc, &contract, &m1).await;
    assert_eq!(r.status, 404, "{}", r.text());
    let r = report_on(pc, &contract, &m1).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let report = r.json()["id"].as_str().unwrap().to_string();
    let file = s
        .street
        .get(&format!("/api/v1/purchase-reports/{report}/attachment"))
        .await;
    assert_eq!(file.status, 200);
    assert!(file.text().starts_with("%PDF"));
    // Sent back (with a reason), resubmitted, accepted.
    let review = |m: &str, body: Value| {
        let street = s.street.clone();
        let m = m.to_string();
        async move {
            street
                .post_json(&format!("/api/v1/purchase-milestones/{m}/review"), body)
                .await
        }
    };
    let r = review(&m1, json!({"accept": false, "version": 2})).await;
    assert_eq!(fields(&r), ["reason"]);
    let r = review(
        &m1,
        json!({"accept": false, "note": "签到表缺少两场", "version": 2}),
    )
    .await;
    assert_eq!(r.json()["state"], "rejected", "{}", r.text());
    report_on(pc, &contract, &m1).await;
    let r = review(&m1, json!({"accept": true, "version": 4})).await;
    assert_eq!(r.json()["state"], "accepted", "{}", r.text());

    // Payments: never above the share, also when two come at once.
    let r = s
        .street
        .post_json(
            "/api/v1/purchase-payments",
            json!({"milestone": m1, "amount_fen": 1_500_001}),
        )
        .await;
    assert_eq!(keys(&r), ["procurement.payment_over_share"]);
    let pay = |amount: i64| {
        let street = s.street.clone();
        let m1 = m1.clone();
        async move {
            street
                .post_json(
                    "/api/v1/purchase-payments",
                    json!({"milestone": m1, "amount_fen": amount}),
                )
                .await
        }
    };
    let both = futures::future::join_all([pay(900_000), pay(900_000)]).await;
    assert_eq!(
        both.iter().filter(|r| r.status == 201).count(),
        1,
        "{}",
        both[1].text()
    );
    assert_eq!(s.app.count("proc_payments").await, 1);
    assert_eq!(pay(600_000).await.status, 201);
    let line = s.line().await;
    assert_eq!(line["spent_fen"], 1_500_000);
    assert_eq!(line["committed_fen"], 1_500_000);

    // A monitoring visit finds a breach: a dated record on the provider.
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-contracts/{contract}/visits"),
            json!({"visited_on": today(), "findings": "十月活动未按计划开展，也未报告", "verdict": "breach"}),
        )
        .await;
    assert_eq!(fields(&r), ["rectification"]);
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-contracts/{contract}/visits"),
            json!({"visited_on": today(), "findings": "十月活动未按计划开展，也未报告", "verdict": "breach",
                "rectification": "十一月补办两场并提交说明"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());

    // Top-ups: at most 10% of the original price in total.
    let top_up = |amount: i64| {
        json!({"kind": "top_up", "amount_fen": amount, "reason": "居民需求增加，添购两场活动",
            "milestone": {"title": "添购活动", "deliverables": "两场活动记录", "due_on": s.end, "share_fen": amount}})
    };
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-contracts/{contract}/variations"),
            top_up(300_001),
        )
        .await;
    assert_eq!(
        keys(&r),
        ["procurement.top_up_over_ten_percent"],
        "{}",
        r.text()
    );
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-contracts/{contract}/variations"),
            top_up(200_000),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let c = s
        .street
        .get(&format!("/api/v1/purchase-contracts/{contract}"))
        .await
        .json();
    assert_eq!(c["price_fen"], 3_200_000);
    assert_eq!(c["milestones"].as_array().unwrap().len(), 3);
    assert_eq!(s.line().await["committed_fen"], 1_700_000);

    // Acceptance passes only once every milestone is accepted.
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-contracts/{contract}/acceptance"),
            json!({"passed": true, "note": "全部服务已完成", "version": 1}),
        )
        .await;
    assert_eq!(keys(&r), ["procurement.milestones_open"], "{}", r.text());
    let m3 = c["milestones"][2]["id"].as_str().unwrap().to_string();
    for m in [&m2, &m3] {
        report_on(pc, &contract, m).await;
        let r = review(m, json!({"accept": true, "version": 2})).await;
        assert_eq!(r.json()["state"], "accepted", "{}", r.text());
    }
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-contracts/{contract}/acceptance"),
            json!({"passed": true, "note": "全部服务已完成，资料齐全", "version": 1}),
        )
        .await;
    assert_eq!(r.json()["state"], "accepted", "{}", r.text());

    // Residents answer the survey on a phone.
    let r = s
        .app
        .anon()
        .post_json(
            &format!("/api/v1/public/surveys/{contract}"),
            json!({"answers": [5, 5, 6, 5]}),
        )
        .await;
    assert_eq!(keys(&r), ["procurement.survey_answers"]);
    for a in [[5, 5, 5, 5], [4, 4, 4, 4], [5, 4, 5, 4]] {
        let r = s
            .app
            .anon()
            .post_json(
                &format!("/api/v1/public/surveys/{contract}"),
                json!({"answers": a, "comment": "活动很好"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
    }
    // A third party evaluates: the street cannot once one is assigned.
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-contracts/{contract}/evaluator"),
            json!({"evaluator": uuid::Uuid::now_v7(), "version": 2}),
        )
        .await;
    assert_eq!(keys(&r), ["procurement.not_an_evaluator"]);
    let evaluator = s
        .app
        .user_model("evaluator", &[(Role::Evaluator, DISTRICT)])
        .await;
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-contracts/{contract}/evaluator"),
            json!({"evaluator": evaluator.id, "version": 2}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let targets = |a: u32, b: u32| json!([{"name": "活动场次", "actual": "12场", "score": a}, {"name": "居民满意度", "actual": "93%", "score": b}]);
    let body = |t: Value| json!({"contract": contract, "targets": t, "note": "目标基本完成，居民反映良好", "version": 3});
    let r = s
        .street
        .post_json("/api/v1/performance-evaluations", body(targets(95, 90)))
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    let ev = s.app.login("evaluator").await;
    let r = ev
        .post_json(
            "/api/v1/performance-evaluations",
            body(json!([{"name": "别的目标", "actual": "-", "score": 90}])),
        )
        .await;
    assert_eq!(keys(&r), ["procurement.targets_mismatch"]);
    let r = ev
        .post_json("/api/v1/performance-evaluations", body(targets(95, 90)))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let e = r.json();
    // Targets 92.5; satisfaction mean of 100, 75, 87.5 = 87.5; weighted 40%: 90.5 → 优.
    assert_eq!(e["targets_score"], 9250);
    assert_eq!(e["satisfaction_score"], 8750);
    assert_eq!(e["score"], 9050);
    assert_eq!(e["grade"], "excellent");
    assert_eq!(e["evaluator_kind"], "third_party");
    let p = s
        .street
        .get(&format!("/api/v1/purchase-projects/{id}"))
        .await
        .json();
    assert_eq!(p["state"], "completed");
    let summary = s
        .app
        .anon()
        .get(&format!("/api/v1/public/contracts/{contract}"))
        .await
        .json();
    assert_eq!(summary["grade"], "excellent");
    // The survey closes with the evaluation.
    let r = s
        .app
        .anon()
        .post_json(
            &format!("/api/v1/public/surveys/{contract}"),
            json!({"answers": [1, 1, 1, 1]}),
        )
        .await;
    assert_eq!(r.status, 409);
    // Results applied: the breach and the grade are on the provider, and its rating says so.
    let credit = s
        .app
        .anon()
        .get(&format!("/api/v1/public/orgs/{provider}/credit"))
        .await
        .json();
    let factors: Vec<&str> = credit["rating"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["factor"].as_str().unwrap())
        .collect();
    assert!(
        factors.contains(&"breach") && factors.contains(&"evaluation_excellent"),
        "{credit}"
    );
    assert_eq!(credit["rating"]["score"], 70 - 10 + 5);
    assert_eq!(credit["records"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn termination_and_a_poor_grade_are_recorded_on_the_provider() {
    let s = setup(20_000_000).await;
    // A contract terminated for breach after one payment: the rest goes back to the budget.
    let (id, bids) = award_first(&s, 0).await;
    standstill_over(&s, &id).await;
    let r = s
        .street
        .post_json(
            "/api/v1/purchase-contracts",
            contract_body(&s, &id, &[1_000_000, 2_000_000]),
        )
        .await;
    let c = r.json();
    let contract = c["id"].as_str().unwrap().to_string();
    let m1 = c["milestones"][0]["id"].as_str().unwrap().to_string();
    let (provider, pc, _) = &bids[0];
    report_on(pc, &contract, &m1).await;
    s.street
        .post_json(
            &format!("/api/v1/purchase-milestones/{m1}/review"),
            json!({"accept": true, "version": 2}),
        )
        .await;
    s.street
        .post_json(
            "/api/v1/purchase-payments",
            json!({"milestone": m1, "amount_fen": 1_000_000}),
        )
        .await;
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-contracts/{contract}/termination"),
            json!({"version": 1}),
        )
        .await;
    assert_eq!(fields(&r), ["reason"]);
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-contracts/{contract}/termination"),
            json!({"reason": "连续两个月未开展活动，经催告仍未改正", "version": 1}),
        )
        .await;
    assert_eq!(r.json()["state"], "terminated", "{}", r.text());
    let p = s
        .street
        .get(&format!("/api/v1/purchase-projects/{id}"))
        .await
        .json();
    assert_eq!(p["state"], "terminated");
    let line = s.line().await;
    assert_eq!(line["committed_fen"], 0);
    assert_eq!(line["spent_fen"], 1_000_000);
    let r = s
        .street
        .post_json(
            &format!("/api/v1/purchase-contracts/{contract}/visits"),
            json!({"visited_on": today(), "findings": "终止后回访，场地已清理完毕", "verdict": "satisfactory"}),
        )
        .await;
    assert_eq!(r.status, 201, "a visit after termination is still recorded");

    // Another contract with the same provider, graded 差 by the street without a survey.
    let (id2, bids2) = award_first(&s, 10).await;
    standstill_over(&s, &id2).await;
    let c = s
        .street
        .post_json(
            "/api/v1/purchase-contracts",
            contract_body(&s, &id2, &[3_000_000]),
        )
        .await
        .json();
    let contract2 = c["id"].as_str().unwrap().to_string();
    let only = c["milestones"][0]["id"].as_str().unwrap().to_string();
    let (provider2, pc2, _) = &bids2[0];
    report_on(pc2, &contract2, &only).await;
    s.street
        .post_json(
            &format!("/api/v1/purchase-milestones/{only}/review"),
            json!({"accept": true, "version": 2}),
        )
        .await;
    s.street
        .post_json(
            &format!("/api/v1/purchase-contracts/{contract2}/acceptance"),
            json!({"passed": true, "note": "勉强完成，资料不全", "version": 1}),
        )
        .await;
    let r = s
        .street
        .post_json(
            "/api/v1/performance-evaluations",
            json!({"contract": contract2, "note": "多数目标未完成，居民意见较大", "version": 2, "targets": [
                {"name": "活动场次", "actual": "6场", "score": 50}, {"name": "居民满意度", "actual": "60%", "score": 55}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["grade"], "poor");
    assert_eq!(r.json()["satisfaction_score"], Value::Null);
    // The 差 is a standing event the admission criteria read, and a record the rating reads.
    let events = gongzhi_orgs::store::entity::org_standing_event::Entity::find()
        .filter(gongzhi_orgs::store::entity::org_standing_event::Column::OrgId.eq(*provider2))
        .filter(
            gongzhi_orgs::store::entity::org_standing_event::Column::Kind.eq("performance_poor"),
        )
        .all(&s.app.state.db.read)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    let credit = s
        .app
        .anon()
        .get(&format!("/api/v1/public/orgs/{provider2}/credit"))
        .await
        .json();
    assert_eq!(credit["rating"]["score"], 70 - 20);
    let credit = s
        .app
        .anon()
        .get(&format!("/api/v1/public/orgs/{provider}/credit"))
        .await
        .json();
    assert_eq!(credit["rating"]["score"], 70 - 25);
    assert_eq!(credit["records"][0]["kind"], "termination");
}

const OCDS: &str = "tests/assets/ocds-1.1.5";

fn schema(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(format!("{OCDS}/{name}")).unwrap()).unwrap()
}

/// Resolves the schemas' references to the local copies.
struct LocalSchemas;

impl jsonschema::Retrieve for LocalSchemas {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        match uri.as_str() {
            "https://standard.open-contracting.org/schema/1__1__5/release-schema.json" => {
                Ok(schema("release-schema.json"))
            }
            // Only `versionedRelease` refers to it, and we never publish one.
            "https://standard.open-contracting.org/schema/1__1__5/versioned-release-validation-schema.json" => {
                Ok(json!({}))
            }
            other => Err(format!("unexpected schema reference {other}").into()),
        }
    }
}

fn validator(name: &str) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .with_retriever(LocalSchemas)
        .should_validate_formats(true)
        .build(&schema(name))
        .unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is not valid OCDS 1.1: {errors:#?}"
    );
}

/// JSON Merge Patch (RFC 7386), as OCDS applies an extension's schema to the core schema.
fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// Every field of a release is declared by the core schema or our extension, and none is empty
/// (what the Data Review Tool reports as additional and empty fields).
fn assert_declared_and_filled(schema: &Value, node: &Value, value: &Value, path: &str) {
    let resolve = |n: &Value| -> Value {
        match n.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.trim_start_matches("#/definitions/");
                let mut out = schema["definitions"][name].clone();
                // Sibling keywords of the reference (our extension's titles) stay.
                if let (Value::Object(o), Value::Object(extra)) = (&mut out, n) {
                    for (k, v) in extra {
                        if k != "$ref" {
                            o.entry(k.clone()).or_insert(v.clone());
                        }
                    }
                }
                out
            }
            None => n.clone(),
        }
    };
    let node = resolve(node);
    match value {
        Value::Null => panic!("{path} is null"),
        Value::String(s) => assert!(!s.is_empty(), "{path} is an empty string"),
        Value::Array(items) => {
            assert!(!items.is_empty(), "{path} is an empty list");
            for (i, x) in items.iter().enumerate() {
                assert_declared_and_filled(schema, &node["items"], x, &format!("{path}/{i}"));
            }
        }
        Value::Object(map) => {
            assert!(!map.is_empty(), "{path} is an empty object");
            let props = &node["properties"];
            for (k, x) in map {
                assert!(
                    props.get(k).is_some(),
                    "{path}/{k} is declared neither in OCDS 1.1 nor in our extension"
                );
                assert_declared_and_filled(schema, &props[k], x, &format!("{path}/{k}"));
            }
        }
        _ => {}
    }
}

fn codes(list: &str) -> Vec<String> {
    std::fs::read_to_string(format!("{OCDS}/codelists/{list}.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

/// Every value at `pointer` in every release (arrays expanded with `*`).
fn values_at<'a>(v: &'a Value, path: &[&str]) -> Vec<&'a Value> {
    match path.split_first() {
        None => vec![v],
        Some((&"*", rest)) => v
            .as_array()
            .map(|a| a.iter().flat_map(|x| values_at(x, rest)).collect())
            .unwrap_or_default(),
        Some((k, rest)) => v.get(*k).map(|x| values_at(x, rest)).unwrap_or_default(),
    }
}

#[tokio::test]
async fn every_ocds_package_validates_against_the_schemas_and_codelists() {
    let s = setup(20_000_000).await;
    // A process taken all the way to its evaluation.
    let (done, bids) = award_first(&s, 0).await;
    standstill_over(&s, &done).await;
    let c = s
        .street
        .post_json(
            "/api/v1/purchase-contracts",
            contract_body(&s, &done, &[3_000_000]),
        )
        .await
        .json();
    let contract = c["id"].as_str().unwrap().to_string();
    let m = c["milestones"][0]["id"].as_str().unwrap().to_string();
    report_on(&bids[0].1, &contract, &m).await;
    s.street
        .post_json(
            &format!("/api/v1/purchase-milestones/{m}/review"),
            json!({"accept": true, "version": 2}),
        )
        .await;
    s.street
        .post_json(
            "/api/v1/purchase-payments",
            json!({"milestone": m, "amount_fen": 3_000_000}),
        )
        .await;
    s.street
        .post_json(
            &format!("/api/v1/purchase-contracts/{contract}/acceptance"),
            json!({"passed": true, "note": "服务全部完成", "version": 1}),
        )
        .await;
    s.app
        .anon()
        .post_json(
            &format!("/api/v1/public/surveys/{contract}"),
            json!({"answers": [5, 4, 5, 5]}),
        )
        .await;
    let r = s
        .street
        .post_json(
            "/api/v1/performance-evaluations",
            json!({"contract": contract, "note": "目标全部完成，居民反映良好", "version": 2, "targets": [
                {"name": "活动场次", "actual": "12场", "score": 95}, {"name": "居民满意度", "actual": "95%", "score": 92}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    // A process that fails at the opening (one bid, from an organization with a USCC), and
    // an approved one cancelled before its notice.
    let failed = s.tendering(3_000_000).await;
    let holder = gongzhi_orgs::store::entity::org::Entity::find()
        .filter(gongzhi_orgs::store::entity::org::Column::Uscc.eq("52440308MJ0000018G"))
        .one(&s.app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    let hc = org_role(&s.app, "holder.admin", holder.id, Role::OrgAdmin).await;
    assert_eq!(bid(&hc, &failed, holder.id, 2_000_000).await.status, 201);
    s.deadline_in(&failed, -1).await;
    s.step(&failed, json!({"transition": "open", "version": 4}))
        .await;
    let cancelled = s.project(1_000_000).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.step(&cancelled, json!({"transition": "submit", "version": 1}))
        .await;
    s.step(&cancelled, json!({"transition": "approve", "version": 2}))
        .await;
    let r = s
        .step(
            &cancelled,
            json!({"transition": "cancel", "version": 3, "reason": "需求已由社区自行解决"}),
        )
        .await;
    assert_eq!(r.json()["state"], "cancelled", "{}", r.text());

    let releases = validator("release-package-schema.json");
    let records = validator("record-package-schema.json");
    let anon = s.app.anon();
    let mut total = 0;
    for (id, tags) in [
        (
            &done,
            vec![
                "planning",
                "tender",
                "tenderUpdate",
                "award",
                "contract",
                "implementationUpdate",
                "implementation",
            ],
        ),
        (&failed, vec!["planning", "tender", "tenderUpdate"]),
        (&cancelled, vec!["planning", "planningUpdate"]),
    ] {
        let p = s
            .street
            .get(&format!("/api/v1/purchase-projects/{id}"))
            .await
            .json();
        let ocid = format!("ocds-gongzh-{}", p["number"].as_str().unwrap());
        let pkg = anon
            .get(&format!("/api/v1/public/ocds/releases/{ocid}"))
            .await;
        assert_eq!(pkg.status, 200, "{}", pkg.text());
        let pkg = pkg.json();
        assert_valid(&releases, &pkg, &format!("the release package of {ocid}"));
        let got: Vec<&str> = pkg["releases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["tag"][0].as_str().unwrap())
            .collect();
        assert_eq!(got, tags, "{ocid}");
        total += got.len();
        let rec = anon
            .get(&format!("/api/v1/public/ocds/records/{ocid}"))
            .await
            .json();
        assert_valid(&records, &rec, &format!("the record package of {ocid}"));
        assert_eq!(
            rec["records"][0]["compiledRelease"]["tag"],
            json!(["compiled"])
        );
        // The releases embedded in the record validate as releases, one by one.
        assert_eq!(
            rec["records"][0]["releases"].as_array().unwrap().len(),
            tags.len()
        );
        // Closed codelists, beyond the schema's own enums.
        for (path, list) in [
            (vec!["releases", "*", "tender", "status"], "tenderStatus"),
            (
                vec!["releases", "*", "tender", "procurementMethod"],
                "method",
            ),
            (
                vec!["releases", "*", "awards", "*", "status"],
                "awardStatus",
            ),
            (
                vec!["releases", "*", "contracts", "*", "status"],
                "contractStatus",
            ),
            (
                vec![
                    "releases",
                    "*",
                    "contracts",
                    "*",
                    "milestones",
                    "*",
                    "status",
                ],
                "milestoneStatus",
            ),
            (vec!["releases", "*", "tag", "*"], "releaseTag"),
        ] {
            let allowed = codes(list);
            for v in values_at(&pkg, &path) {
                assert!(
                    allowed.contains(&v.as_str().unwrap().to_string()),
                    "{v} not in {list}"
                );
            }
        }
    }
    // The completed process: supplier, contract, payments, our extension's fields.
    let p = s
        .street
        .get(&format!("/api/v1/purchase-projects/{done}"))
        .await
        .json();
    let ocid = format!("ocds-gongzh-{}", p["number"].as_str().unwrap());
    let rec = anon
        .get(&format!("/api/v1/public/ocds/records/{ocid}"))
        .await
        .json();
    let compiled = &rec["records"][0]["compiledRelease"];
    assert_eq!(compiled["tender"]["status"], "complete");
    assert_eq!(compiled["tender"]["procurementMethod"], "open");
    assert_eq!(compiled["tender"]["procurementMethodDetails"], "公开招标");
    assert_eq!(compiled["tender"]["scopeCheck"]["catalogItem"], "A05-01");
    assert_eq!(compiled["awards"][0]["status"], "active");
    assert_eq!(compiled["contracts"][0]["status"], "terminated");
    assert_eq!(compiled["contracts"][0]["milestones"][0]["status"], "met");
    assert_eq!(
        compiled["contracts"][0]["implementation"]["transactions"][0]["value"]["amount"],
        30000.0
    );
    assert_eq!(
        compiled["contracts"][0]["performanceEvaluation"]["grade"],
        "excellent"
    );
    assert_eq!(compiled["tender"]["numberOfTenderers"], 3);
    // The organization with a USCC is identified in the CN-USCI scheme.
    let p = s
        .street
        .get(&format!("/api/v1/purchase-projects/{failed}"))
        .await
        .json();
    let pkg = anon
        .get(&format!(
            "/api/v1/public/ocds/releases/ocds-gongzh-{}",
            p["number"].as_str().unwrap()
        ))
        .await
        .json();
    let last = pkg["releases"].as_array().unwrap().last().unwrap();
    assert_eq!(last["tender"]["status"], "unsuccessful");
    let tenderer = last["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["roles"] == json!(["tenderer"]))
        .unwrap();
    assert_eq!(tenderer["identifier"]["scheme"], "CN-USCI");
    assert_eq!(tenderer["id"], "CN-USCI-52440308MJ0000018G");
    // The year's export, in linked packages, holds every release once.
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let mut next = Some(format!(
        "/api/v1/public/ocds/releases?district=440308&year={year}&limit=4"
    ));
    let mut seen = std::collections::HashSet::new();
    while let Some(uri) = next {
        let r = anon.get(&uri).await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_valid(&releases, &r.json(), "a yearly package");
        for rel in r.json()["releases"].as_array().unwrap() {
            assert!(
                seen.insert(rel["id"].as_str().unwrap().to_string()),
                "{rel}"
            );
        }
        next = r
            .headers
            .get("link")
            .and_then(|l| l.to_str().ok())
            .and_then(|l| l.split('>').next())
            .map(|l| l.trim_start_matches('<').replace("http://localhost", ""));
    }
    assert_eq!(seen.len(), total);
    // The validator has teeth: a code outside a closed codelist, a missing required field.
    let mut bad = pkg.clone();
    bad["releases"][0]["tender"]["status"] = json!("ongoing");
    assert!(!releases.is_valid(&bad));
    let mut bad = pkg.clone();
    bad["releases"][0].as_object_mut().unwrap().remove("ocid");
    assert!(!releases.is_valid(&bad));
    assert_eq!(s.app.count("proc_releases").await as usize, total);
    // Our extension in the OCDS extension format: its schema patch is named and served beside
    // it, and with it every field of every release is declared, and none is empty.
    let ext = anon.get("/api/v1/public/ocds/extension.json").await.json();
    assert_eq!(ext["schemas"], json!(["release-schema.json"]));
    assert!(ext.get("release-schema").is_none(), "no inline schema");
    let patch = anon.get("/api/v1/public/ocds/release-schema.json").await;
    assert_eq!(patch.status, 200);
    let mut extended = schema("release-schema.json");
    merge_patch(&mut extended, &patch.json());
    let all = anon
        .get(&format!(
            "/api/v1/public/ocds/releases?district=440308&year={year}&limit=1000"
        ))
        .await
        .json();
    assert_eq!(all["releases"].as_array().unwrap().len(), total);
    for (i, rel) in all["releases"].as_array().unwrap().iter().enumerate() {
        assert_declared_and_filled(&extended, &extended, rel, &format!("releases/{i}"));
    }
    // The validator has teeth here too.
    let mut bad = all["releases"][0].clone();
    bad["tender"]["madeUp"] = json!("x");
    assert!(
        std::panic::catch_unwind(|| assert_declared_and_filled(&extended, &extended, &bad, "r"))
            .is_err()
    );
}

fn section<'a>(q: &'a Value, key: &str) -> &'a Value {
    q["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("no section {key} in {q}"))
}

#[tokio::test]
async fn work_queues_show_each_role_what_waits_and_results_come_by_item() {
    let s = setup(20_000_000).await;
    let community = s
        .app
        .user("b.community", &[(Role::CommunityAdmin, COMMUNITY_B)])
        .await;
    community
        .post_json(
            "/api/v1/purchase-needs",
            json!({"node": COMMUNITY_B, "title": "长者助餐", "description": "社区长者希望有助餐服务点",
                "evidence": "问卷 200 份，六成需要", "residents": 120}),
        )
        .await;
    let q = community.get("/api/v1/purchase-queue").await.json();
    assert_eq!(section(&q, "my_needs")["count"], 1);
    // A project waiting for approval, a notice past its deadline, an award with a challenge.
    let waiting = s.project(1_000_000).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.step(&waiting, json!({"transition": "submit", "version": 1}))
        .await;
    let (awarded, bids) = award_first(&s, 0).await;
    let (_, lc, _) = &bids[1];
    lc.post_json(
        &format!("/api/v1/purchase-awards/{awarded}/challenges"),
        json!({"org": bids[1].0, "grounds": "评分未按评分细则进行，请予复核"}),
    )
    .await;
    let late = s.tendering(2_000_000).await;
    s.deadline_in(&late, -1).await;
    let open = s.tendering(2_000_000).await;
    let q = s.street.get("/api/v1/purchase-queue").await.json();
    assert_eq!(section(&q, "needs_raised")["count"], 1);
    assert_eq!(
        section(&q, "to_approve")["items"][0]["id"],
        waiting.as_str()
    );
    assert_eq!(section(&q, "to_open")["items"][0]["id"], late.as_str());
    assert_eq!(section(&q, "to_sign")["items"][0]["id"], awarded.as_str());
    assert!(section(&q, "to_sign")["items"][0]["due"].is_string());
    assert_eq!(section(&q, "challenges")["count"], 1);
    let totals = &q["totals"];
    assert_eq!(totals["budget_fen"], 20_000_000);
    assert_eq!(totals["committed_fen"], 3_000_000 + 2_000_000 + 2_000_000);
    // The district sees the same, over all streets; another street sees none of it.
    let district = district_admin(&s.app).await;
    let q = district.get("/api/v1/purchase-queue").await.json();
    assert_eq!(section(&q, "to_approve")["count"], 1);
    let a = street_admin_a(&s.app).await;
    let q = a.get("/api/v1/purchase-queue").await.json();
    assert_eq!(section(&q, "to_approve")["count"], 0);
    let r = a
        .get(&format!("/api/v1/purchase-queue?node={STREET_B}"))
        .await;
    assert_eq!(r.status, 403);
    // An organization sees the notice it qualifies for and its bids.
    let (o, c) = s.bidder(7).await;
    let q = c.get("/api/v1/purchase-queue").await.json();
    let notices: Vec<&str> = section(&q, "open_notices")["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(
        notices.contains(&open.as_str()) && !notices.contains(&late.as_str()),
        "{q}"
    );
    bid(&c, &open, o, 1_900_000).await;
    let q = c.get("/api/v1/purchase-queue").await.json();
    assert_eq!(section(&q, "my_bids")["count"], 1);
    // An expert drawn onto a panel has a seat to declare.
    let evaluating = {
        let (id, _) = opened(&s, 20).await;
        id
    };
    s.street
        .post_json(
            &format!("/api/v1/purchase-evaluations/{evaluating}/panel"),
            json!({"size": 5}),
        )
        .await;
    let expert = s.app.login("expert1").await;
    let q = expert.get("/api/v1/purchase-queue").await.json();
    assert_eq!(section(&q, "my_reviews")["count"], 1);
    // Results by item for the street's year.
    let year = chrono::Datelike::year(&s.start);
    let r = s
        .street
        .get(&format!(
            "/api/v1/purchase-results?node={STREET_B}&year={year}"
        ))
        .await
        .json();
    let a05 = r
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item_code"] == "A05-01")
        .unwrap();
    assert_eq!(a05["projects"], 4);
    assert_eq!(
        a05["budget_fen"],
        3_000_000 + 2_000_000 + 2_000_000 + 3_000_000
    );
}

fn location(r: &TestResponse) -> String {
    r.headers
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The pages walk the same lifecycle: the desk with its queue, budget lines, a project drawn
/// up, refused with its message and nothing saved, submitted; the organization's notice page
/// with its eligibility; a reviewer's seat; the contract page for the street and the provider;
/// the public notice, contract, credit and the residents' survey.
#[tokio::test]
async fn the_purchase_pages_walk_the_lifecycle() {
    let app = app().await;
    let org = registered_org(&app, COMMUNITY_B, "52440308MJ0000018G").await;
    let graded = registered_org(&app, COMMUNITY_B, "52440308MJ0000026B").await;
    catalog(&app, graded.id).await;
    let buy = purchase(&app, org.id).await;
    crew(&app).await;
    let e = reviewed(&app, &buy).await;
    let k = contracted(&app, &buy).await;
    let street = app.login("fx.purchaser").await;

    // The desk: the queue's sections link to where each item is dealt with.
    let r = street.get(&format!("/purchase?node={STREET_B}")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains("购买服务工作台") && html.contains("待签订合同"),
        "{html}"
    );
    assert!(
        html.contains(&format!("/purchase/projects/{}", buy.notice)),
        "{html}"
    );
    assert!(
        html.contains(&format!("/purchase/projects/new?need={}", buy.need)),
        "{html}"
    );
    let year = chrono::Datelike::year(&buy.period_start);
    let r = street
        .get(&format!("/purchase/budget?node={STREET_B}&year={year}"))
        .await;
    assert!(r.text().contains("社区服务购买经费"), "{}", r.text());

    // Results by catalog item for the year, and the district's settings: a street reads them,
    // the district changes them; a threshold that is not an amount changes nothing.
    let r = street
        .get(&format!("/purchase/results?node={STREET_B}&year={year}"))
        .await;
    assert!(
        r.text().contains("A05-01") && r.text().contains("id=\"results-table\""),
        "{}",
        r.text()
    );
    let r = street
        .get(&format!("/purchase/settings?district={STREET_B}"))
        .await;
    assert!(
        r.text().contains("4000000.00"),
        "the default threshold: {}",
        r.text()
    );
    assert!(
        !r.text().contains("type=\"submit\">保存"),
        "a street cannot change them"
    );
    let district = district_admin(&app).await;
    let model = "base=70&per_grade_level=4&excellent=5&good=2&fair=-5&poor=-20&breach=-10&termination=-25&abnormal=-15&window_years=3";
    let r = district
        .post_form(
            "/purchase/settings",
            &format!("district={DISTRICT}&threshold=abc&satisfaction_pct=40&version=0&{model}"),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let r = district
        .post_form(
            "/purchase/settings",
            &format!(
                "district={DISTRICT}&threshold=2,000,000&satisfaction_pct=30&version=0&{model}"
            ),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = street
        .get(&format!("/purchase/settings?district={STREET_B}"))
        .await;
    assert!(
        r.text().contains("2000000.00") && r.text().contains("value=\"30\""),
        "{}",
        r.text()
    );

    // A project drawn up from the need; a budget that is not an amount is explained beside the
    // form and nothing is saved.
    let r = street
        .get(&format!("/purchase/projects/new?need={}", buy.need))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("长者文体活动") && r.text().contains("不予立项"));
    let before = app.count("proc_projects").await;
    let form = |budget: &str| {
        format!(
            "node={STREET_B}&title=%E9%95%BF%E8%80%85%E6%96%87%E4%BD%93%E6%B4%BB%E5%8A%A8&item_code=A05-01&need_{}=on&scope=%E5%85%A8%E5%B9%B4%E7%BB%84%E7%BB%87%E7%A4%BE%E5%8C%BA%E6%96%87%E4%BD%93%E6%B4%BB%E5%8A%A8%E5%8D%81%E4%BA%8C%E5%9C%BA&quantity=12&unit=%E5%9C%BA&period_start={}&period_end={}&budget={budget}&budget_line_id={}&necessity=%E5%B1%85%E6%B0%91%E9%9C%80%E6%B1%82%E5%BC%BA%E7%83%88&feasibility=%E5%A4%9A%E5%AE%B6%E6%9C%BA%E6%9E%84%E5%8F%AF%E6%89%BF%E6%8E%A5&cost_basis=%E6%8C%89%E6%8C%87%E5%AF%BC%E4%BB%B7%E6%B5%8B%E7%AE%97&risks=%E5%A4%A9%E6%B0%94%E5%BD%B1%E5%93%8D&method=open_tender",
            buy.need, buy.period_start, buy.period_end, buy.line
        )
    };
    let r = street.post_form("/purchase/projects", &form("abc")).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("请输入金额"), "{}", r.text());
    assert_eq!(app.count("proc_projects").await, before);
    let r = street
        .post_form("/purchase/projects", &form("30,000"))
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let page = location(&r);
    assert!(page.starts_with("/purchase/projects/"), "{page}");
    assert_eq!(app.count("proc_projects").await, before + 1);
    let id = page
        .trim_start_matches("/purchase/projects/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let r = street.get(&format!("/purchase/projects/{id}")).await;
    let html = r.text();
    assert!(
        html.contains("事项范围审查通过")
            && html.contains("¥30,000.00")
            && html.contains("value=\"submit\""),
        "{html}"
    );
    // A stale version is a conflict shown on the page; the current one submits.
    let r = street
        .post_form(
            &format!("/purchase/projects/{id}"),
            "op=transition&transition=submit&version=9",
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let r = street
        .post_form(
            &format!("/purchase/projects/{id}"),
            "op=transition&transition=submit&version=1",
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = street.get(&format!("/purchase/projects/{id}")).await;
    assert!(r.text().contains("待审批"), "{}", r.text());

    // The awarded project shows its ranking and the challenge to answer.
    let r = street.get(&format!("/purchase/projects/{}", e.award)).await;
    let html = r.text();
    assert!(
        html.contains("id=\"ranking\"") && html.contains("待答复"),
        "{html}"
    );

    // The daily reminders: the challenge's answer falls due, its author is reminded once.
    let due = street
        .get(&format!("/api/v1/purchase-challenges/{}", e.challenge))
        .await
        .json()["answer_due"]
        .as_str()
        .unwrap()
        .parse::<chrono::NaiveDate>()
        .unwrap();
    let before = app.count("notifications").await;
    let said = gongzhi_platform::jobs::run_now(&app.state, "procurement.reminders", due)
        .await
        .unwrap()
        .unwrap();
    assert!(!said.starts_with("0 "), "{said}");
    let after = app.count("notifications").await;
    assert!(after > before);
    gongzhi_platform::jobs::run_now(&app.state, "procurement.reminders", due)
        .await
        .unwrap();
    assert_eq!(
        app.count("notifications").await,
        after,
        "an unread reminder is not repeated"
    );
    let r = street.get("/notifications").await;
    assert!(r.text().contains("前答复"), "{}", r.text());

    // The organization: its notice page says whether it may bid and why.
    let bidder = app.login("fx.bidder").await;
    let r = bidder
        .get(&format!("/purchase/notices/{}", buy.notice))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("本组织的响应") && r.text().contains("id=\"checks\""));
    let r = bidder
        .post_form(
            &format!("/purchase/notices/{}", buy.notice),
            &format!("op=bid&org={}&price=abc&proposal=x", org.id),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let r = bidder.get("/purchase").await;
    assert!(r.text().contains("我们的响应"), "{}", r.text());

    // A reviewer's seat.
    let reviewer = app.login(&e.reviewer).await;
    let r = reviewer.get(&format!("/purchase/reviews/{}", e.seat)).await;
    assert_eq!(r.status, 200, "{}", r.text());

    // The contract: the street's forms and the provider's report form; a payment above what
    // is left is refused on the page and nothing is paid.
    let r = street
        .get(&format!("/purchase/contracts/{}", k.contract))
        .await;
    let html = r.text();
    assert!(
        html.contains("履约阶段与付款") && html.contains("op\" value=\"visit"),
        "{html}"
    );
    let payments = app.count("proc_payments").await;
    let r = street
        .post_form(
            &format!("/purchase/contracts/{}", k.contract),
            &format!("op=pay&milestone={}&amount=99999999", k.accepted_milestone),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(app.count("proc_payments").await, payments);
    let r = street
        .post_form(
            &format!("/purchase/contracts/{}", k.contract),
            &format!("op=pay&milestone={}&amount=1,000", k.accepted_milestone),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(app.count("proc_payments").await, payments + 1);
    let r = bidder
        .get(&format!("/purchase/contracts/{}", k.contract))
        .await;
    assert!(r.text().contains("提交报告"), "{}", r.text());
    assert!(
        !r.text().contains("op\" value=\"pay"),
        "the provider does not pay"
    );

    // An accepted contract: the street assigns the third-party evaluator, who finds it in
    // their queue and evaluates it against the targets; the grade is published.
    let r = street
        .get(&format!("/purchase/contracts/{}", k.accepted))
        .await;
    let version = r
        .text()
        .split("name=\"op\" value=\"assign\"><input type=\"hidden\" name=\"version\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(str::to_string)
        .expect("the assignment form");
    let r = street
        .post_form(
            &format!("/purchase/contracts/{}", k.accepted),
            &format!("op=assign&evaluator={}&version={version}", k.evaluator),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let evaluator = app.login("fx.evaluator").await;
    let r = evaluator.get("/purchase").await;
    assert!(
        r.text()
            .contains(&format!("/purchase/contracts/{}", k.accepted)),
        "{}",
        r.text()
    );
    let r = evaluator
        .get(&format!("/purchase/contracts/{}", k.accepted))
        .await;
    assert!(r.text().contains("提交绩效评价"), "{}", r.text());
    let next = (version.parse::<i32>().unwrap() + 1).to_string();
    let r = evaluator
        .post_form(
            &format!("/purchase/contracts/{}", k.accepted),
            &format!("op=evaluate&version={next}&t0_actual=12&t0_score=150&t1_actual=93&t1_score=90&note=x"),
        )
        .await;
    assert_eq!(r.status, 422, "a score above 100 is refused: {}", r.text());
    let r = evaluator
        .post_form(
            &format!("/purchase/contracts/{}", k.accepted),
            &format!("op=evaluate&version={next}&t0_actual=12&t0_score=95&t1_actual=93&t1_score=90&note=%E7%9B%AE%E6%A0%87%E5%9F%BA%E6%9C%AC%E5%AE%8C%E6%88%90%EF%BC%8C%E5%B1%85%E6%B0%91%E5%8F%8D%E6%98%A0%E8%89%AF%E5%A5%BD"),
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = app
        .anon()
        .get(&format!("/public/contracts/{}", k.accepted))
        .await;
    assert!(r.text().contains("绩效等级"), "{}", r.text());

    // The public portal: notices, a notice, a contract summary, a credit rating.
    let anon = app.anon();
    let r = anon
        .get(&format!("/public/notices?district={DISTRICT}"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains(&buy.notice.to_string()));
    let r = anon.get(&format!("/public/notices/{}", e.award)).await;
    assert!(r.text().contains("成交结果"), "{}", r.text());
    let r = anon.get(&format!("/public/contracts/{}", k.contract)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = anon.get(&format!("/public/orgs/{}/credit", org.id)).await;
    assert!(r.text().contains("基础分"), "{}", r.text());

    // The survey on a phone: an answer missing is explained and nothing saved; four answers
    // are thanked for.
    let answers = app.count("proc_survey_responses").await;
    let r = anon.get(&format!("/public/surveys/{}", k.contract)).await;
    assert!(r.text().contains("很满意"), "{}", r.text());
    let r = anon
        .post_form(&format!("/public/surveys/{}", k.contract), "q1=5&q2=4&q3=5")
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(app.count("proc_survey_responses").await, answers);
    let r = anon
        .post_form(
            &format!("/public/surveys/{}", k.contract),
            "q1=5&q2=4&q3=5&q4=4&comment=",
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(app.count("proc_survey_responses").await, answers + 1);
}
