//! Shared set-up: a district with two streets (A = 沙头角 001, B = 海山 002), a community in each.

use gongzhi_kernel::authz::Role;
use gongzhi_platform::testing::{TestApp, TestClient};

pub const DISTRICT: &str = "440308000000";
pub const STREET_A: &str = "440308001000";
pub const COMMUNITY_A: &str = "440308001001";
pub const STREET_B: &str = "440308002000";
pub const COMMUNITY_B: &str = "440308002001";

pub async fn app() -> TestApp {
    let app = TestApp::new(gongzhi::modules()).await;
    app.node(DISTRICT, "盐田区", "district").await;
    app.node(STREET_A, "沙头角街道", "street").await;
    app.node(COMMUNITY_A, "中英街社区", "community").await;
    app.node(STREET_B, "海山街道", "street").await;
    app.node(COMMUNITY_B, "田东社区", "community").await;
    app
}

pub async fn district_admin(app: &TestApp) -> TestClient {
    app.user("qu.admin", &[(Role::DistrictAdmin, DISTRICT)])
        .await
}

pub async fn street_admin_a(app: &TestApp) -> TestClient {
    app.user("a.admin", &[(Role::StreetAdmin, STREET_A)]).await
}

/// A user holding `role` over an organization, signed in.
pub async fn org_role(app: &TestApp, name: &str, o: uuid::Uuid, role: Role) -> TestClient {
    use gongzhi_platform::sea_orm::EntityTrait;
    let o = gongzhi_orgs::store::entity::org::Entity::find_by_id(o)
        .one(&app.state.db.read)
        .await
        .unwrap()
        .unwrap();
    let u = app.user_model(name, &[]).await;
    gongzhi_orgs::service::grant_org_role(
        &app.state.db.write,
        &gongzhi_platform::audit::AuditActor::system("test"),
        u.id,
        &o,
        role,
    )
    .await
    .unwrap();
    app.login(name).await
}

/// A registered organization (active) at `territory`, entered directly; the code's type
/// (51 / 52 / 53) gives its legal form.
pub async fn registered_org(
    app: &TestApp,
    territory: &str,
    uscc: &str,
) -> gongzhi_orgs::store::entity::org::Model {
    let (form, label) = match &uscc[..2] {
        "51" => ("association", "协会"),
        "53" => ("foundation", "基金会"),
        _ => ("service_agency", "服务中心"),
    };
    let input = gongzhi_orgs::domain::OrgInput {
        name: format!("测试{label}{territory}"),
        legal_form: form.into(),
        tier: "registered".into(),
        uscc: Some(uscc.into()),
        territory: territory.into(),
        categories: vec!["191.service".into()],
        registered_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1),
        person_in_charge: Some("负责人".into()),
        ..Default::default()
    };
    insert_org(app, &input, "active").await
}

/// A filed community organization named `name` in `community`, written directly.
pub async fn filed_org(app: &TestApp, name: &str, community: &str) -> uuid::Uuid {
    let input = gongzhi_orgs::domain::OrgInput {
        name: name.into(),
        legal_form: "community_org".into(),
        tier: "filed".into(),
        territory: community.into(),
        categories: vec!["191.mutual_aid".into()],
        person_in_charge: Some("负责人".into()),
        ..Default::default()
    };
    insert_org(app, &input, "filed").await.id
}

async fn insert_org(
    app: &TestApp,
    input: &gongzhi_orgs::domain::OrgInput,
    state: &str,
) -> gongzhi_orgs::store::entity::org::Model {
    use gongzhi_platform::sea_orm::TransactionTrait;
    let known = gongzhi_orgs::service::category_codes(&app.state.db.read)
        .await
        .unwrap();
    let v = gongzhi_orgs::domain::validate(
        input,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        &known,
    )
    .unwrap();
    let node = gongzhi_platform::territory::get(&app.state.db.read, &input.territory)
        .await
        .unwrap()
        .unwrap();
    let txn = app.state.db.write.begin().await.unwrap();
    let who = gongzhi_platform::audit::AuditActor::system("test");
    let o = gongzhi_orgs::service::insert(&txn, &who, &v, &node, state)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    o
}

/// Standing records written directly (dates chosen, not today's): a 2025 annual report
/// awaiting inspection; returns its id.
pub async fn annual_report(app: &TestApp, org: uuid::Uuid, year: i32) -> uuid::Uuid {
    use gongzhi_orgs::store::entity::org_annual_report;
    use gongzhi_platform::sea_orm::{ActiveModelTrait, Set};
    org_annual_report::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(org),
        year: Set(year),
        submitted_on: Set(chrono::NaiveDate::from_ymd_opt(year + 1, 4, 1).unwrap()),
        inspection: Set("pending".into()),
        inspected_on: Set(None),
        note: Set(String::new()),
        version: Set(1),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap()
    .id
}

/// A grade in force, awarded on `on`; returns its id.
pub async fn grade(
    app: &TestApp,
    org: uuid::Uuid,
    grade: i32,
    on: chrono::NaiveDate,
) -> uuid::Uuid {
    use gongzhi_orgs::store::entity::org_grade;
    use gongzhi_platform::sea_orm::{ActiveModelTrait, Set};
    org_grade::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(org),
        grade: Set(grade),
        score: Set(None),
        awarded_on: Set(on),
        expires_on: Set(gongzhi_orgs::domain::standing::plus_years(on, 5)),
        status: Set("in_force".into()),
        note: Set(String::new()),
        created_by: Set(None),
        created_at: Set(gongzhi_platform::audit::now()),
        version: Set(1),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap()
    .id
}

/// An open stay on a list since `on`; returns its id.
pub async fn list_entry(
    app: &TestApp,
    org: uuid::Uuid,
    list: &str,
    trigger: &str,
    on: chrono::NaiveDate,
    rectification: &str,
) -> uuid::Uuid {
    use gongzhi_orgs::store::entity::org_list_entry;
    use gongzhi_platform::sea_orm::{ActiveModelTrait, Set};
    org_list_entry::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(org),
        list: Set(list.into()),
        triggers: Set(trigger.into()),
        entered_on: Set(on),
        clock_from: Set(on),
        rectification: Set(rectification.into()),
        rectified_on: Set(None),
        removal_requested_on: Set(None),
        removed_on: Set(None),
        removal_reason: Set(None),
        version: Set(1),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap()
    .id
}

/// A stored PDF attached to the organization; returns the document id.
pub async fn document(app: &TestApp, org: uuid::Uuid) -> uuid::Uuid {
    use gongzhi_orgs::store::entity::org_document;
    use gongzhi_platform::sea_orm::{ActiveModelTrait, Set};
    let who = gongzhi_platform::audit::AuditActor::system("test");
    let f = gongzhi_platform::files::store(
        &app.state,
        &app.state.db.write,
        &who,
        &gongzhi_platform::files::Upload {
            name: "章程.pdf".into(),
            bytes: b"%PDF-1.4 fixture".to_vec(),
        },
    )
    .await
    .unwrap();
    org_document::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(org),
        kind: Set("charter".into()),
        file_id: Set(f.id),
        title: Set("章程".into()),
        uploaded_by: Set(None),
        uploaded_at: Set(gongzhi_platform::audit::now()),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap()
    .id
}

pub fn ymd(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A key-fact change awaiting review; returns its id.
pub async fn key_change(app: &TestApp, org: uuid::Uuid, proposed: &str) -> uuid::Uuid {
    use gongzhi_orgs::store::entity::org_change;
    use gongzhi_platform::sea_orm::{ActiveModelTrait, Set};
    org_change::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(org),
        proposed: Set(proposed.into()),
        reason: Set("换届".into()),
        state: Set("submitted".into()),
        created_by: Set(None),
        created_at: Set(gongzhi_platform::audit::now()),
        updated_at: Set(gongzhi_platform::audit::now()),
        version: Set(1),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap()
    .id
}

/// Incubation records in street B, written directly (see `incubation()`).
pub struct Incubation {
    pub hub: uuid::Uuid,
    pub incubator: uuid::Uuid,
    /// A cohort whose call is open today.
    pub cohort: uuid::Uuid,
    /// An accepted application of a third organization, with one attachment.
    pub application: uuid::Uuid,
    pub attachment: uuid::Uuid,
    /// A stay of `incubated` since 2026-01-01 and its first plan item.
    pub stay: uuid::Uuid,
    pub item: uuid::Uuid,
    /// A stay of the third organization that graduated on 2026-10-01.
    pub graduate: uuid::Uuid,
}

/// A street-level incubator (capacity 10) at a social work station in street B, with an open
/// call, an accepted application, a stay in progress and a graduated one.
pub async fn incubation(app: &TestApp, incubated: uuid::Uuid) -> Incubation {
    use gongzhi_incubation::store::entity::{
        application, application_document, cohort, incubation, incubator, plan_item,
    };
    use gongzhi_platform::sea_orm::{ActiveModelTrait, Set};
    let who = gongzhi_platform::audit::AuditActor::system("test");
    let db = &app.state.db.write;
    let node = gongzhi_platform::territory::get(db, STREET_B)
        .await
        .unwrap()
        .unwrap();
    let hub = gongzhi_platform::territory::seed_hub(
        db,
        &who,
        &node,
        "social_work_station",
        "海山街道社会工作服务站",
    )
    .await
    .unwrap();
    let uscc = gongzhi_kernel::Uscc::complete("52440308MJ000077").unwrap();
    let applicant = registered_org(app, COMMUNITY_B, uscc.as_str()).await.id;
    let now = gongzhi_platform::audit::now();
    let today = gongzhi_platform::clock::today();
    let days = chrono::Duration::days;
    let i = incubator::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        hub_id: Set(hub.id),
        name: Set("海山街道社会组织培育基地".into()),
        level: Set("street".into()),
        territory_code: Set(hub.territory_code.clone()),
        path: Set(hub.path.clone()),
        capacity: Set(10),
        review_days: Set(10),
        operator_org_id: Set(None),
        description: Set(String::new()),
        plan: Set(serde_json::to_string(&gongzhi_incubation::domain::default_plan()).unwrap()),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(db)
    .await
    .unwrap();
    let c = cohort::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        incubator_id: Set(i.id),
        name: Set("第一期".into()),
        call_text: Set(String::new()),
        opens_on: Set(today - days(5)),
        closes_on: Set(today + days(20)),
        starts_on: Set(today + days(30)),
        ends_on: Set(today + days(395)),
        seats: Set(5),
        created_at: Set(now),
        version: Set(1),
    }
    .insert(db)
    .await
    .unwrap();
    let app_row = |org: uuid::Uuid, state: &str| application::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        cohort_id: Set(c.id),
        incubator_id: Set(i.id),
        org_id: Set(org),
        path: Set(i.path.clone()),
        plan: Set("完善治理结构，打造品牌项目".into()),
        needs: Set(String::new()),
        state: Set(state.into()),
        submitted_on: Set(today - days(2)),
        review_due_on: Set(today + days(12)),
        reviewed_on: Set(None),
        created_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    };
    let accepted = app_row(applicant, "accepted").insert(db).await.unwrap();
    let f = gongzhi_platform::files::store(
        &app.state,
        db,
        &who,
        &gongzhi_platform::files::Upload {
            name: "计划书.pdf".into(),
            bytes: b"%PDF-1.4 plan".to_vec(),
        },
    )
    .await
    .unwrap();
    let attachment = application_document::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        application_id: Set(accepted.id),
        file_id: Set(f.id),
        title: Set("计划书".into()),
        uploaded_by: Set(None),
        uploaded_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap();
    let stay_row =
        |org: uuid::Uuid, application: uuid::Uuid, state: &str| incubation::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            incubator_id: Set(i.id),
            cohort_id: Set(c.id),
            application_id: Set(application),
            org_id: Set(org),
            path: Set(i.path.clone()),
            stage: Set("budding".into()),
            stage_since: Set(ymd(2026, 1, 1)),
            mentor_id: Set(None),
            agreement_signed_on: Set(ymd(2025, 12, 20)),
            agreement_terms: Set(String::new()),
            starts_on: Set(ymd(2026, 1, 1)),
            ends_on: Set(ymd(2026, 12, 31)),
            state: Set(state.into()),
            ended_on: Set((state == "graduated").then(|| ymd(2026, 10, 1))),
            created_at: Set(now),
            updated_at: Set(now),
            version: Set(1),
        };
    let a1 = app_row(incubated, "admitted").insert(db).await.unwrap();
    let stay = stay_row(incubated, a1.id, "in_incubation")
        .insert(db)
        .await
        .unwrap();
    let item = plan_item::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        incubation_id: Set(stay.id),
        position: Set(1),
        title: Set("一次入驻诊断".into()),
        due_on: Set(ymd(2026, 1, 15)),
        done_on: Set(None),
        done_note: Set(String::new()),
        done_by: Set(None),
        version: Set(1),
    }
    .insert(db)
    .await
    .unwrap();
    let a2 = app_row(applicant, "admitted").insert(db).await.unwrap();
    let graduate = stay_row(applicant, a2.id, "graduated")
        .insert(db)
        .await
        .unwrap();
    Incubation {
        hub: hub.id,
        incubator: i.id,
        cohort: c.id,
        application: accepted.id,
        attachment: attachment.id,
        stay: stay.id,
        item: item.id,
        graduate: graduate.id,
    }
}

/// A federation in community B reaching street B, with one current member (`member`, joined
/// 2025-01-01); returns (federation id, membership id).
pub async fn federation(app: &TestApp, member: uuid::Uuid) -> (uuid::Uuid, uuid::Uuid) {
    use gongzhi_platform::sea_orm::EntityTrait;
    let uscc = gongzhi_kernel::Uscc::complete("51440308MJ0000F1").unwrap();
    let f = registered_org(app, COMMUNITY_B, uscc.as_str()).await;
    let who = gongzhi_platform::audit::AuditActor::system("test");
    let db = &app.state.db.write;
    let street = gongzhi_platform::territory::get(db, STREET_B)
        .await
        .unwrap()
        .unwrap();
    let f = gongzhi_orgs::service::network::recognize(
        db,
        &who,
        &f,
        Some(("federation", &street)),
        Some(ymd(2024, 6, 1)),
        f.version,
    )
    .await
    .unwrap();
    let m = gongzhi_orgs::store::entity::org::Entity::find_by_id(member)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let membership = gongzhi_orgs::service::network::add(db, &who, &f, &m, ymd(2025, 1, 1))
        .await
        .unwrap();
    (f.id, membership.id)
}

/// The demo catalog in the test district (two versions, the second in force), a proposal from
/// street B to retire A05-02, an approved one from the district to retire A05-03, and a
/// licence on `holder`.
pub struct Catalog {
    pub proposed: uuid::Uuid,
    pub approved: uuid::Uuid,
    pub category: uuid::Uuid,
    pub licence: uuid::Uuid,
}

pub async fn catalog(app: &TestApp, holder: uuid::Uuid) -> Catalog {
    use gongzhi_catalog::domain::Change;
    use gongzhi_catalog::store::entity::{category, licence};
    use gongzhi_platform::sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let db = &app.state.db.read;
    let node = |code: &'static str| async move {
        gongzhi_platform::territory::get(db, code)
            .await
            .unwrap()
            .unwrap()
    };
    let district = node(DISTRICT).await;
    let today = gongzhi_platform::clock::today();
    gongzhi_catalog::seed::seed_catalog(&app.state, &district, today)
        .await
        .unwrap();
    let proposed = gongzhi_catalog::seed::change(
        &app.state,
        &district.district_code,
        &node(STREET_B).await,
        &Change::RetireItem("A05-02".into()),
        "图书室改由社区自办",
        "proposed",
    )
    .await
    .unwrap();
    let approved = gongzhi_catalog::seed::change(
        &app.state,
        &district.district_code,
        &district,
        &Change::RetireItem("A05-03".into()),
        "健身指导并入文体活动",
        "approved",
    )
    .await
    .unwrap();
    let category = category::Entity::find()
        .filter(category::Column::Code.eq("A"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let now = gongzhi_platform::audit::now();
    let licence = licence::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(holder),
        kind: Set("social_work_agency".into()),
        number: Set("SG-0001".into()),
        issued_by: Set("盐田区民政局".into()),
        valid_from: Set(ymd(2023, 1, 1)),
        valid_until: Set(None),
        revoked_on: Set(None),
        recorded_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    }
    .insert(&app.state.db.write)
    .await
    .unwrap();
    Catalog {
        proposed: proposed.id,
        approved: approved.id,
        category: category.id,
        licence: licence.id,
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
            gongzhi_procurement::store::entity::project::Column::SubmitUntil,
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
        gongzhi_platform::sea_orm::UpdateMany<gongzhi_procurement::store::entity::project::Entity>,
    ) -> gongzhi_platform::sea_orm::UpdateMany<
        gongzhi_procurement::store::entity::project::Entity,
    >,
) {
    use gongzhi_platform::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    use gongzhi_procurement::store::entity::project;
    f(project::Entity::update_many().filter(project::Column::Id.eq(id)))
        .exec(&app.state.db.write)
        .await
        .unwrap();
}

/// An awarded project (after `under_review` with scores) whose standstill is over.
async fn awarded(app: &TestApp, buy: &Purchase) -> uuid::Uuid {
    use gongzhi_platform::sea_orm::sea_query::Expr;
    use gongzhi_procurement::store::entity::project;
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
