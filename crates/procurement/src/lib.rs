//! Purchase of services (issue 6, capability 6): needs become projects with a budget, targets
//! and a scope check against the service catalog; approval commits the budget; a lawful method
//! and a public notice with deadlines; questions and clarifications; bids checked live against
//! the item's admission criteria and sealed until the deadline. `domain` holds the pure rules
//! (methods, budget lines, rubrics, the challenge clock, contract terms, payments, grades).

// Everything but the face is private to the crate; the binary's cross-module tests see it
// with the feature `testing` (never enabled by a module).
gongzhi_platform::insides!(domain, store, service, web, seed);

/// Fixtures for tests: its records written directly or through the API, and its route-walk
/// stages.
#[cfg(feature = "testing")]
pub mod testing;

use futures::future::BoxFuture;
use gongzhi_kernel::authz::Actor;
use gongzhi_kernel::authz::{Permission, PermissionDecl, Role::*};
use gongzhi_platform::Module;
use gongzhi_platform::entity::territory;
use gongzhi_platform::module::{DeskItem, Figure, PortalLink};
use gongzhi_platform::web::Routes;
use gongzhi_platform::web::{AppResult, AppState};

/// See needs, projects, budgets and bids (once opened) in one's scope.
pub const PURCHASE_READ: Permission = Permission("purchase.read");
/// Raise a need (a community or a street department).
pub const PURCHASE_NEED: Permission = Permission("purchase.need");
/// Draw up projects, keep budget lines, run procurements (a street or the district).
pub const PURCHASE_MANAGE: Permission = Permission("purchase.manage");
/// Approve a project, committing its budget.
pub const PURCHASE_APPROVE: Permission = Permission("purchase.approve");
/// Set the district's purchase settings (the open-tender threshold).
pub const PURCHASE_CONFIGURE: Permission = Permission("purchase.configure");
/// Ask about notices and bid for an organization.
pub const PURCHASE_BID: Permission = Permission("purchase.bid");
/// Evaluate a contract's performance (the street, or an assigned third-party evaluator).
pub const PURCHASE_EVALUATE: Permission = Permission("purchase.evaluate");
/// Sit on evaluation panels: declare conflicts, score bids.
pub const PURCHASE_REVIEW: Permission = Permission("purchase.review");

pub struct ProcurementModule;

impl Module for ProcurementModule {
    fn name(&self) -> &'static str {
        "procurement"
    }

    #[cfg(feature = "testing")]
    fn walk(&self) -> Vec<gongzhi_platform::testing::WalkStage> {
        testing::walk()
    }

    fn migrations(&self) -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
        vec![
            Box::new(store::migration::ProcurementSchema),
            Box::new(store::migration::EvaluationSchema),
            Box::new(store::migration::ContractSchema),
            Box::new(store::migration::OcdsSchema),
            Box::new(store::migration::QueueIndexes),
        ]
    }

    fn permissions(&self) -> Vec<PermissionDecl> {
        vec![
            PermissionDecl {
                permission: PURCHASE_READ,
                roles: &[DistrictAdmin, StreetAdmin, CommunityAdmin, Supervisor],
            },
            PermissionDecl {
                permission: PURCHASE_NEED,
                roles: &[DistrictAdmin, StreetAdmin, CommunityAdmin],
            },
            PermissionDecl {
                permission: PURCHASE_MANAGE,
                roles: &[DistrictAdmin, StreetAdmin],
            },
            PermissionDecl {
                permission: PURCHASE_APPROVE,
                roles: &[DistrictAdmin, StreetAdmin],
            },
            PermissionDecl {
                permission: PURCHASE_CONFIGURE,
                roles: &[DistrictAdmin],
            },
            PermissionDecl {
                permission: PURCHASE_BID,
                roles: &[OrgAdmin],
            },
            PermissionDecl {
                permission: PURCHASE_EVALUATE,
                roles: &[DistrictAdmin, StreetAdmin, Evaluator],
            },
            PermissionDecl {
                permission: PURCHASE_REVIEW,
                roles: &[Reviewer],
            },
        ]
    }

    fn routes(&self) -> Routes {
        web::api::routes()
            .merge(web::ui::routes())
            .merge(web::ui_project::routes())
            .merge(web::ui_contract::routes())
            .merge(web::ui_org::routes())
            .merge(web::ui_public::routes())
            .merge(web::ui_results::routes())
    }

    fn jobs(&self) -> Vec<gongzhi_platform::jobs::Job> {
        vec![service::reminders::job()]
    }

    fn desk<'a>(
        &'a self,
        state: &'a AppState,
        actor: &'a Actor,
    ) -> BoxFuture<'a, AppResult<Vec<DeskItem>>> {
        Box::pin(service::desk::desk(state, actor))
    }

    fn figures<'a>(
        &'a self,
        state: &'a AppState,
        node: &'a territory::Model,
        year: i32,
    ) -> BoxFuture<'a, AppResult<Vec<Figure>>> {
        Box::pin(service::desk::figures(state, node, year))
    }

    fn portal(&self) -> Vec<PortalLink> {
        vec![PortalLink {
            title: "portal.notices",
            about: "portal.notices_about",
            href: "/public/notices",
            order: 40,
        }]
    }

    fn nav(&self) -> Vec<gongzhi_platform::ui::NavEntry> {
        // Staff, organizations, reviewers and evaluators each have their queue on the desk.
        [
            PURCHASE_READ,
            PURCHASE_BID,
            PURCHASE_REVIEW,
            PURCHASE_EVALUATE,
        ]
        .into_iter()
        .map(|p| gongzhi_platform::ui::NavEntry {
            key: "nav.purchase",
            href: "/purchase",
            permission: Some(p),
            order: 60,
        })
        .collect()
    }

    fn openapi(&self) -> gongzhi_platform::utoipa::openapi::OpenApi {
        web::api::openapi()
    }

    fn workflows(&self) -> Vec<&'static dyn gongzhi_kernel::workflow::Workflow> {
        vec![
            &domain::NEED,
            &domain::PROJECT,
            &domain::CHALLENGE,
            &domain::CONTRACT,
            &domain::MILESTONE,
        ]
    }

    fn messages(&self) -> &'static str {
        include_str!("../locales/procurement.yml")
    }

    fn bench_data(&self) -> Vec<gongzhi_platform::module::BenchData> {
        vec![gongzhi_platform::module::BenchData {
            what: "projects",
            run: |state, n| Box::pin(seed::bench(state, n)),
        }]
    }

    fn seed_demo<'a>(
        &'a self,
        state: &'a gongzhi_platform::AppState,
        demo: &'a mut gongzhi_platform::module::DemoAccounts,
    ) -> futures::future::BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(seed::demo(state, demo))
    }
}
