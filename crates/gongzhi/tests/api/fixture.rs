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
