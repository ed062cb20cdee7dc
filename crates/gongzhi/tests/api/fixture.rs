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
