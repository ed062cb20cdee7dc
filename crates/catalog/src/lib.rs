//! The service catalog (issue 5, capability 5): what streets may buy (事项范围) in categories of
//! the national guidance catalog, the negative list (负面清单) of 财政部令第102号 Art. 10 with
//! local entries, admission criteria (准入标准) checked criterion by criterion, versions with
//! reviewed adjustments (动态调整), and the three catalogs derived from it all: public services
//! per community, purchasable services per street, qualified providers per item.

pub mod face;

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
use gongzhi_platform::module::{DeskItem, PortalLink};
use gongzhi_platform::web::Routes;
use gongzhi_platform::web::{AppResult, AppState};

/// See adjustment proposals and organizations' eligibility in one's scope (the catalog itself
/// is public).
pub const CATALOG_READ: Permission = Permission("catalog.read");
/// Propose an adjustment (a street or the district).
pub const CATALOG_PROPOSE: Permission = Permission("catalog.propose");
/// Review proposals, publish versions, edit categories (the district).
pub const CATALOG_MANAGE: Permission = Permission("catalog.manage");

pub struct CatalogModule;

impl Module for CatalogModule {
    fn name(&self) -> &'static str {
        "catalog"
    }

    #[cfg(feature = "testing")]
    fn walk(&self) -> Vec<gongzhi_platform::testing::WalkStage> {
        testing::walk()
    }

    fn migrations(&self) -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
        vec![
            Box::new(store::migration::CatalogSchema),
            Box::new(store::migration::FactsIndex),
        ]
    }

    fn permissions(&self) -> Vec<PermissionDecl> {
        vec![
            PermissionDecl {
                permission: CATALOG_READ,
                roles: &[
                    DistrictAdmin,
                    StreetAdmin,
                    CommunityAdmin,
                    Supervisor,
                    Reviewer,
                    OrgAdmin,
                    OrgMember,
                ],
            },
            PermissionDecl {
                permission: CATALOG_PROPOSE,
                roles: &[DistrictAdmin, StreetAdmin],
            },
            PermissionDecl {
                permission: CATALOG_MANAGE,
                roles: &[DistrictAdmin],
            },
        ]
    }

    fn routes(&self) -> Routes {
        web::api::routes()
            .merge(web::ui::routes())
            .merge(web::ui_manage::routes())
    }

    fn openapi(&self) -> gongzhi_platform::utoipa::openapi::OpenApi {
        web::api::openapi()
    }

    fn desk<'a>(
        &'a self,
        state: &'a AppState,
        actor: &'a Actor,
    ) -> BoxFuture<'a, AppResult<Vec<DeskItem>>> {
        Box::pin(service::desk::desk(state, actor))
    }

    fn portal(&self) -> Vec<PortalLink> {
        vec![PortalLink {
            title: "portal.catalog",
            about: "portal.catalog_about",
            href: "/public/catalogs/{district}",
            order: 30,
        }]
    }

    fn nav(&self) -> Vec<gongzhi_platform::ui::NavEntry> {
        vec![gongzhi_platform::ui::NavEntry {
            key: "nav.catalog",
            href: "/catalog",
            permission: Some(CATALOG_READ),
            order: 50,
        }]
    }

    fn workflows(&self) -> Vec<&'static dyn gongzhi_kernel::workflow::Workflow> {
        vec![&domain::CATALOG_CHANGE]
    }

    fn messages(&self) -> &'static str {
        include_str!("../locales/catalog.yml")
    }

    fn seed_demo<'a>(
        &'a self,
        state: &'a gongzhi_platform::AppState,
        demo: &'a mut gongzhi_platform::module::DemoAccounts,
    ) -> futures::future::BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(seed::demo(state, demo))
    }
}
