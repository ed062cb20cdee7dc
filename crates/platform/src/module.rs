//! The manifest through which a capability plugs into the platform. The binary lists the
//! modules; nothing else registers anything.

use futures::future::BoxFuture;
use gongzhi_kernel::authz::PermissionDecl;
use sea_orm_migration::MigrationTrait;

use crate::web::{AppState, Routes};

pub trait Module: Send + Sync + 'static {
    /// Stable name, used to key migrations.
    fn name(&self) -> &'static str;
    fn migrations(&self) -> Vec<Box<dyn MigrationTrait>> {
        Vec::new()
    }
    fn permissions(&self) -> Vec<PermissionDecl> {
        Vec::new()
    }
    /// API and page routes, each with its declared access.
    fn routes(&self) -> Routes {
        Routes::new()
    }
    /// Menu entries, shown to users who hold their permission somewhere.
    fn nav(&self) -> Vec<crate::ui::NavEntry> {
        Vec::new()
    }
    /// The module's part of the OpenAPI document.
    fn openapi(&self) -> utoipa::openapi::OpenApi {
        utoipa::openapi::OpenApiBuilder::new().build()
    }
    /// Scheduled jobs (clocks that run out, reminders); see `jobs`.
    fn jobs(&self) -> Vec<crate::jobs::Job> {
        Vec::new()
    }
    /// Every workflow definition the module runs on the engine; validated at start-up.
    fn workflows(&self) -> Vec<&'static dyn gongzhi_kernel::workflow::Workflow> {
        Vec::new()
    }
    /// The module's message catalog (its `locales/*.yml`, by `include_str!`), registered when the
    /// app is built; a key may belong to one catalog only.
    fn messages(&self) -> &'static str {
        ""
    }
    /// The demo accounts the module's seed creates (username, role, where or what), printed at
    /// start-up beside the platform's.
    fn demo_accounts(&self) -> Vec<(&'static str, gongzhi_kernel::authz::Role, String)> {
        Vec::new()
    }
    /// Synthetic data for benchmarks (`gongzhi bench-data --<what> N`).
    fn bench_data(&self) -> Vec<BenchData> {
        Vec::new()
    }
    /// Records of street B for the route walk, which tests every route against them (see
    /// `testing::WalkStage`).
    #[cfg(feature = "testing")]
    fn walk(&self) -> Vec<crate::testing::WalkStage> {
        Vec::new()
    }
    /// Add demo data; runs once, on an empty database, in module order.
    fn seed_demo<'a>(
        &'a self,
        _state: &'a AppState,
        _demo: &'a mut DemoAccounts,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

/// A generator of synthetic data for benchmarks: `what` names the flag that asks for it.
pub struct BenchData {
    pub what: &'static str,
    pub run: for<'a> fn(&'a AppState, u64) -> BoxFuture<'a, anyhow::Result<()>>,
}

/// Accounts the demo seed created, printed at start-up.
#[derive(Debug, Default)]
pub struct DemoAccounts {
    pub password: String,
    pub accounts: Vec<(String, String, String)>,
}

/// Declare a module crate's inner modules: private to the crate, public only with the crate's
/// feature `testing` (the binary's cross-module tests). Other modules use the crate's `face`.
#[macro_export]
macro_rules! insides {
    ($($m:ident),* $(,)?) => {
        $(
            #[cfg(feature = "testing")]
            pub mod $m;
            #[cfg(not(feature = "testing"))]
            mod $m;
        )*
    };
}
