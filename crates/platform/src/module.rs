//! The manifest through which a capability plugs into the platform. The binary lists the
//! modules; nothing else registers anything.

use futures::future::BoxFuture;
use gongzhi_kernel::authz::PermissionDecl;
use sea_orm_migration::MigrationTrait;

use gongzhi_kernel::authz::Actor;

use crate::entity::territory;
use crate::web::{AppResult, AppState, Routes};

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
    /// Work waiting for this user in the module, a line per kind of work; every module's lines
    /// make one shared desk (the home page, `GET /api/v1/desk`). Only what the user may act on.
    fn desk<'a>(
        &'a self,
        _state: &'a AppState,
        _actor: &'a Actor,
    ) -> BoxFuture<'a, AppResult<Vec<DeskItem>>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    /// Figures about a territory node and everything below it in a calendar year, for the
    /// leaders' dashboards (`GET /api/v1/figures`); the caller has checked the reader's scope.
    fn figures<'a>(
        &'a self,
        _state: &'a AppState,
        _node: &'a territory::Model,
        _year: i32,
    ) -> BoxFuture<'a, AppResult<Vec<Figure>>> {
        Box::pin(async { Ok(Vec::new()) })
    }
    /// Pages anyone may open, listed on the public portal (`/public`).
    fn portal(&self) -> Vec<PortalLink> {
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

/// One kind of work waiting on the shared desk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeskItem {
    /// Message key naming the work (`procurement.queue.to_approve`).
    pub key: String,
    /// How many are waiting (lines with none are left off the desk).
    pub count: u64,
    /// Where the work is done.
    pub href: String,
    /// A deadline has passed or is near.
    pub urgent: bool,
}

/// A figure for the dashboards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    /// Message key naming it (`orgs.figure.active`).
    pub key: &'static str,
    pub value: i64,
    pub unit: FigureUnit,
}

/// What a figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FigureUnit {
    /// Records, people, places.
    Count,
    /// Money, in fen.
    Fen,
    /// A share, in whole percent.
    Percent,
}

/// A page of the public portal.
#[derive(Debug, Clone, Copy)]
pub struct PortalLink {
    /// Message keys of its title and a line about it.
    pub title: &'static str,
    pub about: &'static str,
    /// The page; `{district}` stands for the district's code.
    pub href: &'static str,
    pub order: u16,
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
