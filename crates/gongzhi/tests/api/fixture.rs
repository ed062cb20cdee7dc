//! Shared set-up: the test district (`TestApp::with_district`) and its users; each module's
//! records come from the module's own fixtures (its `testing` face), re-exported here.

pub use gongzhi_catalog::testing::catalog;
pub use gongzhi_incubation::testing::incubation;
use gongzhi_kernel::authz::Role;
pub use gongzhi_orgs::testing::{
    annual_report, federation, filed_org, grade, list_entry, org_role, registered_org, ymd,
};
pub use gongzhi_platform::testing::{
    COMMUNITY_A, COMMUNITY_B, DISTRICT, STREET_A, STREET_B, TestApp, TestClient,
};
pub use gongzhi_procurement::testing::{contracted, crew, project_body, purchase, reviewed};

pub async fn app() -> TestApp {
    TestApp::with_district(gongzhi::modules()).await
}

pub async fn district_admin(app: &TestApp) -> TestClient {
    app.user("qu.admin", &[(Role::DistrictAdmin, DISTRICT)])
        .await
}

pub async fn street_admin_a(app: &TestApp) -> TestClient {
    app.user("a.admin", &[(Role::StreetAdmin, STREET_A)]).await
}
