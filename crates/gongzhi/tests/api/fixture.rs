//! Shared set-up: the test district (`TestApp::with_district`) and its users; each module's
//! records come from the module's own fixtures (its `testing` face), re-exported here.

pub use gongzhi_catalog::testing::catalog;
pub use gongzhi_orgs::testing::{filed_org, list_entry, org_role, registered_org};
pub use gongzhi_platform::testing::{
    COMMUNITY_A, COMMUNITY_B, DISTRICT, STREET_A, STREET_B, TestApp, district_admin, street_admin_a,
};
pub use gongzhi_procurement::testing::{contracted, crew, project_body, purchase, reviewed};

pub async fn app() -> TestApp {
    TestApp::with_district(gongzhi::modules()).await
}
