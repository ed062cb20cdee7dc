//! The social organization registry (issue 4): organizations in three management tiers, the
//! community-organization filing flow on the workflow engine, organization-scoped roles, the
//! directory and the public directory.

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
use gongzhi_platform::entity::territory;
use gongzhi_platform::module::{DeskItem, Figure, PortalLink};
use gongzhi_platform::web::Routes;
use gongzhi_platform::web::{AppResult, AppState};

pub const ORG_READ: Permission = Permission("org.read");
pub const ORG_APPLY: Permission = Permission("org.apply");
pub const ORG_EDIT: Permission = Permission("org.edit");
pub const ORG_SUBMIT: Permission = Permission("org.submit");
pub const ORG_REVIEW: Permission = Permission("org.review");
pub const ORG_DECIDE: Permission = Permission("org.decide");
pub const ORG_REGISTER: Permission = Permission("org.register");
/// Record standing events, list decisions and inspections (民政 at the street and district).
pub const ORG_STANDING: Permission = Permission("org.standing");
/// Award and lower evaluation grades (the district's evaluation committee).
pub const ORG_GRADE: Permission = Permission("org.grade");

pub struct OrgsModule;

impl Module for OrgsModule {
    fn name(&self) -> &'static str {
        "orgs"
    }

    #[cfg(feature = "testing")]
    fn walk(&self) -> Vec<gongzhi_platform::testing::WalkStage> {
        testing::walk()
    }

    fn migrations(&self) -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
        vec![
            Box::new(store::migration::OrgsSchema),
            Box::new(store::migration::StandingSchema),
            Box::new(store::migration::ChangesSchema),
            Box::new(store::migration::NetworksSchema),
            Box::new(store::migration::DirectorySchema),
            Box::new(store::migration::FiguresIndexes),
        ]
    }

    fn permissions(&self) -> Vec<PermissionDecl> {
        vec![
            PermissionDecl {
                permission: ORG_READ,
                roles: &[
                    DistrictAdmin,
                    StreetAdmin,
                    CommunityAdmin,
                    Supervisor,
                    Reviewer,
                    Evaluator,
                    OrgAdmin,
                    OrgMember,
                ],
            },
            // Residents found community organizations; staff at every tier help them apply.
            PermissionDecl {
                permission: ORG_APPLY,
                roles: &[
                    DistrictAdmin,
                    StreetAdmin,
                    CommunityAdmin,
                    Resident,
                    Volunteer,
                    PartyMember,
                    CommunityLeader,
                ],
            },
            PermissionDecl {
                permission: ORG_EDIT,
                roles: &[DistrictAdmin, StreetAdmin, OrgAdmin],
            },
            PermissionDecl {
                permission: ORG_SUBMIT,
                roles: &[OrgAdmin],
            },
            PermissionDecl {
                permission: ORG_REVIEW,
                roles: &[CommunityAdmin],
            },
            PermissionDecl {
                permission: ORG_DECIDE,
                roles: &[DistrictAdmin, StreetAdmin],
            },
            PermissionDecl {
                permission: ORG_REGISTER,
                roles: &[DistrictAdmin, StreetAdmin],
            },
            PermissionDecl {
                permission: ORG_STANDING,
                roles: &[DistrictAdmin, StreetAdmin],
            },
            PermissionDecl {
                permission: ORG_GRADE,
                roles: &[DistrictAdmin],
            },
        ]
    }

    fn routes(&self) -> Routes {
        web::api::routes()
            .merge(web::api_standing::routes())
            .merge(web::api_network::routes())
            .merge(web::ui::routes())
    }

    fn openapi(&self) -> gongzhi_platform::utoipa::openapi::OpenApi {
        let mut doc = web::api::openapi();
        doc.merge(web::api_standing::openapi());
        doc.merge(web::api_network::openapi());
        doc
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
            title: "portal.orgs",
            about: "portal.orgs_about",
            href: "/public/orgs",
            order: 10,
        }]
    }

    fn nav(&self) -> Vec<gongzhi_platform::ui::NavEntry> {
        vec![gongzhi_platform::ui::NavEntry {
            key: "nav.orgs",
            href: "/orgs",
            permission: Some(ORG_READ),
            order: 30,
        }]
    }

    fn jobs(&self) -> Vec<gongzhi_platform::jobs::Job> {
        vec![gongzhi_platform::jobs::Job {
            name: "orgs.standing_clocks",
            every: std::time::Duration::from_secs(6 * 3600),
            run: service::standing_svc::clocks_job,
        }]
    }

    fn workflows(&self) -> Vec<&'static dyn gongzhi_kernel::workflow::Workflow> {
        vec![&domain::LIFECYCLE, &domain::KEY_FACT_CHANGE]
    }

    fn messages(&self) -> &'static str {
        include_str!("../locales/orgs.yml")
    }

    fn demo_accounts(&self) -> Vec<(&'static str, gongzhi_kernel::authz::Role, String)> {
        seed::DEMO_ACCOUNTS
            .iter()
            .map(|(u, r, display)| (*u, *r, format!("{}  {display}", seed::DEMO_ORG)))
            .collect()
    }

    fn bench_data(&self) -> Vec<gongzhi_platform::module::BenchData> {
        vec![gongzhi_platform::module::BenchData {
            what: "orgs",
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
