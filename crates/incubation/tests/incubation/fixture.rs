//! The test district with the platform, the registry and incubation.

use std::sync::Arc;

pub use gongzhi_incubation::testing::*;
pub use gongzhi_orgs::testing::{list_entry, org_role, registered_org, ymd};
pub use gongzhi_platform::testing::{
    COMMUNITY_A, COMMUNITY_B, DISTRICT, STREET_B, TestApp, district_admin, street_admin_a,
};

pub async fn app() -> TestApp {
    TestApp::with_district(vec![
        Arc::new(gongzhi_platform::api::CoreModule),
        Arc::new(gongzhi_orgs::OrgsModule),
        Arc::new(gongzhi_incubation::IncubationModule),
    ])
    .await
}
