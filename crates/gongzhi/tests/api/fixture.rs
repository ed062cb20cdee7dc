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

/// A registered organization (active) at `territory`, entered directly.
pub async fn registered_org(
    app: &TestApp,
    territory: &str,
    uscc: &str,
) -> gongzhi_orgs::entity::org::Model {
    use gongzhi_platform::sea_orm::TransactionTrait;
    let input = gongzhi_orgs::domain::OrgInput {
        name: format!("测试服务中心{territory}"),
        legal_form: "service_agency".into(),
        tier: "registered".into(),
        uscc: Some(uscc.into()),
        territory: territory.into(),
        categories: vec!["191.service".into()],
        registered_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1),
        person_in_charge: Some("负责人".into()),
        ..Default::default()
    };
    let known = gongzhi_orgs::service::category_codes(&app.state.db.read)
        .await
        .unwrap();
    let v = gongzhi_orgs::domain::validate(
        &input,
        chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        &known,
    )
    .unwrap();
    let node = gongzhi_platform::territory::get(&app.state.db.read, territory)
        .await
        .unwrap()
        .unwrap();
    let txn = app.state.db.write.begin().await.unwrap();
    let who = gongzhi_platform::audit::AuditActor::system("test");
    let o = gongzhi_orgs::service::insert(&txn, &who, &v, &node, "active")
        .await
        .unwrap();
    txn.commit().await.unwrap();
    o
}

/// Standing records written directly (dates chosen, not today's): a 2025 annual report
/// awaiting inspection; returns its id.
pub async fn annual_report(app: &TestApp, org: uuid::Uuid, year: i32) -> uuid::Uuid {
    use gongzhi_orgs::entity::org_annual_report;
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
    use gongzhi_orgs::entity::org_grade;
    use gongzhi_platform::sea_orm::{ActiveModelTrait, Set};
    org_grade::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        org_id: Set(org),
        grade: Set(grade),
        score: Set(None),
        awarded_on: Set(on),
        expires_on: Set(gongzhi_orgs::standing::plus_years(on, 5)),
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
    use gongzhi_orgs::entity::org_list_entry;
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
    use gongzhi_orgs::entity::org_document;
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
    use gongzhi_orgs::entity::org_change;
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
