//! The test district with the platform and the registry only.

use std::sync::Arc;

pub use gongzhi_orgs::testing::*;
pub use gongzhi_platform::testing::{
    COMMUNITY_A, COMMUNITY_B, DISTRICT, STREET_A, STREET_B, TestApp, district_admin, street_admin_a,
};

pub async fn app() -> TestApp {
    TestApp::with_district(vec![
        Arc::new(gongzhi_platform::api::CoreModule),
        Arc::new(gongzhi_orgs::OrgsModule),
    ])
    .await
}
