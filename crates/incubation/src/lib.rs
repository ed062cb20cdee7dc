//! Incubation (issue 4, capability 4): incubators at hubs with capacity, calls for entry that fill
//! cohorts, applications with documents and a first review due in working days, entry agreements,
//! stages, "5个1" mentoring plans with mentors' check-ins, mid-term and graduation assessments,
//! graduation (出壳) or exit, alumni services, yearly cultivation targets and 191号 coverage.

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

/// See incubators, calls, applications and stays in one's scope (an organization: its own).
pub const INCUBATION_READ: Permission = Permission("incubation.read");
/// Apply for an organization (its administrator, or staff helping it).
pub const INCUBATION_APPLY: Permission = Permission("incubation.apply");
/// Run an incubator: calls, first review, agreements, stages, assessments, graduation.
pub const INCUBATION_MANAGE: Permission = Permission("incubation.manage");
/// Be assigned as a mentor and record check-ins for one's mentees.
pub const INCUBATION_MENTOR: Permission = Permission("incubation.mentor");
/// Set yearly cultivation targets.
pub const INCUBATION_TARGETS: Permission = Permission("incubation.targets");

pub struct IncubationModule;

impl Module for IncubationModule {
    fn name(&self) -> &'static str {
        "incubation"
    }

    #[cfg(feature = "testing")]
    fn walk(&self) -> Vec<gongzhi_platform::testing::WalkStage> {
        testing::walk()
    }

    fn migrations(&self) -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
        vec![Box::new(store::migration::IncubationSchema)]
    }

    fn permissions(&self) -> Vec<PermissionDecl> {
        vec![
            PermissionDecl {
                permission: INCUBATION_READ,
                roles: &[
                    DistrictAdmin,
                    StreetAdmin,
                    CommunityAdmin,
                    Supervisor,
                    OrgAdmin,
                    OrgMember,
                    Reviewer,
                ],
            },
            PermissionDecl {
                permission: INCUBATION_APPLY,
                roles: &[DistrictAdmin, StreetAdmin, CommunityAdmin, OrgAdmin],
            },
            PermissionDecl {
                permission: INCUBATION_MANAGE,
                roles: &[DistrictAdmin, StreetAdmin, CommunityAdmin],
            },
            // Social workers and the staff of the organization that runs an incubator mentor;
            // so do outside experts.
            PermissionDecl {
                permission: INCUBATION_MENTOR,
                roles: &[
                    DistrictAdmin,
                    StreetAdmin,
                    CommunityAdmin,
                    OrgAdmin,
                    OrgMember,
                    Reviewer,
                ],
            },
            PermissionDecl {
                permission: INCUBATION_TARGETS,
                roles: &[DistrictAdmin, StreetAdmin],
            },
        ]
    }

    fn routes(&self) -> Routes {
        web::api::routes().merge(web::ui::routes())
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
            title: "portal.incubation",
            about: "portal.incubation_about",
            href: "/public/incubation",
            order: 20,
        }]
    }

    fn nav(&self) -> Vec<gongzhi_platform::ui::NavEntry> {
        vec![
            gongzhi_platform::ui::NavEntry {
                key: "nav.incubation",
                href: "/incubators",
                permission: Some(INCUBATION_READ),
                order: 40,
            },
            gongzhi_platform::ui::NavEntry {
                key: "nav.mentoring",
                href: "/mentoring",
                permission: Some(INCUBATION_MENTOR),
                order: 41,
            },
        ]
    }

    fn workflows(&self) -> Vec<&'static dyn gongzhi_kernel::workflow::Workflow> {
        vec![&domain::APPLICATION, &domain::STAY]
    }

    fn messages(&self) -> &'static str {
        include_str!("../locales/incubation.yml")
    }

    fn demo_accounts(&self) -> Vec<(&'static str, gongzhi_kernel::authz::Role, String)> {
        seed::DEMO_ACCOUNTS
            .iter()
            .map(|(u, r, display)| (*u, *r, display.to_string()))
            .collect()
    }

    fn seed_demo<'a>(
        &'a self,
        state: &'a gongzhi_platform::AppState,
        demo: &'a mut gongzhi_platform::module::DemoAccounts,
    ) -> futures::future::BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(seed::demo(state, demo))
    }
}
